from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import idno
from gridguard.accounts.models import AuditLog
from gridguard.core.errors import NotFound, PermissionDenied
from gridguard.imports.models import ImportJob
from gridguard.imports.services import people_import_file
from gridguard.people.models import Household, Person, PersonStatus, Relation
from gridguard.people.services import household_create, person_register

HEAD = ["姓名", "身份证号", "联系电话", "与户主关系", "社区/村", "网格", "楼栋", "房号"]
ADDR = ["东城社区", "东城第一网格", "1号楼"]


def row(name, number, relation="户主", room="301", phone="", addr=ADDR):
    return [name, number, phone, relation, *addr, room]


def run(actor, root, path, **kw):
    return people_import_file(actor=actor, root=root, path=path, **kw)


def messages(result):
    return [(e.row, e.column, e.message) for e in result.errors]


def test_good_file_imports_households_and_heads(town, alice, csv_file):
    path = csv_file([
        HEAD,
        row("张三", idno(1980, 1), phone="13800138000"),
        row("李四", idno(1982, 2), relation="配偶"),
        row("张小三", idno(2010, 3), relation="子女"),
        row("王五", idno(1970, 5), room="302"),
    ])
    job = ImportJob.objects.create(kind="people", filename="people.csv", root=town.east, created_by=alice)
    result = run(alice, town.east, path, job=job)

    assert result.status == "done", result.errors
    assert result.imported_rows == 4
    assert result.summary["households_created"] == 2
    h301 = Household.objects.get(room="301")
    h302 = Household.objects.get(room="302")
    assert h301.node_id == town.a1_b1.pk and h301.node_path == town.a1_b1.path
    assert h301.address == "东城社区 东城第一网格 1号楼 301"
    assert h301.head.name == "张三" and h302.head.name == "王五"
    assert set(h301.members.values_list("name", flat=True)) == {"张三", "李四", "张小三"}
    zhang = Person.objects.get(name="张三")
    assert zhang.birth_date == dt.date(1980, 1, 1) and zhang.sex == "M"
    assert zhang.relation == Relation.HEAD and zhang.status == PersonStatus.ACTIVE
    assert zhang.created_by == alice and zhang.import_job_id == job.pk and zhang.name_initials == "zs"
    job.refresh_from_db()
    assert job.status == "done" and job.imported_rows == 4 and job.total_rows == 4 and job.processed_rows == 4
    audit = AuditLog.objects.get(action=AuditLog.Action.IMPORT)
    assert audit.actor == alice and audit.detail["persons"] == 4 and audit.node_path == town.east.path


def test_formatting_is_normalised_not_reported(town, alice, csv_file):
    number = idno(1990, 7)  # ends with X? use the digits either way
    full_width = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}).replace("X", "x")
    path = csv_file([
        HEAD,
        ["  张 三 ", full_width, "+86 138-0013-8000", "户主 ", "东城社区", " 东城第一网格", "１号楼", "３０１"],
    ])
    result = run(alice, town.east, path)
    assert result.status == "done", result.errors
    person = Person.objects.get()
    assert person.name == "张三" and person.id_number == number and person.phone == "13800138000"
    assert person.household.room == "301"


@pytest.mark.parametrize(
    ("header", "cell", "column", "fragment"),
    [
        ("身份证号", "110101198001010011", "身份证号", "校验位错误"),
        ("证件号码", "1.10105E+17", "证件号码", "科学计数法"),
        ("姓名", "", "姓名", "姓名不能为空"),
        ("姓名", "=HYPERLINK(1)", "姓名", "姓名不能以"),
        ("出生日期", (timezone.localdate() + dt.timedelta(days=3)).isoformat(), "出生日期", "晚于今天"),
        ("手机号", "12345", "手机号", "格式不正确"),
        ("特殊人群", "外星人", "特殊人群", "未知的特殊人群类别"),
        ("楼栋", "5号楼", "楼栋", "不存在"),
        ("与户主关系", "邻居", "与户主关系", "未知的与户主关系"),
    ],
)
def test_each_kind_of_bad_row_is_reported_with_row_and_column(town, alice, csv_file, header, cell, column, fragment):
    headers = ["姓名", "证件号码" if header == "证件号码" else "身份证号", "手机号", "出生日期", "特殊人群",
               "与户主关系", "社区/村", "网格", "楼栋", "房号"]
    good = ["张三", idno(1980, 1), "13800138000", "", "", "户主", *ADDR, "301"]
    bad = ["李四", idno(1985, 3), "13800138001", "", "", "配偶", *ADDR, "301"]
    where = {"证件号码": 1, "身份证号": 1, "手机号": 2}.get(header, headers.index(header) if header in headers else 1)
    bad[where] = cell
    if header == "出生日期":
        bad[1] = ""  # a birth date only (no identity number to compare with)
    path = csv_file([headers, good, bad])
    result = run(alice, town.east, path)

    assert result.status == "refused"
    assert result.error_rows == 1
    (err,) = result.errors
    assert err.row == 3 and err.column == column and fragment in err.message, err
    assert Person.objects.count() == 0 and Household.objects.count() == 0


def test_nothing_imported_by_default_when_one_row_is_bad(town, alice, csv_file):
    path = csv_file([HEAD, row("张三", idno(1980, 1)), row("", idno(1981, 2), relation="配偶")])
    result = run(alice, town.east, path)
    assert result.status == "refused" and "未导入任何数据" in result.message
    assert result.imported_rows == 0 and Person.objects.count() == 0 and Household.objects.count() == 0


def test_good_rows_only_imports_the_rest(town, alice, csv_file):
    path = csv_file([
        HEAD,
        row("张三", idno(1980, 1)),
        row("", idno(1981, 2), relation="配偶"),
        row("王五", "110101198001010011", room="302"),
        row("赵六", idno(1960, 9), room="303"),
    ])
    result = run(alice, town.east, path, good_rows_only=True)
    assert result.status == "done"
    assert result.imported_rows == 2 and result.error_rows == 2
    assert set(Person.objects.values_list("name", flat=True)) == {"张三", "赵六"}
    assert Household.objects.count() == 2  # 302 had only a bad row: no empty household
    assert [e.row for e in result.errors] == [3, 4]


def test_gbk_csv(town, alice, csv_file):
    path = csv_file([HEAD, row("张三", idno(1980, 1))], encoding="gbk")
    result = run(alice, town.east, path)
    assert result.status == "done", result.errors
    assert Person.objects.get().name == "张三"


def test_xlsx_with_float_identity_number_and_numeric_cells(town, alice, xlsx_file):
    number = idno(1980, 1)
    path = xlsx_file([
        HEAD,
        ["张三", float(number), 13800138000, "户主", *ADDR, 301],
        ["李四", idno(1981, 2), 13800138001.0, "户主", "东城社区", "东城第一网格", 1, 302.0],
    ])
    result = run(alice, town.east, path)
    assert result.status == "refused"
    (err,) = result.errors
    assert err.row == 2 and err.column == "身份证号" and "科学计数法" in err.message

    result = run(alice, town.east, path, good_rows_only=True)
    assert result.imported_rows == 1
    li = Person.objects.get()
    assert li.phone == "13800138001" and li.household.room == "302" and li.node_id == town.a1_b1.pk


def test_duplicate_in_file_names_the_earlier_row(town, alice, csv_file):
    number = idno(1980, 1)
    path = csv_file([HEAD, row("张三", number), row("张三", number, relation="配偶")])
    result = run(alice, town.east, path)
    (err,) = result.errors
    assert err.row == 3 and err.column == "身份证号" and "与第 2 行重复" in err.message


def test_duplicate_in_ledger(town, alice, csv_file):
    number = idno(1980, 1)
    person_register(actor=alice, data={"name": "张三", "id_number": number}, node=town.a1)
    path = csv_file([HEAD, row("张三", number)])
    result = run(alice, town.east, path)
    (err,) = result.errors
    assert err.row == 2 and "已在台账中登记" in err.message
    assert Person.objects.count() == 1


def test_legacy_15_digit_number_is_a_duplicate_of_its_18_digit_form(town, alice, csv_file):
    from gridguard.core.identity import upgrade_legacy

    legacy = "110101800101001"
    person_register(actor=alice, data={"name": "张三", "id_number": upgrade_legacy(legacy)}, node=town.a1)
    result = run(alice, town.east, csv_file([HEAD, row("张三", legacy)]))
    assert [e.code for e in result.errors] == ["id_duplicate_ledger"]


def test_two_heads_at_one_address(town, alice, csv_file):
    path = csv_file([HEAD, row("张三", idno(1980, 1)), row("李四", idno(1981, 2))])
    result = run(alice, town.east, path)
    (err,) = result.errors
    assert err.row == 3 and err.column == "与户主关系" and "已有户主（第 2 行）" in err.message


def test_address_without_head_is_allowed(town, alice, csv_file):
    result = run(alice, town.east, csv_file([HEAD, row("张三", idno(1980, 1), relation="配偶")]))
    assert result.status == "done"
    assert Household.objects.get().head is None
    assert any("1 户没有户主" in w for w in result.warnings)


def test_persons_join_an_existing_household(town, alice, csv_file):
    household = household_create(actor=alice, node=town.a1_b1, room="301")
    person_register(actor=alice, data={"name": "老张", "id_number": idno(1950, 1), "relation": "户主"},
                    household=household)
    path = csv_file([HEAD, row("张三", idno(1980, 3), relation="子女")])
    result = run(alice, town.east, path)
    assert result.status == "done" and result.summary["households_joined"] == 1
    assert Household.objects.count() == 1
    assert household.members.count() == 2

    result = run(alice, town.east, csv_file([HEAD, row("李四", idno(1982, 4))], name="b.csv"))
    (err,) = result.errors
    assert "在台账中已有户主" in err.message


def test_file_without_name_column_is_refused(town, alice, csv_file):
    path = csv_file([["身份证号", "楼栋"], [idno(1980, 1), "1号楼"]])
    result = run(alice, town.east, path)
    assert result.status == "refused"
    assert "缺少“姓名”列" in result.message
    assert result.errors[0].row == 1


def test_unknown_columns_are_a_warning(town, alice, csv_file):
    result = run(alice, town.east, csv_file([[*HEAD, "身高"], [*row("张三", idno(1980, 1)), "175"]]))
    assert result.status == "done"
    assert any("身高" in w for w in result.warnings)


def test_aliases_title_row_and_politics(town, alice, xlsx_file):
    path = xlsx_file([
        ["东城社区人口台账"],
        ["名字", "公民身份号码", "手机号码", "户主关系", "政治面貌", "村（社区）", "所属网格", "楼号", "门牌号", "人员类别"],
        ["张三", idno(1980, 1), "13800138000", "户主", "中共党员", "东城社区", "东城第一网格", "1", "301", "低保、残疾"],
        ["李四", idno(1982, 2), "", "妻子", "群众", "东城社区", "东城第一网格", "1栋", "301", ""],
    ])
    result = run(alice, town.east, path)
    assert result.status == "done", result.errors
    zhang, li = Person.objects.order_by("name_initials").reverse()
    assert zhang.name == "张三" and zhang.is_party_member and zhang.tags == (1 << 3) | (1 << 2)
    assert li.relation == Relation.SPOUSE and not li.is_party_member
    assert zhang.household_id == li.household_id


def test_error_row_numbers_follow_the_spreadsheet(town, alice, xlsx_file):
    path = xlsx_file([["人口台账"], HEAD, row("张三", idno(1980, 1)), [], row("", idno(1981, 2), relation="配偶")])
    result = run(alice, town.east, path)
    assert [e.row for e in result.errors] == [5]


def test_rows_outside_the_root_are_refused(town, alice, csv_file):
    path = csv_file([HEAD, row("张三", idno(1980, 1), addr=["西城社区", "西城第一网格", "9号楼"])])
    result = run(alice, town.east, path)
    (err,) = result.errors
    assert err.column == "社区/村" and "不存在" in err.message


def test_charlie_cannot_import(town, charlie, dave, csv_file):
    path = csv_file([HEAD, row("张三", idno(1980, 1))])
    with pytest.raises(PermissionDenied):
        run(charlie, town.east, path)
    with pytest.raises(NotFound):  # may import, but not into 东城
        run(dave, town.east, path)
    assert Person.objects.count() == 0


def test_system_actor_and_events(town, csv_file):
    from gridguard.people.models import HouseholdEvent, PersonEvent

    result = run(None, town.town, csv_file([HEAD, row("张三", idno(1980, 1))]), with_events=True)
    assert result.status == "done"
    assert PersonEvent.objects.get().kind == "register"
    assert HouseholdEvent.objects.get().kind == "register"


def test_job_failure_is_recorded(town, alice, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip")
    job = ImportJob.objects.create(kind="people", filename="broken.xlsx", root=town.east, created_by=alice)
    result = run(alice, town.east, path, job=job)
    assert result.status == "refused" and "无法读取" in result.message
    job.refresh_from_db()
    assert job.status == "refused" and job.errors[0]["message"].startswith("无法读取")


def test_unknown_building_is_blamed_when_the_compound_name_repeats(town, alice, admin_user, levels, csv_file):
    """Two compounds share a name in the community: the missing building is still the fault."""
    from gridguard.grids.services import node_create

    for grid in (town.a1, town.a2):
        compound = node_create(actor=admin_user, parent=grid, name="建设小区", level=levels["compound"])
        node_create(actor=admin_user, parent=compound, name="1栋", level=levels["building"])
    path = csv_file([
        ["姓名", "身份证号", "与户主关系", "网格", "小区", "楼栋", "房号"],
        ["赵六", idno(1970, 5), "户主", "东城第一网格", "建设小区", "1栋", "101"],
        ["钱七", idno(1971, 7), "户主", "", "建设小区", "99栋", "101"],
    ])
    result = run(alice, town.east, path)
    assert [(e.row, e.column) for e in result.errors] == [(3, "楼栋")]
    assert "99栋" in result.errors[0].message and "不存在" in result.errors[0].message


def test_persons_without_a_number_are_told_apart_by_household_and_name(town, alice, csv_file):
    rows = [HEAD, row("张三", idno(1980, 1)), row("张小宝", "", relation="子女"), row("张小贝", "", relation="子女")]
    assert run(alice, town.east, csv_file(rows)).status == "done"
    again = [HEAD, row("张小宝", "", relation="子女"), row("张小妹", "", relation="子女"),
             row("张小妹", "", relation="子女")]
    result = run(alice, town.east, csv_file(again, name="again.csv"))
    assert result.status == "refused"
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (2, "姓名", "name_duplicate_ledger"), (4, "姓名", "name_duplicate_file")]
    assert "第 3 行" in result.errors[1].message


def test_every_wrong_cell_of_a_row_is_reported_at_once(town, alice, csv_file):
    head = ["姓名", "身份证号", "出生日期", "居住类型", "党员", "联系电话", "楼栋", "房号"]
    path = csv_file([head, ["张三", "", "2000-02-30", "本地", "是的", "12345", "1号楼", "301"]])
    result = run(alice, town.east, path)
    assert result.status == "refused" and result.error_rows == 1
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "出生日期"), (2, "联系电话"), (2, "居住类型"), (2, "党员")]


def test_a_landlord_name_that_starts_like_a_formula_is_reported(town, alice, csv_file):
    path = csv_file([[*HEAD, "房东姓名"], [*row("张三", idno(1980, 1)), "@SUM(A1)"]])
    result = run(alice, town.east, path)
    assert result.status == "refused"
    ((line, column, message),) = messages(result)
    assert line == 2 and column == "房东姓名" and "房东姓名不能以" in message
