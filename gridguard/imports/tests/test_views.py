from __future__ import annotations

import csv
import io
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import idno
from gridguard.accounts.models import AuditLog
from gridguard.imports.models import ImportJob
from gridguard.people.models import Person
from gridguard.people.services import household_create, person_register


def csv_upload(rows, name="people.csv", encoding="utf-8"):
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return SimpleUploadedFile(name, buf.getvalue().encode(encoding), content_type="text/csv")


PEOPLE = [["姓名", "身份证号", "社区/村", "网格", "楼栋", "房号", "与户主关系"],
          ["张三", idno(1980, 1), "东城社区", "东城第一网格", "1号楼", "301", "户主"]]


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


def upload(client, town, rows=PEOPLE, kind="people", good_rows_only=False, name="people.csv", capture=None):
    data = {"kind": kind, "root": town.east.pk, "file": csv_upload(rows, name)}
    if good_rows_only:
        data["good_rows_only"] = "on"
    return client.post(reverse("imports:list"), data)


def test_upload_runs_the_job_and_shows_the_result(as_alice, town, django_capture_on_commit_callbacks):
    page = as_alice.get(reverse("imports:list"))
    assert page.status_code == 200 and "导入台账" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(as_alice, town)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == "done" and job.imported_rows == 1 and job.created_by.username == "alice"
    assert job.stored_path and not Path(job.stored_path).exists()  # personal data: the upload is not kept
    assert Person.objects.get().name == "张三"
    detail = as_alice.get(response.url).content.decode()
    assert "已完成" in detail and "已导入 1 人" in detail and "hx-get" not in detail
    listing = as_alice.get(reverse("imports:list")).content.decode()
    assert "people.csv" in listing


def test_progress_fragment_polls_until_finished(as_alice, town, alice):
    job = ImportJob.objects.create(kind="people", filename="x.csv", root=town.east, created_by=alice,
                                   status="running", total_rows=10_000, processed_rows=5_000)
    fragment = as_alice.get(reverse("imports:progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "已校验 5000 / 10000 行" in fragment
    assert 'data-width="50"' in fragment  # the bar's width is set by app.js (no inline style under the CSP)
    page = as_alice.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert reverse("imports:progress", args=[job.pk]) in page


def test_bad_file_shows_the_report_and_downloads_it(as_alice, town, django_capture_on_commit_callbacks):
    rows = [*PEOPLE, ["", idno(1981, 2), "东城社区", "东城第一网格", "5号楼", "302", "户主"]]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(as_alice, town, rows)
    job = ImportJob.objects.get()
    assert job.status == "refused" and Person.objects.count() == 0
    page = as_alice.get(response.url).content.decode()
    assert "有错误，未导入" in page and "姓名不能为空" in page and "楼栋“5号楼”" in page
    report = as_alice.get(reverse("imports:report", args=[job.pk]))
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = CalamineWorkbook.from_filelike(BytesIO(report.content)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["行号", "列", "值", "问题"]
    assert [r[1] for r in rows[1:]] == ["楼栋", "姓名"]  # sorted by row, then as found
    assert rows[1][0] == 3


def test_good_rows_only_from_the_form(as_alice, town, django_capture_on_commit_callbacks):
    rows = [*PEOPLE, ["", idno(1981, 2), "东城社区", "东城第一网格", "1号楼", "302", "户主"]]
    with django_capture_on_commit_callbacks(execute=True):
        upload(as_alice, town, rows, good_rows_only=True)
    job = ImportJob.objects.get()
    assert job.status == "done" and job.imported_rows == 1 and job.error_rows == 1


def test_wrong_extension_and_size_are_refused_with_a_message(as_alice, town, settings):
    response = upload(as_alice, town, name="people.txt")
    assert response.status_code == 200 and "不支持的文件类型" in response.content.decode()
    settings.IMPORT_MAX_BYTES = 10
    response = upload(as_alice, town)
    assert response.status_code == 200 and "文件太大" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_charlie_cannot_import_into_dongcheng(client, town, charlie, dave):
    client.force_login(charlie)
    assert client.get(reverse("imports:list")).status_code == 403
    client.force_login(dave)
    response = upload(client, town)
    assert response.status_code == 200 and "root" in response.context["form"].errors
    assert not ImportJob.objects.exists()


def test_jobs_are_private_to_their_creator(client, town, alice, dave):
    job = ImportJob.objects.create(kind="people", filename="x.csv", root=town.east, created_by=alice)
    client.force_login(dave)
    assert client.get(reverse("imports:detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("imports:report", args=[job.pk])).status_code == 404


def test_template_download(as_alice):
    response = as_alice.get(reverse("imports:template", args=["people"]))
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert as_alice.get(reverse("imports:template", args=["nope"])).status_code == 404


def test_export_view_uses_list_filters_masks_and_audits(client, town, alice, erin):
    household = household_create(actor=alice, node=town.a1_b1, room="301")
    person_register(actor=alice, data={"name": "张三", "id_number": idno(1980, 1), "phone": "13800138000"},
                    household=household)
    person_register(actor=alice, data={"name": "李四", "id_number": idno(1981, 2)}, node=town.a2)
    client.force_login(erin)
    response = client.get(reverse("imports:export", args=["persons"]), {"node": town.a1.pk, "q": "zs"})
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(BytesIO(b"".join(response.streaming_content))).get_sheet_by_index(0)
    rows = rows.to_python()
    assert [r[0] for r in rows[1:]] == ["张三"] and rows[1][5] == "138****8000"
    log = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert log.actor == erin and log.detail["filters"] == {"node": town.a1.pk, "search": "zs", "status": "在册"}  # in words
    for kind in ("households", "organizations"):
        assert client.get(reverse("imports:export", args=[kind]), {"node": town.east.pk}).status_code == 200


def test_charlie_cannot_export_dongcheng(client, town, charlie, dave):
    client.force_login(charlie)
    assert client.get(reverse("imports:export", args=["persons"]), {"node": town.east.pk}).status_code == 403
    client.force_login(dave)
    assert client.get(reverse("imports:export", args=["persons"]), {"node": town.east.pk}).status_code == 404
    assert client.get(reverse("imports:export", args=["people"])).status_code == 404
    assert not AuditLog.objects.filter(action=AuditLog.Action.EXPORT).exists()


def test_a_user_bound_to_a_building_may_import_into_it(client, town):
    from gridguard.accounts.models import Role
    from gridguard.accounts.services import user_create

    chief = user_create(actor=None, username="fay", password="fay-pass-123", role=Role.objects.get(code="grid_chief"),
                        nodes=[town.a1_b1])
    client.force_login(chief)
    form = client.get(reverse("imports:list")).context["form"]
    assert list(form.fields["root"].queryset) == [town.a1_b1]
