"""Key-person control in the demo town: a week of an outbreak around the demo grid workers' grid.

Called by ``generate_demo`` after the ledgers. Deterministic for a seed, but relative to *now*: the
orders started in the last days, so the demo always shows running orders with their checks, a
fever alert, missed checks, due tests, arrivals waiting in the queue, needs and one released order.
Everything goes through the services, as a grid worker's clicks would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from random import Random

from django.db import transaction
from django.utils import timezone

from gridguard.accounts.models import User
from gridguard.control import rules, selectors, services
from gridguard.control.models import ControlOrder, ScheduledTest, TestResult
from gridguard.core.plug import DemoContext
from gridguard.grids.models import GridNode
from gridguard.people.models import Person, PersonStatus

# (category, measure, days ago the order started)
ORDERS = (
    ("close_contact", "central", 5),
    ("close_contact", "central", 3),
    ("close_contact", "central", 1),
    ("secondary_contact", "home", 4),
    ("secondary_contact", "home", 2),
    ("secondary_contact", "home", 0),
    ("medium_risk_arrival", "home", 6),
    ("medium_risk_arrival", "home", 3),
    ("medium_risk_arrival", "home", 1),
    ("high_risk_arrival", "central", 2),
    ("inbound", "central", 4),
    ("code", "home_monitoring", 1),
)
RELEASED = ("secondary_contact", "home", 9)  # seven days over: released with a notice
ARRIVALS = (
    ("刘洋", "湖北省武汉市江岸区", "自驾 鄂A12345", 0),
    ("陈静", "上海市浦东新区", "G1234 次列车", 1),
    ("周凯", "广东省深圳市南山区", "航班 CZ3456", 1),
)
NEEDS = (("shopping", "米、油和青菜，两天一次"), ("medicine", "降压药（硝苯地平）一盒"))


def _grid(worker: User | None) -> GridNode | None:
    if worker is not None:
        node = worker.nodes.first()
        if node is not None:
            return node
    return GridNode.objects.filter(level__is_grid=True, is_active=True).order_by("path").first()


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=rules.local_tz())


def _checks(order: ControlOrder, actor: User, rng: Random, now: dt.datetime, fever: bool) -> None:
    """Checks of every slot ended since the order began, a few left out (they become missed alerts);
    ``fever``: the last one is 38.2 ℃."""
    slots = rules.parse_slots(order.check_slots)
    days = (rules.local_date(now) - order.start_date).days
    ended = [
        (d, s)
        for d, s in rules.ended_slots(now, slots, days_back=days)
        if s.ends_at(d) > order.created_at and d <= order.end_date
    ]
    for i, (day, slot) in enumerate(ended):
        last = i == len(ended) - 1
        if not last and rng.random() < 0.08:
            continue
        at = slot.starts_at(day) + dt.timedelta(minutes=rng.randint(30, 200))
        temperature = "38.2" if fever and last else f"{rng.choice((36.2, 36.4, 36.5, 36.6, 36.8)):.1f}"
        services.check_record(order=order, temperature=temperature, actor=actor, at=at, now=at)


def _join_team(order: ControlOrder, actor: User, worker: User) -> None:
    """The demo grid worker takes a village-cadre seat, so their "my persons today" list is not empty."""
    candidates = selectors.team_candidates(order)["village_cadre"]
    mine = next((s for s in candidates if s.user_id == worker.pk), None)
    members = [(m.role, m.staff_id) for m in order.team.order_by("id") if m.staff_id]
    if mine is None or any(staff_id == mine.pk for _role, staff_id in members):
        return
    cadres = [i for i, (role, _staff) in enumerate(members) if role == "village_cadre"]
    if cadres:
        members[cadres[-1]] = ("village_cadre", mine.pk)
    else:
        members.append(("village_cadre", mine.pk))
    services.team_set(actor=actor, order=order, members=members, note="网格员包保", now=order.created_at)


def _tests(order: ControlOrder, actor: User, now: dt.datetime) -> None:
    """Past tests are negative; today's is sampled (its result comes tomorrow)."""
    today = rules.local_date(now)
    for test in ScheduledTest.objects.filter(order=order, date__lte=today).order_by("date"):
        result = TestResult.SAMPLED if test.date == today else TestResult.NEGATIVE
        services.test_record(actor=actor, test=test, result=result, now=now)


@transaction.atomic
def generate_control_demo(
    *, seed: int, actor: User, worker: User | None = None, out: Callable[[str], None] = lambda s: None
) -> int:
    """Orders, checks, alerts, arrivals and needs in the grid of ``worker`` (the demo grid worker)
    and its neighbours. Returns the number of orders made."""
    rng = Random(seed)
    grid = _grid(worker)
    if grid is None:
        return 0
    now = timezone.now()
    today = rules.local_date(now)
    persons = list(
        Person.objects.filter(
            node_path__startswith=grid.path, status=PersonStatus.ACTIVE, birth_date__isnull=False
        )
        .select_related("household")
        .order_by("id")[:400]
    )
    adults = [p for p in persons if p.birth_date and 18 <= (today - p.birth_date).days // 365 <= 70]
    chosen = rng.sample(adults, min(len(adults), len(ORDERS) + 1))
    if len(chosen) < len(ORDERS) + 1:
        return 0
    orders = []
    for i, ((category, measure, ago), person) in enumerate(zip(ORDERS, chosen, strict=False)):
        start = today - dt.timedelta(days=ago)
        order = services.order_create(
            actor=actor,
            person=person,
            category=category,
            measure=measure,
            start_date=start,
            source=("协查名单", "自主报备", "排查发现")[i % 3],
            place="城关镇隔离酒店 " + str(301 + i) if measure == "central" else "",
            now=_at(start, 8, 30),
        )
        if worker is not None:
            _join_team(order, actor, worker)
        _checks(order, actor, rng, now, fever=i == 1)
        _tests(order, actor, now)
        orders.append(order)
    services.missed_checks_detect(now=now)

    category, measure, ago = RELEASED
    start = today - dt.timedelta(days=ago)
    released = services.order_create(
        actor=actor,
        person=chosen[-1],
        category=category,
        measure=measure,
        start_date=start,
        source="协查名单",
        now=_at(start, 8, 30),
    )
    _checks(released, actor, rng, now, fever=False)
    _tests(released, actor, now)
    services.order_release(actor=actor, order=released, note="期满，核酸检测均为阴性", now=now)

    home = next((o for o in orders if o.measure == "home"), orders[0])
    for kind, detail in NEEDS:
        services.need_create(order=home, kind=kind, detail=detail, actor=actor, now=now)

    buildings = list(
        GridNode.objects.filter(path__startswith=grid.path, level__code="building").order_by("path")[:3]
    )
    for i, (name, from_place, transport, ago) in enumerate(ARRIVALS):
        building = buildings[i % len(buildings)] if buildings else None
        services.arrival_submit(
            poster=grid,
            data={
                "name": name,
                "id_number": _arrival_id(rng, today, i),
                "phone": f"139{rng.randint(10_000_000, 99_999_999)}",
                "from_place": from_place,
                "arrival_date": (today - dt.timedelta(days=ago)).isoformat(),
                "address": f"{building.name if building else grid.name} {rng.randint(1, 6)}0{rng.randint(1, 4)}",
                "transport": transport,
                "address_node": str(building.pk) if building else "",
            },
            now=now,
        )
    out(
        f"重点人员管控：{len(orders) + 1} 条管控（其中 1 条已解除），{len(ARRIVALS)} 条来返报备，{len(NEEDS)} 条生活保障需求"
    )
    return len(orders) + 1


def _arrival_id(rng: Random, today: dt.date, i: int) -> str:
    from gridguard.core.identity import make_id_number

    birth = dt.date(1975 + rng.randint(0, 25), rng.randint(1, 12), rng.randint(1, 28))
    return make_id_number(("420102", "310115", "440305")[i % 3], birth, rng.randint(1, 998))


def demo_step(ctx: DemoContext) -> None:
    """The demo town's key-person control (core.plug demo step): needs the demo's administrator."""
    if ctx.admin is not None:
        generate_control_demo(seed=ctx.seed, actor=ctx.admin, worker=ctx.grid_worker, out=ctx.out)
