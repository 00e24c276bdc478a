"""The screening API: transport boxes, lab results (a lab system with a device token posts them
in batches), recalls and turnaround. Same services and selectors as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from gridguard.accounts.scope import current_user, scope_for
from gridguard.core.errors import ApplicationError
from gridguard.screening.models import RecallStatus, TransportBox
from gridguard.screening.selectors import lab as selectors
from gridguard.screening.services.lab import (
    ResultRow,
    RowProblem,
    lab_scope,
    parse_lab,
    parse_result,
    parse_tested_at,
    parse_tube_code,
    results_apply,
)
from gridguard.screening.services.transport import box_pack, box_receive

router = Router(tags=["screening"])
MAX_RESULTS = 10_000


class BoxOut(Schema):
    id: int
    code: str
    point_id: int
    point: str
    courier: str
    lab: str
    handed_at: dt.datetime
    received_at: dt.datetime | None
    tubes: int

    @staticmethod
    def of(b: TransportBox, tubes: int | None = None) -> BoxOut:
        return BoxOut(id=b.pk, code=b.code, point_id=b.point_id, point=b.point.name, courier=b.courier, lab=b.lab,
                      handed_at=b.handed_at, received_at=b.received_at,
                      tubes=tubes if tubes is not None else getattr(b, "tube_count", 0))


class PackIn(Schema):
    code: str = Field(max_length=40)
    courier: str = Field(max_length=40)
    lab: str = Field("", max_length=80)
    handed_at: dt.datetime | None = None
    tubes: list[str] = Field(max_length=1000)


@router.get("/screening/lab/rounds/{round_id}/boxes", response=list[BoxOut], summary="转运箱（本轮次，按交接时间倒序）")
def boxes_list(request: HttpRequest, round_id: int, received: bool | None = None) -> list[BoxOut]:
    scope = scope_for(request.user)
    selectors.require_read(scope)
    rnd = selectors.round_get(scope=scope, pk=round_id)
    return [BoxOut.of(b) for b in selectors.boxes(scope=scope, rnd=rnd, received=received)]


@router.post("/screening/lab/points/{point_id}/boxes", response={201: BoxOut},
             summary="装箱：封管的管装入转运箱（全部合格才装，不合格的逐管列出）")
def box_create(request: HttpRequest, point_id: int, payload: PackIn) -> tuple[int, BoxOut]:
    point = selectors.point_get(scope=scope_for(request.user), pk=point_id, user=request.user)
    box = box_pack(actor=current_user(request), point=point, code=payload.code, courier=payload.courier,
                   lab=payload.lab, handed_at=payload.handed_at, tube_codes=payload.tubes)
    return 201, BoxOut.of(box, tubes=box.tubes.count())


@router.post("/screening/lab/boxes/{box_id}/receive", response=BoxOut, summary="实验室接收转运箱")
def box_receive_api(request: HttpRequest, box_id: int) -> BoxOut:
    box = selectors.box_get(scope=scope_for(request.user), pk=box_id)
    box = box_receive(actor=current_user(request), box=box)
    return BoxOut.of(box, tubes=box.tubes.count())


class ResultIn(Schema):
    tube_code: str = Field(max_length=60)
    result: str = Field(max_length=20, description="阴性/阳性/无效 or negative/positive/invalid")
    tested_at: str | None = Field(None, max_length=40, description="ISO 8601; without a zone: local time")
    lab: str = Field("", max_length=80)


class ResultsIn(Schema):
    results: list[ResultIn] = Field(max_length=MAX_RESULTS)
    all_or_nothing: bool = False


class ProblemOut(Schema):
    index: int  # the position in ``results`` (0-based)
    field: str
    value: str
    code: str
    message: str


class ResultsOut(Schema):
    applied: int
    repeats: int
    positives: int
    recalls: int
    orders: int
    tests_filled: int
    written: bool
    problems: list[ProblemOut]


@router.post("/screening/lab/rounds/{round_id}/results", response=ResultsOut,
             summary="录入检测结果（批量）：每条不合格的都列出原因，合格的一次写入")
def results_post(request: HttpRequest, round_id: int, payload: ResultsIn) -> ResultsOut:
    user = current_user(request)
    scope = lab_scope(user)
    rnd = selectors.round_get(scope=scope, pk=round_id)
    now = timezone.now()
    rows: list[ResultRow] = []
    problems: list[RowProblem] = []
    for n, item in enumerate(payload.results):
        values: dict[str, Any] = {}
        ok = True
        for key, raw in (("tube_code", item.tube_code), ("result", item.result), ("lab", item.lab),
                         ("tested_at", item.tested_at)):
            try:
                if key == "tested_at":
                    values[key] = now if raw in (None, "") else parse_tested_at(raw, now)
                else:
                    values[key] = {"tube_code": parse_tube_code, "result": parse_result, "lab": parse_lab}[key](raw)
            except ApplicationError as exc:
                problems.append(RowProblem(n + 1, key, str(raw or "")[:60], exc.message, exc.code))
                ok = False
        if ok:
            rows.append(ResultRow(values["tube_code"], values["result"], values["tested_at"], values["lab"], n + 1))
    done = results_apply(actor=user, rnd=rnd, rows=rows, scope=scope, all_or_nothing=payload.all_or_nothing,
                         problems=problems, now=now)
    return ResultsOut(
        **done.as_dict(), written=done.written,
        problems=[ProblemOut(index=p.row - 1, field=p.column, value=p.value, code=p.code, message=p.message)
                  for p in sorted(done.problems, key=lambda p: p.row)],
    )


class RecallOut(Schema):
    id: int
    person_id: int
    name: str
    phone: str
    address: str
    pool: str
    retest_tube: str
    status: str
    status_name: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    order_id: int | None


@router.get("/screening/lab/rounds/{round_id}/recalls", response=list[RecallOut],
            summary="复核名单（按住址；默认待复核，status 可选 open/sampled/negative/positive）")
def recalls_list(request: HttpRequest, round_id: int, status: str = "") -> list[RecallOut]:
    scope = scope_for(request.user)
    selectors.require_read(scope)
    rnd = selectors.round_get(scope=scope, pk=round_id)
    if status and status not in RecallStatus.values:
        raise ApplicationError("bad_status", _("状态无效"), field="status")
    return [
        RecallOut(id=r.recall.pk, person_id=r.recall.person_id, name=r.name, phone=r.phone, address=r.address,
                  pool=r.pool_code, retest_tube=r.retest_code, status=r.recall.status,
                  status_name=str(r.recall.get_status_display()), created_at=r.recall.created_at,
                  closed_at=r.recall.closed_at, order_id=r.recall.order_id)
        for r in selectors.recall_list(scope=scope, rnd=rnd, status=status)
    ]


class TurnaroundRowOut(Schema):
    tube_code: str
    point: str
    sampled_at: dt.datetime | None
    tested_at: dt.datetime | None
    result: str
    hours: float | None
    over: bool


class TurnaroundOut(Schema):
    target_hours: int
    total: int
    resulted: int
    within: int
    over: int
    pending_over: int
    median_hours: float | None
    rows: list[TurnaroundRowOut]


@router.get("/screening/lab/rounds/{round_id}/turnaround", response=TurnaroundOut,
            summary="检测时效：每管从采样到出结果的用时，对照本轮次时限")
def turnaround_get(request: HttpRequest, round_id: int, only_over: bool = False, limit: int = 500) -> TurnaroundOut:
    scope = scope_for(request.user)
    selectors.require_read(scope)
    rnd = selectors.round_get(scope=scope, pk=round_id)
    t = selectors.turnaround(scope=scope, rnd=rnd, only_over=only_over, limit=max(0, min(limit, 5000)))
    return TurnaroundOut(
        target_hours=t.target_hours, total=t.total, resulted=t.resulted, within=t.within, over=t.over,
        pending_over=t.pending_over, median_hours=t.median_hours,
        rows=[TurnaroundRowOut(tube_code=r.tube.code, point=r.point_name, sampled_at=r.started,
                               tested_at=r.tube.tested_at, result=r.tube.result, hours=r.hours, over=r.over)
              for r in t.rows],
    )
