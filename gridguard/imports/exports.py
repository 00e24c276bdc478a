"""Excel files the users download: ledger exports, import templates and the import report.

Exports are written with openpyxl in write-only mode straight from the keyset streams of
``imports.selectors`` (one batch in memory at a time). Identity numbers and phones are masked
unless the user's role may see them (``scope.has("people.reveal")``); every export requires
``scope.has("imports.export")`` and writes one AuditLog EXPORT record.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import IO, Any

from django.db.models import Q
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.accounts.models import AuditLog, User
from gridguard.accounts.scope import Scope, scope_for
from gridguard.accounts.services import audit_record
from gridguard.core.errors import PermissionDenied
from gridguard.core.identity import ID_TYPE_CHOICES, make_id_number
from gridguard.core.masking import mask_id_number, mask_phone
from gridguard.core.paths import subtree_q
from gridguard.core.xlsx import HEADER_FILL, HEADER_FONT, XLSX_TYPE, Alignment, Book, column_letter
from gridguard.grids.models import GridNode
from gridguard.imports.columns import ADDRESS_COLUMNS, HOUSEHOLD_COLUMNS, ORGANIZATION_COLUMNS, PERSON_COLUMNS
from gridguard.imports.kinds import Template, kind_get
from gridguard.imports.models import ImportJob
from gridguard.imports.selectors import (
    household_export_stream,
    organization_export_stream,
    person_export_stream,
)
from gridguard.people.models import OrganizationKind, PersonStatus, Relation, Residency, Sex, Tag
from gridguard.people.selectors import address_prefix_map


@dataclass
class ExportResult:
    rows: int
    filename: str
    masked: bool


def _choices(choices: Any) -> dict[str, str]:
    return {str(value): str(label) for value, label in choices}


def _tag_names() -> list[tuple[int, str]]:
    return [(1 << tag.bit, tag.name) for tag in Tag.objects.all()]


def _tags_text(mask: int, tags: list[tuple[int, str]]) -> str:
    return "、".join(name for bit, name in tags if mask & bit) if mask else ""


def _yes(value: bool) -> str:
    return "是" if value else "否"


def node_labels(scope: Scope, node: GridNode | None) -> dict[int, str]:
    """Address label ("东城社区 东城第一网格 1号楼") of every node the export may touch, by id."""
    prefixes = [node.path] if node is not None else ([""] if scope.everything else list(scope.paths))
    labels: dict[int, str] = {}
    for prefix in prefixes:
        by_path = address_prefix_map(prefix)
        q = subtree_q(prefix, "path") if prefix else Q()
        for pk, path, name in GridNode.objects.filter(q).values_list("id", "path", "name"):
            labels[pk] = by_path.get(path) or name
    return labels


def write_sheet(
    out: IO[bytes] | str,
    title: str,
    columns: list[tuple[str, int, Callable[[dict[str, Any]], Any]]],
    batches: Iterator[list[dict[str, Any]]],
    progress: Callable[[int], None] | None = None,
    about: Sequence[tuple[str, Any]] = (),
) -> int:
    """Write the rows of ``batches`` under a header row; ``progress`` is told the rows written
    after each batch. ``about`` (label, value) lines go to a second sheet, 导出说明, with the number
    of rows. Returns the number of rows."""
    book = Book()
    ws = book.sheet(title)
    ws.widths([c[1] for c in columns])
    ws.freeze()
    ws.append([c[0] for c in columns], font=HEADER_FONT, fill=HEADER_FILL)
    getters = [c[2] for c in columns]
    count = 0
    for rows in batches:
        for row in rows:
            ws.append([get(row) for get in getters])
        count += len(rows)
        if progress is not None:
            progress(count)
    if about:
        sheet = book.sheet("导出说明")
        sheet.widths([16, 60])
        for line in (*about, ("行数", count)):
            sheet.append(line)
    book.save(out)
    return count


def attachment(filename: str) -> str:
    """Content-Disposition for a download with a Chinese file name (ASCII fallback first)."""
    from urllib.parse import quote

    return f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"


def export_response(run: Callable[..., ExportResult], *, actor: User, ip: str | None, **filters: Any) -> FileResponse:
    """Run an export (``person_export`` …) into a temporary file and answer it as a download.
    The file is closed on any error, which propagates to the view."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileResponse
    try:
        result = run(actor=actor, out=out, ip=ip, **filters)
    except Exception:
        out.close()
        raise
    out.seek(0)
    response = FileResponse(out, content_type=XLSX_TYPE)
    response["Content-Disposition"] = attachment(result.filename)
    return response


def export_scope(actor: User | None) -> Scope:
    scope = scope_for(actor)
    if not scope.has("imports.export"):
        raise PermissionDenied(_("您的角色不能导出数据"))
    return scope


def export_filename(label: str) -> str:
    return f"{label}_{timezone.localtime():%Y%m%d-%H%M}.xlsx"


# --- the filters of an export, in words ----------------------------------------------------------------

@dataclass(frozen=True)
class FilterTerm:
    """One filter of an export: ``key``/``value`` for the audit record (a node by id, the rest in
    words), ``label``/``words`` for the sheet."""

    key: str
    value: Any
    label: str
    words: str


def _yes_no(value: Any) -> str | None:
    return None if value is None else _yes(bool(value))


def _flag(value: Any) -> str | None:
    return _yes(True) if value else None


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _choice(choices: Any) -> Callable[[Any], str | None]:
    labels = dict(choices)
    return lambda value: str(labels.get(value, value)) if value else None


def _tag_word(bit: Any) -> str | None:
    if bit is None:
        return None
    tag = Tag.objects.filter(bit=bit).first()
    return tag.name if tag is not None else _("第 {bit} 类").format(bit=bit)


# A list filter (people.filters) -> (key in the audit record, label in the sheet, its value in words:
# None when the filter is not set). A filter added to a list must be added here (a test checks it).
FilterWords = dict[str, tuple[str, str, Callable[[Any], str | None]]]
FILTER_WORDS: FilterWords = {
    "node": ("node", "范围", lambda node: node.name if node is not None else "全部辖区"),
    "search": ("search", "查找", _text),
    "tag_bit": ("tag", "特殊人群", _tag_word),
    "residency": ("residency", "居住类型", _choice(Residency.choices)),
    "status": ("status", "状态", _choice(PersonStatus.choices)),
    "party": ("party", "党员", _yes_no),
    "no_household": ("no_household", "无户", _flag),
    "rental": ("rental", "出租房", _yes_no),
    "node_ids": ("ungridded", "仅未划入网格", lambda ids: _yes(True) if ids is not None else None),
    "kind": ("kind", "类型", _choice(OrganizationKind.choices)),
    "key_place": ("key_place", "重点场所", _yes_no),
}


def describe_filters(filters: dict[str, Any], words: FilterWords = FILTER_WORDS) -> list[FilterTerm]:
    """Every filter that is set, named and in words (the scope is always named)."""
    terms = []
    for key, value in filters.items():
        audit_key, label, word = words.get(key, (key, key, _text))
        text = word(value)
        if text is None:
            continue
        audit_value = value.pk if isinstance(value, GridNode) else (True if audit_key == "ungridded" else text)
        terms.append(FilterTerm(audit_key, audit_value, label, text))
    return terms


def export_about(label: str, actor: User, terms: list[FilterTerm], masked: bool) -> list[tuple[str, str]]:
    """The export's own sheet (导出说明): what, when, by whom, every filter; write_sheet adds 行数."""
    return [
        ("导出内容", label),
        ("导出时间", f"{timezone.localtime():%Y-%m-%d %H:%M}"),
        ("导出人", actor.full_name or actor.username),
        *[(term.label, term.words) for term in terms],
        ("证件号码和电话", "已脱敏" if masked else "完整显示"),
    ]


def audit_export(actor: User, kind: str, label: str, result: ExportResult, node: GridNode | None,
                 terms: list[FilterTerm], ip: str | None) -> None:
    audit_record(
        actor=actor,
        action=AuditLog.Action.EXPORT,
        object_type=kind,
        object_repr=f"导出{label} {result.rows} 条"[:200],
        node_path=node.path if node is not None else "",
        detail={"rows": result.rows, "masked": result.masked, "filters": {t.key: t.value for t in terms},
                "file": result.filename},
        ip=ip,
    )


def person_export(
    *, actor: User, out: IO[bytes] | str, ip: str | None = None, progress: Callable[[int], None] | None = None,
    **filters: Any,
) -> ExportResult:
    """Write the persons matching ``filters`` (those of people.selectors.person_page) to ``out``."""
    scope = export_scope(actor)
    node = filters.get("node")
    masked = not scope.has("people.reveal")
    labels = node_labels(scope, node)
    tags = _tag_names()
    sex, relation, residency = _choices(Sex.choices), _choices(Relation.choices), _choices(Residency.choices)
    status, id_types = _choices(PersonStatus.choices), _choices(ID_TYPE_CHOICES)
    idno = mask_id_number if masked else str
    phone = mask_phone if masked else str
    columns: list[tuple[str, int, Callable[[dict[str, Any]], Any]]] = [
        ("姓名", 10, lambda r: r["name"]),
        ("性别", 6, lambda r: sex.get(r["sex"], "")),
        ("出生日期", 12, lambda r: r["birth_date"].isoformat() if r["birth_date"] else ""),
        ("证件类型", 10, lambda r: id_types.get(r["id_type"], r["id_type"])),
        ("身份证号", 21, lambda r: idno(r["id_number"])),
        ("联系电话", 14, lambda r: phone(r["phone"])),
        ("与户主关系", 10, lambda r: relation.get(r["relation"], "")),
        ("居住类型", 8, lambda r: residency.get(r["residency"], "")),
        ("特殊人群", 16, lambda r: _tags_text(r["tags"], tags)),
        ("是否党员", 8, lambda r: _yes(r["is_party_member"])),
        ("工作单位", 18, lambda r: r["employer"]),
        ("住址", 36, lambda r: r["household__address"] or labels.get(r["node_id"], "")),
        ("所属网格", 30, lambda r: labels.get(r["node_id"], "")),
        ("状态", 8, lambda r: status.get(r["status"], "")),
        ("备注", 20, lambda r: r["note"]),
    ]
    result = ExportResult(0, export_filename("人员台账"), masked)
    terms = describe_filters(filters)
    result.rows = write_sheet(out, "人员", columns, person_export_stream(scope=scope, **filters), progress,
                              export_about("人员台账", actor, terms, masked))
    audit_export(actor, "people.person", "人员台账", result, node, terms, ip)
    return result


def household_export(
    *, actor: User, out: IO[bytes] | str, ip: str | None = None, progress: Callable[[int], None] | None = None,
    **filters: Any,
) -> ExportResult:
    """Write the households matching ``filters`` (those of people.selectors.household_page) to ``out``."""
    scope = export_scope(actor)
    node = filters.get("node")
    masked = not scope.has("people.reveal")
    labels = node_labels(scope, node)
    phone = mask_phone if masked else (lambda v: v or "")
    columns: list[tuple[str, int, Callable[[dict[str, Any]], Any]]] = [
        ("地址", 36, lambda r: r["address"]),
        ("房号", 8, lambda r: r["room"]),
        ("户主", 10, lambda r: r["head__name"] or ""),
        ("户主电话", 14, lambda r: phone(r["head__phone"] or "")),
        ("在册人数", 8, lambda r: r["members"]),
        ("是否出租", 8, lambda r: _yes(r["is_rental"])),
        ("房东姓名", 10, lambda r: r["landlord_name"]),
        ("房东电话", 14, lambda r: phone(r["landlord_phone"])),
        ("所属网格", 30, lambda r: labels.get(r["node_id"], "")),
    ]
    result = ExportResult(0, export_filename("住户台账"), masked)
    terms = describe_filters(filters)
    result.rows = write_sheet(out, "住户", columns, household_export_stream(scope=scope, **filters), progress,
                              export_about("住户台账", actor, terms, masked))
    audit_export(actor, "people.household", "住户台账", result, node, terms, ip)
    return result


def organization_export(
    *, actor: User, out: IO[bytes] | str, ip: str | None = None, progress: Callable[[int], None] | None = None,
    **filters: Any,
) -> ExportResult:
    """Write the organizations matching ``filters`` (those of organization_page) to ``out``."""
    scope = export_scope(actor)
    node = filters.get("node")
    masked = not scope.has("people.reveal")
    labels = node_labels(scope, node)
    kinds = _choices(OrganizationKind.choices)
    phone = mask_phone if masked else str
    columns: list[tuple[str, int, Callable[[dict[str, Any]], Any]]] = [
        ("单位名称", 28, lambda r: r["name"]),
        ("类型", 10, lambda r: kinds.get(r["kind"], "")),
        ("统一社会信用代码", 21, lambda r: r["credit_code"]),
        ("详细地址", 30, lambda r: r["address"]),
        ("负责人", 10, lambda r: r["contact_name"]),
        ("联系电话", 14, lambda r: phone(r["contact_phone"])),
        ("从业人数", 8, lambda r: r["employees"] if r["employees"] is not None else ""),
        ("重点场所", 8, lambda r: _yes(r["is_key_place"])),
        ("所属网格", 30, lambda r: labels.get(r["node_id"], "")),
    ]
    result = ExportResult(0, export_filename("单位场所台账"), masked)
    stream = organization_export_stream(scope=scope, **filters)
    terms = describe_filters(filters)
    result.rows = write_sheet(out, "单位场所", columns, stream, progress, export_about("单位场所台账", actor, terms, masked))
    audit_export(actor, "people.organization", "单位场所台账", result, node, terms, ip)
    return result


EXPORTS = {"persons": person_export, "households": household_export, "organizations": organization_export}


# --- import templates ---------------------------------------------------------------------------
# The templates of imports' own kinds (registered in imports/plug.py); other apps give their own.

def _example_id() -> str:
    return make_id_number("110101", dt.date(1980, 1, 1), 1)


def people_template() -> Template:
    cols = [*ADDRESS_COLUMNS, HOUSEHOLD_COLUMNS[0], *PERSON_COLUMNS, *HOUSEHOLD_COLUMNS[1:]]
    example = {c.key: c.example for c in cols}
    example["id_number"] = _example_id()
    example["birth_date"] = "1980-01-01"
    return Template("户与人员导入模板", cols, [example[c.key] for c in cols], (
        "每行一人。同一地址（社区/村、网格、小区/自然村、楼栋、单元、房号）的各行为同一户，“与户主关系”为“户主”的一行为户主。",
        "地址各列按名称与网格结构逐级对应，文件中没有的层级可以不要这一列，某行不适用的层级可留空。",
        "身份证号一列请设为“文本”格式，否则 Excel 会把它变成科学计数法（如 1.10105E+17），这样的行会被拒绝。",
        "全角数字、多余空格、小写 x、电话中的 +86 和横线会自动规范，不算错误。",
        "默认只要有一行错误，整个文件都不导入；可以选择“仅导入正确行”。错误报告会指出行号、列名和原因。",
        "第 2 行是示例，导入前请删除。",
    ))


def organizations_template() -> Template:
    cols = [*ORGANIZATION_COLUMNS, *ADDRESS_COLUMNS]
    return Template("单位场所导入模板", cols, [c.example for c in cols], (
        "每行一个单位或场所。地址各列用来确定所属网格（取最深一级），不填则放在导入时选择的节点下。",
        "同一统一社会信用代码、或同一网格下同名的单位不能重复导入。",
        "第 2 行是示例，导入前请删除。",
    ))


def tree_template() -> Template:
    return Template("网格结构导入模板", list(ADDRESS_COLUMNS), ["东城社区", "东城第一网格", "", "幸福小区", "1号楼", "1单元"], (
        "每行一个地址：社区/村、网格、微网格、小区/自然村、楼栋、单元，没有的层级留空。",
        "不存在的节点按所在列的层级新建在导入时选择的节点下；已存在的节点不会重复建立，同一文件可以反复导入。",
        "第 2 行是示例，导入前请删除。",
    ))


LOOSE_NOTE = ("地址各列的列名也可以加“所属”“名称”“号”，或用“/”写出两种叫法，"
              "如“所属网格”“自然村/小区”“楼栋号”“房号/门牌号”。")


def template_workbook(kind: str) -> bytes:
    """The import template of a registered kind: Chinese headers, one example row, and a notes sheet."""
    template = kind_get(kind).template()
    cols, example = list(template.columns), list(template.example)
    book = Book(write_only=False)  # the empty rows below the example are formatted as text
    ws = book.sheet("导入模板")
    ws.append([c.header for c in cols], font=HEADER_FONT, fill=HEADER_FILL)
    ws.append(example)
    ws.widths([max(10, min(24, len(col.header) * 2 + 4)) for col in cols])
    for i in range(1, len(cols) + 1):
        letter = column_letter(i)
        for row in range(2, 502):
            ws.styles[f"{letter}{row}"].number_format = "@"  # text, so identity numbers stay text
    ws.freeze()
    notes = book.sheet("填写说明")
    notes.widths([18, 40, 70])
    wrap = Alignment(wrap_text=True, vertical="top")
    notes.append(["说明"], font=HEADER_FONT, alignment=wrap)
    for line in template.notes:
        notes.append([line], alignment=wrap)
    notes.append([])
    notes.append(["列名", "也可写作", "填写要求"], font=HEADER_FONT, alignment=wrap)
    for col in cols:
        notes.append([col.header + ("（必填）" if col.required else ""), "、".join(col.aliases), col.note],
                     alignment=wrap)
    if any(col.loose for col in cols):
        notes.append([])
        notes.append([LOOSE_NOTE], alignment=wrap)
    buf = BytesIO()
    book.save(buf)
    return buf.getvalue()


# --- the import report ------------------------------------------------------------------------------

def report_workbook(job: ImportJob) -> bytes:
    """The job's row-by-row report: 行号, 列, 值, 问题."""
    book = Book()
    ws = book.sheet(_("错误报告"))
    ws.widths([8, 16, 24, 80])
    ws.freeze()
    ws.append([_("行号"), _("列"), _("值"), _("问题")], font=HEADER_FONT, fill=HEADER_FILL)
    for err in job.errors:
        ws.append([err.get("row") or "", err.get("column", ""), err.get("value", ""), err.get("message", "")])
    summary = book.sheet(_("概况"))
    summary.append([_("文件"), job.filename])
    summary.append([_("状态"), job.get_status_display()])
    summary.append([_("总行数"), job.total_rows])
    summary.append([_("错误行数"), job.error_rows])
    summary.append([_("已导入"), job.imported_rows])
    summary.append([_("说明"), job.message])
    for warning in job.summary.get("warnings", []):
        summary.append([_("提示"), warning])
    buf = BytesIO()
    book.save(buf)
    return buf.getvalue()
