"""Background jobs: thin wrappers over the import and export services (run inline in tests)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

logger = logging.getLogger(__name__)


@db_task()
def import_job_task(job_id: int) -> None:
    from gridguard.imports.models import ImportJob
    from gridguard.imports.services import import_job_run

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
    from gridguard.imports.models import ExportJob
    from gridguard.imports.services.exports import export_job_run

    job = ExportJob.objects.select_related("created_by", "created_by__role").filter(pk=job_id).first()
    if job is None:
        logger.warning("export job %s vanished before it ran", job_id)
        return
    with translation.override(job.language or settings.LANGUAGE_CODE):
        export_job_run(job)  # a failure is kept on the job, with its reason


@db_periodic_task(crontab(minute="7"))
def export_files_expire_task() -> int:
    from gridguard.imports.services.exports import export_files_expire

    return export_files_expire()
