"""The missing list (应检未检) and the door-to-door list (上门采样) of a node as .xlsx: address, name,
phone (masked unless the role may reveal), reason. Written through core.xlsx (a text is never a
formula), audited like every export (imports.exports.audit_export)."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django.http import FileResponse, HttpRequest

from gridguard.accounts.models import User
from gridguard.accounts.services import client_ip
from gridguard.core.masking import mask_phone
from gridguard.grids.models import GridNode
from gridguard.imports.exports import (
    ExportResult,
    FilterTerm,
    audit_export,
    export_about,
    export_filename,
    export_response,
    export_scope,
    write_sheet,
)
from gridguard.screening.models import ScreeningRound
from gridguard.screening.selectors import coverage as sel
from gridguard.screening.selectors.coverage import MissingRow


def _address(row: MissingRow) -> str:
    household = row.e.person.household
    if household is not None and household.address:
        return household.address
    return row.label


def missing_export(
    *, actor: User, out: IO[bytes] | str, ip: str | None = None, rnd: ScreeningRound, node: GridNode,
    door: bool = False,
) -> ExportResult:
    scope = export_scope(actor)
    masked = not scope.has("people.reveal")
    phone = mask_phone if masked else str
    columns: list[tuple[str, int, Callable[[dict[str, Any]], Any]]] = [
        ("所属网格/楼栋", 30, lambda d: d["r"].label),
        ("住址", 36, lambda d: _address(d["r"])),
        ("姓名", 10, lambda d: d["r"].e.person.name),
        ("联系电话", 14, lambda d: phone(d["r"].e.person.phone)),
        ("未检原因", 14, lambda d: d["r"].e.get_missing_reason_display() if d["r"].e.missing_reason else ""),
        ("原因说明", 30, lambda d: d["r"].e.reason_note),
        ("需上门采样", 10, lambda d: "是" if d["r"].e.needs_door else "否"),
    ]
    if door:
        columns.append(("上门原因", 24, lambda d: d["r"].why))
    label = "上门采样名单" if door else "应检未检名单"
    result = ExportResult(0, export_filename(f"{rnd.name}_{node.name}_{label}"), masked)
    terms = [
        FilterTerm("round", rnd.pk, "轮次", rnd.name),
        FilterTerm("node", node.pk, "范围", node.name),
    ]
    result.rows = write_sheet(
        out, label, columns,
        ([{"r": r} for r in rows] for rows in sel.missing_stream(scope=scope, rnd=rnd, node=node, door=door)),
        about=export_about(label, actor, terms, masked),
    )
    audit_export(actor, "screening.enrollment", label, result, node, terms, ip)
    return result


def missing_xlsx(
    *, actor: User, rnd: ScreeningRound, node: GridNode, door: bool, request: HttpRequest
) -> FileResponse:
    return export_response(missing_export, actor=actor, ip=client_ip(request), rnd=rnd, node=node, door=door)
