"""The screening API: coverage of a node in a round (the node and each of its children), the
missing list of a node (phones masked: a full phone only through people's audited reveal), and the
reason why a person is missing. Thin over selectors.coverage and services.rounds; a record outside
the user's jurisdiction answers 404, a broken rule 400 with every wrong field named."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from gridguard.accounts.scope import current_user, scope_for
from gridguard.core import api_errors
from gridguard.core.api_errors import Id
from gridguard.core.errors import ApplicationError, NotFound
from gridguard.core.masking import mask_phone
from gridguard.grids.models import GridNode
from gridguard.screening.models import ScreeningRound
from gridguard.screening.selectors import coverage as sel
from gridguard.screening.services.rounds import missing_reason_record

router = Router(tags=["screening"])


class FiguresOut(Schema):
    in_scope: int
    sampled: int
    missing: int
    results: int
    positive: int
    exempt: int
    new: int
    door: int
    rate: float


class CoverageRowOut(Schema):
    node_id: int | None  # null: persons registered at the node itself, in none of its children
    name: str
    has_children: bool
    figures: FiguresOut


class CoverageOut(Schema):
    round_id: int
    node_id: int
    node_name: str
    total: FiguresOut
    children: list[CoverageRowOut]


class MissingOut(Schema):
    enrollment_id: int
    person_id: int
    name: str
    address: str
    node: str
    phone: str  # masked ("138****8000"); the full number through POST /persons/{id}/reveal (audited)
    needs_door: bool
    is_new: bool
    reason: str
    reason_label: str
    reason_note: str
    reason_at: dt.datetime | None


class MissingPageOut(Schema):
    items: list[MissingOut]
    next_cursor: str | None
    figures: FiguresOut


class ReasonIn(Schema):
    reason: str = ""  # away | refused | elsewhere | door | other; "" clears it
    note: str = ""


def _round(request: HttpRequest, round_id: int) -> ScreeningRound:
    try:
        return sel.round_get(scope=scope_for(request.user), pk=round_id)
    except NotFound:
        raise api_errors.not_found("round_id", _("轮次"), place="path") from None


def _node(request: HttpRequest, rnd: ScreeningRound, node_id: int | None) -> GridNode:
    try:
        return sel.coverage_node(scope=scope_for(request.user), rnd=rnd, node_id=node_id)
    except NotFound:
        raise api_errors.not_found("node", _("网格"), place="query") from None


def _row(row: sel.MissingRow) -> MissingOut:
    e = row.e
    household = e.person.household
    return MissingOut(
        enrollment_id=e.pk, person_id=e.person_id, name=e.person.name,
        address=household.address if household is not None and household.address else row.label,
        node=row.label, phone=mask_phone(e.person.phone), needs_door=e.needs_door, is_new=e.is_new,
        reason=e.missing_reason, reason_label=e.get_missing_reason_display() if e.missing_reason else "",
        reason_note=e.reason_note, reason_at=e.reason_at,
    )


@router.get(
    "/screening/rounds/{round_id}/coverage", response=CoverageOut,
    summary="Coverage of a node in a round, and of each of its children (live)",
)
def coverage(request: HttpRequest, round_id: Id, node: Id | None = None):  # type: ignore[no-untyped-def]
    """``node``: a node of the round's subtree in your jurisdiction (default: your highest node in
    the round). ``missing`` = ``in_scope`` − ``sampled``; ``rate`` in per cent."""
    rnd = _round(request, round_id)
    target = _node(request, rnd, node)
    data = sel.node_coverage(scope=scope_for(request.user), rnd=rnd, node=target)
    return CoverageOut(
        round_id=rnd.pk, node_id=target.pk, node_name=target.name, total=FiguresOut(**data.total.as_dict()),
        children=[
            CoverageRowOut(node_id=r.node.pk if r.node else None, name=r.name, has_children=r.has_children,
                           figures=FiguresOut(**r.figures.as_dict()))
            for r in data.rows
        ],
    )


class MissingQuery(Schema):
    node: Id | None = None
    cursor: str | None = None
    limit: int = 50
    door: bool = False  # only those to be sampled at home (上门采样)


@router.get(
    "/screening/rounds/{round_id}/missing", response=MissingPageOut,
    summary="Who is still missing under a node (应检未检), by address; phones masked",
)
def missing(request: HttpRequest, round_id: Id, q: Query[MissingQuery]):  # type: ignore[no-untyped-def]
    if not 1 <= q.limit <= sel.MAX_LIMIT:
        raise ApplicationError("limit_invalid", _("limit 须在 1 到 {n} 之间").format(n=sel.MAX_LIMIT), field="limit")
    rnd = _round(request, round_id)
    target = _node(request, rnd, q.node)
    page = sel.missing_page(scope=scope_for(request.user), rnd=rnd, node=target, cursor=q.cursor, limit=q.limit,
                            door=q.door)
    return MissingPageOut(
        items=[_row(r) for r in page.items], next_cursor=page.next_cursor,
        figures=FiguresOut(**sel.node_figures(rnd, target).as_dict()),
    )


@router.post(
    "/screening/rounds/{round_id}/enrollments/{enrollment_id}/reason", response=MissingOut,
    summary="Record why a person in scope is missing (away, refused, sampled elsewhere, door-to-door)",
)
def reason(request: HttpRequest, round_id: Id, enrollment_id: Id, payload: ReasonIn):  # type: ignore[no-untyped-def]
    rnd = _round(request, round_id)
    scope = scope_for(request.user)
    try:
        enrollment = sel.enrollment_get(scope=scope, rnd=rnd, pk=enrollment_id)
    except NotFound:
        raise api_errors.not_found("enrollment_id", _("应检人员"), place="path") from None
    missing_reason_record(actor=current_user(request), enrollment=enrollment, reason=payload.reason,
                          note=payload.note)
    return _row(sel.MissingRow(enrollment, sel.address_label(enrollment.node_path)))
