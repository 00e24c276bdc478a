"""Benchmark of key-person control (重点人员管控) at town scale.

    python bench/control.py [--persons 1000000] [--orders 50000] [--seed 2020] [--analyze]
                            [--detect-budget 60] [--keep]

Builds its own database (SQLite: a fresh var/bench/control-<pid>.sqlite3; PostgreSQL when DATABASE_URL
points at one: database gridguard_bench on that server, dropped and created), generates the demo town with
--persons persons, then puts --orders persons under control, set-based (not through order_create): the
orders with the fields order_create sets (policy from services.policy_for, stage dates, check slots, node
path), their create step and scheduled tests, a three-to-one team for each order drawn from a pool of staff
logins (each holds 10–30 persons), the health checks of the past days (8 % of slots missed, a missed alert
each, most resolved; a few fevers), and checks of today's first slot on half the orders. Then measures
against the targets of the issue:

- today_list_ms            "my persons today" of one team member, rendered by the view through the test
                           client (< 100 ms, p95 of 20 renders; and p95 over 30 team members across the
                           town); the selector my_persons_today alone too
- alerts_list_ms           the open alerts of the largest community for its community official, rendered
                           by the view (< 150 ms); the selector alert_page alone too
- check_record_p95         services.check_record by a team member, normal and fever temperatures
                           (< 20 ms at p95 over 300 records)
- missed_detect_s          services.missed_checks_detect just after today's first slot ends (half the
                           orders without a check; < 2 s); missed_detect_all_missed_s just after the second
                           slot ends (no order has a check: every active order gets an alert; < 2 s); the
                           5-minute rerun and the periodic job's call (yesterday and today) for information.
                           A run still going after --detect-budget seconds (60) is stopped before its next
                           statement, rolled back and extrapolated ("s (estimated)").

A view that does not exist yet (no URL name) or does not answer 200 is reported as skipped; its selector
figures still count.
On PostgreSQL the control tables are ANALYZEd after the load (what autovacuum does within a minute);
on SQLite only with --analyze (the app itself never runs ANALYZE on them).

Prints one line per figure (``name = value unit``) and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Bench, percentile, timed_ms  # noqa: E402

LIST_RENDERS = 20
MEMBERS_SAMPLED = 30
CHECKS = 300
WARM_UP = 10
LOAD = (10, 30)  # persons per team member
MISSED_SHARE = 0.08  # past slots without a check
OPEN_MISSED_SHARE = 0.15  # missed alerts not yet resolved
FEVER_SHARE = 0.003  # past checks with a fever
SYMPTOM_SHARE = 0.002  # past checks with a symptom and no fever

# (category, measure, weight): the mix of a town in an outbreak (national plan, 9th edition)
MIX = (
    ("close_contact", "central", 25),
    ("secondary_contact", "home", 25),
    ("high_risk_arrival", "central", 8),
    ("medium_risk_arrival", "home", 27),
    ("inbound", "central", 5),
    ("code", "home_monitoring", 6),
    ("other", "daily_monitoring", 4),
)
# seat of the three-to-one team → (account role, staff duty, where the login is bound)
SEATS = (
    ("town_cadre", "community_official", "liaison_cadre", "community"),
    ("village_cadre", "grid_worker", "grid_worker", "grid"),
    ("village_cadre", "grid_chief", "grid_chief", "grid"),
    ("medic", "medic", "medic", "community"),
)
HOTELS = ("城关镇集中隔离点（锦江之星）", "城关镇集中隔离点（如家酒店）", "县集中隔离点（党校）")
SOURCES = ("协查名单", "自主报备", "排查发现", "大数据推送")


@dataclass
class World:
    today: dt.date
    orders: int
    community: Any  # the largest community (GridNode)
    official: Any  # its community official (User)
    member: Any  # a grid worker with a median load (User)
    members: list[Any] = field(default_factory=list)  # a sample of team members across the town
    recorders: list[tuple[int, int]] = field(default_factory=list)  # (user id, order id) of team seats
    open_alerts: int = 0
    open_alerts_community: int = 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--analyze", action="store_true", help="ANALYZE the control tables on SQLite too")
    parser.add_argument(
        "--detect-budget",
        type=float,
        default=60.0,
        help="seconds after which a missed_checks_detect run is stopped and extrapolated",
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()

    bench = Bench("control", keep=args.keep)
    bench.setup()
    try:
        run(bench, args)
    finally:
        bench.teardown()
    return bench.exit_code()


def run(bench: Bench, args: argparse.Namespace) -> None:
    from gridguard.demo.town import generate_town as generate_demo

    bench.note(f"generating {args.persons:,} persons on {bench.vendor} …")
    t = time.perf_counter()
    result = generate_demo(persons=args.persons, seed=args.seed, users=False)
    bench.note(
        f"{result.nodes:,} nodes, {result.grids:,} grids, {result.households:,} households, "
        f"{result.staff:,} staff in {time.perf_counter() - t:.1f} s"
    )
    rng = random.Random(args.seed)
    t = time.perf_counter()
    world = build(bench, args, rng)
    bench.figure("build_seconds", time.perf_counter() - t, "s")
    today_list(bench, world)
    alerts_list(bench, world)
    check_records(bench, world, rng)
    missed_detect(bench, world, args.detect_budget)


# --- data: orders, teams, checks, alerts -----------------------------------------------------------

ORDER_FIELDS = (
    "id person_id household_id node_id node_path category source policy_id measure place reported_address start_date end_date "
    "stage_start stage_end check_slots status team_complete notice_no created_at"
).split()
STEP_FIELDS = "order_id kind date detail note at".split()
TEST_FIELDS = "order_id policy_id day_no date result sampled_at result_at".split()
STAFF_FIELDS = "id node_id duty name phone user_id since created_at".split()
MEMBER_FIELDS = "order_id role staff_id user_id name phone".split()
CHECK_FIELDS = "id order_id slot_date slot temperature symptoms note at by_id self_reported".split()
ALERT_FIELDS = (
    "order_id node_path kind slot_date slot check_ref_id detail raised_at is_open resolved_at resolved_by_id "
    "resolution"
).split()
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the bench logs in with force_login


@dataclass
class Order:
    id: int
    path: str
    community: str  # path of the community
    grid: int | None  # id of the grid above the person's node
    start: dt.date
    policy: Any
    seats: list[int] = field(default_factory=list)  # user id per seat of SEATS


def _at(day: dt.date, minutes: int) -> dt.datetime:
    """Local wall-clock time ``minutes`` after midnight of ``day``."""
    from gridguard.control import rules

    return dt.datetime.combine(day, dt.time(0), tzinfo=rules.local_tz()) + dt.timedelta(minutes=minutes)


def _d(day: dt.date) -> str:
    return day.isoformat()


def _ts(at: dt.datetime) -> str:
    from gridguard.core.bulk import db_datetime

    return db_datetime(at)


def build(bench: Bench, args: argparse.Namespace, rng: random.Random) -> World:
    from django.db import connection
    from django.test.utils import override_settings
    from django.utils import timezone

    from gridguard.accounts.models import Role, User
    from gridguard.accounts.services import user_create
    from gridguard.control import rules
    from gridguard.control.models import (
        Alert,
        ControlOrder,
        HealthCheck,
        OrderStep,
        ScheduledTest,
        TeamMember,
    )
    from gridguard.core.paths import subtree_q
    from gridguard.grids.models import GridNode, StaffAssignment
    from gridguard.people.models import Person

    today = rules.local_date(timezone.now())
    t = time.perf_counter()
    orders, tests = _orders(args.orders, today, rng)
    bench.note(f"{len(orders):,} orders, {tests:,} scheduled tests in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    logins, seats = _teams(orders, today, rng)
    bench.note(
        f"{len(logins):,} team logins (user_create), {seats:,} team seats in {time.perf_counter() - t:.1f} s"
    )
    t = time.perf_counter()
    checks, alerts = _checks(orders, today, rng)
    bench.note(f"{checks:,} health checks, {alerts:,} alerts in {time.perf_counter() - t:.1f} s")

    if connection.vendor == "postgresql" or args.analyze:
        t = time.perf_counter()
        tables = (
            ControlOrder,
            OrderStep,
            ScheduledTest,
            TeamMember,
            HealthCheck,
            Alert,
            StaffAssignment,
            User,
        )
        with connection.cursor() as cur:
            for model in tables:
                cur.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        bench.note(f"ANALYZE of the control tables: {time.perf_counter() - t:.1f} s")
    else:
        bench.note("control tables not ANALYZEd (SQLite; --analyze to do it)")

    # who is measured: the largest community's official, a grid worker there with a median load
    communities = list(GridNode.objects.filter(depth=2))
    sizes = {c.path: Person.objects.filter(subtree_q(c.path)).count() for c in communities}
    largest = max(communities, key=lambda c: sizes[c.path])
    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        official = user_create(
            actor=None,
            username="bench-community",
            password="bench-pass-123",
            full_name="社区书记",
            role=Role.objects.get(code="community_official"),
            nodes=[largest],
        )
    workers = sorted(
        (load, user_id) for seat_no, path, user_id, load in logins if seat_no == 1 and path == largest.path
    )
    load, member_id = workers[len(workers) // 2]
    member = User.objects.get(pk=member_id)
    sample = rng.sample([user_id for _s, _p, user_id, _l in logins], min(MEMBERS_SAMPLED, len(logins)))
    members = list(User.objects.filter(pk__in=sample))
    recorders = [(o.seats[rng.choice((1, 1, 2, 3))], o.id) for o in orders]
    open_alerts = Alert.objects.filter(is_open=True).count()
    open_community = Alert.objects.filter(subtree_q(largest.path), is_open=True).count()
    in_community = sum(1 for o in orders if o.community == largest.path)
    bench.note(
        f"largest community: {largest.name} with {sizes[largest.path]:,} persons, {in_community:,} orders, "
        f"{open_community:,} open alerts (town: {open_alerts:,}); the measured team member holds {load} persons"
    )
    return World(
        today=today,
        orders=len(orders),
        community=largest,
        official=official,
        member=member,
        members=members,
        recorders=recorders,
        open_alerts=open_alerts,
        open_alerts_community=open_community,
    )


def _orders(count: int, today: dt.date, rng: random.Random) -> tuple[list[Order], int]:
    """A random sample of active persons under control, in tree order (a team looks after neighbours),
    with the fields order_create sets, its create step and the policy's scheduled tests."""
    from django.db import transaction

    from gridguard.control import rules, services
    from gridguard.control.models import ControlOrder, OrderStep, ScheduledTest
    from gridguard.core.bulk import allocate_ids, insert_rows
    from gridguard.grids.models import GridNode
    from gridguard.people.models import Person, PersonStatus

    active = Person.objects.filter(status=PersonStatus.ACTIVE)
    ids = list(active.order_by().values_list("id", flat=True))
    chosen = sorted(rng.sample(ids, min(count, len(ids) // 2)))
    del ids
    persons = []
    for i in range(0, len(chosen), 5000):
        persons.extend(
            Person.objects.filter(pk__in=chosen[i : i + 5000]).values_list(
                "id", "household_id", "node_id", "node_path", "household__address"
            )
        )
    persons.sort(key=lambda p: (p[3], p[0]))
    c_len = len(GridNode.objects.filter(depth=2).values_list("path", flat=True).first() or "")
    grids = dict(GridNode.objects.filter(level__code="grid").values_list("path", "id"))
    grid_lengths = sorted({len(p) for p in grids}, reverse=True)

    def grid_of(path: str) -> int | None:
        return next((grids[path[:n]] for n in grid_lengths if path[:n] in grids), None)

    policies = {(c, m): services.policy_for(c, m) for c, m, _w in MIX}
    following = {}  # days of the stages after the first (密接: 3 days of home health monitoring)
    for key, policy in policies.items():
        days, nxt = 0, policy.next_policy
        while nxt is not None:
            days += nxt.days
            nxt = nxt.next_policy
        following[key] = days
    kinds = [(c, m) for c, m, w in MIX for _ in range(w)]
    orders, order_rows, step_rows, test_rows = [], [], [], []
    with transaction.atomic():
        order_ids = allocate_ids(ControlOrder, len(persons))
    for oid, (pid, household_id, node_id, path, address) in zip(order_ids, persons, strict=True):
        category, measure = rng.choice(kinds)
        policy = policies[category, measure]
        start = today - dt.timedelta(days=rng.randint(1, max(1, policy.days - 1)))
        stage_end = rules.stage_end(start, policy.days)
        end = stage_end + dt.timedelta(days=following[category, measure])
        place = rng.choice(HOTELS) if measure == "central" else (address or "") if household_id else ""
        created = _ts(_at(start, rng.randint(8 * 60, 11 * 60)))
        orders.append(Order(oid, path, path[:c_len], grid_of(path), start, policy))
        order_rows.append(
            (oid, pid, household_id, node_id, path, category, rng.choice(SOURCES), policy.pk, measure)
            + (place[:120], "", _d(start), _d(end), _d(start), _d(stage_end), policy.check_slots, "active", True)
            + ("", created)
        )
        detail = {
            "category": category,
            "measure": measure,
            "policy": policy.pk,
            "days": policy.days,
            "end_date": _d(end),
            "place": place,
        }
        step_rows.append((oid, "create", _d(start), json.dumps(detail, ensure_ascii=False), "", created))
        for n, date in rules.test_dates(start, policy.days, list(policy.test_days or [])):
            if date < today:
                result = "negative" if rng.random() < 0.97 else "sampled"
                sampled = _at(date, rng.randint(8 * 60, 11 * 60))
                result_at = _ts(sampled + dt.timedelta(hours=10)) if result == "negative" else None
                test_rows.append((oid, policy.pk, n, _d(date), result, _ts(sampled), result_at))
            else:
                test_rows.append((oid, policy.pk, n, _d(date), "pending", None, None))
    with transaction.atomic():
        insert_rows(ControlOrder, ORDER_FIELDS, order_rows)
        insert_rows(OrderStep, STEP_FIELDS, step_rows)
        insert_rows(ScheduledTest, TEST_FIELDS, test_rows)
    return orders, len(test_rows)


def _teams(orders: list[Order], today: dt.date, rng: random.Random) -> tuple[list[tuple], int]:
    """Three-to-one teams: per community and seat, consecutive orders in chunks of 10–30 per login. Each
    login is made with user_create (bound to its community or the grids of its persons) and holds a staff
    assignment. Returns the logins (seat no, community path, user id, persons) and the number of seats."""
    from django.db import transaction
    from django.test.utils import override_settings
    from django.utils import timezone

    from gridguard.accounts.models import Role
    from gridguard.accounts.services import user_create
    from gridguard.control.models import TeamMember
    from gridguard.core.bulk import allocate_ids, insert_rows
    from gridguard.demo import town as demo
    from gridguard.grids.models import GridNode, StaffAssignment

    roles = {r.code: r for r in Role.objects.all()}
    surnames = demo._weighted_table(demo._surname_items())
    given = demo._GIVEN[(1, "M")][0] + demo._GIVEN[(1, "F")][0]
    communities = {c.path: c for c in GridNode.objects.filter(depth=2)}
    nodes = GridNode.objects.in_bulk(
        [*(o.grid for o in orders if o.grid), *(c.pk for c in communities.values())]
    )
    by_community: dict[str, list[Order]] = {}
    for o in orders:
        o.seats = [0] * len(SEATS)
        by_community.setdefault(o.community, []).append(o)
    chunks = []  # (seat no, community path, orders)
    for path, members in by_community.items():
        for seat_no in range(len(SEATS)):
            pos = 0
            while pos < len(members):
                size = rng.randint(*LOAD)
                if len(members) - pos - size < LOAD[0]:
                    size = len(members) - pos
                chunks.append((seat_no, path, members[pos : pos + size]))
                pos += size
    with transaction.atomic():
        staff_ids = allocate_ids(StaffAssignment, len(chunks))
    since, created = _d(today - dt.timedelta(days=30)), _ts(timezone.now())
    logins, staff_rows, member_rows = [], [], []
    with override_settings(PASSWORD_HASHERS=FAST_HASHER), transaction.atomic():
        for n, (staff_id, (seat_no, path, chunk)) in enumerate(zip(staff_ids, chunks, strict=True)):
            seat, role, duty, bound = SEATS[seat_no]
            community = communities[path]
            node_ids = sorted({o.grid or community.pk for o in chunk}) if bound == "grid" else [community.pk]
            name = rng.choice(surnames) + rng.choice(given) + rng.choice(given)
            phone = rng.choice(demo._MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            user = user_create(
                actor=None,
                username=f"bench-{role}-{n:05d}",
                password="bench-pass-123",
                full_name=name,
                phone=phone,
                role=roles[role],
                nodes=[nodes[pk] for pk in node_ids],
            )
            logins.append((seat_no, path, user.pk, len(chunk)))
            staff_rows.append((staff_id, node_ids[0], duty, name, phone, user.pk, since, created))
            for o in chunk:
                o.seats[seat_no] = user.pk
                member_rows.append((o.id, seat, staff_id, user.pk, name, phone))
    with transaction.atomic():
        insert_rows(StaffAssignment, STAFF_FIELDS, staff_rows)
        insert_rows(TeamMember, MEMBER_FIELDS, member_rows)
    return logins, len(member_rows)


def _checks(orders: list[Order], today: dt.date, rng: random.Random) -> tuple[int, int]:
    """Checks of every past slot (MISSED_SHARE missed, each with a missed alert, most resolved; a few fevers
    and symptoms with their alerts) and of today's first slot on half the orders."""
    from django.db import transaction

    from gridguard.control import rules
    from gridguard.control.models import Alert, HealthCheck
    from gridguard.core.bulk import allocate_ids, insert_rows

    layouts: dict[str, list[rules.Slot]] = {}
    checks: list[list] = []  # rows without their id
    alerts: list[list] = []  # rows; check_ref_id is an index into checks until the ids are known
    for o in orders:
        slots = layouts.setdefault(o.policy.check_slots, rules.parse_slots(o.policy.check_slots))
        worker = o.seats[1]
        day = o.start
        while day <= today:
            for slot in slots:
                if day == today and (slot.index > 0 or rng.random() >= 0.5):
                    continue  # today: the first slot on half the orders, nothing later yet
                if day < today and rng.random() < MISSED_SHARE:
                    raised = slot.ends_at(day) + dt.timedelta(minutes=rng.randint(1, 5))
                    is_open = rng.random() < OPEN_MISSED_SHARE
                    resolved = None if is_open else _ts(raised + dt.timedelta(minutes=rng.randint(30, 240)))
                    alerts.append(
                        [
                            o.id,
                            o.path,
                            "missed",
                            _d(day),
                            slot.index,
                            None,
                            f"{_d(day)} {slot.label} 未测体温",
                        ]
                        + [_ts(raised), is_open, resolved, None if is_open else worker]
                        + ["" if is_open else "已电话核实，体温正常"]
                    )
                    continue
                at = slot.starts_at(day) + dt.timedelta(minutes=rng.randint(0, slot.end - slot.start - 1))
                symptoms = 0
                if rng.random() < FEVER_SHARE:
                    temperature = f"{rng.uniform(37.3, 39.2):.1f}"
                elif rng.random() < SYMPTOM_SHARE:
                    temperature, symptoms = f"{rng.uniform(36.2, 37.1):.1f}", 2
                else:
                    temperature = f"{min(37.2, max(35.8, rng.gauss(36.5, 0.25))):.1f}"
                self_reported = rng.random() < 0.2
                by = None if self_reported else worker
                checks.append(
                    [o.id, _d(day), slot.index, temperature, symptoms, "", _ts(at), by, self_reported]
                )
                fever = float(temperature) >= 37.3
                if symptoms or fever:
                    is_open = day == today or rng.random() < 0.3
                    resolved = None if is_open else _ts(at + dt.timedelta(hours=2))
                    detail = f"{temperature}℃" + (" 咳嗽" if symptoms else "")
                    alerts.append(
                        [o.id, o.path, "fever" if fever else "symptom", _d(day), slot.index, len(checks) - 1]
                        + [detail, _ts(at), is_open, resolved, None if is_open else worker]
                        + ["" if is_open else "复测体温正常"]
                    )
            day += dt.timedelta(days=1)
    with transaction.atomic():
        check_ids = allocate_ids(HealthCheck, len(checks))
        insert_rows(
            HealthCheck, CHECK_FIELDS, ([pk, *row] for pk, row in zip(check_ids, checks, strict=True))
        )
        for row in alerts:
            if row[5] is not None:
                row[5] = check_ids[row[5]]
        insert_rows(Alert, ALERT_FIELDS, alerts)
    return len(checks), len(alerts)


# --- views through the test client -----------------------------------------------------------------


def _view_url(name: str) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _quiet_get(client, url: str, params: dict | None = None) -> int:  # type: ignore[no-untyped-def]
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)  # a view still being written may answer 500
    try:
        return client.get(url, params or {}).status_code
    finally:
        request_log.setLevel(level)


def _client(user):  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def today_list(bench: Bench, world: World) -> None:
    from gridguard.control.selectors import my_persons_today

    url = _view_url("control:today")
    status = _quiet_get(_client(world.member), url) if url else 404
    if url and status == 200:
        client = _client(world.member)
        client.get(url)
        times = [timed_ms(lambda: client.get(url))[0] for _ in range(LIST_RENDERS)]
        bench.figure("today_list_ms", percentile(times, 95), "ms", at_most=100)
        bench.figure("today_list_median", percentile(times, 50), "ms")
        times = []
        for user in world.members:
            client = _client(user)
            ms, response = timed_ms(lambda client=client: client.get(url))
            if response.status_code != 200:  # type: ignore[attr-defined]
                bench.note(f"today list of {user.username}: HTTP {response.status_code}")  # type: ignore[attr-defined]
            times.append(ms)
        bench.figure("today_list_members_p95", percentile(times, 95), "ms", at_most=100)
    else:
        why = "no URL named control:today yet" if url is None else f"GET {url} answered {status}"
        bench.note(f"{why}: the selector and a plain serialisation are timed instead")
        bench.figure("today_list_ms", f"skipped ({why})")

    def selector(user) -> list[tuple]:  # type: ignore[no-untyped-def]
        rows = my_persons_today(user=user)
        return [
            (
                r.order.pk,
                r.order.person.name,
                r.order.person.phone[-4:],
                r.order.get_measure_display(),
                r.order.place,
                r.order.household.address if r.order.household else "",
                r.day_no,
                r.slots,
                [(t.day_no, t.get_result_display()) for t in r.tests_due],
                r.alerts,
                r.last_temperature,
            )
            for r in rows
        ]

    rows = selector(world.member)
    bench.note(f"today list of {world.member.username}: {len(rows)} persons")
    times = [timed_ms(lambda: selector(world.member))[0] for _ in range(LIST_RENDERS)]
    bench.figure("today_list_selector_ms", percentile(times, 95), "ms", at_most=100)
    times = [timed_ms(lambda user=user: selector(user))[0] for user in world.members]
    bench.figure("today_list_selector_members_p95", percentile(times, 95), "ms", at_most=100)


def alerts_list(bench: Bench, world: World) -> None:
    from gridguard.accounts.scope import scope_for
    from gridguard.control.selectors import alert_page

    url = _view_url("control:alerts")
    status = _quiet_get(_client(world.official), url) if url else 404
    if url and status == 200:
        client = _client(world.official)
        client.get(url)
        times = [timed_ms(lambda: client.get(url))[0] for _ in range(LIST_RENDERS)]
        bench.figure("alerts_list_ms", percentile(times, 95), "ms", at_most=150)
        bench.figure("alerts_list_median", percentile(times, 50), "ms")
    else:
        why = "no URL named control:alerts yet" if url is None else f"GET {url} answered {status}"
        bench.note(f"{why}: the selector and a plain serialisation are timed instead")
        bench.figure("alerts_list_ms", f"skipped ({why})")

    scope = scope_for(world.official)

    def selector(cursor: str | None = None):  # type: ignore[no-untyped-def]
        page = alert_page(scope=scope, cursor=cursor)
        rows = [
            (
                a.pk,
                a.get_kind_display(),
                a.slot_date.isoformat(),
                a.slot,
                a.detail,
                a.raised_at.isoformat(),
                a.order.person.name,
                a.order.person.phone[-4:],
                a.order.get_measure_display(),
                a.order.household.address if a.order.household else "",
            )
            for a in page.items
        ]
        return page, rows

    page, rows = selector()
    bench.note(
        f"alert list of {world.community.name}: {len(rows)} rows on the first page "
        f"({world.open_alerts_community:,} open)"
    )
    times = [timed_ms(selector)[0] for _ in range(LIST_RENDERS)]
    bench.figure("alerts_list_selector_ms", percentile(times, 95), "ms", at_most=150)
    if page.next_cursor:
        times = [timed_ms(lambda: selector(page.next_cursor))[0] for _ in range(LIST_RENDERS)]
        bench.figure("alerts_list_page2_selector_ms", percentile(times, 95), "ms", at_most=150)


# --- writes ----------------------------------------------------------------------------------------


def check_records(bench: Bench, world: World, rng: random.Random) -> None:
    from gridguard.accounts.models import User
    from gridguard.control.models import ControlOrder
    from gridguard.control.services import check_record

    picks = rng.sample(world.recorders, min(CHECKS + WARM_UP, len(world.recorders)))
    users = User.objects.select_related("role").in_bulk([u for u, _o in picks])
    orders = ControlOrder.objects.in_bulk([o for _u, o in picks])
    now = _at(world.today, 10 * 60 + 30)  # in the first slot, before the missed-check job runs for it
    times = []
    fevers = 0
    for n, (user_id, order_id) in enumerate(picks):
        fever = rng.random() < 0.2
        fevers += fever
        temperature = f"{rng.uniform(37.3, 39.0):.1f}" if fever else f"{rng.uniform(36.0, 37.2):.1f}"
        symptoms = [2] if rng.random() < 0.05 else []
        ms, _result = timed_ms(
            lambda u=users[user_id], o=orders[order_id], t=temperature, s=symptoms: check_record(
                order=o, temperature=t, symptoms=s, actor=u, now=now
            )
        )
        if n >= WARM_UP:
            times.append(ms)
    bench.note(f"check_record: {len(times)} records timed, {fevers} fevers")
    bench.figure("check_record_p95", percentile(times, 95), "ms", at_most=20)
    bench.figure("check_record_median", percentile(times, 50), "ms")


class _Stopped(Exception):
    pass


def _detect(now: dt.datetime, days_back: int, budget: float) -> tuple[float, int | None, list[float]]:
    """Run services.missed_checks_detect; stop it (its transaction rolls back) before a statement that would
    start after ``budget`` seconds. Returns (seconds, alerts raised or None when stopped, statement times)."""
    from django.db import connection

    from gridguard.control.services import missed_checks_detect

    times: list[float] = []
    started = time.perf_counter()

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if "INSERT INTO control_alert" not in sql:
            return execute(sql, params, many, context)
        if time.perf_counter() - started > budget:
            raise _Stopped
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            times.append(time.perf_counter() - t)

    with connection.execute_wrapper(wrapper):
        try:
            raised = missed_checks_detect(now=now, days_back=days_back)
        except _Stopped:
            return time.perf_counter() - started, None, times
    return time.perf_counter() - started, raised, times


def missed_detect(bench: Bench, world: World, budget: float) -> None:
    from gridguard.control import rules
    from gridguard.control.models import ControlOrder, HealthCheck

    # the slot layouts the service loops over (its own query: one row per distinct layout)
    service_layouts = list(
        ControlOrder.objects.filter(status="active")
        .exclude(check_slots="")
        .values_list("check_slots", flat=True)
        .order_by()
        .distinct()
    )

    def case(name: str, now: dt.datetime, days_back: int, target: float | None) -> None:
        seconds, raised, times = _detect(now, days_back, budget)
        if raised is not None:
            bench.note(f"{name}: {raised:,} missed alerts raised by {len(times):,} statements")
            bench.figure(f"{name}_s", seconds, "s", at_most=target)
            return
        total = sum(
            len(rules.ended_slots(now, rules.parse_slots(x), days_back=days_back)) for x in service_layouts
        )
        estimate = seconds + (total - len(times)) * percentile(times, 50)
        bench.note(
            f"{name}: stopped after {seconds:.0f} s and {len(times):,} of {total:,} INSERT … SELECT statements "
            f"(median {percentile(times, 50) * 1000:.0f} ms each; rolled back); estimated for all: "
            f"{estimate:,.0f} s"
        )
        bench.figure(f"{name}_s", estimate, "s (estimated)", at_most=target)

    first = _at(world.today, 12 * 60 + 1)
    checked = HealthCheck.objects.filter(slot_date=world.today, slot=0).values("order_id").distinct().count()
    bench.note(f"first slot of today: {checked:,} of {world.orders:,} orders checked")
    case("missed_detect", first, 0, 2)
    case("missed_detect_again", first + dt.timedelta(minutes=5), 0, None)  # the 5-minute job, nothing new
    bench.note("second slot of today: no order checked")
    second = _at(world.today, 20 * 60 + 1)
    case("missed_detect_all_missed", second, 0, 2)
    # what the periodic job calls: yesterday's and today's slots, all raised already
    case("missed_detect_job", second + dt.timedelta(minutes=5), 1, None)


if __name__ == "__main__":
    sys.exit(main())
