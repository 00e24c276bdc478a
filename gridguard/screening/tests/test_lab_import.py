import pytest
from django.urls import reverse

from gridguard.core.xlsx import Book
from gridguard.imports.models import ImportJob
from gridguard.screening.lab_import import results_import_file
from gridguard.screening.models import Recall, Result, Tube
from gridguard.screening.tests.conftest import at
from gridguard.screening.tests.lab_support import fill, make_lab

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(town):
    return make_lab(town)

CN = ("管码", "结果", "检测时间", "检测机构")
EN = ("tube_code", "result", "tested_at", "lab")


def csv_file(path, rows, headers=CN):
    path.write_text("\n".join(",".join(r) for r in [headers, *rows]) + "\n", encoding="utf-8")
    return path


def xlsx_file(path, rows, headers=CN):
    book = Book()
    sheet = book.sheet("结果")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(str(path))
    return path


@pytest.fixture
def tubes(sampler, rnd, point, residents):
    fill(sampler, rnd, point, "P0000001", residents.east[:10])
    fill(sampler, rnd, point, "P0000002", residents.east[10:12])
    return rnd


def test_a_chinese_csv_applies_and_recalls_the_positive_pool(tmp_path, town, tubes, lab, residents):
    path = csv_file(tmp_path / "结果.csv", [("P0000001", "阳性", "2026-12-01 14:00", "一院"),
                                          ("p0000002", "阴性", "2026/12/01 14:05", "一院")])
    result = results_import_file(actor=lab, root=town.town, path=path, now=at(15))
    assert result.status == "done", result.report_lines()
    assert result.imported_rows == 2 and result.summary["recalls"] == 10
    assert Tube.objects.get(code="P0000002").result == Result.NEGATIVE
    assert Recall.objects.count() == 10


def test_an_english_xlsx_with_datetimes_applies(tmp_path, town, tubes, lab):
    import datetime as dt

    cell = dt.datetime(2026, 12, 1, 14, 0)  # noqa: DTZ001 - a spreadsheet's cell has no zone
    path = xlsx_file(tmp_path / "r.xlsx", [("P0000001", "negative", cell, "Lab 1")], headers=EN)
    result = results_import_file(actor=lab, root=town.town, path=path, now=at(15))
    assert result.status == "done", result.report_lines()
    tube = Tube.objects.get(code="P0000001")
    assert (tube.result, tube.tested_at, tube.lab) == (Result.NEGATIVE, at(14), "Lab 1")


def test_every_bad_row_is_in_the_report_and_the_file_is_refused(tmp_path, town, tubes, lab, sampler, rnd, point):
    from gridguard.screening.tests.lab_support import apply

    apply(lab, rnd, [("P0000002", Result.NEGATIVE)])
    path = xlsx_file(tmp_path / "bad.xlsx", [
        ("P0000001", "阴性", "2026-12-01 14:00", "一院"),
        ("NOSUCH01", "阴性", "2026-12-01 14:00", "一院"),  # unknown tube
        ("P0000002", "阳性", "2026-12-01 14:00", "一院"),  # a second, different result
        ("P0000001", "可疑", "2026-12-01 14:00", "一院"),  # bad result
        ("P0000001", "阴性", "明天", "一院"),  # bad time
        ("=HYPERLINK(\"http://x\")", "阴性", "2026-12-01 14:00", "一院"),  # a formula-looking cell
        ("P0000001", "阴性", "2026-12-01 14:00", "@SUM(A1)"),  # a formula-looking lab name
    ])
    result = results_import_file(actor=lab, root=town.town, path=path, now=at(15))
    assert result.status == "refused"
    found = sorted((e.row, e.code) for e in result.errors)
    assert found == [(3, "tube_unknown"), (4, "result_conflict"), (5, "result_bad"), (6, "tested_at_bad"),
                     (7, "formula"), (8, "formula")]
    assert "管码" in {e.column for e in result.errors}
    assert Tube.objects.get(code="P0000001").result == ""  # refused whole

    result = results_import_file(actor=lab, root=town.town, path=path, good_rows_only=True, now=at(15))
    assert result.status == "done" and result.imported_rows == 1 and result.error_rows == 6
    assert Tube.objects.get(code="P0000001").result == Result.NEGATIVE


def test_a_file_of_another_round_reports_each_tube(tmp_path, town, tubes, lab, street_official, point):
    from gridguard.screening.services import rounds

    newer = rounds.round_create(actor=street_official, node=town.town, name="第二轮", starts_on=tubes.starts_on,
                                ends_on=tubes.ends_on)
    rounds.round_open(actor=street_official, rnd=newer, now=at(7))
    path = csv_file(tmp_path / "r.csv", [("P0000001", "阴性", "2026-12-01 14:00", "一院")])
    result = results_import_file(actor=lab, root=town.town, path=path, now=at(15))
    assert [e.code for e in result.errors] == ["tube_other_round"]


def test_a_file_applies_set_based(tmp_path, town, lab, sampler, rnd, point, residents, django_assert_max_num_queries):
    from gridguard.screening.services.scans import scans_submit
    from gridguard.screening.tests.conftest import code, item

    # 1,200 tubes (two chunks) of one person each would need 1,200 persons: reuse the residents as
    # a pool per tube is impossible (one sample per round), so most tubes are empty closed ones.
    scans_submit(actor=sampler, rnd=rnd, point=point, items=[item("P0000001", code(residents.east[0]))], now=at(10))
    from gridguard.screening.models import Tube as T

    T.objects.filter(code="P0000001").update(status="closed", closed_at=at(10))
    base = T.objects.get(code="P0000001")
    T.objects.bulk_create([
        T(round=rnd, point=point, node_path=base.node_path, code=f"B{n:07d}", mode="pool10", capacity=10, used=0,
          status="closed", opened_at=at(9), closed_at=at(10))
        for n in range(1200)
    ])
    rows = [(f"B{n:07d}", "阴性" if n % 100 else "阳性", "2026-12-01 14:00", "一院") for n in range(1200)]
    path = csv_file(tmp_path / "big.csv", [("P0000001", "阴性", "2026-12-01 14:00", "一院"), *rows])
    with django_assert_max_num_queries(80):
        result = results_import_file(actor=lab, root=town.town, path=path, now=at(15))
    assert result.status == "done", result.report_lines()[:5]
    assert result.imported_rows == 1201 and result.summary["positives"] == 12


def test_a_lab_uploads_on_the_import_page_and_only_sees_its_kind(
    client, tmp_path, town, tubes, lab, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(lab)
    page = client.get(reverse("imports:list") + "?kind=screening_results").content.decode()
    assert '<option value="screening_results" selected>' in page
    assert 'value="people"' not in page  # a lab imports its results, not the ledgers
    # the page runs at the real time: a result tested before it
    path = csv_file(tmp_path / "r.csv", [("P0000001", "阴性", "2026-11-30 20:00", "一院")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:list"), {
            "kind": "screening_results", "root": town.town.pk,
            "file": SimpleUploadedFile("结果.csv", path.read_bytes()),
        })
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "done", job.errors
    assert "录入结果 1 管" in client.get(response.url).content.decode()


def test_a_grid_worker_cannot_import_results(tmp_path, town, tubes, charlie):
    from gridguard.core.errors import PermissionDenied

    path = csv_file(tmp_path / "r.csv", [("P0000001", "阴性", "2026-12-01 14:00", "一院")])
    with pytest.raises(PermissionDenied):
        results_import_file(actor=charlie, root=town.b1, path=path, now=at(15))
