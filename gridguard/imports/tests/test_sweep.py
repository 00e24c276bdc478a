"""A job whose worker died is failed with its reason by a periodic sweep; its files go (issue 9, A4)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from gridguard.imports.models import ExportJob, ImportJob
from gridguard.imports.services.common import job_progress, job_start
from gridguard.imports.services.exports import export_job_run
from gridguard.imports.services.jobs import import_job_run
from gridguard.imports.services.sweep import jobs_sweep
from gridguard.imports.tasks import jobs_sweep_task


@pytest.fixture(autouse=True)
def _dirs(settings, tmp_path):
    settings.IMPORT_DIR = tmp_path / "imports"
    settings.EXPORT_DIR = tmp_path / "exports"
    settings.IMPORT_STALE_MINUTES = 30


def upload(settings, name: str, age_minutes: float = 0) -> Path:
    folder = Path(settings.IMPORT_DIR) / "202211"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("姓名\n张三\n", encoding="utf-8")
    if age_minutes:
        then = (timezone.now() - dt.timedelta(minutes=age_minutes)).timestamp()
        os.utime(path, (then, then))
    return path


def import_job(town, user, path: Path, status: str, minutes_ago: float, **kw) -> ImportJob:
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    job = ImportJob.objects.create(kind="people", filename="村民.xlsx", stored_path=str(path), root=town.east,
                                   created_by=user, status=status, **kw)
    ImportJob.objects.filter(pk=job.pk).update(created_at=at, heartbeat_at=at if status == "running" else None)
    job.refresh_from_db()
    return job


def test_a_stuck_import_is_failed_with_a_reason_and_its_upload_deleted(client, settings, town, alice):
    stuck = import_job(town, alice, upload(settings, "a.xlsx", 40), "running", 31, total_rows=100, processed_rows=40)
    queued = import_job(town, alice, upload(settings, "b.xlsx", 40), "pending", 31)
    busy = import_job(town, alice, upload(settings, "c.xlsx", 40), "running", 29)
    done = import_job(town, alice, upload(settings, "d.xlsx", 40), "done", 60)

    swept = jobs_sweep()
    assert swept.imports == 2 and swept.exports == 0
    for job in (stuck, queued):
        job.refresh_from_db()
        assert job.status == "failed" and job.finished_at is not None
        assert "30 分钟" in job.message and "重新上传" in job.message
        assert not Path(job.stored_path).exists()
    busy.refresh_from_db()
    done.refresh_from_db()
    assert busy.status == "running" and Path(busy.stored_path).exists()
    assert done.status == "done"

    client.force_login(alice)
    page = client.get(reverse("imports:detail", args=[stuck.pk])).content.decode()
    assert "处理失败" in page and "30 分钟" in page and "hx-get" not in page
    assert import_job_run(stuck) is None  # the worker, should it still get the job, leaves it failed


def test_progress_keeps_a_job_alive(settings, town, alice):
    job = import_job(town, alice, upload(settings, "a.xlsx"), "running", 45)
    job_progress(job, 5000)
    assert jobs_sweep().imports == 0
    job_start(job, 10)
    job.refresh_from_db()
    assert job.heartbeat_at > timezone.now() - dt.timedelta(minutes=1)


def test_a_stuck_export_is_failed_and_its_partial_file_deleted(settings, town, alice):
    folder = Path(settings.EXPORT_DIR) / "202211"
    folder.mkdir(parents=True)
    partial = folder / "half.xlsx"
    partial.write_bytes(b"PK")
    job = ExportJob.objects.create(kind="persons", created_by=alice, status="running", stored_path=str(partial))
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=31))
    assert jobs_sweep().exports == 1
    job.refresh_from_db()
    assert job.status == "failed" and "30 分钟" in job.message and not job.stored_path
    assert not partial.exists()
    assert export_job_run(job).status == "failed"


def test_an_export_keeps_its_file_path_while_it_runs(settings, town, alice):
    seen = {}

    def spy(**kw):
        seen["path"] = ExportJob.objects.get().stored_path
        from gridguard.imports.exports import person_export

        return person_export(**kw)

    from gridguard.imports import exports

    job = ExportJob.objects.create(kind="persons", created_by=alice)
    exports.EXPORTS["persons"], original = spy, exports.EXPORTS["persons"]
    try:
        export_job_run(job)
    finally:
        exports.EXPORTS["persons"] = original
    assert seen["path"] and seen["path"] == job.stored_path and job.status == "done"


def test_orphan_uploads_go_but_fresh_ones_and_files_of_the_command_line_stay(settings, town, alice, tmp_path):
    orphan = upload(settings, "orphan.xlsx", 40)
    fresh = upload(settings, "fresh.xlsx", 5)
    own = tmp_path / "mine.xlsx"  # a file given to the command line: the user's own
    own.write_bytes(b"PK")
    then = (timezone.now() - dt.timedelta(hours=5)).timestamp()
    os.utime(own, (then, then))
    import_job(town, None, own, "running", 45)
    swept = jobs_sweep()
    assert swept.imports == 1 and swept.files == 1
    assert not orphan.exists() and fresh.exists() and own.exists()


def test_the_sweep_runs_as_a_periodic_task(settings, town, alice):
    job = import_job(town, alice, upload(settings, "a.xlsx", 40), "running", 31)
    assert jobs_sweep_task.call_local() == {"imports": 1, "exports": 0, "files": 0}
    job.refresh_from_db()
    assert job.status == "failed"
    from huey.contrib.djhuey import HUEY

    due = [task.name for task in HUEY.read_periodic(dt.datetime(2022, 11, 20, 9, 5))]  # noqa: DTZ001 - huey's clock
    assert any(name.endswith("jobs_sweep_task") for name in due)
