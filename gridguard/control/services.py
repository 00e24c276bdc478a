"""Writes of key-person control. Every function checks the actor's rights and jurisdiction, runs
in one transaction and leaves a dated, attributed OrderStep behind."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.accounts.models import AuditLog, User
from gridguard.accounts.scope import Scope, scope_for
from gridguard.accounts.services import audit_many, audit_record
from gridguard.control import rules
from gridguard.control.models import (
    NO_MEASURE,
    Alert,
    AlertKind,
    ArrivalReport,
    ArrivalStatus,
    Category,
    ControlOrder,
    HealthCheck,
    Measure,
    NeedRequest,
    NeedStatus,
    OrderStatus,
    OrderStep,
    Policy,
    PolicyChange,
    PolicySet,
    ScheduledTest,
    SelfReportLink,
    Symptom,
    TeamMember,
    TeamRole,
    TestResult,
)
from gridguard.control.selectors import (
    address_match,
    arrival_address,
    release_blockers,
    team_candidates,
    team_missing,
    team_suggest,
)
from gridguard.core.errors import ApplicationError, NotFound, PermissionDenied
from gridguard.grids.models import GridNode, StaffAssignment
from gridguard.people.models import Person, PersonStatus


def _controller_scope(actor: User | None) -> Scope:
    scope = scope_for(actor)
    if not scope.has("control.order"):
        raise PermissionDenied(_("您的角色不能下达或变更管控措施"))
    return scope


def _check_order_rights(actor: User | None, order: ControlOrder) -> None:
    _controller_scope(actor).check(order.node_path)


def _require_active(order: ControlOrder) -> None:
    if order.status != OrderStatus.ACTIVE:
        raise ApplicationError(
            "order_closed", _("该管控已{status}，不能再操作").format(status=order.get_status_display())
        )


def _step(
    order: ControlOrder,
    kind: str,
    actor: User | None,
    *,
    date: dt.date | None = None,
    note: str = "",
    detail: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> OrderStep:
    now = now or timezone.now()
    return OrderStep.objects.create(
        order=order,
        kind=kind,
        date=date or rules.local_date(now),
        note=note[:200],
        detail=detail or {},
        at=now,
        actor=actor,
    )


# --- policies -------------------------------------------------------------------------------


def current_policy_set() -> PolicySet:
    policy_set = PolicySet.objects.filter(is_current=True).first() or PolicySet.objects.order_by("id").first()
    if policy_set is None:
        raise ApplicationError("no_policy", _("尚未配置管控政策方案"))
    return policy_set


def policy_scope(actor: User | None) -> Scope:
    """The actor's scope when the role may choose and edit policies (else PermissionDenied)."""
    scope = scope_for(actor)
    if not scope.has("control.policy"):
        raise PermissionDenied(_("您的角色不能选择或修改管控政策"))
    return scope


@transaction.atomic
def policy_set_choose(
    *, actor: User, policy_set: PolicySet, now: dt.datetime | None = None
) -> PolicySet:
    """The town picks the set new orders follow. Orders already running keep their policy."""
    policy_scope(actor)
    PolicySet.objects.exclude(pk=policy_set.pk).update(is_current=False)
    PolicySet.objects.filter(pk=policy_set.pk).update(is_current=True)
    policy_set.is_current = True
    PolicyChange.objects.create(
        policy_set=policy_set, kind=PolicyChange.Kind.CHOOSE, at=now or timezone.now(), actor=actor
    )
    audit_record(actor=actor, action=AuditLog.Action.CHANGE, obj=policy_set, detail={"is_current": True})
    return policy_set


def check_next_policy(policy: Policy, nxt: Policy | None) -> None:
    """The next stage of ``policy`` is in its set and does not lead back to it."""
    if nxt is None:
        return
    if nxt.policy_set_id != policy.policy_set_id:
        raise ApplicationError("bad_next_policy", _("下一阶段须是同一方案中的政策"), field="next_policy")
    seen: set[int] = set()
    step: Policy | None = nxt
    while step is not None and step.pk not in seen:
        if step.pk == policy.pk:
            raise ApplicationError(
                "bad_next_policy", _("下一阶段不能回到本政策（会循环）"), field="next_policy"
            )
        seen.add(step.pk)
        step = step.next_policy
    return


@transaction.atomic
def policy_update(
    *,
    actor: User | None,
    policy: Policy,
    days: Any,
    check_slots: Any,
    test_days: Any,
    next_policy: Policy | None = None,
    note: str | None = None,
    apply_running: bool = False,
    now: dt.datetime | None = None,
) -> PolicyChange | None:
    """Edit a policy's days, daily check slots, test days and next stage, recorded in PolicyChange
    (who, when, old → new). Orders already running keep the stage they were given (their days,
    slots and tests were copied when the stage began) unless ``apply_running``: then their stage
    end moves by the change of days, they take the new slots, and their pending tests are
    rescheduled (tests already sampled or with a result are kept). None when nothing changed."""
    policy_scope(actor)
    now = now or timezone.now()
    check = rules.FieldCheck()
    values = check(rules.clean_policy, days=days, check_slots=check_slots, test_days=test_days)
    check(check_next_policy, policy, next_policy)
    check.raise_any()
    assert values is not None
    new_days, new_slots, new_tests = values
    new = {
        "days": new_days,
        "check_slots": new_slots,
        "test_days": new_tests,
        "next_policy": next_policy.pk if next_policy is not None else None,
        "note": (policy.note if note is None else str(note).strip()[:200]),
    }
    old = {
        "days": policy.days,
        "check_slots": policy.check_slots,
        "test_days": [int(d) for d in (policy.test_days or [])],
        "next_policy": policy.next_policy_id,
        "note": policy.note,
    }
    changes = {key: [old[key], value] for key, value in new.items() if old[key] != value}
    if not changes:
        return None
    old_days = policy.days
    policy.days, policy.check_slots, policy.test_days = new_days, new_slots, new_tests
    policy.next_policy, policy.note = next_policy, str(new["note"])
    policy.save()
    applied = _apply_to_running(policy, old_days=old_days, actor=actor, now=now) if apply_running else 0
    change = PolicyChange.objects.create(
        policy_set_id=policy.policy_set_id,
        policy=policy,
        kind=PolicyChange.Kind.EDIT,
        changes=changes,
        apply_running=apply_running,
        applied_orders=applied,
        at=now,
        actor=actor,
    )
    audit_record(actor=actor, action=AuditLog.Action.CHANGE, obj=policy, detail=changes)
    return change


def _apply_to_running(policy: Policy, *, old_days: int, actor: User | None, now: dt.datetime) -> int:
    """Running orders take an edited policy: those in its stage move their stage end by the change
    of days, take its slots and have their pending tests rescheduled; those whose later stages
    include it have their planned end moved. Returns how many orders changed."""
    delta = policy.days - old_days
    chains = {p.pk: p for p in Policy.objects.filter(policy_set_id=policy.policy_set_id)}
    leads_here = {pk for pk in chains if _chain_has(chains, pk, policy.pk)}
    orders = list(
        ControlOrder.objects.select_for_update()
        .filter(status=OrderStatus.ACTIVE, policy_id__in=leads_here)
        .order_by("id")
    )
    for order in orders:
        before = {"stage_end": order.stage_end.isoformat(), "end_date": order.end_date.isoformat()}
        if order.policy_id == policy.pk:
            order.stage_end = max(order.stage_start, order.stage_end + dt.timedelta(days=delta))
            order.check_slots = policy.check_slots
            _reschedule_tests(order, policy)
        order.end_date = order.stage_end + dt.timedelta(days=_following_days(chains[order.policy_id], chains))
        order.save(update_fields=["stage_end", "check_slots", "end_date"])
        _step(
            order,
            OrderStep.Kind.POLICY,
            actor,
            now=now,
            detail={
                "policy": policy.pk,
                "from": before,
                "to": {"stage_end": order.stage_end.isoformat(), "end_date": order.end_date.isoformat()},
            },
        )
    return len(orders)


def _chain_has(chains: dict[int, Policy], start: int, wanted: int) -> bool:
    seen: set[int] = set()
    pk: int | None = start
    while pk is not None and pk not in seen:
        if pk == wanted:
            return True
        seen.add(pk)
        pk = chains[pk].next_policy_id if pk in chains else None
    return False


def _reschedule_tests(order: ControlOrder, policy: Policy) -> None:
    """The stage's tests after its policy changed: the new test days (the policy's last day is the
    stage's last day, extensions included); pending tests no longer scheduled are cancelled, tests
    sampled or with a result are kept."""
    length = (order.stage_end - order.stage_start).days + 1
    wanted: dict[dt.date, int] = {}
    for n in policy.test_days or []:
        day = length if int(n) >= policy.days else int(n)
        wanted[order.stage_start + dt.timedelta(days=day - 1)] = day
    existing = ScheduledTest.objects.filter(order=order, policy=policy, date__gte=order.stage_start).exclude(
        result=TestResult.CANCELLED
    )
    have: set[dt.date] = set()
    for test in existing:
        if test.result == TestResult.PENDING and test.date not in wanted:
            ScheduledTest.objects.filter(pk=test.pk).update(result=TestResult.CANCELLED)
        else:
            have.add(test.date)
    ScheduledTest.objects.bulk_create(
        ScheduledTest(order=order, policy=policy, day_no=n, date=date)
        for date, n in sorted(wanted.items())
        if date not in have
    )


def policy_for(category: str, measure: str, policy_set: PolicySet | None = None) -> Policy:
    """The category's own policy for the measure, else the measure's default in the set."""
    policy_set = policy_set or current_policy_set()
    stages = Policy.objects.filter(policy_set=policy_set, next_policy__isnull=False).values("next_policy")
    candidates = {
        p.category: p
        for p in Policy.objects.filter(policy_set=policy_set, measure=measure).exclude(pk__in=stages)
    }
    policy = candidates.get(category) or candidates.get("")
    if policy is None:
        raise ApplicationError(
            "no_policy",
            _("方案“{set}”没有“{measure}”的政策").format(set=policy_set.name, measure=Measure(measure).label),
            field="measure",
        )
    return policy


def _following_days(policy: Policy, chains: dict[int, Policy] | None = None) -> int:
    """Days of the stages after ``policy`` (``chains``: the set's policies by id, to read no more)."""
    def after(p: Policy) -> Policy | None:
        if chains is not None:
            return chains.get(p.next_policy_id) if p.next_policy_id else None
        return p.next_policy

    days, seen, nxt = 0, {policy.pk}, after(policy)
    while nxt is not None and nxt.pk not in seen:
        seen.add(nxt.pk)
        days += nxt.days
        nxt = after(nxt)
    return days


def planned_end(policy: Policy, start: dt.date) -> dt.date:
    """The last day of an order started on ``start`` under ``policy`` and its following stages."""
    return rules.stage_end(start, policy.days) + dt.timedelta(days=_following_days(policy))


def _default_place(measure: str, household: Any, reported_address: str = "") -> str:
    """Where a measure is carried out unless a place is given: at home (the ledger's household, else
    the address the person gave), except central isolation."""
    if measure == Measure.CENTRAL_ISOLATION:
        return ""
    return household.address if household is not None else reported_address


def _schedule_tests(order: ControlOrder, policy: Policy, start: dt.date, days: int) -> None:
    ScheduledTest.objects.bulk_create(
        ScheduledTest(order=order, policy=policy, day_no=n, date=date)
        for n, date in rules.test_dates(start, days, list(policy.test_days or []))
    )


def _cancel_pending_tests(order: ControlOrder, after: dt.date | None = None) -> None:
    qs = ScheduledTest.objects.filter(order=order, result=TestResult.PENDING)
    if after is not None:
        qs = qs.filter(date__gt=after)
    qs.update(result=TestResult.CANCELLED)


# --- orders ---------------------------------------------------------------------------------


def _clean_choice(value: str, choices: Any, field: str, label: str) -> str:
    if value not in choices.values:
        raise ApplicationError("bad_choice", _("请选择{label}").format(label=label), field=field)
    return value


@transaction.atomic
def order_create(
    *,
    actor: User | None,
    person: Person,
    category: str,
    measure: str,
    start_date: dt.date | None = None,
    source: str = "",
    place: str = "",
    note: str = "",
    auto_team: bool = True,
    reported_address: str = "",
    now: dt.datetime | None = None,
    scope: Scope | None = None,
) -> ControlOrder:
    """Put a person under a measure. A person has at most one active order. ``reported_address``:
    the address as the person gave it (an arrival report), kept on the order."""
    scope = scope or _controller_scope(actor)
    if not scope.has("control.order"):
        raise PermissionDenied(_("您的角色不能下达或变更管控措施"))
    scope.check(person.node_path)
    now = now or timezone.now()
    today = rules.local_date(now)
    category = _clean_choice(category, Category, "category", _("类别"))
    measure = _clean_choice(measure, Measure, "measure", _("措施"))
    start = start_date or today
    if start > today:
        raise ApplicationError("start_future", _("开始日期不能晚于今天"), field="start_date")
    if person.status != PersonStatus.ACTIVE:
        raise ApplicationError("person_inactive", _("该人员已迁出或死亡，不能下达管控"), field="person")
    existing = ControlOrder.objects.filter(person=person, status=OrderStatus.ACTIVE).first()
    if existing is not None:
        raise ApplicationError(
            "order_exists",
            _("{name} 已在管控中（{measure}，至 {end}），请变更或延长原管控").format(
                name=person.name, measure=existing.get_measure_display(), end=existing.end_date.isoformat()
            ),
            field="person",
            extra={"order_id": existing.pk},
        )
    policy = policy_for(category, measure)
    stage_end = rules.stage_end(start, policy.days)
    reported_address = reported_address.strip()[:200]
    place = place or _default_place(measure, person.household, reported_address)
    order = ControlOrder(
        person=person,
        household_id=person.household_id,
        node_id=person.node_id,
        node_path=person.node_path,
        category=category,
        source=source.strip()[:60],
        policy=policy,
        measure=measure,
        place=place.strip()[:120],
        reported_address=reported_address,
        start_date=start,
        end_date=planned_end(policy, start),
        stage_start=start,
        stage_end=stage_end,
        check_slots=policy.check_slots,
        created_at=now,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:  # another worker ordered the same person a moment ago
        raise ApplicationError(
            "order_exists", _("{name} 已在管控中").format(name=person.name), field="person"
        ) from None
    _schedule_tests(order, policy, start, policy.days)
    _step(
        order,
        OrderStep.Kind.CREATE,
        actor,
        date=start,
        note=note,
        now=now,
        detail={
            "category": category,
            "measure": measure,
            "policy": policy.pk,
            "days": policy.days,
            "end_date": order.end_date.isoformat(),
            "place": order.place,
        },
    )
    if auto_team:
        members = team_suggest(order)
        if members:
            _team_write(order, members)
    _refresh_team_flag(order)
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=order,
        detail={"category": category, "measure": measure},
    )
    return order


def key_person_add(
    *, actor: User | None, person_data: dict[str, Any], scope: Scope | None = None, **kwargs: Any
) -> ControlOrder:
    """Order a key person known by identity number (``_key_person_add``). Before its transaction: a
    number registered in another jurisdiction is said so ("forward it"), but that answer is a
    metered look-up (people.lookups), recorded even though the order is refused."""
    from gridguard.people import lookups
    from gridguard.people.rules import clean_person

    scope = scope or _controller_scope(actor)
    lookups.registered_elsewhere(scope, clean_person(person_data).id_number)  # _key_person_add then refuses
    return _key_person_add(actor=actor, person_data=person_data, scope=scope, **kwargs)


@transaction.atomic
def _key_person_add(
    *,
    actor: User | None,
    person_data: dict[str, Any],
    category: str,
    measure: str,
    node: GridNode | None = None,
    household: Any = None,
    start_date: dt.date | None = None,
    source: str = "",
    place: str = "",
    note: str = "",
    now: dt.datetime | None = None,
    scope: Scope | None = None,
) -> ControlOrder:
    """Order a key person known by identity number (a person added by hand, a row of a list): the
    ledger's person when there is one — the name must be the same —, else a new ledger person
    registered in ``household`` or at ``node``."""
    from gridguard.people import services as people_services
    from gridguard.people.rules import clean_person

    scope = scope or _controller_scope(actor)
    now = now or timezone.now()
    category = _clean_choice(category, Category, "category", _("类别"))
    measure = _clean_choice(measure, Measure, "measure", _("措施"))
    clean = clean_person(person_data, today=rules.local_date(now))
    rules.require_document(clean.id_number)
    person = (
        Person.objects.select_related("household")
        .filter(id_number=clean.id_number, status=PersonStatus.ACTIVE)
        .order_by("id")
        .first()
    )
    if person is not None:
        if not scope.covers(person.node_path):
            raise ApplicationError(
                "person_elsewhere",
                _("该人员登记在您管辖范围以外的辖区，请转交其所在辖区核查"),
                field="id_number",
            )
        rules.check_same_person(person.name, clean.name)
    else:
        if node is None and household is None:
            raise ApplicationError("node_required", _("该人员不在台账中，请选择其所在网格"), field="node")
        person = people_services.person_register(
            actor=actor,
            data={
                **person_data,
                "residency": person_data.get("residency") or "floating",
                "relation": person_data.get("relation") or "other",
                "note": _("登记为重点人员：{note}").format(note=note or source or Category(category).label)[:200],
            },
            household=household,
            node=None if household is not None else node,
            date=rules.local_date(now),
            scope=scope,
        )
    return order_create(
        actor=actor,
        person=person,
        category=category,
        measure=measure,
        start_date=start_date,
        source=source,
        place=place,
        note=note,
        now=now,
        scope=scope,
    )


@transaction.atomic
def order_extend(
    *, actor: User, order: ControlOrder, days: int, note: str = "", now: dt.datetime | None = None
) -> ControlOrder:
    _check_order_rights(actor, order)
    _require_active(order)
    if not 1 <= int(days) <= 60:
        raise ApplicationError("bad_days", _("延长天数应在 1–60 天之间"), field="days")
    old_end = order.stage_end
    order.stage_end = old_end + dt.timedelta(days=days)
    order.end_date = order.end_date + dt.timedelta(days=days)
    order.save(update_fields=["stage_end", "end_date"])
    # A test scheduled on the old last day is due again on the new last day (moved while pending).
    last = (
        ScheduledTest.objects.filter(order=order, date=old_end).exclude(result=TestResult.CANCELLED).first()
    )
    if last is not None:
        day = rules.day_no(order.stage_start, order.stage_end)
        if last.result == TestResult.PENDING:
            ScheduledTest.objects.filter(pk=last.pk).update(date=order.stage_end, day_no=day)
        else:
            ScheduledTest.objects.create(order=order, policy=order.policy, day_no=day, date=order.stage_end)
    _step(
        order,
        OrderStep.Kind.EXTEND,
        actor,
        note=note,
        now=now,
        detail={"days": days, "from": old_end.isoformat(), "to": order.stage_end.isoformat()},
    )
    return order


def _start_stage(order: ControlOrder, policy: Policy, start: dt.date, *, keep_total: bool) -> None:
    order.policy = policy
    order.measure = policy.measure
    order.stage_start = start
    order.stage_end = rules.stage_end(start, policy.days)
    order.check_slots = policy.check_slots
    following = order.stage_end + dt.timedelta(days=_following_days(policy))
    order.end_date = max(order.end_date, following) if keep_total else following
    if not order.place:
        order.place = _default_place(policy.measure, order.household, order.reported_address)[:120]
    order.save()
    _schedule_tests(order, policy, start, policy.days)


@transaction.atomic
def order_change_measure(
    *,
    actor: User,
    order: ControlOrder,
    measure: str,
    place: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> ControlOrder:
    """Another measure from today on (e.g. central isolation → home isolation), with the
    days and tests of its policy; the old stage's pending tests are cancelled."""
    _check_order_rights(actor, order)
    _require_active(order)
    measure = _clean_choice(measure, Measure, "measure", _("措施"))
    if measure == order.measure:
        raise ApplicationError("same_measure", _("新措施与现措施相同"), field="measure")
    now = now or timezone.now()
    today = rules.local_date(now)
    old = {"measure": order.measure, "stage_end": order.stage_end.isoformat(), "place": order.place}
    policy = policy_for(order.category, measure, order.policy.policy_set)
    _cancel_pending_tests(order)
    # The old stage's place is not where the new measure is carried out: the given one or the default.
    order.place = place.strip()[:120]
    _start_stage(order, policy, today, keep_total=False)
    _step(
        order,
        OrderStep.Kind.CHANGE,
        actor,
        note=note,
        now=now,
        detail={
            "from": old,
            "to": {"measure": measure, "stage_end": order.stage_end.isoformat(), "place": order.place},
        },
    )
    return order


@transaction.atomic
def order_move_place(
    *, actor: User, order: ControlOrder, place: str, note: str = "", now: dt.datetime | None = None
) -> ControlOrder:
    """变更地点: the person now stays at another place (hotel, hospital)."""
    _check_order_rights(actor, order)
    _require_active(order)
    place = (place or "").strip()
    if not place:
        raise ApplicationError("place_required", _("请填写新的隔离地点"), field="place")
    old = order.place
    order.place = place[:120]
    order.save(update_fields=["place"])
    _step(order, OrderStep.Kind.PLACE, actor, note=note, now=now, detail={"from": old, "to": order.place})
    return order


@transaction.atomic
def transfer_record(
    *,
    actor: User,
    order: ControlOrder,
    at: dt.datetime,
    vehicle: str,
    destination: str,
    handover: str,
    reason: str = "",
    alert: Alert | None = None,
    now: dt.datetime | None = None,
) -> Any:
    """转运: time, vehicle, destination, handover. The destination becomes the order's place and
    the fever alert it answers is resolved."""
    from gridguard.control.models import Transfer

    _check_order_rights(actor, order)
    _require_active(order)
    now = now or timezone.now()
    for value, field, label in (
        (vehicle, "vehicle", _("车辆")),
        (destination, "destination", _("目的地")),
        (handover, "handover", _("交接人")),
    ):
        if not (value or "").strip():
            raise ApplicationError("required", _("请填写{label}").format(label=label), field=field)
    if at > now + dt.timedelta(minutes=10):
        raise ApplicationError("at_future", _("转运时间不能晚于现在"), field="at")
    if alert is not None and alert.order_id != order.pk:
        raise NotFound()
    transfer = Transfer.objects.create(
        order=order,
        at=at,
        vehicle=vehicle.strip()[:40],
        destination=destination.strip()[:120],
        handover=handover.strip()[:60],
        reason=reason.strip()[:200],
        alert=alert,
        created_at=now,
        created_by=actor,
    )
    old = order.place
    order.place = transfer.destination
    order.save(update_fields=["place"])
    _step(
        order,
        OrderStep.Kind.TRANSFER,
        actor,
        date=rules.local_date(at),
        now=now,
        note=reason,
        detail={
            "vehicle": transfer.vehicle,
            "destination": transfer.destination,
            "handover": transfer.handover,
            "from": old,
            "at": at.isoformat(),
        },
    )
    if alert is not None and alert.is_open:
        _resolve(alert, actor, _("已转运至 {place}").format(place=transfer.destination), now)
    return transfer




def _notice_number(order: ControlOrder, now: dt.datetime) -> str:
    return f"JC{rules.local_date(now):%Y%m%d}-{order.pk:06d}"


@transaction.atomic
def order_release(
    *, actor: User, order: ControlOrder, note: str = "", now: dt.datetime | None = None
) -> ControlOrder:
    """Release the current stage: when the policy has a next stage (密接: 3 days of home health
    monitoring after 7 days of central isolation) the order moves on to it; otherwise it ends."""
    _check_order_rights(actor, order)
    order = (
        ControlOrder.objects.select_for_update(of=("self",))  # PostgreSQL: not the outer-joined rows
        .select_related("policy", "policy__next_policy", "household")
        .get(pk=order.pk)
    )
    _require_active(order)
    now = now or timezone.now()
    blockers = release_blockers(order, now=now)
    if blockers:
        raise ApplicationError(
            "release_blocked", _("尚不能解除：") + "；".join(blockers), extra={"reasons": blockers}
        )
    nxt = order.policy.next_policy
    if nxt is not None:
        old = {"measure": order.measure, "stage_end": order.stage_end.isoformat()}
        if nxt.measure != order.measure:  # e.g. hotel → home: the new stage takes its own place
            order.place = ""
        # Released on its last day (its last test negative), the stage still lasts that day: the
        # next one starts the day after, so no day of the whole period is lost.
        start = max(rules.local_date(now), order.stage_end + dt.timedelta(days=1))
        _start_stage(order, nxt, start, keep_total=True)
        _step(
            order,
            OrderStep.Kind.NEXT_STAGE,
            actor,
            note=note,
            now=now,
            detail={
                "from": old,
                "to": {"measure": order.measure, "stage_end": order.stage_end.isoformat()},
            },
        )
        return order
    order.status = OrderStatus.RELEASED
    order.released_at = now
    order.released_by = actor
    order.notice_no = _notice_number(order, now)
    order.save(update_fields=["status", "released_at", "released_by", "notice_no"])
    SelfReportLink.objects.filter(order=order, revoked_at__isnull=True).update(revoked_at=now)
    _step(order, OrderStep.Kind.RELEASE, actor, note=note, now=now, detail={"notice_no": order.notice_no})
    audit_record(actor=actor, action=AuditLog.Action.CHANGE, obj=order, detail={"released": order.notice_no})
    return order


@transaction.atomic
def order_cancel(
    *, actor: User, order: ControlOrder, reason: str, now: dt.datetime | None = None
) -> ControlOrder:
    """Withdraw an order made in error (the reason is required and kept)."""
    _check_order_rights(actor, order)
    _require_active(order)
    if not (reason or "").strip():
        raise ApplicationError("reason_required", _("请填写撤销原因"), field="reason")
    now = now or timezone.now()
    order.status = OrderStatus.CANCELLED
    order.save(update_fields=["status"])
    _cancel_pending_tests(order)
    Alert.objects.filter(order=order, is_open=True).update(
        is_open=False, resolved_at=now, resolved_by=actor, resolution=_("管控已撤销")
    )
    SelfReportLink.objects.filter(order=order, revoked_at__isnull=True).update(revoked_at=now)
    _step(order, OrderStep.Kind.CANCEL, actor, note=reason, now=now)
    audit_record(actor=actor, action=AuditLog.Action.DELETE, obj=order, detail={"reason": reason})
    return order


# --- three-to-one teams ---------------------------------------------------------------------






def _team_write(order: ControlOrder, members: Iterable[tuple[str, StaffAssignment]]) -> None:
    TeamMember.objects.filter(order=order).delete()
    TeamMember.objects.bulk_create(
        TeamMember(order=order, role=role, staff=s, user_id=s.user_id, name=s.name, phone=s.phone)
        for role, s in members
    )






def _refresh_team_flag(order: ControlOrder) -> None:
    complete = not team_missing(order)
    if order.team_complete != complete:
        order.team_complete = complete
        ControlOrder.objects.filter(pk=order.pk).update(team_complete=complete)


@transaction.atomic
def team_set(
    *,
    actor: User,
    order: ControlOrder,
    members: list[tuple[str, int]],
    note: str = "",
    now: dt.datetime | None = None,
) -> list[TeamMember]:
    """Replace the team with (role, staff assignment id) pairs, each chosen from the candidates."""
    _check_order_rights(actor, order)
    _require_active(order)
    candidates = team_candidates(order)
    chosen: list[tuple[str, StaffAssignment]] = []
    seen: set[int] = set()
    for role, staff_id in members:
        if role not in TeamRole.values:
            raise ApplicationError("bad_role", _("未知分工“{role}”").format(role=role), field="team")
        staff = next((s for s in candidates[role] if s.pk == int(staff_id)), None)
        if staff is None:
            raise ApplicationError(
                "bad_member",
                _("所选人员不是本人员所在网格的{role}人选").format(role=TeamRole(role).label),
                field="team",
            )
        if staff.pk in seen:
            raise ApplicationError(
                "duplicate_member", _("{name} 被重复选择").format(name=staff.name), field="team"
            )
        seen.add(staff.pk)
        chosen.append((role, staff))
    _team_write(order, chosen)
    _refresh_team_flag(order)
    _step(
        order,
        OrderStep.Kind.TEAM,
        actor,
        note=note,
        now=now,
        detail={"team": [{"role": r, "name": s.name} for r, s in chosen]},
    )
    return list(TeamMember.objects.filter(order=order))


# --- the team's phone ------------------------------------------------------------------------


@transaction.atomic
def team_phones(
    *, actor: User | None, orders: Iterable[ControlOrder], now: dt.datetime | None = None, ip: str | None = None
) -> dict[int, str]:
    """The phones of the persons whose three-to-one team ``actor`` is on (order id → phone), shown
    in full whatever the role may reveal: the team must call them. Each is a need-to-know reveal,
    recorded in the audit log at most once per order, member and local day (the first view of
    the day; two views at the very same moment may both record)."""
    orders = [o for o in orders if o.person.phone]
    if actor is None or not orders:
        return {}
    mine = set(
        TeamMember.objects.filter(user=actor, order_id__in=[o.pk for o in orders]).values_list("order_id", flat=True)
    )
    shown = [o for o in orders if o.pk in mine]
    if not shown:
        return {}
    now = now or timezone.now()
    midnight = dt.datetime.combine(rules.local_date(now), dt.time(0), tzinfo=rules.local_tz())
    seen = set(
        AuditLog.objects.filter(
            actor=actor,
            action=AuditLog.Action.REVEAL,
            object_type=ControlOrder._meta.label_lower,
            object_id__in=[str(o.pk) for o in shown],
            at__gte=midnight,
        ).values_list("object_id", flat=True)
    )
    audit_many(  # the day's first views, in one statement
        actor=actor,
        action=AuditLog.Action.REVEAL,
        objs=[order for order in shown if str(order.pk) not in seen],
        ip=ip,
        detail={"fields": ["联系电话"], "reason": "三包一成员联系管控对象"},
    )
    return {o.pk: o.person.phone for o in shown}


# --- health checks and alerts ---------------------------------------------------------------


def _check_recorder(actor: User | None, order: ControlOrder) -> None:
    """A team member, or anyone whose jurisdiction covers the person (as for reading the order)."""
    from gridguard.control.selectors import order_access

    if actor is None:
        raise PermissionDenied()
    order_access(actor, order)


@dataclass
class CheckResult:
    check: HealthCheck
    alerts: list[Alert]


@transaction.atomic
def check_record(
    *,
    order: ControlOrder,
    temperature: Any,
    symptoms: Iterable[Any] = (),
    note: str = "",
    actor: User | None = None,
    self_reported: bool = False,
    at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> CheckResult:
    """Record a temperature and symptoms for the slot the time falls in. A fever (≥ 37.3 ℃) or a
    symptom raises an alert at once; a check that fills a slot already marked missed closes that
    alert."""
    if not self_reported:
        _check_recorder(actor, order)
    _require_active(order)
    now = now or timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=10):
        raise ApplicationError("at_future", _("检测时间不能晚于现在"), field="at")
    value, bits = rules.clean_check(temperature, list(symptoms))
    slots = rules.parse_slots(order.check_slots)
    slot_date, slot = rules.slot_of(at, slots)
    if not order.start_date <= slot_date <= order.end_date:
        raise ApplicationError("out_of_order", _("检测日期不在管控期内"), field="at")
    check = HealthCheck.objects.create(
        order=order,
        slot_date=slot_date,
        slot=slot,
        temperature=value,
        symptoms=bits,
        note=note.strip()[:200],
        at=at,
        by=None if self_reported else actor,
        self_reported=self_reported,
    )
    alerts = []
    names = [str(s.label) for s in Symptom if bits & s.value]
    if rules.is_fever(value) or bits:
        kind = AlertKind.FEVER if rules.is_fever(value) else AlertKind.SYMPTOM
        detail = f"{value}℃" + (" " + "、".join(names) if names else "")
        alerts.append(
            Alert.objects.create(
                order=order,
                node_path=order.node_path,
                kind=kind,
                slot_date=slot_date,
                slot=slot,
                check_ref=check,
                detail=detail[:200],
                raised_at=now,
            )
        )
    Alert.objects.filter(
        order=order, kind=AlertKind.MISSED, slot_date=slot_date, slot=slot, is_open=True
    ).update(is_open=False, resolved_at=now, resolved_by=actor, resolution=_("已补测 {t}℃").format(t=value))
    return CheckResult(check=check, alerts=alerts)


def _resolve(alert: Alert, actor: User | None, resolution: str, now: dt.datetime) -> None:
    alert.is_open = False
    alert.resolved_at = now
    alert.resolved_by = actor
    alert.resolution = resolution[:200]
    alert.save(update_fields=["is_open", "resolved_at", "resolved_by", "resolution"])


@transaction.atomic
def alert_resolve(*, actor: User, alert: Alert, resolution: str, now: dt.datetime | None = None) -> Alert:
    if alert.order is not None:
        _check_recorder(actor, alert.order)
    else:  # an alert about a person under no order: whoever's jurisdiction covers the person
        scope_for(actor).check(alert.node_path)
    if not alert.is_open:
        raise ApplicationError("alert_closed", _("该预警已处置"))
    if not (resolution or "").strip():
        raise ApplicationError("resolution_required", _("请填写处置情况"), field="resolution")
    _resolve(alert, actor, resolution.strip(), now or timezone.now())
    return alert


_MISSED_SQL = """
INSERT INTO control_alert (order_id, node_path, kind, slot_date, slot, detail, raised_at, is_open, resolution)
SELECT o.id, o.node_path, 'missed', %s, %s, %s, %s, %s, ''
FROM control_controlorder o
WHERE o.status = 'active' AND o.check_slots = %s AND o.stage_start <= %s AND o.end_date >= %s
  AND o.created_at <= %s
  AND NOT EXISTS (SELECT 1 FROM control_healthcheck c WHERE c.order_id = o.id AND c.slot_date = %s AND c.slot = %s)
  AND NOT EXISTS (SELECT 1 FROM control_alert a
                  WHERE a.order_id = o.id AND a.kind = 'missed' AND a.slot_date = %s AND a.slot = %s)
ON CONFLICT DO NOTHING
"""


def missed_checks_detect(*, now: dt.datetime | None = None, days_back: int = 1) -> int:
    """Raise a "missed" alert for every active order without a check in a slot that has ended
    (today's and yesterday's slots, so a worker that was down catches up). Set-based: one
    INSERT … SELECT per distinct slot layout and slot; running it twice raises nothing twice.
    Orders created after a slot began are not asked for that slot."""
    now = now or timezone.now()
    ops = connection.ops
    layouts = list(
        ControlOrder.objects.filter(status=OrderStatus.ACTIVE)
        .exclude(check_slots="")
        .values_list("check_slots", flat=True)
        .order_by()  # Meta.ordering would add "id" to the DISTINCT: one layout per order
        .distinct()
    )
    raised = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for layout in layouts:
            try:
                slots = rules.parse_slots(layout)
            except ApplicationError:
                continue
            for day, slot in rules.ended_slots(now, slots, days_back=days_back):
                d = ops.adapt_datefield_value(day)
                detail = _("{date} {slot} 未测体温").format(date=day.isoformat(), slot=slot.label)
                cursor.execute(
                    _MISSED_SQL,
                    [
                        d,
                        slot.index,
                        detail,
                        ops.adapt_datetimefield_value(now),
                        True,
                        layout,
                        d,
                        d,
                        ops.adapt_datetimefield_value(slot.starts_at(day)),
                        d,
                        slot.index,
                        d,
                        slot.index,
                    ],
                )
                raised += max(cursor.rowcount, 0)
    return raised


def alert_raise_for_persons(
    *, persons: Iterable[tuple[int, str]], kind: str, detail: str, now: dt.datetime | None = None
) -> int:
    """Raise one open alert per person ``(person id, node path)`` who is under no order (a member of
    a positive pool of mass screening): in the same list as the orders' alerts, seen by whoever's
    jurisdiction covers the person's node (the grid workers, the community). A person who already
    has an open alert of this kind gets no second one. Set-based: two queries and one insert.
    Callers that write the reason in a transaction call this after its commit (``on_commit``)."""
    if kind not in AlertKind.values:
        raise ValueError(f"unknown alert kind {kind!r}")
    now = now or timezone.now()
    wanted = dict(persons)
    if not wanted:
        return 0
    ids = list(wanted)
    already: set[int] = set()
    for start in range(0, len(ids), 500):
        already.update(
            Alert.objects.filter(person_id__in=ids[start : start + 500], kind=kind, is_open=True).values_list(
                "person_id", flat=True
            )
        )
    rows = [
        Alert(person_id=pid, node_path=path, kind=kind, slot_date=rules.local_date(now), detail=detail[:200],
              raised_at=now)
        for pid, path in wanted.items()
        if pid not in already
    ]
    Alert.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def alerts_close_for_persons(*, person_ids: Iterable[int], kind: str, resolution: str,
                             now: dt.datetime | None = None) -> int:
    """Close the open alerts of ``kind`` about these persons (a recall closed by its retest)."""
    ids = list(person_ids)
    now = now or timezone.now()
    closed = 0
    for start in range(0, len(ids), 500):
        closed += Alert.objects.filter(person_id__in=ids[start : start + 500], kind=kind, is_open=True).update(
            is_open=False, resolved_at=now, resolution=resolution[:200]
        )
    return closed


# --- scheduled nucleic-acid tests -----------------------------------------------------------


@dataclass(frozen=True)
class OutsideResult:
    """A test result that another app (mass screening) has for a person: the day it was sampled,
    the result (TestResult.NEGATIVE or POSITIVE) and when the result came."""

    person_id: int
    date: dt.date
    result: str
    at: dt.datetime
    detail: str = ""


@transaction.atomic
def tests_fill_from_results(*, actor: User | None, results: Iterable[OutsideResult]) -> int:
    """Fill the scheduled test of the day of every person under an active order from results made
    elsewhere (a screening round's lab results): the order's test dated the sample's day, still
    pending or sampled, gets the result; a positive one raises the same alert as ``test_record``.
    Set-based: one read of the tests for all persons, one UPDATE per result value."""
    wanted = [r for r in results if r.result in (TestResult.NEGATIVE, TestResult.POSITIVE)]
    if not wanted:
        return 0
    by_key: dict[tuple[int, dt.date], OutsideResult] = {}
    for r in wanted:
        prior = by_key.get((r.person_id, r.date))
        if prior is None or r.result == TestResult.POSITIVE:  # positive wins over negative
            by_key[(r.person_id, r.date)] = r
    person_ids = sorted({pid for pid, _day in by_key})
    tests: list[tuple[int, int, dt.date, int, int, str]] = []
    for start in range(0, len(person_ids), 500):
        tests.extend(
            ScheduledTest.objects.filter(
                order__person_id__in=person_ids[start : start + 500],
                order__status=OrderStatus.ACTIVE,
                date__in={day for _pid, day in by_key},
                result__in=(TestResult.PENDING, TestResult.SAMPLED),
            ).values_list("id", "order__person_id", "date", "order_id", "day_no", "order__node_path")
        )
    filled = 0
    alerts = []
    for test_id, pid, day, order_id, day_no, path in tests:
        outside = by_key.get((pid, day))
        if outside is None:
            continue
        filled += ScheduledTest.objects.filter(
            pk=test_id, result__in=(TestResult.PENDING, TestResult.SAMPLED)
        ).update(result=outside.result, result_at=outside.at, recorded_by=actor)
        ScheduledTest.objects.filter(pk=test_id, sampled_at__isnull=True).update(sampled_at=outside.at)
        if outside.result == TestResult.POSITIVE:
            alerts.append(Alert(
                order_id=order_id, person_id=pid, node_path=path, kind=AlertKind.POSITIVE, slot_date=day,
                detail=(outside.detail or _("第 {n} 天核酸检测阳性").format(n=day_no))[:200], raised_at=outside.at,
            ))
    if alerts:
        Alert.objects.bulk_create(alerts)
    return filled


@transaction.atomic
def test_record(
    *, actor: User, test: ScheduledTest, result: str, now: dt.datetime | None = None
) -> ScheduledTest:
    order = test.order
    _check_recorder(actor, order)
    if result not in (TestResult.SAMPLED, TestResult.NEGATIVE, TestResult.POSITIVE):
        raise ApplicationError("bad_result", _("请选择检测结果"), field="result")
    if test.result == TestResult.CANCELLED:
        raise ApplicationError("test_cancelled", _("该检测已取消"))
    now = now or timezone.now()
    if test.date > rules.local_date(now):
        raise ApplicationError(
            "test_future", _("第 {n} 天的检测还未到日期").format(n=test.day_no), field="result"
        )
    test.result = result
    if result == TestResult.SAMPLED or test.sampled_at is None:
        test.sampled_at = now
    if result in (TestResult.NEGATIVE, TestResult.POSITIVE):
        test.result_at = now
    test.recorded_by = actor
    test.save(update_fields=["result", "sampled_at", "result_at", "recorded_by"])
    if result == TestResult.POSITIVE:
        Alert.objects.create(
            order=order,
            node_path=order.node_path,
            kind=AlertKind.POSITIVE,
            slot_date=test.date,
            detail=_("第 {n} 天核酸检测阳性").format(n=test.day_no),
            raised_at=now,
        )
    return test


# --- self-report links ----------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def link_issue(
    *, actor: User, order: ControlOrder, now: dt.datetime | None = None
) -> tuple[SelfReportLink, str]:
    """A new secret link for the person's own reports; any earlier link stops working."""
    _check_order_rights(actor, order)
    _require_active(order)
    now = now or timezone.now()
    SelfReportLink.objects.filter(order=order, revoked_at__isnull=True).update(revoked_at=now)
    key = secrets.token_urlsafe(24)
    link = SelfReportLink.objects.create(
        order=order, key_hash=_key_hash(key), created_at=now, created_by=actor
    )
    _step(order, OrderStep.Kind.LINK, actor, now=now, detail={"issued": link.pk})
    return link, key


@transaction.atomic
def link_revoke(*, actor: User, order: ControlOrder, now: dt.datetime | None = None) -> int:
    _check_order_rights(actor, order)
    now = now or timezone.now()
    count = SelfReportLink.objects.filter(order=order, revoked_at__isnull=True).update(revoked_at=now)
    if count:
        _step(order, OrderStep.Kind.LINK, actor, now=now, detail={"revoked": count})
    return count


def link_order(key: str) -> ControlOrder:
    """The active order a self-report link belongs to; NotFound for unknown, revoked or ended."""
    link = (
        SelfReportLink.objects.select_related("order", "order__person")
        .filter(key_hash=_key_hash(key or ""))
        .first()
    )
    if link is None or link.revoked_at is not None or link.order.status != OrderStatus.ACTIVE:
        raise NotFound(_("链接无效或已停用，请联系您的网格员"))
    return link.order


# --- needs ----------------------------------------------------------------------------------


@transaction.atomic
def need_create(
    *,
    order: ControlOrder,
    kind: str,
    detail: str,
    actor: User | None = None,
    self_reported: bool = False,
    now: dt.datetime | None = None,
) -> NeedRequest:
    if not self_reported:
        _check_recorder(actor, order)
    _require_active(order)
    kind, detail = rules.clean_need(kind, detail)
    now = now or timezone.now()
    return NeedRequest.objects.create(
        order=order,
        node_path=order.node_path,
        kind=kind,
        detail=detail,
        self_reported=self_reported,
        created_at=now,
        created_by=None if self_reported else actor,
        updated_at=now,
    )


@transaction.atomic
def need_update(
    *,
    actor: User,
    need: NeedRequest,
    status: str,
    owner: User | None = None,
    result: str = "",
    now: dt.datetime | None = None,
) -> NeedRequest:
    scope_for(actor).check(need.node_path)
    status = _clean_choice(status, NeedStatus, "status", _("状态"))
    if status == NeedStatus.DONE and not (result or need.result).strip():
        raise ApplicationError("result_required", _("办结须填写办理情况"), field="result")
    if owner is not None:
        scope_for(owner).check(need.node_path)
    need.status = status
    need.owner = owner or need.owner or actor
    if result.strip():
        need.result = result.strip()[:200]
    need.updated_at = now or timezone.now()
    need.save(update_fields=["status", "owner", "result", "updated_at"])
    return need


# --- arrivals -------------------------------------------------------------------------------


def arrival_queue_node(poster: GridNode, address_node: GridNode | None) -> GridNode:
    """The grid that owns the address (its nearest grid-level ancestor); when the address is
    unknown or above any grid, the community/village of the poster."""
    if address_node is not None:
        chain = [*GridNode.objects.get_ancestors(address_node).select_related("level"), address_node]
        grids = [n for n in chain if n.level.is_grid]
        if grids:
            return grids[-1]
    chain = [*GridNode.objects.get_ancestors(poster).select_related("level"), poster]
    communities = [n for n in chain if n.level.code == "community"]
    if communities:
        return communities[-1]
    return chain[-1]


@transaction.atomic
def arrival_submit(
    *, poster: GridNode, data: dict[str, Any], now: dt.datetime | None = None
) -> ArrivalReport:
    """A public self-report. It never changes a report already submitted: a second report of an
    identity number still waiting in a queue is a row of its own attached to the first
    (``repeat_of``), in the first's queue, for the first's verifier to compare."""
    now = now or timezone.now()
    clean = rules.clean_arrival(data, today=rules.local_date(now))
    address_node = None
    if str(data.get("address_node") or "").isdigit():
        address_node = GridNode.objects.filter(
            pk=int(data["address_node"]), path__startswith=poster.path, is_active=True
        ).first()
    matched_node, room = address_match(poster, clean["address"])
    fields = {
        "poster_node": poster,
        "address_node": address_node,
        "matched_node": matched_node,
        "room": room,
        "submitted_at": now,
        **clean,
    }
    for _attempt in range(2):
        original = _pending_arrival(clean["id_number"])
        if original is not None:
            return ArrivalReport.objects.create(
                node_id=original.node_id,
                node_path=original.node_path,
                repeat_of=original,
                status=ArrivalStatus.REPEAT,
                **fields,
            )
        queue = arrival_queue_node(poster, matched_node or address_node)
        try:
            with transaction.atomic():
                return ArrivalReport.objects.create(node=queue, node_path=queue.path, **fields)
        except IntegrityError:  # the same number's first report a moment ago: this one repeats it
            continue
    raise ApplicationError("arrival_busy", _("提交过于频繁，请稍后再试"))


def _pending_arrival(id_number: str) -> ArrivalReport | None:
    return (
        ArrivalReport.objects.filter(id_number=id_number, status=ArrivalStatus.PENDING).order_by("id").first()
    )


def arrival_verify(*, actor: User, report: ArrivalReport, person: Person | None = None, **kwargs: Any) -> ArrivalReport:
    """Verify an arrival (``_arrival_verify``). Before its transaction: when the reported number is a
    ledger person of another jurisdiction, the report must be forwarded there — said so, as a metered
    look-up (people.lookups) that is recorded although the verification is refused."""
    if person is None and report.status == ArrivalStatus.PENDING:
        from gridguard.people import lookups

        scope = _controller_scope(actor)
        scope.check(report.node_path)
        if lookups.registered_elsewhere(scope, report.id_number):
            raise ApplicationError(
                "person_elsewhere",
                _("该人员登记在您管辖范围以外的辖区，请转交其所在辖区核查"),
                field="id_number",
            )
    return _arrival_verify(actor=actor, report=report, person=person, **kwargs)


@transaction.atomic
def _arrival_verify(
    *,
    actor: User,
    report: ArrivalReport,
    person: Person | None = None,
    household_id: int | None = None,
    measure: str = "",  # a Measure, or NO_MEASURE; "" is refused
    category: str = Category.MEDIUM_RISK_ARRIVAL,
    place: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> ArrivalReport:
    """Match the report to a ledger person (or register one from it) and decide: a measure, or
    "none" (no measure). There is no default: an empty decision is refused."""
    from gridguard.people import services as people_services
    from gridguard.people.models import Household

    scope = _controller_scope(actor)
    scope.check(report.node_path)
    # two verifiers at once: the second waits for the first and finds the report verified (never two
    # orders, never a person registered twice)
    ArrivalReport.objects.select_for_update(of=("self",)).filter(pk=report.pk).values_list("pk").get()
    report.refresh_from_db()  # the caller's object, as the lock found it
    if report.status == ArrivalStatus.REPEAT:
        raise ApplicationError("arrival_repeat", _("这是一次重复报备，请在首次报备中核实"))
    if report.status != ArrivalStatus.PENDING:
        raise ApplicationError("already_verified", _("该报备已核实"))
    if not measure:
        raise ApplicationError(
            "decision_required", _("请选择处理决定：无需管控，或一种管控措施"), field="measure"
        )
    if measure != NO_MEASURE:
        measure = _clean_choice(measure, Measure, "measure", _("处理决定"))
    now = now or timezone.now()
    if person is None:
        person = Person.objects.filter(id_number=report.id_number, status=PersonStatus.ACTIVE).order_by("id").first()
    if person is not None:
        scope.check(person.node_path)
    else:
        household = None
        where = arrival_address(report)
        if household_id is not None:
            household = Household.objects.filter(pk=household_id).first()
            if household is None:
                raise ApplicationError("household_unknown", _("所选住户不存在"), field="household")
        elif where.household is not None:  # the room the person gave is in the ledger: join it
            household = where.household
        elif where.node is not None and where.room:  # a room the ledger lacks: register it
            scope.check(where.node.path)
            household = people_services.household_create(
                actor=actor, node=where.node, room=where.room, date=report.arrival_date
            )
        if household is not None:
            scope.check(household.node_path)
        node = where.node or report.node
        person = people_services.person_register(
            actor=actor,
            data={
                "name": report.name,
                "id_type": report.id_type,
                "id_number": report.id_number,
                "phone": report.phone,
                "residency": "floating",
                "relation": "other",
                "note": _("来返报备：来自 {place}").format(place=report.from_place),
            },
            household=household,
            node=None if household else node,
            date=report.arrival_date,
        )
    report.person = person
    report.verified_at = now
    report.verified_by = actor
    report.decision_note = note.strip()[:200]
    if measure != NO_MEASURE:
        order = order_create(
            actor=actor,
            person=person,
            category=category,
            measure=measure,
            start_date=report.arrival_date,
            source=_("自主报备"),
            place=place,
            note=note,
            reported_address=report.address,
            now=now,
        )
        report.order = order
        report.status = ArrivalStatus.ORDERED
    else:
        report.status = ArrivalStatus.NO_MEASURE
    report.save()
    return report
