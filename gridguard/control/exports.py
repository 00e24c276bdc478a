"""The ledger of controlled persons (管控对象台账) as .xlsx, in the columns the seeds list: name,
identity, address, category, source, start, planned end, place, team, status. Masked unless the
role may reveal; audited like every export."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from django.http import FileResponse, HttpRequest

from gridguard.accounts.models import User
from gridguard.accounts.scope import Scope
from gridguard.accounts.services import client_ip
from gridguard.control.models import Category, ControlOrder, Measure, OrderStatus, TeamMember
from gridguard.control.rules import local_date
from gridguard.control.selectors import order_filtered
from gridguard.core.masking import mask_id_number, mask_phone
from gridguard.imports.exports import (
    FILTER_WORDS,
    ExportResult,
    FilterWords,
    audit_export,
    describe_filters,
    export_about,
    export_filename,
    export_response,
    export_scope,
    write_sheet,
)

BATCH = 2000
# The ledger's filters (control.views.order_filters) in words, for the audit record and the sheet.
ORDER_FILTER_WORDS: FilterWords = {
    "node": FILTER_WORDS["node"],
    "search": FILTER_WORDS["search"],
    "status": ("status", "状态", lambda v: str(dict(OrderStatus.choices).get(v, v)) if v else "全部"),
    "category": ("category", "类别", lambda v: str(dict(Category.choices).get(v, v)) if v else None),
    "measure": ("measure", "措施", lambda v: str(dict(Measure.choices).get(v, v)) if v else None),
    "team_incomplete": ("team_incomplete", "三包一未配齐", lambda v: "是" if v else None),
    "with_alerts": ("with_alerts", "有未处理预警", lambda v: "是" if v else None),
}


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
    scope: Scope = export_scope(actor)
    masked = not scope.has("people.reveal")
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
    result = ExportResult(0, export_filename("管控对象台账"), masked)
    terms = describe_filters(filters, ORDER_FILTER_WORDS)
    result.rows = write_sheet(out, "管控对象", columns, _batches(order_filtered(scope, **filters)),
                              about=export_about("管控对象台账", actor, terms, masked))
    audit_export(actor, "control.controlorder", "管控对象台账", result, filters.get("node"), terms, ip)
    return result


def orders_xlsx(*, actor: User, filters: dict[str, Any], request: HttpRequest) -> FileResponse:
    return export_response(order_export, actor=actor, ip=client_ip(request), **filters)
