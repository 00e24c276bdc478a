"""Reads of key-person control, always through the user's jurisdiction (or team membership)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.accounts.models import User
from gridguard.accounts.scope import Scope, scope_for
from gridguard.control import rules
from gridguard.control.models import (
    TEAM_NEEDS,
    Alert,
    ArrivalReport,
    ArrivalStatus,
    ControlOrder,
    HealthCheck,
    NeedRequest,
    NeedStatus,
    OrderStatus,
    OrderStep,
    ScheduledTest,
    TeamMember,
    TeamRole,
    TestResult,
)
from gridguard.core.counting import TOTAL_CAP, bounded_count
from gridguard.core.errors import ApplicationError, NotFound
from gridguard.grids.models import Duty, GridNode, StaffAssignment
from gridguard.people.models import PersonStatus
from gridguard.people.selectors import Page, keyset_page, person_search_q, within

ORDER_RELATED = ("person", "node", "policy", "household")

# A list shows its total exactly up to this many rows, "N+" beyond (core.counting).
LIST_TOTAL_CAP = TOTAL_CAP


def _with_total(page: Page, qs: QuerySet, total: bool) -> Page:
    """The page, with the list's bounded total when ``total`` (one more, bounded query)."""
    if total:
        page.extra["total"] = bounded_count(qs, LIST_TOTAL_CAP)
    return page


def order_access(user: User | None, order: ControlOrder) -> None:
    """Anyone whose jurisdiction covers the person, and the members of the person's team."""
    scope = scope_for(user)
    if scope.covers(order.node_path):
        return
    if user is not None and TeamMember.objects.filter(order=order, user=user).exists():
        return
    raise NotFound()


def order_get(*, user: User | None, pk: int) -> ControlOrder:
    order = (
        ControlOrder.objects.select_related(
            *ORDER_RELATED, "policy__policy_set", "policy__next_policy", "created_by", "released_by"
        )
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise NotFound()
    order_access(user, order)
    return order


def order_filtered(
    scope: Scope,
    *,
    node: GridNode | None = None,
    status: str = OrderStatus.ACTIVE,
    category: str = "",
    measure: str = "",
    search: str = "",
    team_incomplete: bool = False,
    with_alerts: bool = False,
) -> QuerySet[ControlOrder]:
    """The ledger of controlled persons (管控对象台账) with its filters; shared by page and export."""
    qs = within(scope, ControlOrder.objects.select_related(*ORDER_RELATED), node)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if measure:
        qs = qs.filter(measure=measure)
    if search.strip():
        from gridguard.people.models import Person

        qs = qs.filter(person__in=Person.objects.filter(person_search_q(search, scope)).values("id"))
    if team_incomplete:
        qs = qs.filter(team_complete=False)
    if with_alerts:
        qs = qs.filter(Exists(Alert.objects.filter(order=OuterRef("pk"), is_open=True)))
    return qs


def order_page(
    *, scope: Scope, cursor: str | None = None, limit: int = 50, total: bool = False, **filters: Any
) -> Page:
    qs = order_filtered(scope, **filters)
    page = keyset_page(
        qs.annotate(has_alert=Exists(Alert.objects.filter(order=OuterRef("pk"), is_open=True))), cursor, limit
    )
    return _with_total(page, qs, total)


@dataclass
class OrderView:
    order: ControlOrder
    steps: list[OrderStep]
    team: list[TeamMember]
    team_missing: list[str]
    checks: list[HealthCheck]
    tests: list[ScheduledTest]
    alerts: list[Alert]
    transfers: list[Any]
    needs: list[NeedRequest]
    blockers: list[str]
    day_no: int
    links_active: int
    extra: dict[str, Any] = field(default_factory=dict)


def order_view(order: ControlOrder, *, now: dt.datetime | None = None) -> OrderView:

    now = now or timezone.now()
    today = rules.local_date(now)
    return OrderView(
        order=order,
        steps=list(order.steps.select_related("actor").order_by("at", "id")),
        team=list(order.team.select_related("user").order_by("role", "id")),
        team_missing=team_missing(order),
        checks=list(order.checks.select_related("by").order_by("-at", "-id")[:60]),
        tests=list(order.tests.order_by("date", "id")),
        alerts=list(order.alerts.select_related("resolved_by").order_by("-raised_at", "-id")),
        transfers=list(order.transfers.select_related("created_by").order_by("-at")),
        needs=list(order.needs.select_related("owner").order_by("-created_at")),
        blockers=release_blockers(order, now=now) if order.status == OrderStatus.ACTIVE else [],
        day_no=rules.day_no(order.start_date, today),
        links_active=order.links.filter(revoked_at__isnull=True).count(),
    )


@dataclass
class TodayRow:
    order: ControlOrder
    day_no: int
    slots: list[tuple[str, bool]]  # (slot label, done today)
    tests_due: list[ScheduledTest]
    alerts: int
    last_temperature: Any
    phone: str = ""  # for the team: set by the caller through services.team_phones (audited)


def my_persons_today(
    *, user: User, now: dt.datetime | None = None, order_ids: list[int] | None = None
) -> list[TodayRow]:
    """The persons whose three-to-one team the user is on (``order_ids``: only those), with today's
    slots, due tests and open alerts: a few set-based queries, whatever the number of orders."""
    now = now or timezone.now()
    today = rules.local_date(now)
    memberships = TeamMember.objects.filter(user=user)
    if order_ids is not None:
        memberships = memberships.filter(order_id__in=order_ids)
    orders = list(
        ControlOrder.objects.filter(
            status=OrderStatus.ACTIVE,
            pk__in=list(memberships.values_list("order_id", flat=True)),
        )
        .select_related("person", "household", "node")
        .order_by("node_path", "id")[:500]
    )
    ids = [o.pk for o in orders]
    done: dict[int, set[tuple[dt.date, int]]] = {}
    last: dict[int, Any] = {}
    for order_id, slot, slot_date, temperature in (
        HealthCheck.objects.filter(order_id__in=ids, slot_date__gte=today - dt.timedelta(days=1))
        .order_by("at")
        .values_list("order_id", "slot", "slot_date", "temperature")
    ):
        done.setdefault(order_id, set()).add((slot_date, slot))
        last[order_id] = temperature
    tests: dict[int, list[ScheduledTest]] = {}
    for test in ScheduledTest.objects.filter(
        order_id__in=ids, date__lte=today, result__in=[TestResult.PENDING, TestResult.SAMPLED]
    ).order_by("date"):
        tests.setdefault(test.order_id, []).append(test)
    alerts = dict(
        Alert.objects.filter(order_id__in=ids, is_open=True)
        .values("order_id")
        .annotate(n=Count("id"))
        .values_list("order_id", "n")
    )
    rows = []
    for order in orders:
        slots = rules.parse_slots(order.check_slots) if order.check_slots else []
        checked = done.get(order.pk, set())
        rows.append(
            TodayRow(
                order=order,
                day_no=rules.day_no(order.start_date, today),
                slots=[
                    (s.label if day == today else _("昨日 {slot}").format(slot=s.label), (day, s.index) in checked)
                    for day, s in rules.day_slots(now, slots)
                ],
                tests_due=tests.get(order.pk, []),
                alerts=alerts.get(order.pk, 0),
                last_temperature=last.get(order.pk),
            )
        )
    rows.sort(key=lambda r: (-r.alerts, all(d for _l, d in r.slots), r.order.node_path))
    return rows


def alert_filtered(
    scope: Scope, *, node: GridNode | None = None, open_only: bool = True, kind: str = ""
) -> QuerySet:
    qs = within(
        scope,
        Alert.objects.select_related(
            "order", "order__person", "order__household", "order__node", "person__household"
        ),
        node,
    )
    if open_only:
        qs = qs.filter(is_open=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def alert_page(
    *,
    scope: Scope,
    node: GridNode | None = None,
    open_only: bool = True,
    kind: str = "",
    cursor: str | None = None,
    limit: int = 100,
    total: bool = False,
) -> Page:
    qs = alert_filtered(scope, node=node, open_only=open_only, kind=kind)
    return _with_total(newest_first_page(qs, cursor, limit, field="raised_at"), qs, total)


def newest_first_page(qs: QuerySet, cursor: str | None, limit: int, *, field: str) -> Page:
    """A page of ``qs`` newest first by the datetime ``field`` (then id), the cursor naming the last
    row shown."""
    from gridguard.people.selectors import decode_cursor, encode_cursor

    if cursor:
        at_text, pk = decode_cursor(cursor)
        try:
            at = dt.datetime.fromisoformat(at_text)
        except ValueError:
            raise ApplicationError("cursor_invalid", _("分页参数无效"), field="cursor") from None
        qs = qs.filter(Q(**{f"{field}__lt": at}) | Q(**{field: at, "id__lt": pk}))
    items = list(qs.order_by(f"-{field}", "-id")[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = encode_cursor(getattr(last, field).isoformat(), last.pk)
    return Page(items=items, next_cursor=next_cursor)


def alert_get(*, user: User, pk: int) -> Alert:
    alert = Alert.objects.select_related("order", "order__person", "person").filter(pk=pk).first()
    if alert is None:
        raise NotFound()
    if alert.order is not None:
        order_access(user, alert.order)
    else:  # about a person under no order (a positive pool's member): the jurisdiction's
        scope_for(user).check(alert.node_path)
    return alert


def arrival_page(
    *,
    scope: Scope,
    node: GridNode | None = None,
    status: str = ArrivalStatus.PENDING,
    cursor: str | None = None,
    limit: int = 50,
    total: bool = False,
) -> Page:
    """The queue: first reports only, each with how many repeats are attached to it."""
    qs = within(scope, ArrivalReport.objects.select_related("node", "poster_node", "person"), node)
    qs = qs.filter(status=status) if status else qs.exclude(status=ArrivalStatus.REPEAT)
    return _with_total(keyset_page(qs.annotate(repeat_count=Count("repeats")), cursor, limit), qs, total)


def arrival_get(*, scope: Scope, pk: int) -> ArrivalReport:
    report = (
        ArrivalReport.objects.select_related(
            "node", "poster_node", "address_node", "matched_node", "person", "order", "repeat_of"
        )
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise NotFound()
    scope.check(report.node_path)
    return report


# What a repeat is compared on with the report it repeats (its own time and queue aside).
REPEAT_FIELDS = (
    "name",
    "id_type",
    "phone",
    "from_place",
    "arrival_date",
    "address",
    "address_node",
    "transport",
    "note",
    "poster_node",
)


@dataclass
class Repeat:
    report: ArrivalReport
    differs: set[str]


def arrival_repeats(report: ArrivalReport) -> list[Repeat]:
    """The reports that repeat ``report`` (oldest first), each with the fields that differ from it.
    The caller has checked the report is in scope; its repeats sit in the same queue."""
    def value(r: ArrivalReport, name: str) -> Any:
        return getattr(r, f"{name}_id") if name in ("address_node", "poster_node") else getattr(r, name)

    repeats = ArrivalReport.objects.filter(repeat_of=report).select_related("address_node", "poster_node")
    return [
        Repeat(r, {name for name in REPEAT_FIELDS if value(r, name) != value(report, name)})
        for r in repeats.order_by("submitted_at", "id")
    ]


def address_match(poster: GridNode, text: str) -> tuple[GridNode | None, str]:
    """The node under ``poster`` that a typed address names (unit, else building, else compound)
    and the room it gives: "建设小区3栋1单元1201" → (建设小区 › 3栋 › 1单元, "1201"). Matched with
    imports.addresses (the tree's names, "3栋" = "3号楼" = "3"); (None, "") when nothing matches."""
    from gridguard.imports.addresses import AddressError, AddressIndex
    from gridguard.imports.columns import ADDRESS_KEYS

    index = AddressIndex(poster)
    compounds = [n.name for n in index.nodes.values() if n.level_code == "compound"]
    parts = rules.parse_address(text, compounds)
    tries = (
        (parts.compound, parts.building, parts.unit),
        (parts.compound, parts.building, ""),
        ("", parts.building, parts.unit),
        ("", parts.building, ""),
        (parts.compound, "", ""),
    )
    for compound, building, unit in tries:
        given = {"compound": compound, "building": building, "unit": unit}
        if not any(given.values()) or (unit and not building):
            continue
        try:
            node_id = index.resolve([given.get(key, "") for key in ADDRESS_KEYS])
        except AddressError:  # not in the tree, or more than one node: a less precise try
            continue
        if node_id is not None and index.by_id[node_id].path.startswith(poster.path):
            node = GridNode.objects.get(pk=node_id)
            return node, (parts.room if building else "")
    return None, ""


@dataclass
class ArrivalAddress:
    """Where an arrival says they live, as the verifier sees it."""

    node: GridNode | None  # the node the registration goes to: typed address, else building picked
    label: str  # its address in the tree ("东城社区 东城第一网格 建设小区 3栋 1单元")
    room: str
    conflict: bool  # the building picked is not where the typed address points
    household: Any  # the ledger's household in that room, if one is there


def arrival_address(report: ArrivalReport) -> ArrivalAddress:
    from gridguard.people.models import Household
    from gridguard.people.selectors import address_for_node

    node = report.matched_node or report.address_node
    picked = report.address_node
    conflict = bool(
        report.matched_node is not None
        and picked is not None
        and not report.matched_node.path.startswith(picked.path)
        and not picked.path.startswith(report.matched_node.path)
    )
    household = None
    if node is not None and report.room:
        household = (
            Household.objects.filter(node=node, room=report.room, is_active=True).order_by("id").first()
        )
    return ArrivalAddress(
        node=node,
        label=address_for_node(node) if node is not None else "",
        room=report.room,
        conflict=conflict,
        household=household,
    )


def arrival_matches(report: ArrivalReport, scope: Scope) -> list[Any]:
    """Ledger persons the report may be: same identity number anywhere in the scope, or the
    same name at the same phone."""
    from gridguard.people.models import Person, PersonStatus

    qs = scope.filter(Person.objects.select_related("household", "node")).filter(status=PersonStatus.ACTIVE)
    return list(qs.filter(Q(id_number=report.id_number) | Q(name=report.name, phone=report.phone))[:10])


def need_page(
    *,
    scope: Scope,
    node: GridNode | None = None,
    status: str = "",
    open_only: bool = True,
    cursor: str | None = None,
    limit: int = 50,
    total: bool = False,
) -> Page:
    qs = within(scope, NeedRequest.objects.select_related("order", "order__person", "owner"), node)
    if status:
        qs = qs.filter(status=status)
    elif open_only:
        qs = qs.filter(status__in=[NeedStatus.OPEN, NeedStatus.IN_PROGRESS])
    return _with_total(keyset_page(qs, cursor, limit), qs, total)


def need_get(*, scope: Scope, pk: int) -> NeedRequest:
    need = NeedRequest.objects.select_related("order", "order__person", "owner").filter(pk=pk).first()
    if need is None:
        raise NotFound()
    scope.check(need.node_path)
    return need


def household_isolation(household_id: int) -> ControlOrder | None:
    """The active home-isolation/monitoring order of a member of the household, if any: the
    household is marked on its page and in lists."""
    from gridguard.control.models import HOME_MEASURES

    return (
        ControlOrder.objects.select_related("person")
        .filter(household_id=household_id, status=OrderStatus.ACTIVE, measure__in=HOME_MEASURES)
        .first()
    )


def person_orders(person: Any) -> list[ControlOrder]:
    """A person's orders, newest first (the caller has checked the person is in scope)."""
    return list(ControlOrder.objects.filter(person=person).order_by("-id")[:20])


def person_section(scope: Scope, person: Any) -> dict[str, Any] | None:
    """Key-person control on the person page: the orders, and the button to order control."""
    orders = person_orders(person)
    may_order = scope.has("control.order") and person.status == PersonStatus.ACTIVE
    if not orders and not may_order:
        return None
    active = next((o for o in orders if o.is_active), None)
    return {"person": person, "orders": orders, "may_order": may_order and active is None}


def person_summary(scope: Scope, person: Any) -> dict[str, Any]:
    """Key-person control in the person API: the running order, if any, and how many in all."""
    orders = person_orders(person)
    active = next((o for o in orders if o.is_active), None)
    return {
        "orders": len(orders),
        "active_order": None if active is None else {
            "id": active.pk, "category": active.category, "measure": active.measure,
            "start_date": active.start_date.isoformat(), "end_date": active.end_date.isoformat(),
        },
    }


def household_section(scope: Scope, household: Any) -> dict[str, Any] | None:
    isolation = household_isolation(household.pk)
    return None if isolation is None else {"isolation": isolation}


# --- release and three-to-one teams (reads the services decide on) ------------------------

# Which staff duties may fill which seat of a three-to-one team.
TEAM_DUTIES = {
    TeamRole.TOWN_CADRE: (Duty.LIAISON_CADRE, Duty.HEAD),
    TeamRole.VILLAGE_CADRE: (Duty.COMMITTEE, Duty.GRID_CHIEF, Duty.GRID_WORKER, Duty.BUILDING_CHIEF),
    TeamRole.MEDIC: (Duty.MEDIC,),
}


def release_blockers(order: ControlOrder, *, now: dt.datetime | None = None) -> list[str]:
    """Exactly what stands between the order's current stage and its release."""
    today = rules.local_date(now or timezone.now())
    tests = [
        (t.day_no, t.date, t.result, t.get_result_display())
        for t in ScheduledTest.objects.filter(order=order, policy=order.policy, date__gte=order.stage_start)
    ]
    alerts = [
        f"{a.get_kind_display()} {a.slot_date.isoformat()}" + (f" {a.detail}" if a.detail else "")
        for a in Alert.objects.filter(order=order, is_open=True).order_by("raised_at")
    ]
    return rules.release_blockers(today=today, stage_end=order.stage_end, tests=tests, open_alerts=alerts)


def team_candidates(order: ControlOrder) -> dict[str, list[StaffAssignment]]:
    """Staff of the person's node and the nodes above it who may fill each seat, nearest first."""
    node = GridNode.objects.get(pk=order.node_id)
    chain = [*GridNode.objects.get_ancestors(node), node]
    depth = {n.pk: i for i, n in enumerate(chain)}
    staff = list(
        StaffAssignment.objects.filter(node__in=chain, until__isnull=True).select_related("node", "user")
    )
    staff.sort(key=lambda s: (-depth[s.node_id], s.id))
    return {role: [s for s in staff if s.duty in duties] for role, duties in TEAM_DUTIES.items()}


def team_suggest(order: ControlOrder) -> list[tuple[str, StaffAssignment]]:
    """A first team: the nearest town cadre and medic and the two nearest village cadres."""
    candidates = team_candidates(order)
    picked: list[tuple[str, StaffAssignment]] = []
    used: set[int] = set()
    for role, need in TEAM_NEEDS.items():
        for staff in candidates[role]:
            if sum(1 for r, _s in picked if r == role) >= need:
                break
            if staff.pk not in used:
                picked.append((role, staff))
                used.add(staff.pk)
    return picked


def team_counts(order: ControlOrder) -> dict[str, int]:
    return dict(Counter(TeamMember.objects.filter(order=order).values_list("role", flat=True)))


def team_missing(order: ControlOrder) -> list[str]:
    labels = {role.value: str(role.label) for role in TeamRole}
    return rules.team_missing(team_counts(order), {k.value: v for k, v in TEAM_NEEDS.items()}, labels)


# --- policies ---------------------------------------------------------------------------------


@dataclass
class PolicyRow:
    policy: Any
    test_days: str
    next_label: str
    running: int  # active orders in this stage


@dataclass
class PolicyHistoryRow:
    change: Any
    subject: str
    text: str


def policy_rows(policy_set: Any) -> list[PolicyRow]:
    """A set's policies with their next stage and how many running orders are in each stage."""
    from gridguard.control.models import Policy

    policies = list(Policy.objects.filter(policy_set=policy_set).order_by("id"))
    by_id = {p.pk: p for p in policies}
    running = dict(
        ControlOrder.objects.filter(status=OrderStatus.ACTIVE, policy__in=policies)
        .values("policy")
        .annotate(n=Count("id"))
        .values_list("policy", "n")
    )
    return [
        PolicyRow(
            policy=p,
            test_days="、".join(str(d) for d in p.test_days or []),
            next_label=str(by_id[p.next_policy_id]) if p.next_policy_id in by_id else "",
            running=running.get(p.pk, 0),
        )
        for p in policies
    ]


def policy_history(policy_set: Any, limit: int = 50) -> list[PolicyHistoryRow]:
    """The set's changes, newest first, each said in words ("天数：7 → 10；核酸检测日：…")."""
    from gridguard.control.models import Policy, PolicyChange

    changes = list(
        PolicyChange.objects.filter(policy_set=policy_set).select_related("actor", "policy").order_by("-at", "-id")[
            :limit
        ]
    )
    names = {p.pk: str(p) for p in Policy.objects.filter(policy_set=policy_set)}
    labels = {
        f: str(getattr(Policy._meta.get_field(f), "verbose_name", f))
        for f in ("days", "check_slots", "test_days", "next_policy", "note")
    }

    def shown(key: str, value: Any) -> str:
        if key == "test_days":
            return "、".join(str(d) for d in value) or _("无")
        if key == "next_policy":
            return names.get(value, _("无")) if value else _("无")
        return str(value) if value not in (None, "") else _("无")

    rows = []
    for c in changes:
        if c.kind == PolicyChange.Kind.CHOOSE:
            rows.append(PolicyHistoryRow(c, str(policy_set), _("设为当前方案")))
            continue
        order = list(labels)  # PostgreSQL's jsonb keeps no key order
        text = "；".join(
            f"{labels.get(key, key)}：{shown(key, old)} → {shown(key, new)}"
            for key, (old, new) in sorted(c.changes.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
        )
        if c.apply_running:
            text += "；" + _("已应用到 {n} 个在管对象").format(n=c.applied_orders)
        rows.append(PolicyHistoryRow(c, str(c.policy) if c.policy else "", text))
    return rows


# Levels whose gates and notice boards carry an arrival poster.
POSTER_LEVELS = ("street", "community", "grid", "micro_grid", "compound")


def poster_nodes(scope: Scope, limit: int = 500) -> list[GridNode]:
    """The nodes of the user's jurisdiction an arrival poster can be printed for, in tree order."""
    nodes = GridNode.objects.filter(is_active=True, level__code__in=POSTER_LEVELS).select_related("level")
    if not scope.everything:
        nodes = nodes.filter(scope.q("path"))
    return list(nodes.order_by("path")[:limit])
