"""Background exports: a ledger list too long to write inside a web request (openpyxl writes
about 15,000 rows a second, and a street's million persons would outlast any request timeout)
is written by the worker into EXPORT_DIR; its creator downloads it from the job's page.

The job keeps the list page's query string, not its parsed filters: the worker parses it again
for the job's creator, so the filters mean what they mean on the list page and the creator's
jurisdiction and rights are checked when the file is made, not only when it was asked for. The
export functions (``imports.exports``) mask, and write the EXPORT audit record, as for a
download. Files are removed after EXPORT_KEEP_HOURS (``export_files_expire``)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridguard.accounts.models import User
from gridguard.core.errors import ApplicationError, NotFound
from gridguard.imports.exports import EXPORTS, export_scope
from gridguard.imports.models import ExportJob
from gridguard.imports.selectors import export_count
from gridguard.people.filters import FILTERS

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 10_000  # rows between two progress writes to the job
KEPT_PARAMS = ("node", "q", "tag", "residency", "status", "party", "no_household", "ungridded", "rental", "kind",
               "key_place")


def export_dir() -> Path:
    path = Path(settings.EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_job_create(*, actor: User, kind: str, params: Mapping[str, str], ip: str | None = None) -> ExportJob:
    """Check the rights and the filters now (a node outside the jurisdiction is NotFound) and keep
    the list's query string in a pending job (``imports.tasks.export_job_submit`` queues it)."""
    if kind not in ExportJob.Kind.values:
        raise NotFound()
    scope = export_scope(actor)
    filters = FILTERS[kind](params, actor)
    query = urlencode([(k, params[k]) for k in KEPT_PARAMS if params.get(k)])
    job = ExportJob.objects.create(
        kind=kind, query=query, node=filters.get("node"), masked=not scope.has("people.reveal"), created_by=actor, ip=ip,
        language=translation.get_language() or "",
    )
    return job


def export_job_run(job: ExportJob) -> ExportJob:
    """Write the job's file (the worker's task). A failure leaves the job FAILED with its reason."""
    if job.status not in (ExportJob.Status.PENDING, ExportJob.Status.RUNNING):
        return job
    now = timezone.now()
    folder = export_dir() / timezone.localdate(now).strftime("%Y%m")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}.xlsx"
    # the file's path is kept from the start, so that a sweep of a dead worker's job removes it
    _update(job, status=ExportJob.Status.RUNNING, started_at=now, heartbeat_at=now, processed_rows=0,
            stored_path=str(target))
    try:
        actor = job.created_by
        filters = FILTERS[job.kind](QueryDict(job.query), actor)
        _update(job, total_rows=export_count(job.kind, export_scope(actor), **filters), heartbeat_at=timezone.now())
        result = EXPORTS[job.kind](actor=actor, out=str(target), ip=job.ip, progress=_progress(job), **filters)
    except Exception as exc:
        target.unlink(missing_ok=True)
        if isinstance(exc, ApplicationError):
            message = exc.message
        else:
            logger.exception("export job %s failed", job.pk)
            message = _("生成文件时出错，请稍后重试；如仍失败请联系管理员。")
        _update(job, status=ExportJob.Status.FAILED, message=message[:500], finished_at=timezone.now(), stored_path="")
        return job
    _update(
        job,
        status=ExportJob.Status.DONE,
        processed_rows=result.rows,
        total_rows=result.rows,
        filename=result.filename,
        stored_path=str(target),
        masked=result.masked,
        finished_at=timezone.now(),
    )
    return job


def _update(job: ExportJob, **values: object) -> None:
    for name, value in values.items():
        setattr(job, name, value)
    ExportJob.objects.filter(pk=job.pk).update(**values)


def _progress(job: ExportJob):  # type: ignore[no-untyped-def]
    last = [0]

    def tell(rows: int) -> None:
        if rows - last[0] >= PROGRESS_EVERY:
            last[0] = rows
            _update(job, processed_rows=rows, heartbeat_at=timezone.now())

    return tell


def export_job_file(job: ExportJob) -> Path:
    """The finished job's file, or NotFound with the reason."""
    if job.status == ExportJob.Status.EXPIRED:
        raise NotFound(_("文件已过期并删除，请回到列表重新导出"))
    if job.status != ExportJob.Status.DONE:
        raise NotFound(_("文件还没有生成"))
    path = Path(job.stored_path)
    if not path.is_file():
        raise NotFound(_("文件已不存在，请回到列表重新导出"))
    return path


def export_files_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files of jobs finished more than EXPORT_KEEP_HOURS ago; returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.EXPORT_KEEP_HOURS)
    jobs = list(ExportJob.objects.filter(status=ExportJob.Status.DONE, finished_at__lt=cutoff))
    root = export_dir().resolve()
    for job in jobs:
        path = Path(job.stored_path)
        try:
            if path.resolve().is_relative_to(root):
                path.unlink(missing_ok=True)
        except OSError:
            logger.warning("could not remove export file %s", path)
    ExportJob.objects.filter(pk__in=[j.pk for j in jobs]).update(status=ExportJob.Status.EXPIRED, stored_path="")
    return len(jobs)
