"""An official imports a village spreadsheet in headless Chromium and reads the report."""

import pytest

from conftest import SCREENSHOTS, browser_login, idno
from gridguard.imports.tests.conftest import write_csv
from gridguard.people.models import Person

# serialized_rollback: the flush after a transactional test would also drop the seeded roles, levels and tags.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_official_uploads_a_file_sees_the_report_then_imports_good_rows(
    live_server, desktop, town, alice, tmp_path
):
    path = write_csv(
        tmp_path / "东城村民.csv",
        [
            ["网格", "楼栋", "房号", "姓名", "身份证号", "联系电话", "与户主关系"],
            ["东城第一网格", "1号楼", "501", "赵六", idno(1970, 5), "+86 138-0000-1111", "户主"],
            ["东城第一网格", "1号楼", "501", "钱七", "110105194912310021", "", "配偶"],
        ],
    )
    browser_login(desktop, live_server.url, "alice", "alice-pass-123")
    desktop.goto(f"{live_server.url}/imports/")
    desktop.set_input_files("input[type=file]", str(path))
    desktop.click("button[type=submit]")
    desktop.wait_for_url(f"{live_server.url}/imports/*/")
    desktop.wait_for_selector("text=有错误，未导入")
    report = desktop.inner_text("main")
    assert "身份证号" in report and "校验位错误" in report
    assert not Person.objects.filter(name="赵六").exists()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desktop.screenshot(path=str(SCREENSHOTS / "import-report.png"), full_page=True)

    desktop.goto(f"{live_server.url}/imports/")
    desktop.set_input_files("input[type=file]", str(path))
    desktop.check("input[name=good_rows_only]")
    desktop.click("button[type=submit]")
    desktop.wait_for_selector("text=已完成")
    person = Person.objects.get(name="赵六")
    assert person.phone == "13800001111" and person.household.head_id == person.pk


def test_a_job_whose_worker_died_says_why_on_phone_and_desktop(live_server, phone, desktop, town, alice, settings):
    """Issue 9, A4: the sweep's reason on the job page; the upload page lists the registered kinds."""
    import datetime as dt

    from django.utils import timezone

    from gridguard.imports.models import ImportJob
    from gridguard.imports.services.sweep import jobs_sweep

    job = ImportJob.objects.create(kind="people", filename="东城村民.xlsx", root=town.east, created_by=alice,
                                   status="running", total_rows=12000, processed_rows=5000)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    jobs_sweep()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for page, size in ((phone, "phone"), (desktop, "desktop")):
        browser_login(page, live_server.url, "alice", "alice-pass-123")
        page.goto(f"{live_server.url}/imports/{job.pk}/")
        text = page.inner_text("main")
        assert "处理失败" in text and "30 分钟没有进展" in text and "重新上传" in text
        page.screenshot(path=str(SCREENSHOTS / f"import-swept-{size}.png"), full_page=True)
        page.goto(f"{live_server.url}/imports/")
        listing = page.inner_text("main")
        assert "协查名单（重点人员）" in listing and "处理失败" in listing
        page.screenshot(path=str(SCREENSHOTS / f"imports-list-{size}.png"), full_page=True)
