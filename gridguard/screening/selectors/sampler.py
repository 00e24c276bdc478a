"""Reads for the sampler: the points a user samples at, a tube and its members, a point's open
tubes and its conflict list. Every read starts from a point the user may sample at
(``services.scans.sampler_scope``: their jurisdiction or their assignment)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.translation import gettext as _

from gridguard.accounts.scope import scope_for
from gridguard.core.errors import ApplicationError, NotFound, PermissionDenied
from gridguard.core.masking import mask_name
from gridguard.screening.models import (
    CAPACITY,
    Mode,
    PointStaff,
    RoundStatus,
    Sample,
    SamplingPoint,
    ScanConflict,
    ScreeningRound,
    Tube,
    TubeStatus,
)
from gridguard.screening.services.scans import TUBE_CODE, sampler_scope

if TYPE_CHECKING:
    from gridguard.accounts.models import User


def my_points(*, user: User) -> list[SamplingPoint]:
    """The points of open rounds where ``user`` may sample: assigned to them, or in their
    jurisdiction (with the right to sample)."""
    scope = scope_for(user)
    if not scope.has("screening.sample"):
        return []
    assigned = Q(pk__in=PointStaff.objects.filter(user=user).values("point_id"))
    where = assigned if not scope.everything and not scope.paths else assigned | scope.q("node_path")
    return list(
        SamplingPoint.objects.filter(where, round__status=RoundStatus.OPEN)
        .select_related("round", "node")
        .order_by("round__starts_on", "round_id", "name", "id")
    )


def round_point(*, user: User, round_id: int, point_id: int) -> tuple[ScreeningRound, SamplingPoint]:
    """The point ``point_id`` of round ``round_id`` where ``user`` may sample (404 when there is no
    such point, 403 when the user is neither assigned there nor over it)."""
    # Raw queries: a sampler's page sends a request per scan, and the ORM's join costs more to build
    # than to run. The point's node is read when needed (a walk-in registered there).
    points = list(SamplingPoint.objects.raw(
        f"SELECT * FROM {SamplingPoint._meta.db_table} WHERE id = %s AND round_id = %s",  # noqa: S608
        [point_id, round_id],
    ))
    if not points:
        raise NotFound(_("没有这个采样点"))
    point = points[0]
    point.round = list(ScreeningRound.objects.raw(
        f"SELECT * FROM {ScreeningRound._meta.db_table} WHERE id = %s", [round_id]  # noqa: S608
    ))[0]
    sampler_scope(user, point)
    return point.round, point


def _name(scope: Any, name: str) -> str:
    return name if scope.has("people.reveal") else mask_name(name)


def _clean_code(code: str) -> str:
    code = (code or "").strip().upper()
    if not TUBE_CODE.match(code):
        raise ApplicationError("bad_tube", _("管码应为 6–40 位字母、数字或 -"), field="code")
    return code


def tube_get(*, user: User, rnd: ScreeningRound, point: SamplingPoint, code: str) -> Tube:
    """A tube of this round, seen from ``point`` (a tube opened at another point needs that point's
    rights too); 404 otherwise."""
    tube = Tube.objects.filter(code=_clean_code(code), round=rnd).select_related("point").first()
    if tube is None:
        raise NotFound(_("本轮次没有管码 {code}").format(code=code.strip().upper()[:40]))
    if tube.point is not None and tube.point_id != point.pk:
        try:
            sampler_scope(user, tube.point)
        except PermissionDenied:
            raise NotFound() from None
    elif tube.point is None:
        scope_for(user).check(tube.node_path)
    return tube


def tube_view(*, user: User, rnd: ScreeningRound, point: SamplingPoint, code: str) -> dict[str, Any]:
    """A tube as the page shows it: places used and left, its members (names masked by role). A code
    never used is a new tube of the round's mode (``exists`` false); a code used in another round is
    refused as the scan would be."""
    code = _clean_code(code)
    other = Tube.objects.filter(code=code).exclude(round=rnd).exists()
    if other:
        raise ApplicationError(
            "tube_other_round", _("管码 {tube} 已在其他轮次使用，请换新管").format(tube=code), field="code"
        )
    if not Tube.objects.filter(code=code).exists():
        mode = Mode(rnd.mode)
        return {
            "code": code, "exists": False, "mode": mode.value, "mode_name": str(mode.label),
            "capacity": CAPACITY[mode], "used": 0, "left": CAPACITY[mode], "status": TubeStatus.OPEN.value,
            "status_name": str(TubeStatus.OPEN.label), "point_id": point.pk, "opened_at": None, "members": [],
        }
    tube = tube_get(user=user, rnd=rnd, point=point, code=code)
    scope = scope_for(user)
    members = [
        {"sample_id": sid, "person": _name(scope, name), "sampled_at": at, "cross_area": cross}
        for sid, name, at, cross in Sample.objects.filter(tube=tube)
        .order_by("sampled_at", "id")
        .values_list("id", "person__name", "sampled_at", "cross_area")
    ]
    return {
        "code": tube.code, "exists": True, "mode": tube.mode, "mode_name": str(tube.get_mode_display()),
        "capacity": tube.capacity, "used": tube.used, "left": max(0, tube.capacity - tube.used),
        "status": tube.status, "status_name": str(tube.get_status_display()), "point_id": tube.point_id,
        "opened_at": tube.opened_at, "members": members,
    }


def open_tubes(*, point: SamplingPoint) -> list[dict[str, Any]]:
    rows = (
        Tube.objects.filter(point=point, status=TubeStatus.OPEN)
        .order_by("-opened_at", "-id")
        .values_list("code", "mode", "capacity", "used", "opened_at")[:200]
    )
    return [dict(zip(("code", "mode", "capacity", "used", "opened_at"), row, strict=True)) for row in rows]


def sample_get(*, rnd: ScreeningRound, point: SamplingPoint, pk: int) -> Sample:
    """A sample in a tube of ``point`` (a person scanned there), else 404."""
    sample = Sample.objects.select_related("tube").filter(pk=pk, round=rnd, tube__point=point).first()
    if sample is None:
        raise NotFound(_("本采样点没有这条采样记录"))
    return sample


def is_leader(*, user: User, point: SamplingPoint) -> bool:
    """The point's leader (点位负责人), or an official over it who plans the round."""
    scope = scope_for(user)
    if scope.has("screening.plan") and scope.covers(point.node_path):
        return True
    return PointStaff.objects.filter(point=point, user=user, duty=PointStaff.Duty.LEADER).exists()


def conflict_list(*, user: User, point: SamplingPoint) -> list[dict[str, Any]]:
    """Persons put in two tubes by two devices (offline): the scan kept and the one refused."""
    if not is_leader(user=user, point=point):
        raise PermissionDenied(_("只有点位负责人可以查看冲突列表"))
    scope = scope_for(user)
    rows = (
        ScanConflict.objects.filter(point=point)
        .select_related("person", "kept__tube", "refused")
        .order_by("-at", "-id")[:500]
    )
    return [
        {
            "id": c.pk, "person": _name(scope, c.person.name), "kept_tube": c.kept.tube.code,
            "kept_at": c.kept.sampled_at, "kept_device": c.kept.device, "refused_tube": c.refused.tube_code,
            "refused_at": c.refused.device_time, "refused_device": c.refused.device, "at": c.at,
            "resolved": c.resolved_at is not None,
        }
        for c in rows
    ]
