"""The ledger of controlled persons (管控对象台账) as .xlsx, in the columns the seeds list: name,
identity, address, category, source, start, planned end, place, team, status. Masked unless the
role may reveal; audited like every export."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.http import FileResponse, HttpRequest

from gridguard.accounts.models import User
from gridguard.accounts.scope import Scope
from gridguard.accounts.services import client_ip
from gridguard.control.models import ControlOrder, TeamMember
from gridguard.control.rules import local_date
from gridguard.control.selectors import order_filtered
from gridguard.core.masking import mask_id_number, mask_phone
from gridguard.imports.exports import XLSX_TYPE, ExportResult, _audit, _export_scope, _filename, _write
from gridguard.imports.views import _attachment

BATCH = 2000


def _batches(qs: Any) -> Iterator[list[dict[str, Any]]]:
    last = 0
    while True:
        orders = list(qs.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not orders:
            return
        last = orders[-1].pk
        teams: dict[int, list[str]] = {}
        for member in TeamMember.objects.filter(order_id__in=[o.pk for o in orders]).order_by("role", "id"):
            teams.setdefault(member.order_id, []).append(f"{member.get_role_display()}:{member.name}")
        yield [{"order": o, "team": "、".join(teams.get(o.pk, []))} for o in orders]


def _address(order: ControlOrder) -> str:
    return order.household.address if order.household is not None else order.node.name


def _released(order: ControlOrder) -> str:
    return local_date(order.released_at).isoformat() if order.released_at is not None else ""


def order_export(*, actor: User, out: IO[bytes] | str, ip: str | None = None, **filters: Any) -> ExportResult:
    scope: Scope = _export_scope(actor)
    masked = not scope.can_reveal
    idno = mask_id_number if masked else str
    phone = mask_phone if masked else str

    def o(r: dict[str, Any]) -> ControlOrder:
        return r["order"]

    columns: list[tuple[str, int, Callable[[dict[str, Any]], Any]]] = [
        ("姓名", 10, lambda r: o(r).person.name),
        ("身份证号", 21, lambda r: idno(o(r).person.id_number)),
        ("联系电话", 14, lambda r: phone(o(r).person.phone)),
        ("住址", 36, lambda r: _address(o(r))),
        ("类别", 12, lambda r: o(r).get_category_display()),
        ("来源", 12, lambda r: o(r).source),
        ("措施", 12, lambda r: o(r).get_measure_display()),
        ("开始日期", 12, lambda r: o(r).start_date.isoformat()),
        ("计划结束日期", 12, lambda r: o(r).end_date.isoformat()),
        ("隔离地点", 24, lambda r: o(r).place),
        ("三包一", 40, lambda r: r["team"]),
        ("状态", 8, lambda r: o(r).get_status_display()),
        ("解除日期", 12, lambda r: _released(o(r))),
    ]
    result = ExportResult(0, _filename("管控对象台账"), masked)
    result.rows = _write(out, "管控对象", columns, _batches(order_filtered(scope, **filters)))
    _audit(actor, "control.controlorder", "管控对象台账", result, filters.get("node"), filters, ip)
    return result


def orders_xlsx(*, actor: User, scope: Scope, filters: dict[str, Any], request: HttpRequest) -> FileResponse:
    out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileResponse
    try:
        result = order_export(actor=actor, out=out, ip=client_ip(request), **filters)
    except Exception:
        out.close()
        raise
    out.seek(0)
    response = FileResponse(out, content_type=XLSX_TYPE)
    response["Content-Disposition"] = _attachment(result.filename)
    return response
