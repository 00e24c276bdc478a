"""Import jobs: an uploaded file is stored and a job created (``import_job_create``); the worker
runs it (``import_job_run``) with the service of its kind (``imports.kinds``). Queueing the job is
the caller's, through ``imports.tasks.import_job_submit``: the services do not import the tasks."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridguard.accounts.models import User
from gridguard.core.errors import ApplicationError, NotFound, PermissionDenied
from gridguard.grids.models import GridNode
from gridguard.imports.kinds import find_kind, kind_get
from gridguard.imports.models import ImportJob
from gridguard.imports.readers import EXTENSIONS
from gridguard.imports.services.common import ImportResult, audit_import_quietly, check_import_rights

logger = logging.getLogger(__name__)


class Upload(Protocol):
    name: str
    size: int

    def chunks(self) -> Iterable[bytes]: ...


def import_dir() -> Path:
    path = Path(settings.IMPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_upload(name: str, size: int | None, head: bytes = b"") -> str:
    """The file's extension, or ApplicationError with a clear message."""
    suffix = Path(name or "").suffix.lower()
    if suffix not in EXTENSIONS:
        raise ApplicationError(
            "file_type",
            _("不支持的文件类型“{suffix}”，请上传 Excel（.xlsx）或 CSV（.csv）文件").format(suffix=suffix or name),
            field="file",
        )
    limit = settings.IMPORT_MAX_BYTES
    if size is not None and size > limit:
        raise ApplicationError(
            "file_too_large",
            _("文件太大（{size} MB），最大允许 {limit} MB；请拆分后分批导入").format(
                size=f"{size / 1048576:.1f}", limit=f"{limit / 1048576:.0f}"
            ),
            field="file",
        )
    if size == 0:
        raise ApplicationError("file_empty", _("文件是空的"), field="file")
    if suffix in (".xlsx", ".xlsm") and head and not head.startswith(b"PK"):
        raise ApplicationError(
            "file_type", _("文件不是有效的 .xlsx 文件（可能是改了扩展名），请用 Excel 另存为 .xlsx"), field="file"
        )
    return suffix


def store_upload(upload: Upload) -> Path:
    """Copy an uploaded file into IMPORT_DIR under a new name; the worker reads it from there."""
    chunks = iter(upload.chunks())
    first = next(chunks, b"")
    suffix = check_upload(upload.name, upload.size, first[:4])
    folder = import_dir() / timezone.localdate().strftime("%Y%m")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}{suffix}"
    written = 0
    with target.open("wb") as out:
        for chunk in (first, *chunks):
            written += len(chunk)
            if written > settings.IMPORT_MAX_BYTES:
                out.close()
                target.unlink(missing_ok=True)
                check_upload(upload.name, written)
            out.write(chunk)
    return target


def import_job_create(
    *, actor: User, kind: str, root: GridNode, upload: Upload, good_rows_only: bool = False
) -> ImportJob:
    """Check rights, store the file and create a pending job (``imports.tasks.import_job_submit``
    queues it). A file refused here is audited like one refused by the worker."""
    filename = Path(upload.name or "").name[:255]
    try:
        kind_get(kind)
        check_import_rights(actor, root, kind=kind)
        stored = store_upload(upload)
    except ApplicationError as exc:
        audit_import_quietly(
            actor=actor, kind=kind, filename=filename, job_id=None, outcome="refused", reason=exc.message,
            node_path="" if isinstance(exc, PermissionDenied | NotFound) else root.path,  # then the actor's own
            good_rows_only=good_rows_only,
        )
        raise
    job = ImportJob.objects.create(
        kind=kind,
        filename=filename,
        stored_path=str(stored),
        good_rows_only=good_rows_only,
        root=root,
        created_by=actor,
        language=translation.get_language() or "",
    )
    return job


def import_job_run(job: ImportJob) -> ImportResult | None:
    """Run a queued job (the worker's task, or inline). Exceptions leave the job FAILED."""
    if job.status not in (ImportJob.Status.PENDING, ImportJob.Status.RUNNING):
        return None
    kind = find_kind(job.kind)
    reason = ""
    if job.root is None:
        reason = _("导入范围（网格节点）已不存在")
    elif kind is None:  # no longer registered (its app removed)
        reason = _("导入类型“{kind}”已不可用，无法处理").format(kind=job.kind)
    if reason or kind is None:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, message=reason, finished_at=timezone.now()
        )
        audit_import_quietly(actor=job.created_by, kind=job.kind, filename=job.filename, job_id=job.pk,
                             node_path=job.root.path if job.root else "", outcome="failed", reason=reason,
                             good_rows_only=job.good_rows_only)
        _discard_upload(job)
        return None
    service = kind.run
    try:
        return service(
            actor=job.created_by, root=job.root, path=job.stored_path, good_rows_only=job.good_rows_only, job=job
        )
    finally:
        _discard_upload(job)


def _discard_upload(job: ImportJob) -> None:
    """Uploaded files hold personal data: once read, only the job's report is kept. (Files given
    to the command line are the user's own and are never touched.)"""
    path = Path(job.stored_path)
    try:
        if path.is_file() and path.resolve().is_relative_to(import_dir().resolve()):
            path.unlink()
    except OSError:
        logger.warning("could not remove uploaded file %s", path)
