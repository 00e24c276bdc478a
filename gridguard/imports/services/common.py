"""What every import shares: the report, the result, the job's progress, the actor's rights."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridguard.accounts.models import AuditLog, User
from gridguard.accounts.scope import Scope, scope_for, system_scope
from gridguard.accounts.services import audit_record
from gridguard.core.errors import ApplicationError, NotFound, PermissionDenied
from gridguard.grids.models import GridNode
from gridguard.imports.columns import ColumnMap
from gridguard.imports.kinds import kind_get, kind_label
from gridguard.imports.models import ImportJob
from gridguard.imports.readers import FileRefused, Table, read_table

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 5000  # rows between two progress writes to the job
MAX_REPORTED_ERRORS = 100_000  # rows of the report kept on the job (the count is always exact)


@dataclass(slots=True)
class RowError:
    row: int  # spreadsheet row number (header = row 1)
    column: str  # header text as in the file ("" when the problem is not in one column)
    value: str
    message: str
    code: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = _("第 {row} 行").format(row=self.row) if self.row else _("文件")
        col = f"【{self.column}】" if self.column else ""
        value = _("（值：{value}）").format(value=self.value) if self.value and self.value not in self.message else ""
        return f"{where}{col}：{self.message}{value}"


@dataclass
class ImportResult:
    kind: str
    status: str = ImportJob.Status.DONE  # done / refused / failed
    total_rows: int = 0
    valid_rows: int = 0
    error_rows: int = 0
    imported_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    @property
    def refused(self) -> bool:
        return self.status != ImportJob.Status.DONE

    def report_lines(self) -> list[str]:
        return [str(e) for e in self.errors]


def actor_scope(actor: User | None) -> Scope:
    return system_scope() if actor is None else scope_for(actor)


def check_import_rights(actor: User | None, root: GridNode, *, kind: str = "") -> Scope:
    """The actor's scope, when it may import a file of ``kind`` under ``root``."""
    scope = actor_scope(actor)
    if not scope.has(kind_get(kind).right if kind else "imports.import"):
        raise PermissionDenied(_("您的角色不能导入数据"))
    refusal = kind_get(kind).refusal(scope) if kind else ""  # the kind's own right (tree, control lists …)
    if refusal:
        raise PermissionDenied(refusal)
    scope.check(root.path)
    return scope


def refused(kind: str, error: ApplicationError, *, row: int = 0, column: str = "") -> ImportResult:
    result = ImportResult(kind=kind, status=ImportJob.Status.REFUSED, message=error.message)
    result.errors.append(RowError(row=row, column=column, value="", message=error.message, code=error.code))
    return result


def job_start(job: ImportJob | None, total_rows: int = 0) -> None:
    if job is None:
        return
    now = timezone.now()
    job.status = ImportJob.Status.RUNNING
    job.started_at = job.started_at or now
    job.total_rows = total_rows
    job.heartbeat_at = now
    ImportJob.objects.filter(pk=job.pk).update(
        status=job.status, started_at=job.started_at, total_rows=total_rows, processed_rows=0, heartbeat_at=now
    )


def job_progress(job: ImportJob | None, processed: int) -> None:
    """One short UPDATE (never inside the insert transaction); it keeps the job from being swept."""
    if job is None:
        return
    job.processed_rows = processed
    job.heartbeat_at = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=processed, heartbeat_at=job.heartbeat_at)


def job_finish(job: ImportJob | None, result: ImportResult) -> None:
    if job is None:
        return
    errors = result.errors[:MAX_REPORTED_ERRORS]
    job.status = result.status
    job.processed_rows = result.total_rows
    job.total_rows = result.total_rows
    job.imported_rows = result.imported_rows
    job.error_rows = result.error_rows
    job.errors = [e.as_dict() for e in errors]
    job.summary = {**result.summary, "warnings": result.warnings, "reported_errors": len(errors),
                   "all_errors": len(result.errors)}
    job.message = result.message[:500]
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status", "processed_rows", "total_rows", "imported_rows", "error_rows", "errors", "summary",
            "message", "finished_at",
        ]
    )


def failure_message(exc: BaseException) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    return _("处理失败：{error}").format(error=f"{type(exc).__name__}: {exc}")


def job_fail(job: ImportJob | None, exc: BaseException) -> None:
    if job is None:
        return
    message = failure_message(exc)
    job.status = ImportJob.Status.FAILED
    job.message = message[:500]
    try:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, message=job.message, finished_at=timezone.now()
        )
    except Exception:  # a broken outer transaction: keep the original error, not this one
        logger.exception("could not mark import job %s failed", job.pk)


def warnings_for_columns(cmap: Any) -> list[str]:
    warnings: list[str] = []
    if cmap.unknown:
        warnings.append(_("以下列无法识别，已忽略：{columns}").format(columns="、".join(f"“{h}”" for h in cmap.unknown)))
    if cmap.duplicate:
        warnings.append(_("以下列与前面的列重复，已忽略：{columns}").format(columns="、".join(f"“{h}”" for h in cmap.duplicate)))
    return warnings


def refuse(job: ImportJob | None, result: ImportResult, message: str) -> ImportResult:
    """Mark the result refused (nothing is written) and finish the job with it."""
    result.status = ImportJob.Status.REFUSED
    result.message = message
    job_finish(job, result)
    return result


@dataclass
class ReadFile:
    table: Table
    cmap: ColumnMap
    result: ImportResult  # to fill: total_rows and the warnings about the columns are set


def read_rows(
    job: ImportJob | None, kind: str, path: Any, spec: Any, keys: tuple[str, ...]
) -> ReadFile | ImportResult:
    """Read the file and start the job's count of rows. A file that cannot be read or has no data
    row gives its refused result instead (the job is finished with it)."""
    job_start(job)
    try:
        table, cmap = read_table(path, spec, keys)
    except FileRefused as exc:
        result = refused(kind, exc, row=exc.row, column=exc.column)
        job_finish(job, result)
        return result
    n = len(table.rows)
    job_start(job, n)
    result = ImportResult(kind=kind, total_rows=n, warnings=warnings_for_columns(cmap))
    if n == 0:
        return refuse(job, result, _("文件中没有数据行"))
    return ReadFile(table, cmap, result)


# --- the audit record of an import ------------------------------------------------------------------

OUTCOMES = {"done": "导入成功", "good_rows": "仅导入正确行", "refused": "文件被拒绝", "failed": "处理失败"}


def audit_import(
    *,
    actor: User | None,
    kind: str,
    filename: str,
    job_id: int | None,
    node_path: str,
    outcome: str,
    rows: int = 0,
    imported: int = 0,
    error_rows: int = 0,
    good_rows_only: bool = False,
    reason: str = "",
    counts: dict[str, Any] | None = None,
) -> None:
    """The one audit record of an import, whatever became of it (``OUTCOMES``): the file, the kind,
    the counts and the reason, in words. A successful import writes it inside its own transaction
    (``audit_import_done``); a refused or failed one through ``run_import``, the sweep and the upload."""
    with translation.override(settings.LANGUAGE_CODE):  # the record's words are the platform's language
        label = str(kind_label(kind))
    words = OUTCOMES[outcome]
    audit_record(
        actor=actor,
        action=AuditLog.Action.IMPORT,
        object_type="imports.importjob",
        object_id=str(job_id or ""),
        object_repr=f"导入{label}：{filename}（{words}）"[:200],
        node_path=node_path,
        detail={
            "kind": label, "outcome": words, "file": filename, "job": job_id, "rows": rows, "imported": imported,
            "error_rows": error_rows, "good_rows_only": good_rows_only, "reason": reason[:500], **(counts or {}),
        },
    )


def audit_import_done(*, actor: User | None, kind: str, filename: str, job_id: int | None, root: GridNode, rows: int,
                      imported: int, error_rows: int, good_rows_only: bool, counts: dict[str, Any]) -> None:
    """A successful import's record, written in the transaction that writes its rows."""
    audit_import(actor=actor, kind=kind, filename=filename, job_id=job_id, node_path=root.path,
                 outcome="good_rows" if error_rows else "done", rows=rows, imported=imported, error_rows=error_rows,
                 good_rows_only=good_rows_only, counts=counts)


def audit_import_quietly(**kwargs: Any) -> None:
    """``audit_import`` where an error must not hide the one being reported (a broken transaction)."""
    try:
        audit_import(**kwargs)
    except Exception:
        logger.exception("could not write the audit record of an import")


def run_import(
    kind: str,
    body: Callable[[Scope], ImportResult],
    *,
    actor: User | None,
    root: GridNode,
    path: Any,
    good_rows_only: bool,
    job: ImportJob | None,
) -> ImportResult:
    """Check the rights and run an import's ``body``; a refused file and a failure are each audited
    here (a success is audited by the body, in its own transaction), and a failure leaves the job
    FAILED with its reason."""
    filename = job.filename if job is not None else Path(str(path)).name
    try:
        scope = check_import_rights(actor, root, kind=kind)
        result = body(scope)
    except Exception as exc:
        job_fail(job, exc)
        audit_import_quietly(
            actor=actor, kind=kind, filename=filename, job_id=job.pk if job else None,
            node_path="" if isinstance(exc, PermissionDenied | NotFound) else root.path,  # the actor's own
            outcome="failed", rows=job.total_rows if job else 0, good_rows_only=good_rows_only,
            reason=failure_message(exc),
        )
        raise
    if result.refused:
        audit_import_quietly(
            actor=actor, kind=kind, filename=filename, job_id=job.pk if job else None, node_path=root.path,
            outcome="refused", rows=result.total_rows, error_rows=result.error_rows, good_rows_only=good_rows_only,
            reason=result.message,
        )
    return result
