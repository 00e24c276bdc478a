"""Import of the lists of key persons that higher levels push down (协查名单) from .xlsx/.csv.

Each row names a person (name and identity/passport number, to check it is the right one) and what
to do: a category, optionally a measure (else the category's default), the day the days count from,
where from, the list's source and an isolation place. The import

1. validates every row and reports what is wrong by row and column, as the ledger import does;
2. looks the persons up in the ledger by identity number (set-based): a person found must be inside
   the chosen node (else the row says to pass it on), carry the same name, and have no active
   order; a person not found is registered at the address the row gives (the address columns,
   matched against the tree, and a room of an existing household), else at the chosen node;
3. refuses the whole file when any row is wrong, unless only the good rows are asked for;
4. writes in one transaction: the new persons (``people.services.person_register``) and an order
   for each row (``control.services.order_create``: policy, stages, tests, three-to-one team), so a
   file is either imported whole (or its good rows) or not at all.

Lists run to hundreds or a few thousand rows: the writes go through the same services as an order
made by hand (about 15 queries a row), so each order gets its tests and its team.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gridguard.accounts.models import User
from gridguard.accounts.scope import Scope
from gridguard.control import rules, services
from gridguard.control.models import Category, ControlOrder, Measure, OrderStatus, Policy
from gridguard.core.errors import ApplicationError, each_error
from gridguard.core.identity import make_id_number
from gridguard.core.normalize import clean_text
from gridguard.grids.models import GridNode
from gridguard.imports.addresses import AddressError, AddressIndex
from gridguard.imports.columns import ADDRESS_COLUMNS, ADDRESS_KEYS, PERSON_COLUMNS, ROOM, Column
from gridguard.imports.kinds import Template
from gridguard.imports.lookups import SQLITE_BATCH as BATCH
from gridguard.imports.lookups import active_households_at
from gridguard.imports.models import ImportJob
from gridguard.imports.rows import display
from gridguard.imports.services.common import (
    PROGRESS_EVERY,
    ImportResult,
    RowError,
    audit_import_done,
    job_finish,
    job_progress,
    read_rows,
    refuse,
    refused,
    run_import,
)
from gridguard.people import lookups
from gridguard.people.models import Household, Person, PersonStatus
from gridguard.people.rules import clean_person, parse_date, parse_room

KIND = "control_list"  # ImportJob.kind, registered in control/plug.py
REQUIRED = ("id_number", "category")
PERSON_KEYS = ("name", "id_type", "id_number", "sex", "phone")
_FIELD_COLUMN = {"birth_date": "id_number"}  # a birth date here can only come from the identity number
TEXT_KEYS = {"from_place": 100, "source": 60, "place": 120, "current_address": 200, "note": 200}

_PERSON_BY_KEY = {c.key: c for c in PERSON_COLUMNS}

# 协查名单: the lists of key persons that higher levels push down. The person's own columns are the
# ledger's; the address columns place a person the ledger does not have yet.
CONTROL_LIST_COLUMNS: tuple[Column, ...] = (
    _PERSON_BY_KEY["name"],
    _PERSON_BY_KEY["id_type"],
    Column("id_number", "身份证号", ("身份证号码", "证件号码", "公民身份号码", "证件号", "身份证"),
           "必填：18 位身份证号（或护照等证件号码，并在“证件类型”中注明），用于核对本人；请将该列设为“文本”格式",
           "110101198001010019", required=True),
    _PERSON_BY_KEY["sex"],
    _PERSON_BY_KEY["phone"],
    Column("category", "人员类别", ("类别", "人员类型", "管控类别", "风险类别", "协查类别", "人员分类", "风险人员类别"),
           "必填：密接、次密接、高风险地区来返、中风险地区来返、入境、发热、红黄码、初筛阳性、其他",
           "密接", required=True),
    Column("measure", "管控措施", ("措施", "管控方式", "管控类型", "隔离方式", "管控要求"),
           "集中隔离、居家隔离、居家健康监测、日常健康监测；不填则按人员类别的默认措施", "集中隔离"),
    Column("start_date", "开始日期", ("管控开始日期", "隔离开始日期", "末次接触日期", "末次暴露日期", "末次接触时间",
                                      "末次暴露时间", "抵达日期", "到达日期", "返回日期", "入境日期", "来返日期"),
           "管控天数从这一天算起（末次接触或抵达的日期）；不填则为导入当天", "2022-11-20"),
    Column("from_place", "来源地", ("来自", "来源地区", "途经地", "风险地区", "出发地", "涉疫地区", "来自何地"),
           "从何处来或在何处接触", "某市某区"),
    Column("source", "协查来源", ("推送单位", "信息来源", "下发单位", "来源单位", "协查单位"),
           "下发名单的单位；不填则记为“协查名单”", "区疾控中心"),
    Column("place", "隔离地点", ("隔离场所", "管控地点", "隔离酒店"), "集中隔离的酒店或场所；居家的不填", ""),
    Column("current_address", "现住址", ("现居住地址", "居住地址", "住址", "详细地址", "家庭住址"),
           "原文记入备注；所属网格按地址各列确定", ""),
    _PERSON_BY_KEY["note"],
)
CONTROL_LIST_SPEC: tuple[Column, ...] = CONTROL_LIST_COLUMNS + ADDRESS_COLUMNS + (ROOM,)
TEMPLATE_NOTES = (
    "每行一人：上级推送的协查名单（密接、次密接、风险地区来返、入境等）。每行导入后即下达一条管控措施，并按政策安排核酸检测、推荐“三包一”人员。",
    "“姓名”“身份证号”“人员类别”必填。身份证号用于核对本人：台账中有此人时，姓名须一致；台账中没有时，按地址各列（和房号）登记到对应网格，没有地址则登记在导入时选择的节点下。",
    "“管控措施”不填时按人员类别取默认措施（密接、高风险地区来返、入境、初筛阳性：集中隔离；次密接、中风险地区来返：居家隔离；发热、红黄码：居家健康监测；其他：日常健康监测）。",
    "“开始日期”是管控天数起算的日期（末次接触或抵达的日期），不能晚于今天；按此算管控期已结束的行会被指出。",
    "已在管控中的人员、登记在导入范围以外辖区的人员、文件中重复的证件号码都会在报告中列出。",
    "默认只要有一行错误，整个文件都不导入；可以选择“仅导入正确行”。",
    "第 2 行是示例，导入前请删除。",
)


def control_list_template() -> Template:
    """The 协查名单 template: the columns above, an example row and the notes."""
    cols = list(CONTROL_LIST_SPEC)
    example = {c.key: c.example for c in cols}
    example.update(id_number=make_id_number("110101", dt.date(1980, 1, 1), 1), community="东城社区",
                   grid="东城第一网格", building="1号楼", room="301")
    return Template("协查名单导入模板", cols, [example[c.key] for c in cols], TEMPLATE_NOTES)


def control_list_refusal(scope: Scope) -> str:
    return "" if scope.has("control.order") else _("您的角色不能下达或变更管控措施")


def control_list_summary(summary: dict[str, Any]) -> str:
    if summary.get("orders") is None:
        return ""
    return _("下达管控 %(n)s 条，新登记 %(m)s 人") % {"n": summary["orders"], "m": summary.get("new_persons", 0)}



@dataclass(slots=True)
class ListRow:
    pos: int
    name: str
    person_data: dict[str, Any]
    id_number: str
    category: str
    measure: str
    start: dt.date
    text: dict[str, str]
    node_id: int | None = None
    room: str = ""
    person_id: int | None = None  # the ledger's person, when found
    household_id: int | None = None  # for a new person: the household at the row's address


def control_list_import_file(
    *,
    actor: User | None,
    root: GridNode,
    path: str | Path,
    good_rows_only: bool = False,
    job: ImportJob | None = None,
    now: dt.datetime | None = None,
) -> ImportResult:
    """Import a 协查名单 under ``root``: an order for every row (see the module's description)."""
    return run_import(
        KIND, lambda scope: _import(actor, scope, root, Path(path), good_rows_only, job, now or timezone.now()),
        actor=actor, root=root, path=path, good_rows_only=good_rows_only, job=job,
    )


def _import(
    actor: User | None,
    scope: Scope,
    root: GridNode,
    path: Path,
    good_rows_only: bool,
    job: ImportJob | None,
    now: dt.datetime,
) -> ImportResult:
    read = read_rows(job, KIND, path, CONTROL_LIST_SPEC, ("name",))
    if isinstance(read, ImportResult):
        return read
    table, cmap, result = read.table, read.cmap, read.result
    for key in REQUIRED:
        if not cmap.has(key):
            header = cmap.header_of(key, CONTROL_LIST_SPEC)
            error = ApplicationError(
                "column_missing", _("文件缺少“{column}”列，协查名单必须有这一列").format(column=header)
            )
            result = refused(KIND, error, column=header)
            job_finish(job, result)
            return result
    rows = table.rows
    n = len(rows)

    today = rules.local_date(now)
    idx = cmap.index
    addr_cols = [idx.get(k) for k in ADDRESS_KEYS]
    has_address = any(i is not None for i in addr_cols)
    addresses = AddressIndex(root) if has_address else None
    errors: list[RowError] = []
    bad: set[int] = set()

    def cell(pos: int, key: str) -> Any:
        i = idx.get(key)
        return rows[pos][i] if i is not None else ""

    def add(pos: int, key: str, message: str, code: str = "") -> None:
        bad.add(pos)
        errors.append(
            RowError(
                table.row_numbers[pos],
                cmap.header_of(key, CONTROL_LIST_SPEC),
                display(cell(pos, key)),
                message,
                code,
            )
        )

    policy_set = services.current_policy_set()
    policies: dict[tuple[str, str], Policy | ApplicationError] = {}
    parsed: list[ListRow] = []
    seen: dict[str, int] = {}
    for pos in range(n):
        if pos % PROGRESS_EVERY == 0 and pos:
            job_progress(job, pos)
        row = _parse_row(pos, cell, add, today, policy_set, policies)
        if has_address:
            try:
                node_id = addresses.resolve([cell(pos, k) for k in ADDRESS_KEYS])  # type: ignore[union-attr]
            except AddressError as exc:
                add(pos, exc.key, exc.message, "address_unknown")
                row = None
            else:
                if row is not None:
                    row.node_id = node_id
        if row is None:
            continue
        first = seen.setdefault(row.id_number, pos)
        if first != pos:
            add(
                pos,
                "id_number",
                _("证件号码与第 {row} 行重复").format(row=table.row_numbers[first]),
                "id_duplicate_file",
            )
            continue
        parsed.append(row)
    job_progress(job, n)

    _match_ledger(parsed, scope, root, add)
    parsed = [r for r in parsed if r.pos not in bad]
    _find_households(parsed)

    errors.sort(key=lambda e: (e.row, e.column))
    result.errors = errors
    result.error_rows = len(bad)
    result.valid_rows = n - len(bad)
    if bad and not good_rows_only:
        return refuse(
            job,
            result,
            _(
                "文件共 {n} 行，其中 {bad} 行有错误，未下达任何管控。请按报告修改后重新上传，或选择“仅导入正确行”。"
            ).format(n=n, bad=len(bad)),
        )
    if not parsed:
        return refuse(job, result, _("文件共 {n} 行，全部有错误，没有可导入的数据。").format(n=n))

    filename = job.filename if job else path.name
    orders, new_persons = _write(
        parsed, actor=actor, scope=scope, root=root, now=now, filename=filename, job=job,
        counts=(n, len(bad), good_rows_only),
    )
    by_category = Counter(r.category for r in parsed)
    result.imported_rows = orders
    result.summary = {
        "orders": orders,
        "new_persons": new_persons,
        "by_category": {str(Category(k).label): v for k, v in sorted(by_category.items())},
    }
    skipped = _("，跳过有错误的 {n} 行").format(n=result.error_rows) if result.error_rows else ""
    registered = (
        _("；其中 {n} 人原不在台账中，已按所填地址新登记，请入户核实其住址和家庭").format(n=new_persons)
        if new_persons
        else ""
    )
    result.message = _("已下达 {count} 条管控措施{registered}{skipped}。").format(
        count=orders, registered=registered, skipped=skipped
    )
    job_finish(job, result)
    return result


def _parse_row(
    pos: int,
    cell: Any,
    add: Any,
    today: dt.date,
    policy_set: Any,
    policies: dict[tuple[str, str], Policy | ApplicationError],
) -> ListRow | None:
    """One row's cells → a ListRow, or None after reporting each problem of the row."""
    ok = True
    person_data = {key: cell(pos, key) for key in PERSON_KEYS}
    if isinstance(person_data["id_number"], float):
        person_data["id_number"] = display(person_data["id_number"])  # turned into a number by Excel
    person = None
    try:
        person = clean_person(person_data, today=today)
    except ApplicationError as exc:
        for error in each_error(exc):
            field = error.field or "name"
            add(pos, _FIELD_COLUMN.get(field, field), error.message, error.code)
        ok = False
    if person is not None:
        try:
            rules.require_document(person.id_number)
        except ApplicationError as exc:
            add(pos, "id_number", exc.message, exc.code)
            ok = False
    category = measure = ""
    try:
        category = rules.parse_category(cell(pos, "category")) or ""
        if not category:
            add(pos, "category", _("请填写人员类别"), "category_required")
            ok = False
    except ApplicationError as exc:
        add(pos, "category", exc.message, exc.code)
        ok = False
    try:
        measure = rules.parse_measure(cell(pos, "measure")) or rules.DEFAULT_MEASURE.get(category, "")
    except ApplicationError as exc:
        add(pos, "measure", exc.message, exc.code)
        ok = False
    start = today
    try:
        start = parse_date(cell(pos, "start_date"), "start_date", gettext_noop("开始日期")) or today
    except ApplicationError as exc:
        add(pos, "start_date", exc.message, exc.code)
        ok = False
    if start > today:
        add(pos, "start_date", _("开始日期 {date} 晚于今天").format(date=start.isoformat()), "start_future")
        ok = False
    policy = None
    if category and measure:
        found = policies.get((category, measure))
        if found is None:
            try:
                found = services.policy_for(category, measure, policy_set)
            except ApplicationError as exc:
                found = exc
            policies[(category, measure)] = found
        if isinstance(found, ApplicationError):
            add(pos, "measure", found.message, found.code)
            ok = False
        else:
            policy = found
            end = services.planned_end(policy, start)
            if ok and end < today:
                add(
                    pos,
                    "start_date",
                    _("从 {start} 算起，{measure}期已于 {end} 结束，无需再管控").format(
                        start=start.isoformat(), measure=Measure(measure).label, end=end.isoformat()
                    ),
                    "period_over",
                )
                ok = False
    if not ok or person is None or policy is None:
        return None
    text = {key: clean_text(cell(pos, key))[:limit] for key, limit in TEXT_KEYS.items()}
    return ListRow(
        pos=pos,
        name=person.name,
        person_data=person_data,
        id_number=person.id_number,
        category=category,
        measure=measure,
        start=start,
        text=text,
        room=parse_room(cell(pos, "room")),
    )


def _match_ledger(parsed: list[ListRow], scope: Scope, root: GridNode, add: Any) -> None:
    """Set the ledger person of each row, or report why the row cannot go on."""
    by_number = {r.id_number: r for r in parsed}
    numbers = list(by_number)
    found: dict[str, tuple[int, str, str]] = {}
    for start in range(0, len(numbers), BATCH):
        qs = Person.objects.filter(id_number__in=numbers[start : start + BATCH], status=PersonStatus.ACTIVE)
        for pk, number, name, path in qs.order_by("id").values_list("id", "id_number", "name", "node_path"):
            found.setdefault(number, (pk, name, path))
    person_ids = [pk for pk, _name, _path in found.values()]
    active: dict[int, ControlOrder] = {}
    for start in range(0, len(person_ids), BATCH):
        orders = ControlOrder.objects.filter(
            person_id__in=person_ids[start : start + BATCH], status=OrderStatus.ACTIVE
        ).only("person_id", "measure", "end_date")
        active.update((o.person_id, o) for o in orders)
    # whether a number is registered outside the user's jurisdiction is a metered look-up (people.lookups)
    allowed = lookups.meter(scope, lookups.ELSEWHERE, [n for n, (_pk, _nm, p) in found.items() if not scope.covers(p)])
    for number, row in by_number.items():
        hit = found.get(number)
        if hit is not None and not scope.covers(hit[2]) and number not in allowed:
            refusal = lookups.refusal("id_number")
            add(row.pos, "id_number", refusal.message, refusal.code)
            continue
        if hit is None:
            if not scope.has("people.edit"):
                add(
                    row.pos,
                    "id_number",
                    _("该人员不在台账中，您的角色不能新增台账人员，请网格员先登记"),
                    "person_unknown",
                )
            continue
        pk, name, path = hit
        if not (path.startswith(root.path) and scope.covers(path)):
            add(
                row.pos,
                "id_number",
                _("该人员登记在导入范围以外的辖区，请转交其所在辖区核查"),
                "person_elsewhere",
            )
            continue
        try:
            rules.check_same_person(name, row.name)
        except ApplicationError as exc:
            add(row.pos, "name", exc.message, exc.code)
            continue
        order = active.get(pk)
        if order is not None:
            add(
                row.pos,
                "id_number",
                _("该人员已在管控中（{measure}，至 {end}），请在管控台账中变更或延长").format(
                    measure=order.get_measure_display(), end=order.end_date.isoformat()
                ),
                "order_exists",
            )
            continue
        row.person_id = pk


def _find_households(parsed: list[ListRow]) -> None:
    """A new person whose row gives an address and a room joins the household living there."""
    keys = {(r.node_id, r.room) for r in parsed if r.person_id is None and r.node_id and r.room}
    if not keys:
        return
    households = active_households_at(keys)  # type: ignore[arg-type]
    for row in parsed:
        if row.person_id is None and row.node_id and row.room:
            hit = households.get((row.node_id, row.room))
            row.household_id = hit[0] if hit else None


def _note(row: ListRow) -> str:
    parts = []
    if row.text["from_place"]:
        parts.append(_("来源地：{place}").format(place=row.text["from_place"]))
    if row.text["current_address"]:
        parts.append(_("现住址：{address}").format(address=row.text["current_address"]))
    if row.text["note"]:
        parts.append(row.text["note"])
    return "；".join(parts)[:200]


@transaction.atomic
def _write(
    parsed: list[ListRow],
    *,
    actor: User | None,
    scope: Scope,
    root: GridNode,
    now: dt.datetime,
    filename: str,
    job: ImportJob | None,
    counts: tuple[int, int, bool],  # the file's rows, its rows with errors, good_rows_only: for the audit
) -> tuple[int, int]:
    """Order every row (registering the persons the ledger does not have), all or nothing."""
    nodes = GridNode.objects.in_bulk({r.node_id or root.pk for r in parsed if r.person_id is None})
    households = Household.objects.in_bulk([r.household_id for r in parsed if r.household_id])
    default_source = _("协查名单")
    for row in parsed:
        services.key_person_add(
            actor=actor,
            person_data=row.person_data,
            category=row.category,
            measure=row.measure,
            node=nodes.get(row.node_id or root.pk),
            household=households.get(row.household_id) if row.household_id else None,
            start_date=row.start,
            source=row.text["source"] or default_source,
            place=row.text["place"],
            note=_note(row),
            now=now,
            scope=scope,
        )
    new_persons = sum(1 for r in parsed if r.person_id is None)
    rows, error_rows, good_rows_only = counts
    audit_import_done(
        actor=actor, kind=KIND, filename=filename, job_id=job.pk if job is not None else None, root=root, rows=rows,
        imported=len(parsed), error_rows=error_rows, good_rows_only=good_rows_only,
        counts={"orders": len(parsed), "new_persons": new_persons},
    )
    return len(parsed), new_persons
