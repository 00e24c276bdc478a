"""Sampling points (采样点): where, when, how many stations, which grids in which slot, and who samples."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from gridguard.core.errors import ApplicationError, FieldErrors
from gridguard.screening.models import PointSlot, PointStaff, RoundStatus, SamplingPoint, ScreeningRound
from gridguard.screening.services.common import scope_with

if TYPE_CHECKING:
    from gridguard.accounts.models import User
    from gridguard.accounts.scope import Scope
    from gridguard.grids.models import GridNode


def _planner(actor: User | None, rnd: ScreeningRound, scope: Scope | None) -> Scope:
    scope = scope_with(actor, "screening.plan", scope)
    scope.check(rnd.node_path)
    if rnd.status == RoundStatus.CLOSED:
        raise ApplicationError("round_closed", _("轮次已结束"))
    return scope


def _text(value: str, field: str, label: str, errors: list[ApplicationError], *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.append(ApplicationError("required", _("请填写{label}").format(label=label), field=field))
    elif value[:1] in ("=", "+", "-", "@"):
        errors.append(ApplicationError("bad_text", _("{label}不能以 = + - @ 开头").format(label=label), field=field))
    return value


def point_create(
    *, actor: User | None, rnd: ScreeningRound, node: GridNode, name: str, address: str,
    opens_at: dt.datetime, closes_at: dt.datetime, stations: int = 1, scope: Scope | None = None,
) -> SamplingPoint:
    scope = _planner(actor, rnd, scope)
    errors: list[ApplicationError] = []
    name = _text(name, "name", _("采样点名称"), errors)
    address = _text(address, "address", _("地址"), errors)
    if not rnd.node_path <= node.path < rnd.node_path + "~":
        errors.append(ApplicationError("node_outside", _("采样点须在本轮次范围内"), field="node"))
    if closes_at <= opens_at:
        errors.append(ApplicationError("bad_hours", _("关闭时间须晚于开放时间"), field="closes_at"))
    if not 1 <= stations <= 50:
        errors.append(ApplicationError("bad_stations", _("采样台数应在 1–50 之间"), field="stations"))
    if errors:
        raise FieldErrors(errors)
    return SamplingPoint.objects.create(
        round=rnd, node=node, node_path=node.path, name=name[:80], address=address[:200], opens_at=opens_at,
        closes_at=closes_at, stations=stations, public_key=secrets.token_urlsafe(12),
    )


def point_slot_set(
    *, actor: User | None, point: SamplingPoint, grid: GridNode, starts_at: dt.datetime, ends_at: dt.datetime,
    expected: int = 0, scope: Scope | None = None,
) -> PointSlot:
    """Assign a grid to a point for a time slot (replacing its earlier slot at that point)."""
    _planner(actor, point.round, scope)
    errors: list[ApplicationError] = []
    rnd = point.round
    if not rnd.node_path <= grid.path < rnd.node_path + "~":
        errors.append(ApplicationError("node_outside", _("网格须在本轮次范围内"), field="grid"))
    if ends_at <= starts_at:
        errors.append(ApplicationError("bad_slot", _("时段结束须晚于开始"), field="ends_at"))
    elif starts_at < point.opens_at or ends_at > point.closes_at:
        errors.append(ApplicationError("slot_outside", _("时段须在采样点开放时间内"), field="starts_at"))
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        slot, _created = PointSlot.objects.update_or_create(
            point=point, grid=grid,
            defaults={"grid_path": grid.path, "starts_at": starts_at, "ends_at": ends_at, "expected": max(0, expected)},
        )
    return slot


def point_staff_add(
    *, actor: User | None, point: SamplingPoint, user: User, duty: str = PointStaff.Duty.SAMPLER,
    scope: Scope | None = None,
) -> PointStaff:
    _planner(actor, point.round, scope)
    if duty not in PointStaff.Duty.values:
        raise ApplicationError("bad_duty", _("请选择职责"), field="duty")
    staff, _created = PointStaff.objects.update_or_create(point=point, user=user, defaults={"duty": duty})
    return staff
