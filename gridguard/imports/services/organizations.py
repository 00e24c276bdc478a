"""Import of organizations and places (单位/场所) from one .xlsx/.csv file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.accounts.models import User
from gridguard.core.bulk import db_datetime, insert_rows
from gridguard.core.errors import ApplicationError
from gridguard.core.normalize import clean_text
from gridguard.grids.models import GridNode
from gridguard.imports.addresses import AddressError, AddressIndex
from gridguard.imports.columns import ADDRESS_KEYS, ORGANIZATION_SPEC
from gridguard.imports.lookups import SQLITE_BATCH as BATCH
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
    run_import,
)
from gridguard.people import rules as people_rules
from gridguard.people.models import Organization
from gridguard.people.selectors import address_prefix_map

KIND = ImportJob.Kind.ORGANIZATIONS
ORG_KEYS = ("name", "kind", "credit_code", "address", "contact_name", "contact_phone", "employees", "is_key_place")
ORG_INSERT_FIELDS = (
    "created_at", "updated_at", "created_by_id", "updated_by_id", "node_id", "node_path", "name", "name_initials",
    "kind", "credit_code", "address", "contact_name", "contact_phone", "employees", "is_key_place", "is_active",
    "import_job_id",
)

_FIELD_COLUMN = {"phone": "contact_phone"}  # validate_phone names its field "phone"


def validate_organization_row(data: dict[str, Any]) -> dict[str, Any]:
    """One organization's cells → cleaned field values, or ApplicationError naming the field."""
    if isinstance(data.get("employees"), float) and data["employees"].is_integer():
        data["employees"] = int(data["employees"])
    if isinstance(data.get("credit_code"), float):
        data["credit_code"] = display(data["credit_code"])
    return people_rules.clean_organization(data)


def organizations_import_file(
    *,
    actor: User | None,
    root: GridNode,
    path: str | Path,
    good_rows_only: bool = False,
    job: ImportJob | None = None,
) -> ImportResult:
    """Import organizations/places from ``path`` under ``root`` (same rules as people_import_file)."""
    return run_import(KIND, lambda scope: _import(actor, root, Path(path), good_rows_only, job), actor=actor,
                      root=root, path=path, good_rows_only=good_rows_only, job=job)


def _import(actor: User | None, root: GridNode, path: Path, good_rows_only: bool, job: ImportJob | None) -> ImportResult:
    read = read_rows(job, KIND, path, ORGANIZATION_SPEC, ("name",))
    if isinstance(read, ImportResult):
        return read
    table, cmap, result = read.table, read.cmap, read.result
    rows = table.rows
    n = len(rows)
    if not cmap.has("kind"):
        result.warnings.append(_("文件没有“类型”列，单位类型全部记为“其他”"))

    idx = cmap.index
    cols = [(key, idx[key]) for key in ORG_KEYS if key in idx]
    addr_cols = [idx.get(k) for k in ADDRESS_KEYS]
    has_address = any(i is not None for i in addr_cols)
    addresses = AddressIndex(root)
    errors: list[RowError] = []
    bad: set[int] = set()

    def add(pos: int, key: str, value: object, message: str, code: str = "") -> None:
        bad.add(pos)
        errors.append(RowError(table.row_numbers[pos], cmap.header_of(key, ORGANIZATION_SPEC), display(value),
                               message, code))

    cleaned: list[dict[str, Any] | None] = [None] * n
    node_ids: list[int | None] = [None] * n
    seen_codes: dict[str, int] = {}
    seen_names: dict[tuple[int, str], int] = {}
    for pos, row in enumerate(rows):
        if pos % PROGRESS_EVERY == 0 and pos:
            job_progress(job, pos)
        data = {key: row[i] for key, i in cols}
        if "kind" not in idx:
            data["kind"] = "other"
        elif not clean_text(data["kind"]):
            add(pos, "kind", "", _("请填写单位类型（如 企业、商户、学校）"), "org_kind_required")
            data = None  # type: ignore[assignment]
        org = None
        if data is not None:
            try:
                org = validate_organization_row(data)
            except ApplicationError as exc:
                key = _FIELD_COLUMN.get(exc.field or "name", exc.field or "name")
                add(pos, key, row[idx[key]] if key in idx else "", exc.message, exc.code)
        node_id: int | None = root.pk
        if has_address:
            try:
                node_id = addresses.resolve([row[i] if i is not None else "" for i in addr_cols]) or root.pk
            except AddressError as exc:
                add(pos, exc.key, row[idx[exc.key]], exc.message, "address_unknown")
                node_id = None
        node_ids[pos] = node_id
        if org is None:
            continue
        cleaned[pos] = org
        code = org["credit_code"]
        if code:
            first = seen_codes.setdefault(code, pos)
            if first != pos:
                add(pos, "credit_code", row[idx["credit_code"]],
                    _("统一社会信用代码与第 {row} 行重复").format(row=table.row_numbers[first]), "credit_code_duplicate_file")
        if node_id is not None:
            first = seen_names.setdefault((node_id, org["name"]), pos)
            if first != pos:
                add(pos, "name", row[idx["name"]],
                    _("同一网格下单位名称与第 {row} 行重复").format(row=table.row_numbers[first]), "org_duplicate_file")
    job_progress(job, n)

    # Already in the ledger: the same credit code, or the same name at the same node.
    codes = list(seen_codes)
    for start in range(0, len(codes), BATCH):
        found = Organization.objects.filter(credit_code__in=codes[start:start + BATCH], is_active=True)
        for code in set(found.values_list("credit_code", flat=True)):
            pos = seen_codes[code]
            add(pos, "credit_code", rows[pos][idx["credit_code"]],
                _("该统一社会信用代码已在台账中登记，不能重复导入"), "credit_code_duplicate_ledger")
    node_list = sorted({key[0] for key in seen_names})
    for start in range(0, len(node_list), BATCH):
        found = Organization.objects.filter(node_id__in=node_list[start:start + BATCH], is_active=True)
        for node_id, name in found.values_list("node_id", "name"):
            pos = seen_names.get((node_id, name))  # type: ignore[assignment]
            if pos is not None:
                add(pos, "name", rows[pos][idx["name"]], _("该单位已在台账中（同一网格下同名），不能重复导入"),
                    "org_duplicate_ledger")

    errors.sort(key=lambda e: e.row)
    result.errors = errors
    result.error_rows = len(bad)
    result.valid_rows = n - len(bad)
    if bad and not good_rows_only:
        return refuse(job, result, (
            _("文件共 {n} 行，其中 {bad} 行有错误，未导入任何数据。请按报告修改后重新上传，或选择“仅导入正确行”。").format(
                n=n, bad=len(bad)
            )
        ))
    if result.valid_rows == 0:
        return refuse(job, result, _("文件共 {n} 行，全部有错误，没有可导入的数据。").format(n=n))

    prefixes = address_prefix_map(root.path)
    stamp = db_datetime(timezone.now())
    actor_id = actor.pk if actor is not None else None
    job_id = job.pk if job is not None else None
    filename = job.filename if job else path.name

    def org_rows():  # type: ignore[no-untyped-def]
        for pos in range(n):
            org = cleaned[pos]
            if pos in bad or org is None:
                continue
            node = addresses.node(node_ids[pos])  # type: ignore[arg-type]
            address = org["address"] or prefixes.get(node.path, "") or node.name
            yield (
                stamp, stamp, actor_id, actor_id, node.id, node.path, org["name"], org["name_initials"], org["kind"],
                org["credit_code"], address[:200], org["contact_name"], org["contact_phone"], org["employees"],
                org["is_key_place"], True, job_id,
            )

    with transaction.atomic():
        count = insert_rows(Organization, ORG_INSERT_FIELDS, org_rows())
        audit_import_done(
            actor=actor, kind=KIND, filename=filename, job_id=job_id, root=root, rows=n, imported=count,
            error_rows=result.error_rows, good_rows_only=good_rows_only, counts={"organizations": count},
        )
    result.imported_rows = count
    result.summary = {"organizations": count}
    skipped = _("，跳过有错误的 {n} 行").format(n=result.error_rows) if result.error_rows else ""
    result.message = _("已导入 {count} 个单位/场所{skipped}。").format(count=count, skipped=skipped)
    job_finish(job, result)
    return result
