"""Background jobs: thin wrappers over the import and export services (run inline in tests).

This module is the queue's side: it imports the services, never the other way round. The
``*_submit`` functions are what the pages and the API call to create a job and queue it once the
transaction commits; the services only create and run jobs."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from gridguard.accounts.models import User
from gridguard.grids.models import GridNode
from gridguard.imports.models import ExportJob, ImportJob
from gridguard.imports.services.exports import export_files_expire, export_job_create, export_job_run
from gridguard.imports.services.jobs import Upload, import_job_create, import_job_run
from gridguard.imports.services.sweep import jobs_sweep

logger = logging.getLogger(__name__)


def import_job_submit(
    *, actor: User, kind: str, root: GridNode, upload: Upload, good_rows_only: bool = False
) -> ImportJob:
    """Create an import job (``import_job_create``) and queue it after commit."""
    job = import_job_create(actor=actor, kind=kind, root=root, upload=upload, good_rows_only=good_rows_only)
    transaction.on_commit(lambda: import_job_task(job.pk))
    return job


def export_job_submit(*, actor: User, kind: str, params: Mapping[str, str], ip: str | None = None) -> ExportJob:
    """Create an export job (``export_job_create``) and queue it after commit."""
    job = export_job_create(actor=actor, kind=kind, params=params, ip=ip)
    transaction.on_commit(lambda: export_job_task(job.pk))
    return job


@db_task()
def import_job_task(job_id: int) -> None:
    job = ImportJob.objects.select_related("root", "created_by", "created_by__role").filter(pk=job_id).first()
    if job is None:
        logger.warning("import job %s vanished before it ran", job_id)
        return
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):  # the report in the uploader's
            import_job_run(job)
    except Exception:  # the job is marked FAILED with the message by the service
        logger.exception("import job %s failed", job_id)


@db_task()
def export_job_task(job_id: int) -> None:
    job = ExportJob.objects.select_related("created_by", "created_by__role").filter(pk=job_id).first()
    if job is None:
        logger.warning("export job %s vanished before it ran", job_id)
        return
    with translation.override(job.language or settings.LANGUAGE_CODE):
        export_job_run(job)  # a failure is kept on the job, with its reason


@db_periodic_task(crontab(minute="7"))
def export_files_expire_task() -> int:
    return export_files_expire()


@db_periodic_task(crontab(minute="*/5"))
def jobs_sweep_task() -> dict[str, int]:
    """Fail the jobs whose worker died (no progress for IMPORT_STALE_MINUTES) and remove their files."""
    return jobs_sweep().as_dict()
