"""Key-person control through the API: orders, teams, checks, alerts, tests, arrivals, needs.

Thin over control.selectors and control.services, like the staff pages: every record is found
through the user's jurisdiction (or three-to-one team membership), so a record outside it answers
404; a broken rule answers 400 {code, message, field}."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from gridguard.accounts.models import User
from gridguard.accounts.scope import current_user, scope_for
from gridguard.accounts.services import client_ip
from gridguard.control import selectors, services
from gridguard.control.models import (
    TEAM_NEEDS,
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
    PolicySet,
    ScheduledTest,
    Symptom,
    TeamMember,
    TeamRole,
    Transfer,
)
from gridguard.core.errors import ApplicationError, NotFound
from gridguard.core.masking import mask_id_number, mask_phone
from gridguard.grids.api import node_param
from gridguard.grids.models import GridNode
from gridguard.people import selectors as people_selectors

router = Router(tags=["control"])

MAX_LIMIT = 200


# --- helpers ----------------------------------------------------------------------------------


def _node(request: HttpRequest, node_id: int | None, field: str = "node", place: str = "query") -> GridNode | None:
    """The node a parameter names (0 too: no node has it), in the user's jurisdiction, else a 404 naming it."""
    return node_param(request, node_id, field=field, place=place)


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ApplicationError(
            "limit_invalid", _("limit 须在 1 到 {n} 之间").format(n=MAX_LIMIT), field="limit"
        )
    return limit


def _choice(value: str, choices: Any, field: str) -> str:
    """A filter value: one of the choices (a TextChoices), or '' for no filter."""
    if value == "" or value in choices.values:
        return value
    raise ApplicationError("bad_choice", _("无效的取值“{v}”").format(v=value), field=field)


def _aware(at: dt.datetime | None) -> dt.datetime | None:
    """A time sent without an offset is local time (settings.TIME_ZONE)."""
    if at is not None and timezone.is_naive(at):
        return timezone.make_aware(at)
    return at


def _order(request: HttpRequest, order_id: int) -> ControlOrder:
    return selectors.order_get(user=current_user(request), pk=order_id)


# --- schemas: orders --------------------------------------------------------------------------


class OrderOut(Schema):
    id: int
    person_id: int
    name: str
    id_number_masked: str
    phone_masked: str
    node_id: int
    address: str
    reported_address: str
    place: str
    category: str
    category_name: str
    measure: str
    measure_name: str
    source: str
    start_date: dt.date
    end_date: dt.date
    stage_start: dt.date
    stage_end: dt.date
    status: str
    status_name: str
    team_complete: bool
    has_alert: bool

    @staticmethod
    def of(o: ControlOrder, has_alert: bool | None = None) -> "OrderOut":
        person = o.person
        return OrderOut(
            id=o.pk,
            person_id=o.person_id,
            name=person.name,
            id_number_masked=mask_id_number(person.id_number),
            phone_masked=mask_phone(person.phone),
            node_id=o.node_id,
            address=o.home_address,
            reported_address=o.reported_address,
            place=o.place,
            category=o.category,
            category_name=str(o.get_category_display()),
            measure=o.measure,
            measure_name=str(o.get_measure_display()),
            source=o.source,
            start_date=o.start_date,
            end_date=o.end_date,
            stage_start=o.stage_start,
            stage_end=o.stage_end,
            status=o.status,
            status_name=str(o.get_status_display()),
            team_complete=o.team_complete,
            has_alert=bool(getattr(o, "has_alert", False) if has_alert is None else has_alert),
        )


class OrderPage(Schema):
    items: list[OrderOut]
    next_cursor: str | None


class OrderFilters(Schema):
    node: int | None = None
    status: str = OrderStatus.ACTIVE.value
    category: str = ""
    measure: str = ""
    q: str = ""
    team_incomplete: bool = False
    with_alerts: bool = False
    cursor: str | None = None
    limit: int = 50


class TeamMemberOut(Schema):
    id: int
    role: str
    role_name: str
    staff_id: int | None
    user_id: int | None
    name: str
    phone: str

    @staticmethod
    def of(m: TeamMember) -> "TeamMemberOut":
        return TeamMemberOut(
            id=m.pk,
            role=m.role,
            role_name=str(m.get_role_display()),
            staff_id=m.staff_id,
            user_id=m.user_id,
            name=m.name,
            phone=m.phone,
        )


class TestOut(Schema):
    id: int
    order_id: int
    day_no: int
    date: dt.date
    result: str
    result_name: str
    sampled_at: dt.datetime | None
    result_at: dt.datetime | None

    @staticmethod
    def of(t: ScheduledTest) -> "TestOut":
        return TestOut(
            id=t.pk,
            order_id=t.order_id,
            day_no=t.day_no,
            date=t.date,
            result=t.result,
            result_name=str(t.get_result_display()),
            sampled_at=t.sampled_at,
            result_at=t.result_at,
        )


class AlertOut(Schema):
    id: int
    order_id: int | None  # None: an alert about a person under no order (a positive pool's member)
    person_id: int
    name: str
    kind: str
    kind_name: str
    slot_date: dt.date
    slot: int | None
    detail: str
    raised_at: dt.datetime
    is_open: bool
    resolved_at: dt.datetime | None
    resolution: str

    @staticmethod
    def of(a: Alert) -> "AlertOut":
        return AlertOut(
            id=a.pk,
            order_id=a.order_id,
            person_id=a.order.person_id if a.order is not None else a.person_id,  # type: ignore[arg-type]
            name=a.subject.name,  # type: ignore[attr-defined]
            kind=a.kind,
            kind_name=str(a.get_kind_display()),
            slot_date=a.slot_date,
            slot=a.slot,
            detail=a.detail,
            raised_at=a.raised_at,
            is_open=a.is_open,
            resolved_at=a.resolved_at,
            resolution=a.resolution,
        )


class AlertPage(Schema):
    items: list[AlertOut]
    next_cursor: str | None


class CheckOut(Schema):
    id: int
    order_id: int
    slot_date: dt.date
    slot: int
    temperature: float
    symptoms: list[int]
    symptom_names: list[str]
    note: str
    at: dt.datetime
    self_reported: bool

    @staticmethod
    def of(c: HealthCheck) -> "CheckOut":
        return CheckOut(
            id=c.pk,
            order_id=c.order_id,
            slot_date=c.slot_date,
            slot=c.slot,
            temperature=float(c.temperature),
            symptoms=[s.value for s in Symptom if c.symptoms & s.value],
            symptom_names=c.symptom_names,
            note=c.note,
            at=c.at,
            self_reported=c.self_reported,
        )


class TransferOut(Schema):
    id: int
    order_id: int
    at: dt.datetime
    vehicle: str
    destination: str
    handover: str
    reason: str
    alert_id: int | None

    @staticmethod
    def of(t: Transfer) -> "TransferOut":
        return TransferOut(
            id=t.pk,
            order_id=t.order_id,
            at=t.at,
            vehicle=t.vehicle,
            destination=t.destination,
            handover=t.handover,
            reason=t.reason,
            alert_id=t.alert_id,
        )


class NeedOut(Schema):
    id: int
    order_id: int
    person_id: int
    name: str
    kind: str
    kind_name: str
    detail: str
    status: str
    status_name: str
    owner_id: int | None
    owner_name: str
    result: str
    self_reported: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def of(n: NeedRequest) -> "NeedOut":
        return NeedOut(
            id=n.pk,
            order_id=n.order_id,
            person_id=n.order.person_id,
            name=n.order.person.name,
            kind=n.kind,
            kind_name=str(n.get_kind_display()),
            detail=n.detail,
            status=n.status,
            status_name=str(n.get_status_display()),
            owner_id=n.owner_id,
            owner_name=str(n.owner) if n.owner is not None else "",
            result=n.result,
            self_reported=n.self_reported,
            created_at=n.created_at,
            updated_at=n.updated_at,
        )


class NeedPage(Schema):
    items: list[NeedOut]
    next_cursor: str | None


class StepOut(Schema):
    kind: str
    kind_name: str
    date: dt.date
    detail: dict[str, Any]
    note: str
    at: dt.datetime
    actor: str

    @staticmethod
    def of(s: OrderStep) -> "StepOut":
        return StepOut(
            kind=s.kind,
            kind_name=str(s.get_kind_display()),
            date=s.date,
            detail=s.detail,
            note=s.note,
            at=s.at,
            actor=str(s.actor or ""),
        )


class OrderDetailOut(OrderOut):
    day_no: int
    days: int
    notice_no: str
    team: list[TeamMemberOut]
    team_missing: list[str]
    tests: list[TestOut]
    alerts: list[AlertOut]
    blockers: list[str]
    checks: list[CheckOut]
    transfers: list[TransferOut]
    needs: list[NeedOut]
    steps: list[StepOut]
    links_active: int

    @staticmethod
    def of_view(v: selectors.OrderView) -> "OrderDetailOut":
        o = v.order
        # The person is already loaded on the order: no query per alert or need for its name.
        for alert in v.alerts:
            alert.order = o
        for need in v.needs:
            need.order = o
        open_alerts = [a for a in v.alerts if a.is_open]
        return OrderDetailOut(
            **OrderOut.of(o, has_alert=bool(open_alerts)).dict(),
            day_no=v.day_no,
            days=o.days,
            notice_no=o.notice_no,
            team=[TeamMemberOut.of(m) for m in v.team],
            team_missing=v.team_missing,
            tests=[TestOut.of(t) for t in v.tests],
            alerts=[AlertOut.of(a) for a in open_alerts],
            blockers=v.blockers,
            checks=[CheckOut.of(c) for c in v.checks],
            transfers=[TransferOut.of(t) for t in v.transfers],
            needs=[NeedOut.of(n) for n in v.needs],
            steps=[StepOut.of(s) for s in v.steps],
            links_active=v.links_active,
        )


def _detail(request: HttpRequest, order_id: int) -> OrderDetailOut:
    return OrderDetailOut.of_view(selectors.order_view(_order(request, order_id)))


# --- schemas: input ---------------------------------------------------------------------------


class OrderIn(Schema):
    person_id: int
    category: str
    measure: str
    start_date: dt.date | None = None
    source: str = ""
    place: str = ""
    note: str = ""


class KeyPersonIn(Schema):
    id_type: str = "id"
    id_number: str
    name: str
    phone: str = ""
    node_id: int | None = None  # where a person not yet in the ledger is registered
    category: str
    measure: str
    start_date: dt.date | None = None
    source: str = ""
    place: str = ""
    note: str = ""


class ExtendIn(Schema):
    days: int
    note: str = ""


class ChangeIn(Schema):
    measure: str
    place: str = ""
    note: str = ""


class PlaceIn(Schema):
    place: str
    note: str = ""


class TransferIn(Schema):
    at: dt.datetime
    vehicle: str
    destination: str
    handover: str
    reason: str = ""
    alert_id: int | None = None


class ReleaseIn(Schema):
    note: str = ""


class CancelIn(Schema):
    reason: str


class TeamSeatIn(Schema):
    role: str
    staff_id: int


class TeamIn(Schema):
    members: list[TeamSeatIn]
    note: str = ""


class CheckIn(Schema):
    temperature: float | str
    symptoms: list[int] = []
    note: str = ""
    at: dt.datetime | None = None


class CheckResultOut(Schema):
    check: CheckOut
    alerts: list[AlertOut]


class TestResultIn(Schema):
    result: str


class ResolveIn(Schema):
    resolution: str


class NeedIn(Schema):
    kind: str
    detail: str


class NeedUpdateIn(Schema):
    status: str
    owner_id: int | None = None
    result: str = ""


# --- orders -----------------------------------------------------------------------------------


@router.get("/control/orders", response=OrderPage, summary="管控对象台账, keyset-paginated")
def orders_list(request: HttpRequest, filters: Query[OrderFilters]) -> OrderPage:
    status = _choice(filters.status, OrderStatus, "status")
    page = selectors.order_page(
        scope=scope_for(request.user),
        node=_node(request, filters.node),
        status=status,
        category=_choice(filters.category, Category, "category"),
        measure=_choice(filters.measure, Measure, "measure"),
        search=filters.q,
        team_incomplete=filters.team_incomplete,
        with_alerts=filters.with_alerts,
        cursor=filters.cursor,
        limit=_limit(filters.limit),
    )
    return OrderPage(items=[OrderOut.of(o) for o in page.items], next_cursor=page.next_cursor)


@router.get("/control/orders/{order_id}", response=OrderDetailOut)
def order_detail(request: HttpRequest, order_id: int) -> OrderDetailOut:
    return _detail(request, order_id)


@router.post("/control/orders", response={201: OrderDetailOut}, summary="下达管控")
def order_create(request: HttpRequest, payload: OrderIn) -> tuple[int, OrderDetailOut]:
    person = people_selectors.person_get(scope=scope_for(request.user), pk=payload.person_id)
    order = services.order_create(
        actor=current_user(request),
        person=person,
        category=payload.category,
        measure=payload.measure,
        start_date=payload.start_date,
        source=payload.source,
        place=payload.place,
        note=payload.note,
    )
    return 201, _detail(request, order.pk)


@router.post(
    "/control/key-persons",
    response={201: OrderDetailOut},
    summary="登记重点人员：按证件号码找到台账中的人（姓名须一致）或在所给网格新登记，并下达管控",
)
def key_person_add(request: HttpRequest, payload: KeyPersonIn) -> tuple[int, OrderDetailOut]:
    order = services.key_person_add(
        actor=current_user(request),
        person_data={
            "id_type": payload.id_type,
            "id_number": payload.id_number,
            "name": payload.name,
            "phone": payload.phone,
        },
        node=_node(request, payload.node_id, "node_id", "body"),
        category=payload.category,
        measure=payload.measure,
        start_date=payload.start_date,
        source=payload.source,
        place=payload.place,
        note=payload.note,
    )
    return 201, _detail(request, order.pk)


@router.post("/control/orders/{order_id}/extend", response=OrderDetailOut, summary="延长")
def order_extend(request: HttpRequest, order_id: int, payload: ExtendIn) -> OrderDetailOut:
    order = _order(request, order_id)
    services.order_extend(actor=current_user(request), order=order, days=payload.days, note=payload.note)
    return _detail(request, order_id)


@router.post("/control/orders/{order_id}/change", response=OrderDetailOut, summary="变更措施")
def order_change(request: HttpRequest, order_id: int, payload: ChangeIn) -> OrderDetailOut:
    order = _order(request, order_id)
    services.order_change_measure(
        actor=current_user(request),
        order=order,
        measure=payload.measure,
        place=payload.place,
        note=payload.note,
    )
    return _detail(request, order_id)


@router.post("/control/orders/{order_id}/place", response=OrderDetailOut, summary="变更隔离地点")
def order_place(request: HttpRequest, order_id: int, payload: PlaceIn) -> OrderDetailOut:
    order = _order(request, order_id)
    services.order_move_place(
        actor=current_user(request), order=order, place=payload.place, note=payload.note
    )
    return _detail(request, order_id)


@router.post(
    "/control/orders/{order_id}/transfer",
    response={201: TransferOut},
    summary="转运 (alert_id: the alert it answers, then resolved)",
)
def order_transfer(request: HttpRequest, order_id: int, payload: TransferIn) -> tuple[int, TransferOut]:
    user = current_user(request)
    order = _order(request, order_id)
    alert = selectors.alert_get(user=user, pk=payload.alert_id) if payload.alert_id is not None else None
    at = _aware(payload.at)
    assert at is not None
    transfer = services.transfer_record(
        actor=user,
        order=order,
        at=at,
        vehicle=payload.vehicle,
        destination=payload.destination,
        handover=payload.handover,
        reason=payload.reason,
        alert=alert,
    )
    return 201, TransferOut.of(transfer)


@router.post(
    "/control/orders/{order_id}/release",
    response=OrderDetailOut,
    summary="解除 (or move on to the next stage); refused: 400 release_blocked with reasons",
)
def order_release(request: HttpRequest, order_id: int, payload: ReleaseIn) -> OrderDetailOut:
    order = _order(request, order_id)
    services.order_release(actor=current_user(request), order=order, note=payload.note)
    return _detail(request, order_id)


@router.post("/control/orders/{order_id}/cancel", response=OrderDetailOut, summary="撤销")
def order_cancel(request: HttpRequest, order_id: int, payload: CancelIn) -> OrderDetailOut:
    order = _order(request, order_id)
    services.order_cancel(actor=current_user(request), order=order, reason=payload.reason)
    return _detail(request, order_id)


# --- three-to-one teams -----------------------------------------------------------------------


class CandidateOut(Schema):
    staff_id: int
    name: str
    phone: str
    duty: str
    duty_name: str
    node_id: int
    node_name: str
    user_id: int | None


class SeatOut(Schema):
    role: str
    role_name: str
    need: int
    candidates: list[CandidateOut]


@router.put("/control/orders/{order_id}/team", response=OrderDetailOut, summary="调整三包一")
def order_team_set(request: HttpRequest, order_id: int, payload: TeamIn) -> OrderDetailOut:
    order = _order(request, order_id)
    services.team_set(
        actor=current_user(request),
        order=order,
        members=[(m.role, m.staff_id) for m in payload.members],
        note=payload.note,
    )
    return _detail(request, order_id)


@router.get(
    "/control/orders/{order_id}/team-candidates",
    response=list[SeatOut],
    summary="Staff who may fill each seat, nearest first",
)
def order_team_candidates(request: HttpRequest, order_id: int) -> list[SeatOut]:
    candidates = selectors.team_candidates(_order(request, order_id))
    return [
        SeatOut(
            role=role.value,
            role_name=str(role.label),
            need=TEAM_NEEDS.get(role, 0),
            candidates=[
                CandidateOut(
                    staff_id=s.pk,
                    name=s.name,
                    phone=s.phone,
                    duty=s.duty,
                    duty_name=str(s.get_duty_display()),
                    node_id=s.node_id,
                    node_name=s.node.name,
                    user_id=s.user_id,
                )
                for s in candidates.get(role, [])
            ],
        )
        for role in TeamRole
    ]


# --- health checks, tests, alerts -------------------------------------------------------------


@router.post(
    "/control/orders/{order_id}/checks",
    response={201: CheckResultOut},
    summary="Record a temperature (≥ 37.3 ℃ or a symptom raises an alert at once)",
)
def order_check(request: HttpRequest, order_id: int, payload: CheckIn) -> tuple[int, CheckResultOut]:
    order = _order(request, order_id)
    result = services.check_record(
        order=order,
        actor=current_user(request),
        temperature=payload.temperature,
        symptoms=payload.symptoms,
        note=payload.note,
        at=_aware(payload.at),
    )
    return 201, CheckResultOut(
        check=CheckOut.of(result.check), alerts=[AlertOut.of(a) for a in result.alerts]
    )


@router.post(
    "/control/tests/{test_id}/result", response=TestOut, summary="核酸检测结果 (sampled/negative/positive)"
)
def test_result(request: HttpRequest, test_id: int, payload: TestResultIn) -> TestOut:
    # No scoped selector for a single test: find its order, then reach it through order_get.
    order_id = ScheduledTest.objects.filter(pk=test_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise NotFound()
    order = _order(request, order_id)
    test = order.tests.get(pk=test_id)
    test.order = order
    test = services.test_record(actor=current_user(request), test=test, result=payload.result)
    return TestOut.of(test)


@router.get(
    "/control/alerts", response=AlertPage, summary="预警, keyset-paginated (open only unless open_only=false)"
)
def alerts_list(
    request: HttpRequest,
    node: int | None = None,
    open_only: bool = True,
    kind: str = "",
    cursor: str | None = None,
    limit: int = 100,
) -> AlertPage:
    page = selectors.alert_page(
        scope=scope_for(request.user),
        node=_node(request, node),
        open_only=open_only,
        kind=_choice(kind, AlertKind, "kind"),
        cursor=cursor,
        limit=_limit(limit),
    )
    return AlertPage(items=[AlertOut.of(a) for a in page.items], next_cursor=page.next_cursor)


@router.post("/control/alerts/{alert_id}/resolve", response=AlertOut, summary="处置预警")
def alert_resolve(request: HttpRequest, alert_id: int, payload: ResolveIn) -> AlertOut:
    user = current_user(request)
    alert = selectors.alert_get(user=user, pk=alert_id)
    return AlertOut.of(services.alert_resolve(actor=user, alert=alert, resolution=payload.resolution))


# --- my persons (three-to-one members) --------------------------------------------------------


class SlotOut(Schema):
    label: str
    done: bool


class TodayOut(Schema):
    order: OrderOut
    phone: str  # in full: the team calls the person (an audited need-to-know reveal)
    day_no: int
    slots: list[SlotOut]
    tests_due: list[TestOut]
    alerts: int
    last_temperature: float | None


@router.get(
    "/control/my-persons",
    response=list[TodayOut],
    summary="我的管控对象: the orders whose three-to-one team the user is on, with today's slots",
)
def my_persons(request: HttpRequest) -> list[TodayOut]:
    user = current_user(request)
    rows = selectors.my_persons_today(user=user)
    phones = services.team_phones(actor=user, orders=[r.order for r in rows], ip=client_ip(request))
    return [
        TodayOut(
            order=OrderOut.of(r.order, has_alert=r.alerts > 0),
            phone=phones.get(r.order.pk, ""),
            day_no=r.day_no,
            slots=[SlotOut(label=label, done=done) for label, done in r.slots],
            tests_due=[TestOut.of(t) for t in r.tests_due],
            alerts=r.alerts,
            last_temperature=float(r.last_temperature) if r.last_temperature is not None else None,
        )
        for r in rows
    ]


# --- arrivals ---------------------------------------------------------------------------------


class ArrivalOut(Schema):
    id: int
    node_id: int
    node_name: str
    poster_node_id: int
    address_node_id: int | None
    name: str
    id_type: str
    id_number_masked: str
    phone_masked: str
    from_place: str
    arrival_date: dt.date
    address: str
    matched_node_id: int | None
    room: str
    transport: str
    note: str
    submitted_at: dt.datetime
    times: int
    repeat_of_id: int | None
    repeats: int
    status: str
    status_name: str
    person_id: int | None
    order_id: int | None
    verified_at: dt.datetime | None
    decision_note: str

    @staticmethod
    def of(r: ArrivalReport) -> "ArrivalOut":
        repeats = getattr(r, "repeat_count", None)
        if repeats is None:
            repeats = ArrivalReport.objects.filter(repeat_of=r).count()
        return ArrivalOut(
            id=r.pk,
            node_id=r.node_id,
            node_name=r.node.name,
            poster_node_id=r.poster_node_id,
            address_node_id=r.address_node_id,
            name=r.name,
            id_type=r.id_type,
            id_number_masked=mask_id_number(r.id_number),
            phone_masked=mask_phone(r.phone),
            from_place=r.from_place,
            arrival_date=r.arrival_date,
            address=r.address,
            matched_node_id=r.matched_node_id,
            room=r.room,
            transport=r.transport,
            note=r.note,
            submitted_at=r.submitted_at,
            times=r.times + repeats,
            repeat_of_id=r.repeat_of_id,
            repeats=repeats,
            status=r.status,
            status_name=str(r.get_status_display()),
            person_id=r.person_id,
            order_id=r.order_id,
            verified_at=r.verified_at,
            decision_note=r.decision_note,
        )


class ArrivalPage(Schema):
    items: list[ArrivalOut]
    next_cursor: str | None


class VerifyIn(Schema):
    person_id: int | None = None
    household_id: int | None = None
    measure: str = ""  # required: a measure, or "none" for 无需管控
    category: str = Category.MEDIUM_RISK_ARRIVAL.value
    place: str = ""
    note: str = ""


@router.get("/control/arrivals", response=ArrivalPage, summary="来返人员报备 (status '' = all)")
def arrivals_list(
    request: HttpRequest,
    node: int | None = None,
    status: str = ArrivalStatus.PENDING.value,
    cursor: str | None = None,
    limit: int = 50,
) -> ArrivalPage:
    page = selectors.arrival_page(
        scope=scope_for(request.user),
        node=_node(request, node),
        status=_choice(status, ArrivalStatus, "status"),
        cursor=cursor,
        limit=_limit(limit),
    )
    return ArrivalPage(items=[ArrivalOut.of(r) for r in page.items], next_cursor=page.next_cursor)


@router.post(
    "/control/arrivals/{report_id}/verify",
    response=ArrivalOut,
    summary="核实报备: a measure (an order is made) or measure 'none' (无需管控); no default",
)
def arrival_verify(request: HttpRequest, report_id: int, payload: VerifyIn) -> ArrivalOut:
    scope = scope_for(request.user)
    report = selectors.arrival_get(scope=scope, pk=report_id)
    person = people_selectors.person_get(scope=scope, pk=payload.person_id) if payload.person_id is not None else None
    services.arrival_verify(
        actor=current_user(request),
        report=report,
        person=person,
        household_id=payload.household_id,
        measure=payload.measure,
        category=payload.category,
        place=payload.place,
        note=payload.note,
    )
    return ArrivalOut.of(selectors.arrival_get(scope=scope, pk=report_id))


# --- needs ------------------------------------------------------------------------------------


@router.get("/control/needs", response=NeedPage, summary="生活保障需求 (no status = the open ones)")
def needs_list(
    request: HttpRequest,
    node: int | None = None,
    status: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> NeedPage:
    page = selectors.need_page(
        scope=scope_for(request.user),
        node=_node(request, node),
        status=_choice(status, NeedStatus, "status"),
        cursor=cursor,
        limit=_limit(limit),
    )
    return NeedPage(items=[NeedOut.of(n) for n in page.items], next_cursor=page.next_cursor)


@router.post("/control/orders/{order_id}/needs", response={201: NeedOut}, summary="登记生活保障需求")
def need_create(request: HttpRequest, order_id: int, payload: NeedIn) -> tuple[int, NeedOut]:
    order = _order(request, order_id)
    need = services.need_create(
        order=order, actor=current_user(request), kind=payload.kind, detail=payload.detail
    )
    return 201, NeedOut.of(need)


@router.post("/control/needs/{need_id}", response=NeedOut, summary="更新需求 (status, owner, result)")
def need_update(request: HttpRequest, need_id: int, payload: NeedUpdateIn) -> NeedOut:
    scope = scope_for(request.user)
    need = selectors.need_get(scope=scope, pk=need_id)
    owner = None
    if payload.owner_id:
        # The service checks that the owner's jurisdiction covers the need (else 404).
        owner = User.objects.filter(pk=payload.owner_id).first()
        if owner is None:
            raise NotFound()
    services.need_update(
        actor=current_user(request), need=need, status=payload.status, owner=owner, result=payload.result
    )
    return NeedOut.of(selectors.need_get(scope=scope, pk=need_id))


# --- policies ---------------------------------------------------------------------------------


class PolicyOut(Schema):
    id: int
    category: str
    category_name: str
    measure: str
    measure_name: str
    days: int
    check_slots: str
    test_days: list[int]
    next_policy_id: int | None
    note: str

    @staticmethod
    def of(p: Policy) -> "PolicyOut":
        return PolicyOut(
            id=p.pk,
            category=p.category,
            category_name=str(p.get_category_display()),
            measure=p.measure,
            measure_name=str(p.get_measure_display()),
            days=p.days,
            check_slots=p.check_slots,
            test_days=[int(d) for d in (p.test_days or [])],
            next_policy_id=p.next_policy_id,
            note=p.note,
        )


class PolicySetOut(Schema):
    id: int
    code: str
    name: str
    description: str
    is_current: bool
    policies: list[PolicyOut]


@router.get(
    "/control/policy-sets",
    response=list[PolicySetOut],
    summary="管控政策方案 with their policies; is_current marks the one new orders follow",
)
def policy_sets(request: HttpRequest) -> list[PolicySetOut]:
    try:
        current_id: int | None = services.current_policy_set().pk
    except ApplicationError:  # none configured yet
        current_id = None
    return [
        PolicySetOut(
            id=ps.pk,
            code=ps.code,
            name=ps.name,
            description=ps.description,
            is_current=ps.pk == current_id,
            policies=[PolicyOut.of(p) for p in ps.policies.all()],
        )
        for ps in PolicySet.objects.prefetch_related("policies").order_by("id")
    ]


class PolicyIn(Schema):
    days: int | str
    check_slots: str
    test_days: list[int] | str = []
    next_policy_id: int | None = None
    note: str | None = None
    apply_running: bool = False


@router.post(
    "/control/policy-sets/{set_id}/choose",
    response=PolicySetOut,
    summary="选用管控政策方案 (right control.policy): new orders follow it; running ones keep theirs",
)
def policy_set_choose(request: HttpRequest, set_id: int) -> PolicySetOut:
    policy_set = PolicySet.objects.filter(pk=set_id).first()
    if policy_set is None:
        raise NotFound()
    services.policy_set_choose(actor=current_user(request), policy_set=policy_set)
    return PolicySetOut(
        id=policy_set.pk,
        code=policy_set.code,
        name=policy_set.name,
        description=policy_set.description,
        is_current=True,
        policies=[PolicyOut.of(p) for p in policy_set.policies.all()],
    )


@router.put(
    "/control/policies/{policy_id}",
    response=PolicyOut,
    summary="修改管控政策 (right control.policy): days, check slots (may cross midnight), test days, "
    "next stage; apply_running also moves the running orders of that stage",
)
def policy_update(request: HttpRequest, policy_id: int, payload: PolicyIn) -> PolicyOut:
    policy = Policy.objects.filter(pk=policy_id).first()
    if policy is None:
        raise NotFound()
    nxt = None
    if payload.next_policy_id:
        nxt = Policy.objects.filter(pk=payload.next_policy_id).first()
        if nxt is None:
            raise ApplicationError("bad_next_policy", _("下一阶段不存在"), field="next_policy")
    services.policy_update(
        actor=current_user(request),
        policy=policy,
        days=payload.days,
        check_slots=payload.check_slots,
        test_days=payload.test_days,
        next_policy=nxt,
        note=payload.note,
        apply_running=payload.apply_running,
    )
    policy.refresh_from_db()
    return PolicyOut.of(policy)
