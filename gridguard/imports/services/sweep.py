"""The sweep of jobs whose worker died (issue 9, A4).

A worker that is killed (out of memory, a restart, a hostile file that aborted the process) leaves
its job "处理中" or "排队中" forever and its file on disk. ``jobs_sweep`` (a periodic task) fails every
import and export job queued or running with no progress for IMPORT_STALE_MINUTES — the worker
writes ``heartbeat_at`` whenever it reports progress — with a reason the job's page shows, deletes
its uploaded or half-written file, and deletes upload and export files that no job holds. The
failure is claimed with a conditional UPDATE, so a worker that reports progress at that moment
keeps its job. Only files inside IMPORT_DIR and EXPORT_DIR are ever deleted: a file given to the
command line is the user's own.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.imports.models import ExportJob, ImportJob
from gridguard.imports.services.common import audit_import_quietly
from gridguard.imports.services.exports import export_dir
from gridguard.imports.services.jobs import import_dir

logger = logging.getLogger(__name__)


@dataclass
class Swept:
    imports: int = 0
    exports: int = 0
    files: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _stale(cutoff: dt.datetime) -> Q:
    return Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)


def _remove(path: str | Path, folder: Path) -> bool:
    """Delete ``path`` if it is a file inside ``folder``."""
    if not path:
        return False
    target = Path(path)
    try:
        if target.is_file() and target.resolve().is_relative_to(folder.resolve()):
            target.unlink()
            return True
    except OSError:
        logger.warning("could not remove %s", target)
    return False


def jobs_sweep(*, now: dt.datetime | None = None) -> Swept:
    now = now or timezone.now()
    minutes = settings.IMPORT_STALE_MINUTES
    cutoff = now - dt.timedelta(minutes=minutes)
    swept = Swept()
    reason = _(
        "后台处理中断：超过 {minutes} 分钟没有进展（处理进程可能已停止或重启），已停止处理，上传的文件已删除。"
        "没有导入任何数据，请重新上传；如文件很大，可拆分后分批导入。"
    ).format(minutes=minutes)
    unfinished = [ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
    for job in ImportJob.objects.filter(_stale(cutoff), status__in=unfinished).select_related("created_by", "root"):
        claimed = ImportJob.objects.filter(_stale(cutoff), pk=job.pk, status__in=unfinished).update(
            status=ImportJob.Status.FAILED, message=reason[:500], finished_at=now
        )
        if claimed:
            swept.imports += 1
            _remove(job.stored_path, import_dir())
            audit_import_quietly(
                actor=job.created_by, kind=job.kind, filename=job.filename, job_id=job.pk,
                node_path=job.root.path if job.root else "", outcome="failed", rows=job.total_rows,
                good_rows_only=job.good_rows_only, reason=reason,
            )
            logger.warning("import job %s swept: no progress since %s", job.pk, job.heartbeat_at or job.created_at)
    export_reason = _(
        "后台处理中断：超过 {minutes} 分钟没有进展（处理进程可能已停止或重启），文件没有生成。请回到列表重新导出。"
    ).format(minutes=minutes)
    running = [ExportJob.Status.PENDING, ExportJob.Status.RUNNING]
    for export in ExportJob.objects.filter(_stale(cutoff), status__in=running):
        claimed = ExportJob.objects.filter(_stale(cutoff), pk=export.pk, status__in=running).update(
            status=ExportJob.Status.FAILED, message=export_reason[:500], finished_at=now, stored_path=""
        )
        if claimed:
            swept.exports += 1
            _remove(export.stored_path, export_dir())
            logger.warning("export job %s swept", export.pk)
    swept.files = _orphans(cutoff)
    return swept


def _orphans(cutoff: dt.datetime) -> int:
    """Files in IMPORT_DIR and EXPORT_DIR older than ``cutoff`` that no live job holds."""
    held_imports = set(ImportJob.objects.filter(status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING])
                       .values_list("stored_path", flat=True))
    held_exports = set(ExportJob.objects.exclude(stored_path="").filter(
        status__in=[ExportJob.Status.PENDING, ExportJob.Status.RUNNING, ExportJob.Status.DONE]
    ).values_list("stored_path", flat=True))
    removed = 0
    for folder, held in ((import_dir(), held_imports), (export_dir(), held_exports)):
        held_resolved = {str(Path(p).resolve()) for p in held if p}
        for path in folder.rglob("*"):
            try:
                if not path.is_file() or str(path.resolve()) in held_resolved:
                    continue
                if dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC) >= cutoff:
                    continue
            except OSError:
                continue
            if _remove(path, folder):
                removed += 1
    return removed
