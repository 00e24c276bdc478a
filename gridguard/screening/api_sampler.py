"""The screening API: the sampler's side. Batches of scans answered per scan, tubes closed by hand,
persons moved between tubes, a tube's members, a point's open tubes and its conflict list.

The sampler's page and scanner devices (a device token) use the same endpoint for scans: every scan
carries a client-made id, so a batch sent twice or retried after a lost answer is answered again
from the stored answers and counted once (gridguard.screening.services.scans)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import pydantic
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from gridguard.accounts.scope import current_user
from gridguard.core.api_errors import Id
from gridguard.screening.selectors import sampler as selectors
from gridguard.screening.services.scans import MAX_BATCH, ScanItem, sample_move, scans_submit, tube_close

router = Router(tags=["screening"])

# The body is bounded before it is read by Django's DATA_UPLOAD_MAX_MEMORY_SIZE (5 MB: a full batch of
# MAX_BATCH scans is about 1.3 MB as the page sends it): a longer body is a JSON 400 (too_large), never
# parsed; the batch is bounded to MAX_BATCH scans by the schema (a 422 naming "scans").
Text40 = Annotated[str, pydantic.Field(max_length=40)]
Text64 = Annotated[str, pydantic.Field(max_length=64)]

# The batch's schemas are plain pydantic models, not ninja's Schema: a Schema runs a validator made for
# reading Django objects on every item, which cost more than the scans themselves (a thousand per batch).


class ScanIn(pydantic.BaseModel):
    client_id: Text64
    tube_code: Text40
    code: Text64
    device_time: dt.datetime
    confirm: bool = False
    mode: Annotated[str, pydantic.Field(max_length=10)] = ""
    name: Annotated[str, pydantic.Field(max_length=40)] = ""
    phone: Annotated[str, pydantic.Field(max_length=20)] = ""

    @pydantic.field_validator("device_time")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError(_("须带时区，如 2026-12-01T09:00:00+08:00"))
        return value


class BatchIn(pydantic.BaseModel):
    scans: Annotated[list[ScanIn], pydantic.Field(min_length=1, max_length=MAX_BATCH)]
    device: Text64 = ""


class AnswerOut(pydantic.BaseModel):
    client_id: str
    outcome: str
    ok: bool
    level: str
    message: str
    tube_code: str
    tube_used: int | None
    tube_capacity: int | None
    person: str
    replay: bool


class BatchOut(pydantic.BaseModel):
    answers: list[AnswerOut]


class MemberOut(Schema):
    sample_id: int
    person: str
    sampled_at: dt.datetime
    cross_area: bool


class TubeOut(Schema):
    code: str
    exists: bool
    mode: str
    mode_name: str
    capacity: int
    used: int
    left: int
    status: str
    status_name: str
    point_id: int | None
    opened_at: dt.datetime | None
    members: list[MemberOut]


class OpenTubeOut(Schema):
    code: str
    mode: str
    capacity: int
    used: int
    opened_at: dt.datetime


class MoveIn(Schema):
    to_tube: Text40
    reason: Annotated[str, pydantic.Field(max_length=200)] = ""


class MoveOut(Schema):
    sample_id: int
    from_tube: TubeOut
    to_tube: TubeOut


class ConflictOut(Schema):
    id: int
    person: str
    kept_tube: str
    kept_at: dt.datetime
    kept_device: str
    refused_tube: str
    refused_at: dt.datetime
    refused_device: str
    at: dt.datetime
    resolved: bool


@router.post(
    "/screening/rounds/{round_id}/points/{point_id}/scans",
    response=BatchOut,
    summary="上传一批扫码（按 client_id 幂等，逐条答复，顺序同提交）",
)
def scans_upload(request: HttpRequest, round_id: Id, point_id: Id, payload: BatchIn) -> HttpResponse:
    user = current_user(request)
    rnd, point = selectors.round_point(user=user, round_id=round_id, point_id=point_id)
    items = [
        ScanItem(
            client_id=s.client_id, tube_code=s.tube_code.strip(), code=s.code, device_time=s.device_time,
            confirm=s.confirm, mode=s.mode, name=s.name, phone=s.phone,
        )
        for s in payload.scans
    ]
    answers = scans_submit(actor=user, rnd=rnd, point=point, items=items, device=payload.device)
    # ScanAnswer.as_dict has AnswerOut's fields and types: the answers are written as they are, not
    # validated again by the schema (a thousand answers cost more to check than to work).
    body = json.dumps({"answers": [a.as_dict() for a in answers]}, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.get(
    "/screening/rounds/{round_id}/points/{point_id}/tubes",
    response=list[OpenTubeOut],
    summary="采样点未封管的管",
)
def open_tubes(request: HttpRequest, round_id: Id, point_id: Id) -> list[dict[str, Any]]:
    _rnd, point = selectors.round_point(user=current_user(request), round_id=round_id, point_id=point_id)
    return selectors.open_tubes(point=point)


@router.get(
    "/screening/rounds/{round_id}/points/{point_id}/tubes/{code}",
    response=TubeOut,
    summary="一支管：已采人数、剩余位置、管中人员（姓名按角色脱敏）；未用过的管码 exists=false",
)
def tube_detail(request: HttpRequest, round_id: Id, point_id: Id, code: str) -> dict[str, Any]:
    user = current_user(request)
    rnd, point = selectors.round_point(user=user, round_id=round_id, point_id=point_id)
    return selectors.tube_view(user=user, rnd=rnd, point=point, code=code)


@router.post(
    "/screening/rounds/{round_id}/points/{point_id}/tubes/{code}/close",
    response=TubeOut,
    summary="手动封管",
)
def tube_close_api(request: HttpRequest, round_id: Id, point_id: Id, code: str) -> dict[str, Any]:
    user = current_user(request)
    rnd, point = selectors.round_point(user=user, round_id=round_id, point_id=point_id)
    tube = selectors.tube_get(user=user, rnd=rnd, point=point, code=code)
    tube_close(actor=user, tube=tube)
    return selectors.tube_view(user=user, rnd=rnd, point=point, code=tube.code)


@router.post(
    "/screening/rounds/{round_id}/points/{point_id}/samples/{sample_id}/move",
    response=MoveOut,
    summary="把一人从一支管移到另一支管（一步完成并记录）",
)
def sample_move_api(request: HttpRequest, round_id: Id, point_id: Id, sample_id: Id, payload: MoveIn) -> dict[str, Any]:
    user = current_user(request)
    rnd, point = selectors.round_point(user=user, round_id=round_id, point_id=point_id)
    sample = selectors.sample_get(rnd=rnd, point=point, pk=sample_id)
    from_code = sample.tube.code
    moved = sample_move(actor=user, sample=sample, to_code=payload.to_tube, reason=payload.reason)
    return {
        "sample_id": moved.pk,
        "from_tube": selectors.tube_view(user=user, rnd=rnd, point=point, code=from_code),
        "to_tube": selectors.tube_view(user=user, rnd=rnd, point=point, code=moved.tube.code),
    }


@router.get(
    "/screening/rounds/{round_id}/points/{point_id}/conflicts",
    response=list[ConflictOut],
    summary="离线冲突：同一人被两台设备采入两支管（先到者有效），供点位负责人核对",
)
def conflicts(request: HttpRequest, round_id: Id, point_id: Id) -> list[dict[str, Any]]:
    user = current_user(request)
    _rnd, point = selectors.round_point(user=user, round_id=round_id, point_id=point_id)
    return selectors.conflict_list(user=user, point=point)

