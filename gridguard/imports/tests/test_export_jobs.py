"""Background exports: a list longer than EXPORT_SYNC_ROWS is written by the worker."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from conftest import idno
from gridguard.accounts.models import AuditLog
from gridguard.accounts.scope import scope_for
from gridguard.accounts.services import role_permissions_set
from gridguard.core.errors import NotFound, PermissionDenied
from gridguard.imports.models import ExportJob
from gridguard.imports.services.exports import (
    export_files_expire,
    export_job_create,
    export_job_file,
    export_job_run,
)
from gridguard.imports.tasks import export_job_task
from gridguard.people.services import household_create, person_register


@pytest.fixture(autouse=True)
def _small_sync_limit(settings, tmp_path):
    settings.EXPORT_SYNC_ROWS = 2
    settings.EXPORT_DIR = tmp_path / "exports"


@pytest.fixture
def ledger(town, alice, admin_user):
    household = household_create(actor=alice, node=town.a1_b1, room="301")
    for i, name in enumerate(["张三", "张四", "李五"], start=1):
        person_register(actor=alice, data={"name": name, "id_number": idno(1980, i), "phone": f"1380013800{i}"},
                        household=household)
    person_register(actor=admin_user, data={"name": "西城人", "id_number": idno(1990, 9)}, node=town.b1)
    return household


def rows_of(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def test_a_long_list_becomes_a_job_whose_file_is_masked_and_audited(
    client, town, erin, ledger, django_capture_on_commit_callbacks
):
    client.force_login(erin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("imports:export", args=["persons"]), {"node": town.east.pk, "cursor": "x"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:export_detail", args=[job.pk])
    assert job.status == ExportJob.Status.DONE and job.total_rows == 3 and job.masked
    assert job.query == f"node={town.east.pk}" and job.node == town.east  # the cursor is not a filter
    rows = rows_of(Path(job.stored_path))
    assert sorted(r[0] for r in rows[1:]) == ["张三", "张四", "李五"]
    assert rows[1][5].startswith("138****") and "*" * 10 in rows[1][4]
    log = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert log.actor == erin and log.detail["rows"] == 3 and log.detail["masked"] is True

    page = client.get(reverse("imports:export_detail", args=[job.pk]))
    assert "下载 Excel" in page.content.decode() and "共 3 行" in page.content.decode()
    assert f"/people/persons/?node={town.east.pk}" in page.content.decode()
    download = client.get(reverse("imports:export_download", args=[job.pk]))
    assert download.status_code == 200 and "filename*=UTF-8''" in download["Content-Disposition"]
    assert b"".join(download.streaming_content)[:2] == b"PK"
    listing = client.get(reverse("imports:exports")).content.decode()
    assert reverse("imports:export_download", args=[job.pk]) in listing


def test_a_short_list_still_downloads_at_once(client, town, erin, ledger):
    client.force_login(erin)
    response = client.get(reverse("imports:export", args=["persons"]), {"node": town.east.pk, "q": "zs"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert not ExportJob.objects.exists()


def test_the_worker_applies_the_list_filters_again(town, alice, ledger):
    job = export_job_create(actor=alice, kind="persons", params={"q": "张", "node": str(town.a1.pk)})
    export_job_run(job)
    assert job.status == ExportJob.Status.DONE
    assert sorted(r[0] for r in rows_of(Path(job.stored_path))[1:]) == ["张三", "张四"]
    assert rows_of(Path(job.stored_path))[1][4] in {idno(1980, 1), idno(1980, 2)}  # alice may reveal
    assert not job.masked


def test_only_the_creator_sees_and_downloads_a_job(client, town, alice, erin, ledger):
    job = export_job_create(actor=alice, kind="households", params={})
    export_job_run(job)
    client.force_login(erin)
    for name in ("imports:export_detail", "imports:export_progress", "imports:export_download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert reverse("imports:export_detail", args=[job.pk]) not in client.get(reverse("imports:exports")).content.decode()


def test_rights_and_jurisdiction_are_checked_when_asked_and_when_made(town, alice, charlie, dave, ledger):
    with pytest.raises(PermissionDenied):
        export_job_create(actor=charlie, kind="persons", params={})
    with pytest.raises(NotFound):
        export_job_create(actor=dave, kind="persons", params={"node": str(town.east.pk)})
    job = export_job_create(actor=alice, kind="persons", params={"node": str(town.a1.pk)})
    role_permissions_set(  # the role changed before the worker ran
        actor=None, role=alice.role, permissions=set(scope_for(alice).perms) - {"imports.export"}
    )
    export_job_task(job.pk)  # the worker loads the job and its creator afresh
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.message == "您的角色不能导出数据"
    assert not job.stored_path and not AuditLog.objects.filter(action=AuditLog.Action.EXPORT).exists()


def test_files_expire_and_their_jobs_say_so(client, town, alice, ledger, settings):
    job = export_job_create(actor=alice, kind="persons", params={})
    export_job_run(job)
    path = Path(job.stored_path)
    assert path.is_file()
    assert export_files_expire(now=timezone.now() + dt.timedelta(hours=settings.EXPORT_KEEP_HOURS - 1)) == 0
    assert export_files_expire(now=timezone.now() + dt.timedelta(hours=settings.EXPORT_KEEP_HOURS + 1)) == 1
    job.refresh_from_db()
    assert not path.exists() and job.status == ExportJob.Status.EXPIRED
    with pytest.raises(NotFound, match="过期"):
        export_job_file(job)
    client.force_login(alice)
    response = client.get(reverse("imports:export_download", args=[job.pk]), follow=True)
    assert "文件已过期" in response.content.decode()


def test_progress_fragment_polls_until_done(client, town, alice, ledger):
    job = export_job_create(actor=alice, kind="organizations", params={})
    client.force_login(alice)
    fragment = client.get(reverse("imports:export_progress", args=[job.pk])).content.decode()
    assert "hx-trigger" in fragment and "等待后台处理" in fragment
    export_job_run(job)
    fragment = client.get(reverse("imports:export_progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in fragment and "export-download" in fragment
