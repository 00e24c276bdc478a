"""Imports through the API: upload a file as a background job, then poll the job."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from gridguard.accounts.scope import current_user, scope_for
from gridguard.grids import selectors as grid_selectors
from gridguard.imports import selectors
from gridguard.imports.models import ImportJob
from gridguard.imports.tasks import import_job_submit

router = Router(tags=["imports"])


class JobOut(Schema):
    id: int
    kind: str
    status: str
    status_name: str
    filename: str
    root_id: int | None
    good_rows_only: bool
    total_rows: int
    processed_rows: int
    imported_rows: int
    error_rows: int
    progress_percent: int
    message: str
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def of(job: ImportJob) -> "JobOut":
        return JobOut(
            id=job.pk,
            kind=job.kind,
            status=job.status,
            status_name=str(job.get_status_display()),
            filename=job.filename,
            root_id=job.root_id,
            good_rows_only=job.good_rows_only,
            total_rows=job.total_rows,
            processed_rows=job.processed_rows,
            imported_rows=job.imported_rows,
            error_rows=job.error_rows,
            progress_percent=job.progress_percent,
            message=job.message,
            created_at=job.created_at,
            finished_at=job.finished_at,
        )


class JobDetailOut(JobOut):
    errors: list[dict[str, Any]]
    summary: dict[str, Any]


class JobIn(Schema):
    kind: str = Field(description="a registered import kind: people, organizations, tree, control_list …")
    root: int
    good_rows_only: bool = False


@router.post("/imports", response={202: JobOut}, summary="Upload an .xlsx/.csv ledger file as an import job")
def import_create(request: HttpRequest, payload: Form[JobIn], file: File[UploadedFile]):  # type: ignore[no-untyped-def]
    root = grid_selectors.node_get(scope=scope_for(request.user), node_id=payload.root)
    job = import_job_submit(
        actor=current_user(request),
        kind=payload.kind,
        root=root,
        upload=file,  # type: ignore[arg-type]  # Django always sets name and size on uploads
        good_rows_only=payload.good_rows_only,
    )
    job.refresh_from_db()
    return 202, JobOut.of(job)


@router.get("/imports", response=list[JobOut], summary="The user's import jobs, newest first")
def import_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    return [JobOut.of(job) for job in selectors.job_list(user=current_user(request))]


@router.get("/imports/{job_id}", response=JobDetailOut, summary="An import job with its row-by-row report")
def import_detail(request: HttpRequest, job_id: int):  # type: ignore[no-untyped-def]
    job = selectors.job_get(user=current_user(request), scope=scope_for(request.user), pk=job_id)
    return JobDetailOut(**JobOut.of(job).dict(), errors=job.errors, summary=job.summary)
