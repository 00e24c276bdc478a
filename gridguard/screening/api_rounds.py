"""The screening API: rounds (list, create, read with points and slots, open, close), the proposed plan
and applying it, and the persons' codes of a household (for a printing app; audited). Thin over the
same selectors and services as the pages; a round outside the user's jurisdiction answers 404."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from gridguard.accounts.models import AuditLog
from gridguard.accounts.scope import current_user, scope_for
from gridguard.accounts.services import audit_record, client_ip
from gridguard.core.api_errors import Id
from gridguard.core.errors import PermissionDenied
from gridguard.core.masking import mask_name
from gridguard.grids.api import node_param
from gridguard.people import selectors as people_selectors
from gridguard.screening.codes import make_code
from gridguard.screening.models import Mode, PointSlot, SamplingPoint, ScreeningRound
from gridguard.screening.selectors import rounds as sel
from gridguard.screening.services import plan as plan_services
from gridguard.screening.services import rounds as round_services

router = Router(tags=["screening"])


class RoundOut(Schema):
    id: int
    name: str
    node_id: int
    node_name: str
    starts_on: dt.date
    ends_on: dt.date
    mode: str
    mode_name: str
    status: str
    status_name: str
    exempt_away: bool
    exempt_under_months: int
    exempt_central: bool
    target_hours: int
    note: str

    @staticmethod
    def of(r: ScreeningRound) -> RoundOut:
        return RoundOut(
            id=r.pk, name=r.name, node_id=r.node_id, node_name=r.node.name, starts_on=r.starts_on,
            ends_on=r.ends_on, mode=r.mode, mode_name=r.get_mode_display(), status=r.status,
            status_name=r.get_status_display(), exempt_away=r.exempt_away, exempt_under_months=r.exempt_under_months,
            exempt_central=r.exempt_central, target_hours=r.target_hours, note=r.note,
        )


class SlotOut(Schema):
    grid_id: int
    grid_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    expected: int

    @staticmethod
    def of(s: PointSlot) -> SlotOut:
        return SlotOut(grid_id=s.grid_id, grid_name=s.grid.name, starts_at=s.starts_at, ends_at=s.ends_at,
                       expected=s.expected)


class PointOut(Schema):
    id: int
    name: str
    address: str
    node_id: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    stations: int
    slots: list[SlotOut]
    staff: list[dict[str, str | int]]

    @staticmethod
    def of(p: SamplingPoint) -> PointOut:
        return PointOut(
            id=p.pk, name=p.name, address=p.address, node_id=p.node_id, opens_at=p.opens_at, closes_at=p.closes_at,
            stations=p.stations, slots=[SlotOut.of(s) for s in p.slots.all()],
            staff=[{"user_id": st.user_id, "name": st.user.full_name or st.user.username, "duty": st.duty}
                   for st in p.staff.all()],
        )


class RoundDetailOut(RoundOut):
    points: list[PointOut]
    in_scope: int
    exempt: int


class RoundIn(Schema):
    node_id: Id
    name: str
    starts_on: dt.date
    ends_on: dt.date
    mode: str = Mode.POOL10
    exempt_away: bool = True
    exempt_under_months: int = 0
    exempt_central: bool = True
    target_hours: int = 24
    note: str = ""


class ProposedSlotIO(Schema):
    grid_id: Id
    grid_name: str = ""
    persons: int = 0
    starts_at: dt.datetime
    ends_at: dt.datetime


class ProposedPointIO(Schema):
    node_id: Id
    name: str
    address: str
    stations: int = 1
    opens_at: dt.datetime
    closes_at: dt.datetime
    persons: int = 0
    slots: list[ProposedSlotIO]


class ProposalIO(Schema):
    rate: int = 0
    persons: int = 0
    points: list[ProposedPointIO]


class ProposalQuery(Schema):
    day: dt.date | None = None
    opens: dt.time = dt.time(7)
    closes: dt.time = dt.time(19)


class OpenOut(Schema):
    round: RoundOut
    in_scope: int


class CodeOut(Schema):
    person_id: int
    name_masked: str
    room: str
    code: str


def _round(request: HttpRequest, round_id: int) -> ScreeningRound:
    scope = scope_for(request.user)
    scope.require("screening.view")
    return sel.round_get(scope=scope, pk=round_id)


def _detail(rnd: ScreeningRound) -> RoundDetailOut:
    points = sel.round_points(rnd)
    figures = sel.round_figures(rnd, points)
    return RoundDetailOut(**RoundOut.of(rnd).dict(), points=[PointOut.of(p) for p in points],
                          in_scope=figures.in_scope, exempt=figures.exempt)


def _aware(at: dt.datetime) -> dt.datetime:
    return timezone.make_aware(at) if timezone.is_naive(at) else at


@router.get("/screening/rounds", response=list[RoundOut], summary="核酸检测轮次 in the user's jurisdiction")
def rounds_list(request: HttpRequest) -> list[RoundOut]:
    scope = scope_for(request.user)
    scope.require("screening.view")
    return [RoundOut.of(r) for r in sel.round_list(scope)[:200]]


@router.post("/screening/rounds", response={201: RoundDetailOut}, summary="新建轮次（筹备中）")
def round_create(request: HttpRequest, payload: RoundIn) -> tuple[int, RoundDetailOut]:
    node = node_param(request, payload.node_id, field="node_id")
    assert node is not None
    rnd = round_services.round_create(actor=current_user(request), node=node, **payload.dict(exclude={"node_id"}))
    return 201, _detail(rnd)


@router.get("/screening/rounds/{round_id}", response=RoundDetailOut, summary="轮次及其采样点、时段、人员")
def round_detail(request: HttpRequest, round_id: int) -> RoundDetailOut:
    return _detail(_round(request, round_id))


@router.get("/screening/rounds/{round_id}/proposal", response=ProposalIO,
            summary="按台账和国家规则生成的采样方案（每 2000–3000 人一个采样点，每 600–800 人一个采样台，分时段）")
def round_proposal(request: HttpRequest, round_id: int, q: Query[ProposalQuery]) -> ProposalIO:
    rnd = _round(request, round_id)
    if not sel.may_plan(scope_for(request.user), rnd):
        raise PermissionDenied()
    day = q.day or rnd.starts_on
    proposal = plan_services.round_proposal(
        rnd, opens_at=_aware(dt.datetime.combine(day, q.opens)), closes_at=_aware(dt.datetime.combine(day, q.closes)))
    return ProposalIO(**proposal.as_dict())


@router.post("/screening/rounds/{round_id}/plan", response=RoundDetailOut,
             summary="应用（编辑后的）方案：替换筹备中轮次的采样点和时段")
def round_plan_apply(request: HttpRequest, round_id: int, payload: ProposalIO) -> RoundDetailOut:
    rnd = _round(request, round_id)
    data = payload.dict()
    for point in data["points"]:
        point["opens_at"], point["closes_at"] = _aware(point["opens_at"]), _aware(point["closes_at"])
        for slot in point["slots"]:
            slot["starts_at"], slot["ends_at"] = _aware(slot["starts_at"]), _aware(slot["ends_at"])
    plan_services.plan_apply(actor=current_user(request), rnd=rnd, proposal=plan_services.plan_from_dict(data))
    return _detail(rnd)


@router.post("/screening/rounds/{round_id}/open", response=OpenOut, summary="开始本轮：抽取应检名单")
def round_open(request: HttpRequest, round_id: int) -> OpenOut:
    rnd = _round(request, round_id)
    drawn = round_services.round_open(actor=current_user(request), rnd=rnd)
    rnd.refresh_from_db()
    return OpenOut(round=RoundOut.of(rnd), in_scope=drawn)


@router.post("/screening/rounds/{round_id}/close", response=RoundOut, summary="结束本轮")
def round_close(request: HttpRequest, round_id: int) -> RoundOut:
    rnd = round_services.round_close(actor=current_user(request), rnd=_round(request, round_id))
    return RoundOut.of(rnd)


@router.get("/screening/households/{household_id}/codes", response=list[CodeOut],
            summary="一户人员的核酸码（打印用；记入审计）")
def household_codes(request: HttpRequest, household_id: int) -> list[CodeOut]:
    scope = scope_for(request.user)
    scope.require("screening.reason", _("无权操作：您的角色不能打印或补发核酸码"))
    household = people_selectors.household_get(scope=scope, pk=household_id)
    rows = sel.code_rows(sel.household_code_persons(household))
    audit_record(actor=current_user(request), action=AuditLog.Action.EXPORT, obj=household,
                 object_repr=f"核酸码 {len(rows)} 人（API）"[:200], detail={"codes": len(rows)}, ip=client_ip(request))
    return [CodeOut(person_id=r.person_id, name_masked=mask_name(r.name), room=r.room,
                    code=make_code(r.person_id, r.version)) for r in rows]


