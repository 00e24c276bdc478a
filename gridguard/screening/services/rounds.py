"""Rounds (轮次): create one over a subtree, open it (who is in scope is drawn from the ledger in
one INSERT … SELECT, with the exemptions by rule), exempt by hand, record why someone is missing,
close it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.accounts.services import audit_record
from gridguard.core.errors import ApplicationError, FieldErrors
from gridguard.screening.models import (
    Enrollment,
    EnrollmentState,
    ExemptReason,
    MissingReason,
    Mode,
    RoundStatus,
    ScreeningRound,
)
from gridguard.screening.services.common import local_date, scope_with

if TYPE_CHECKING:
    from gridguard.accounts.models import User
    from gridguard.accounts.scope import Scope
    from gridguard.grids.models import GridNode

MAX_DAYS = 14


def round_create(
    *,
    actor: User | None,
    node: GridNode,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    mode: str = Mode.POOL10,
    exempt_away: bool = True,
    exempt_under_months: int = 0,
    exempt_central: bool = True,
    target_hours: int = 24,
    note: str = "",
    scope: Scope | None = None,
    now: dt.datetime | None = None,
) -> ScreeningRound:
    """A round in draft over ``node``'s subtree: points and slots are planned before it opens."""
    scope = scope_with(actor, "screening.plan", scope)
    scope.check(node.path)
    errors: list[ApplicationError] = []
    name = (name or "").strip()
    if not name:
        errors.append(ApplicationError("required", _("请填写轮次名称"), field="name"))
    elif name[0] in "=+-@":
        errors.append(ApplicationError("bad_name", _("名称不能以 = + - @ 开头"), field="name"))
    if ends_on < starts_on:
        errors.append(ApplicationError("bad_dates", _("结束日期不能早于开始日期"), field="ends_on"))
    elif (ends_on - starts_on).days >= MAX_DAYS:
        errors.append(ApplicationError("bad_dates", _("一轮最长 {n} 天").format(n=MAX_DAYS), field="ends_on"))
    if mode not in Mode.values:
        errors.append(ApplicationError("bad_mode", _("请选择采样方式"), field="mode"))
    if not 0 <= exempt_under_months <= 72:
        errors.append(ApplicationError("bad_age", _("免检月龄应在 0–72 之间"), field="exempt_under_months"))
    if not 1 <= target_hours <= 72:
        errors.append(ApplicationError("bad_hours", _("出结果时限应在 1–72 小时之间"), field="target_hours"))
    if errors:
        raise FieldErrors(errors)
    now = now or timezone.now()
    rnd = ScreeningRound.objects.create(
        name=name, node=node, node_path=node.path, starts_on=starts_on, ends_on=ends_on, mode=mode,
        exempt_away=exempt_away, exempt_under_months=exempt_under_months, exempt_central=exempt_central,
        target_hours=target_hours, note=note[:200], created_at=now, created_by=actor,
    )
    audit_record(actor=actor, action="create", obj=rnd, node_path=node.path, detail={"name": name})
    return rnd


def _subtract_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
            30, 31][month - 1]
    return dt.date(year, month, min(day.day, last))


@dataclass
class ScopeSql:
    """Who a round's scope holds, as SQL over the ledger — the one definition that opening a round
    and proposing its plan both use. ``source`` is the FROM and WHERE over ``p`` (every active
    person living in the subtree) and ``c`` (their active control order, if any); ``reason`` is the
    exemption by the round's rules, '' for none. Each comes with its parameters."""

    source: str
    source_params: list[Any]
    reason: str
    reason_params: list[Any]


def scope_sql(rnd: ScreeningRound, today: dt.date) -> ScopeSql:
    """The round's scope on ``today`` (the age of an infant is counted from it)."""
    from gridguard.control.models import ControlOrder, Measure, OrderStatus
    from gridguard.people.models import Person, PersonStatus

    params: list[Any] = []
    whens: list[str] = []
    if rnd.exempt_away:
        whens.append(f"WHEN p.residency = %s THEN '{ExemptReason.AWAY.value}'")
        params.append("away")
    if rnd.exempt_under_months:
        whens.append(f"WHEN p.birth_date > %s THEN '{ExemptReason.INFANT.value}'")
        params.append(_subtract_months(today, rnd.exempt_under_months))
    if rnd.exempt_central:
        whens.append(f"WHEN c.measure = %s THEN '{ExemptReason.CENTRAL.value}'")
        params.append(Measure.CENTRAL_ISOLATION.value)
    source = (
        f"FROM {Person._meta.db_table} p"
        f" LEFT JOIN {ControlOrder._meta.db_table} c ON c.person_id = p.id AND c.status = %s"
        " WHERE p.node_path >= %s AND p.node_path < %s AND p.status = %s"
    )
    return ScopeSql(
        source=source,
        source_params=[OrderStatus.ACTIVE.value, rnd.node_path, rnd.node_path + "~", PersonStatus.ACTIVE.value],
        reason=f"CASE {' '.join(whens)} ELSE '' END" if whens else "''",
        reason_params=params,
    )


def _draw_scope(rnd: ScreeningRound, today: dt.date) -> int:
    """Every person of the round's scope, once, with the exemptions by rule and the flag for
    door-to-door sampling (bedridden, or at home under an order), in one INSERT … SELECT."""
    from gridguard.control.models import HOME_MEASURES
    from gridguard.people.models import Tag

    bedridden = Tag.objects.filter(code="bedridden").values_list("bit", flat=True).first()
    bed_mask = (1 << bedridden) if bedridden is not None else 0
    scope = scope_sql(rnd, today)
    home = ", ".join(f"'{m.value}'" for m in HOME_MEASURES)
    sql = f"""
        INSERT INTO screening_enrollment
            (round_id, person_id, node_path, household_id, state, exempt_reason, is_new, needs_door,
             result, missing_reason, reason_note)
        SELECT %s, p.id, p.node_path, p.household_id,
               CASE WHEN ({scope.reason}) = '' THEN 'due' ELSE 'exempt' END, {scope.reason}, %s,
               ((p.tags & %s) <> 0 OR COALESCE(c.measure IN ({home}), %s)), '', '', ''
        {scope.source}
          AND NOT EXISTS (SELECT 1 FROM screening_enrollment e WHERE e.round_id = %s AND e.person_id = p.id)
    """  # noqa: S608 - the interpolated parts are constants of this module, values are parameters
    args = [rnd.pk, *scope.reason_params, *scope.reason_params, False, bed_mask, False, *scope.source_params,
            rnd.pk]
    with connection.cursor() as cur:
        cur.execute(sql, args)
        return cur.rowcount


def round_open(
    *, actor: User | None, rnd: ScreeningRound, scope: Scope | None = None, now: dt.datetime | None = None
) -> int:
    """Open a draft round: draw who is in scope. Returns how many persons were drawn."""
    scope = scope_with(actor, "screening.plan", scope)
    scope.check(rnd.node_path)
    now = now or timezone.now()
    with transaction.atomic():
        locked = ScreeningRound.objects.select_for_update().get(pk=rnd.pk)
        if locked.status != RoundStatus.DRAFT:
            raise ApplicationError("round_not_draft", _("该轮次已开始或已结束"))
        drawn = _draw_scope(locked, local_date(now))
        rnd.status = RoundStatus.OPEN
        rnd.opened_at = now
        rnd.save(update_fields=["status", "opened_at"])
        audit_record(actor=actor, action="update", obj=rnd, node_path=rnd.node_path,
                     detail={"opened": True, "in_scope": drawn})
    return drawn


def round_close(
    *, actor: User | None, rnd: ScreeningRound, scope: Scope | None = None, now: dt.datetime | None = None
) -> ScreeningRound:
    scope = scope_with(actor, "screening.plan", scope)
    scope.check(rnd.node_path)
    with transaction.atomic():
        rnd = ScreeningRound.objects.select_for_update().get(pk=rnd.pk)
        if rnd.status != RoundStatus.OPEN:
            raise ApplicationError("round_not_open", _("只有进行中的轮次可以结束"))
        rnd.status = RoundStatus.CLOSED
        rnd.closed_at = now or timezone.now()
        rnd.save(update_fields=["status", "closed_at"])
        audit_record(actor=actor, action="update", obj=rnd, node_path=rnd.node_path, detail={"closed": True})
    return rnd


def _enrollment_for_writer(actor: User | None, enrollment: Enrollment, scope: Scope | None) -> Scope:
    scope = scope_with(actor, "screening.reason", scope)
    scope.check(enrollment.node_path)
    return scope


def enrollment_exempt(
    *, actor: User | None, enrollment: Enrollment, reason: str, note: str = "",
    scope: Scope | None = None, now: dt.datetime | None = None,
) -> Enrollment:
    """Exempt a person by hand, with a reason (免检); ``reason=""`` puts them back in scope."""
    scope = scope_with(actor, "screening.plan", scope)
    scope.check(enrollment.node_path)
    if reason and reason not in ExemptReason.values:
        raise ApplicationError("bad_reason", _("请选择免检原因"), field="reason")
    note = (note or "").strip()
    if reason == ExemptReason.MANUAL and not note:
        raise ApplicationError("required", _("人工免检请写明原因"), field="note")
    if reason and enrollment.sampled_at is not None:
        raise ApplicationError("already_sampled", _("此人本轮已采样，不能免检"))
    enrollment.state = EnrollmentState.EXEMPT if reason else EnrollmentState.DUE
    enrollment.exempt_reason = reason
    enrollment.reason_note = note[:200]
    enrollment.reason_by = actor
    enrollment.reason_at = now or timezone.now()
    enrollment.save(update_fields=["state", "exempt_reason", "reason_note", "reason_by", "reason_at"])
    return enrollment


def missing_reason_record(
    *, actor: User | None, enrollment: Enrollment, reason: str, note: str = "",
    scope: Scope | None = None, now: dt.datetime | None = None,
) -> Enrollment:
    """Why a person in scope has not been sampled (外出, 拒绝, 已在外地检测 with the proof in the note,
    需上门采样); ``reason=""`` clears it. A need for door-to-door sampling puts them on that list."""
    _enrollment_for_writer(actor, enrollment, scope)
    errors: list[ApplicationError] = []
    if reason and reason not in MissingReason.values:
        errors.append(ApplicationError("bad_reason", _("请选择未检原因"), field="reason"))
    note = (note or "").strip()
    if reason in (MissingReason.ELSEWHERE, MissingReason.OTHER) and not note:
        errors.append(ApplicationError("required", _("请写明说明（外地检测请注明机构和日期）"), field="note"))
    if note[:1] in ("=", "+", "-", "@"):
        errors.append(ApplicationError("bad_note", _("说明不能以 = + - @ 开头"), field="note"))
    if errors:
        raise FieldErrors(errors)
    enrollment.missing_reason = reason
    enrollment.reason_note = note[:200]
    enrollment.reason_by = actor
    enrollment.reason_at = now or timezone.now()
    fields = ["missing_reason", "reason_note", "reason_by", "reason_at"]
    if reason == MissingReason.DOOR:
        enrollment.needs_door = True
        fields.append("needs_door")
    enrollment.save(update_fields=fields)
    return enrollment
