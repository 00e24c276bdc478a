"""Every import, failed or not, is one audit record in words; an export names every filter (issue 9, E21)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from python_calamine import CalamineWorkbook

from conftest import idno
from gridguard.accounts.models import AuditLog
from gridguard.accounts.scope import scope_for
from gridguard.accounts.selectors import audit_log_list
from gridguard.core.errors import ApplicationError
from gridguard.imports import exports
from gridguard.imports.models import ImportJob
from gridguard.imports.services import organizations_import_file, people_import_file, tree_import_file
from gridguard.imports.services.jobs import import_job_create
from gridguard.imports.services.sweep import jobs_sweep
from gridguard.people.filters import FILTERS
from gridguard.people.models import Tag
from gridguard.people.services import household_create, organization_create, person_register

HEAD = ["姓名", "身份证号", "社区/村", "网格", "楼栋", "房号", "与户主关系"]
GOOD = ["张三", idno(1980, 1), "东城社区", "东城第一网格", "1号楼", "301", "户主"]
BAD = ["李四", "110105194912310021", "东城社区", "东城第一网格", "1号楼", "302", "户主"]


def imports_logged():
    return list(AuditLog.objects.filter(action=AuditLog.Action.IMPORT).order_by("id"))


def job_for(town, user, path, **kw):
    return ImportJob.objects.create(kind=kw.pop("kind", "people"), filename=path.name, stored_path=str(path),
                                    root=town.east, created_by=user, **kw)


def read_by(alice, log):
    entry = next(e for e in audit_log_list(scope=scope_for(alice), action="import") if e.pk == log.pk)
    return entry.detail_text


def test_a_successful_import_is_one_record_with_file_kind_and_counts(town, alice, csv_file):
    path = csv_file([HEAD, GOOD], name="村民.csv")
    job = job_for(town, alice, path)
    people_import_file(actor=alice, root=town.east, path=path, job=job)
    (log,) = imports_logged()
    assert log.actor == alice and log.object_id == str(job.pk) and log.node_path == town.east.path
    assert "村民.csv" in log.object_repr and "户与人员" in log.object_repr
    d = log.detail
    assert d["outcome"] == "导入成功" and d["kind"] == "户与人员" and d["file"] == "村民.csv"
    assert d["rows"] == 1 and d["imported"] == 1 and d["error_rows"] == 0 and d["persons"] == 1
    text = read_by(alice, log)
    assert "结果：导入成功" in text and "文件：村民.csv" in text and "行数：1" in text and "已导入：1" in text


def test_a_refused_file_is_one_record_with_its_reason(town, alice, csv_file):
    path = csv_file([HEAD, GOOD, BAD], name="有错.csv")
    result = people_import_file(actor=alice, root=town.east, path=path, job=job_for(town, alice, path))
    assert result.status == "refused"
    (log,) = imports_logged()
    d = log.detail
    assert d["outcome"] == "文件被拒绝" and d["rows"] == 2 and d["error_rows"] == 1 and d["imported"] == 0
    assert d["reason"] == result.message
    assert "结果：文件被拒绝" in read_by(alice, log) and "错误行数：1" in read_by(alice, log)


def test_an_unreadable_file_is_recorded_too(town, alice, tmp_path):
    path = tmp_path / "坏.xlsx"
    path.write_bytes(b"not a zip")
    people_import_file(actor=alice, root=town.east, path=path, job=job_for(town, alice, path))
    (log,) = imports_logged()
    assert log.detail["outcome"] == "文件被拒绝" and "无法读取" in log.detail["reason"]


def test_good_rows_only_says_what_was_skipped(town, alice, csv_file):
    path = csv_file([HEAD, GOOD, BAD])
    people_import_file(actor=alice, root=town.east, path=path, good_rows_only=True, job=job_for(town, alice, path))
    (log,) = imports_logged()
    d = log.detail
    assert d["outcome"] == "仅导入正确行" and d["good_rows_only"] is True
    assert d["rows"] == 2 and d["imported"] == 1 and d["error_rows"] == 1
    assert "仅导入正确行：是" in read_by(alice, log)


def test_a_failed_job_is_recorded_with_its_reason(town, alice, csv_file, monkeypatch):
    from gridguard.imports.services import people as people_service

    def broken(*args, **kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(people_service, "_finish_households", broken)
    monkeypatch.setattr(people_service, "_insert_collected", broken)
    path = csv_file([HEAD, GOOD])
    job = job_for(town, alice, path)
    with pytest.raises(RuntimeError):
        people_import_file(actor=alice, root=town.east, path=path, job=job)
    (log,) = imports_logged()
    assert log.detail["outcome"] == "处理失败" and "磁盘已满" in log.detail["reason"]
    job.refresh_from_db()
    assert job.status == "failed"


def test_an_import_without_the_right_is_recorded(town, erin, csv_file):
    path = csv_file([["网格"], ["东城第三网格"]])
    with pytest.raises(ApplicationError):
        tree_import_file(actor=erin, root=town.east, path=path)  # may import, not change the tree
    (log,) = imports_logged()
    assert log.actor == erin and log.detail["outcome"] == "处理失败"
    assert log.detail["kind"] == "网格结构" and "不能调整网格结构" in log.detail["reason"]


def test_an_upload_refused_at_the_door_is_recorded(town, alice):
    upload = SimpleUploadedFile("名单.docx", b"PK\x03\x04")
    with pytest.raises(ApplicationError):
        import_job_create(actor=alice, kind="people", root=town.east, upload=upload)
    (log,) = imports_logged()
    assert log.detail["outcome"] == "文件被拒绝" and log.detail["file"] == "名单.docx"
    assert "不支持的文件类型" in log.detail["reason"] and not ImportJob.objects.exists()


def test_a_swept_job_is_recorded(town, alice, settings, tmp_path):
    settings.IMPORT_DIR = tmp_path / "imports"
    job = ImportJob.objects.create(kind="organizations", filename="单位.xlsx", root=town.east, created_by=alice,
                                   status="running")
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=2))
    jobs_sweep()
    (log,) = imports_logged()
    assert log.actor == alice and log.object_id == str(job.pk)
    assert log.detail["outcome"] == "处理失败" and log.detail["kind"] == "单位/场所" and "没有进展" in log.detail["reason"]


def test_the_other_kinds_are_recorded_the_same_way(town, alice, admin_user, csv_file):
    orgs = csv_file([["单位名称", "类型", "网格"], ["东城超市", "超市", "东城第一网格"]], name="单位.csv")
    organizations_import_file(actor=alice, root=town.east, path=orgs)
    tree = csv_file([["社区/村", "网格"], ["东城社区", "东城第三网格"]], name="结构.csv")
    tree_import_file(actor=admin_user, root=town.town, path=tree)
    first, second = imports_logged()
    assert first.detail["kind"] == "单位/场所" and first.detail["outcome"] == "导入成功" and first.detail["imported"] == 1
    assert second.detail["kind"] == "网格结构" and second.detail["file"] == "结构.csv" and second.detail["rows"] == 1


# --- exports: every filter of the lists is named ----------------------------------------------------

EVERY_FILTER = {
    "persons": {"node": "east", "q": "张", "tag": "low_income", "residency": "registered", "status": "active",
                "party": "0", "no_household": "1"},
    "households": {"node": "east", "q": "1号楼", "rental": "1", "ungridded": "1"},
    "organizations": {"node": "east", "q": "超市", "kind": "supermarket", "key_place": "0"},
}
WORDS = {
    "persons": ["范围：东城社区", "查找：张", "特殊人群：低保", "居住类型：户籍", "状态：在册", "党员：否", "无户：是"],
    "households": ["范围：东城社区", "查找：1号楼", "出租房：是", "仅未划入网格：是"],
    "organizations": ["范围：东城社区", "查找：超市", "类型：商超", "重点场所：否"],
}


@pytest.fixture
def ledger(town, alice):
    household = household_create(actor=alice, node=town.a1_b1, room="301", is_rental=True)
    person_register(actor=alice, data={"name": "张三", "id_number": idno(1980, 1), "tags": "低保"}, household=household)
    organization_create(actor=alice, node=town.a1, data={"name": "东城超市", "kind": "supermarket"})


@pytest.mark.parametrize("ledger_kind", ["persons", "households", "organizations"])
def test_an_export_names_every_filter_in_its_audit_record_and_its_sheet(town, alice, ledger, ledger_kind):
    params = dict(EVERY_FILTER[ledger_kind])
    params["node"] = str(town.east.pk)
    if "tag" in params:
        params["tag"] = str(Tag.objects.get(name="低保").bit)
    filters = FILTERS[ledger_kind](params, alice)
    out = BytesIO()
    exports.EXPORTS[ledger_kind](actor=alice, out=out, **filters)
    log = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    named = log.detail["filters"]
    assert len(named) == len(filters), (named, filters)  # every filter of the list, none left out
    text = next(e for e in audit_log_list(scope=scope_for(alice), action="export") if e.pk == log.pk).detail_text
    for words in WORDS[ledger_kind]:  # the audit log says 节点 where the sheet says 范围
        assert words.replace("：", " ").replace("范围", "节点") in text, (words, text)
    book = CalamineWorkbook.from_filelike(BytesIO(out.getvalue()))
    about = book.get_sheet_by_name("导出说明").to_python()
    lines = [f"{a}：{b}" for a, b, *_ in about]
    for words in WORDS[ledger_kind]:
        assert words in lines, (words, lines)
    assert any(line.startswith("行数：") for line in lines) and "证件号码和电话：完整显示" in lines


def test_a_list_filter_without_words_fails_this_test():
    """A filter added to people/filters.py must be given its words (imports/exports.py FILTER_WORDS)."""
    from gridguard.accounts.models import User

    for ledger_kind, parse in FILTERS.items():
        keys = set(parse({}, User(is_superuser=True)))
        assert keys <= set(exports.FILTER_WORDS), (ledger_kind, keys - set(exports.FILTER_WORDS))
