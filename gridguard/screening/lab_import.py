"""The lab's results file (.csv/.xlsx) as an import kind (``screening_results``, registered in
screening/plug.py): run by the imports app like every kind (upload, job, worker, report, template).

The file is for the round over the node chosen at the upload (the latest open or closed round whose
subtree holds the node). Every row is checked (values, then the round's tubes, see
``services.lab.results_apply``); a row that cannot be applied is in the report with its reason.
As with the ledgers, one bad row refuses the file unless only the good rows are asked for."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.accounts.models import User
from gridguard.accounts.scope import Scope
from gridguard.core.errors import ApplicationError
from gridguard.grids.models import GridNode
from gridguard.imports.columns import Column
from gridguard.imports.kinds import Template
from gridguard.imports.models import ImportJob
from gridguard.imports.rows import display
from gridguard.imports.services.common import (
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
from gridguard.screening.models import RoundStatus, ScreeningRound
from gridguard.screening.services.lab import (
    ResultRow,
    RowProblem,
    parse_lab,
    parse_result,
    parse_tested_at,
    parse_tube_code,
    results_apply,
)

KIND = "screening_results"
COLUMNS: tuple[Column, ...] = (
    Column("tube_code", "管码", ("tube_code", "采样管码", "试管编码", "管号", "样本编号", "条码"),
           "必填：采样管上的条码", "G2026120100001", required=True),
    Column("result", "结果", ("result", "检测结果", "核酸结果"), "必填：阴性、阳性或无效", "阴性", required=True),
    Column("tested_at", "检测时间", ("tested_at", "检测日期时间", "出结果时间", "报告时间"),
           "必填：如 2026-12-01 14:30", "2026-12-01 14:30", required=True),
    Column("lab", "检测机构", ("lab", "实验室", "检测单位"), "出结果的实验室名称", "城关镇第一医院检验科"),
)
NOTES = (
    "每行一管：管码、结果（阴性/阳性/无效）、检测时间、检测机构。",
    "文件按上传时选择的节点所在的核酸检测轮次导入：不是本轮次的管、查无此管、与已录入结果不一致的行都会在报告中列出。",
    "同一管重复出现且结果相同，视为重复，不报错；结果不同则列为错误，请核实。",
    "混管阳性时，管内每个人自动列入复核名单，并向其网格和社区发出预警；单管阳性的人员自动转入重点人员管控（初筛阳性）。",
    "默认只要有一行错误，整个文件都不导入；可以选择“仅导入正确行”。",
    "第 2 行是示例，导入前请删除。",
)


def results_template() -> Template:
    return Template("核酸检测结果导入模板", COLUMNS, [c.example for c in COLUMNS], NOTES)


def results_refusal(scope: Scope) -> str:
    return "" if scope.has("screening.lab") else _("您的角色不能录入核酸检测结果")


def results_summary(summary: dict[str, Any]) -> str:
    if summary.get("applied") is None:
        return ""
    return _("录入结果 %(n)s 管（阳性 %(p)s 管），新增复核 %(r)s 人，转入管控 %(o)s 人") % {
        "n": summary["applied"], "p": summary.get("positives", 0), "r": summary.get("recalls", 0),
        "o": summary.get("orders", 0),
    }


def round_for(root: GridNode) -> ScreeningRound | None:
    """The latest open or closed round whose subtree holds ``root``."""
    candidates = [
        r for r in ScreeningRound.objects.filter(status__in=(RoundStatus.OPEN, RoundStatus.CLOSED)).order_by("-id")
        if root.path.startswith(r.node_path)
    ]
    return candidates[0] if candidates else None


def results_import_file(
    *,
    actor: User | None,
    root: GridNode,
    path: str | Path,
    good_rows_only: bool = False,
    job: ImportJob | None = None,
    now: dt.datetime | None = None,
) -> ImportResult:
    return run_import(
        KIND, lambda scope: _import(actor, scope, root, Path(path), good_rows_only, job, now or timezone.now()),
        actor=actor, root=root, path=path, good_rows_only=good_rows_only, job=job,
    )


def _import(actor: User | None, scope: Scope, root: GridNode, path: Path, good_rows_only: bool,
            job: ImportJob | None, now: dt.datetime) -> ImportResult:
    rnd = round_for(root)
    if rnd is None:
        result = refused(KIND, ApplicationError(
            "round_none", _("“{node}”没有进行中或已结束的核酸检测轮次").format(node=root.name)))
        job_finish(job, result)
        return result
    read = read_rows(job, KIND, path, COLUMNS, ("tube_code",))
    if isinstance(read, ImportResult):
        return read
    table, cmap, result = read.table, read.cmap, read.result
    for key in ("tube_code", "result", "tested_at"):
        if not cmap.has(key):
            header = cmap.header_of(key, COLUMNS)
            refusal = refused(KIND, ApplicationError(
                "column_missing", _("文件缺少“{column}”列，检测结果必须有这一列").format(column=header)), column=header)
            job_finish(job, refusal)
            return refusal
    idx = cmap.index
    parsers = (("tube_code", parse_tube_code), ("result", parse_result), ("lab", parse_lab))
    problems: list[RowProblem] = []
    rows: list[ResultRow] = []
    for pos, raw in enumerate(table.rows):
        number = table.row_numbers[pos]
        values: dict[str, Any] = {}
        ok = True
        for key, fn in (*parsers, ("tested_at", None)):
            i = idx.get(key)
            cell = raw[i] if i is not None and i < len(raw) else ""
            try:
                values[key] = parse_tested_at(cell, now) if fn is None else fn(cell)
            except ApplicationError as exc:
                problems.append(RowProblem(number, key, display(cell), exc.message, exc.code))
                ok = False
        if ok:
            rows.append(ResultRow(values["tube_code"], values["result"], values["tested_at"], values["lab"], number))
    job_progress(job, len(table.rows))
    done = results_apply(actor=actor, rnd=rnd, rows=rows, scope=scope, all_or_nothing=not good_rows_only,
                         problems=problems, now=now)
    n = len(table.rows)
    bad_rows = {p.row for p in done.problems}
    result.errors = sorted(
        (RowError(p.row, cmap.header_of(p.column, COLUMNS), p.value, p.message, p.code) for p in done.problems),
        key=lambda e: (e.row, e.column),
    )
    result.error_rows = len(bad_rows)
    result.valid_rows = n - len(bad_rows)
    if not done.written:
        if bad_rows and not good_rows_only:
            return refuse(job, result, _(
                "文件共 {n} 行，其中 {bad} 行有错误，未录入任何结果。请按报告修改后重新上传，或选择“仅导入正确行”。"
            ).format(n=n, bad=len(bad_rows)))
        if not done.repeats:
            return refuse(job, result, _("文件共 {n} 行，没有可录入的结果。").format(n=n))
    result.imported_rows = done.applied
    result.summary = {**done.as_dict(), "round": rnd.pk, "round_name": rnd.name}
    skipped = _("，跳过有错误的 {n} 行").format(n=len(bad_rows)) if bad_rows else ""
    repeats = _("，{n} 行与已录入结果相同（重复）").format(n=done.repeats) if done.repeats else ""
    result.message = _("{round}：已录入 {count} 管结果（阳性 {pos} 管），新增复核 {recalls} 人{repeats}{skipped}。").format(
        round=rnd.name, count=done.applied, pos=done.positives, recalls=done.recalls, repeats=repeats, skipped=skipped
    )
    audit_import_done(
        actor=actor, kind=KIND, filename=job.filename if job else path.name, job_id=job.pk if job else None,
        root=root, rows=n, imported=done.applied, error_rows=len(bad_rows), good_rows_only=good_rows_only,
        counts=done.as_dict(),
    )
    job_finish(job, result)
    return result
