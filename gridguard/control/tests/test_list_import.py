"""协查名单: the lists higher levels push down become orders, with the ledger import's row report."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from conftest import idno
from gridguard.accounts.models import AuditLog
from gridguard.control.list_import import control_list_import_file
from gridguard.control.models import ControlOrder, OrderStatus, ScheduledTest
from gridguard.control.tests.conftest import local
from gridguard.core.errors import PermissionDenied
from gridguard.imports.models import ImportJob
from gridguard.people.models import Person

NOW = local(2022, 11, 20, 10)
HEADERS = [
    "序号",
    "姓名",
    "身份证号码",
    "手机号",
    "人员类别",
    "管控措施",
    "末次接触日期",
    "来源地",
    "推送单位",
    "社区/村",
    "网格",
    "楼栋",
    "房号",
]


def write(path, rows, headers=HEADERS):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["城关镇密接人员协查名单（11月20日）"])  # the title row office files have
    ws.append(headers)
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def run(actor, root, path, **kw):
    return control_list_import_file(actor=actor, root=root, path=path, now=NOW, **kw)


def test_a_list_orders_known_and_new_persons(tmp_path, town, persons, street_official, staff):
    path = write(
        tmp_path / "list.xlsx",
        [
            (
                1,
                "张三",
                idno(1980, 1),
                "13812345678",
                "密切接触者",
                "",
                "2022-11-19",
                "某市某区",
                "区疾控",
                "",
                "",
                "",
                "",
            ),
            (
                2,
                "李四",
                idno(1990, 5),
                "13900001111",
                "次密接",
                "居家隔离",
                "2022-11-18",
                "",
                "",
                "东城社区",
                "东城第一网格",
                "1号楼",
                "101",
            ),
            (3, "赵六", idno(1985, 7), "", "中风险地区来返", "", "", "", "", "西城社区", "", "", ""),
        ],
    )

    result = run(street_official, town.town, path)

    assert result.status == ImportJob.Status.DONE, result.report_lines()
    assert result.summary["orders"] == 3
    assert result.summary["new_persons"] == 2
    zs = ControlOrder.objects.get(person=persons.zs)
    assert (zs.category, zs.measure) == ("close_contact", "central")  # the category's default measure
    assert zs.start_date == dt.date(2022, 11, 19)
    assert zs.source == "区疾控"
    assert "某市某区" in zs.steps.get().note
    assert zs.team_complete  # the three-to-one team is suggested as for an order made by hand
    assert ScheduledTest.objects.filter(order=zs).exists()
    ls = Person.objects.get(name="李四")
    assert ls.household_id == persons.east.pk  # joined the household at 1号楼 101
    assert ControlOrder.objects.get(person=ls).measure == "home"
    zl = Person.objects.get(name="赵六")
    assert zl.node_id == town.west.pk and zl.household_id is None
    assert ControlOrder.objects.get(person=zl).start_date == dt.date(2022, 11, 20)  # no date: today
    assert AuditLog.objects.filter(action=AuditLog.Action.IMPORT, detail__orders=3).exists()


def test_every_bad_row_is_reported_and_nothing_is_written(tmp_path, town, persons, street_official):
    ws_idno = idno(1980, 3)  # 王五 lives in 西城
    rows = [
        (1, "张三", idno(1980, 1), "", "密接", "", "", "", "", "", "", "", ""),
        (2, "钱七", "110101199001010011", "", "密接", "", "", "", "", "", "", "", ""),  # bad checksum
        (3, "孙八", 1.10105e17, "", "密接", "", "", "", "", "", "", "", ""),  # turned into a number by Excel
        (4, "周九", idno(1991, 9), "", "外星来客", "", "", "", "", "", "", "", ""),
        (5, "吴十", idno(1992, 9), "", "密接", "", "2022-11-25", "", "", "", "", "", ""),  # future
        (6, "郑一", idno(1993, 9), "", "次密接", "", "2022-10-01", "", "", "", "", "", ""),  # period over
        (7, "王二", idno(1980, 1), "", "密接", "", "", "", "", "", "", "", ""),  # same number as row 1
        (8, "王五五", ws_idno, "", "密接", "", "", "", "", "", "", "", ""),  # the ledger says 王五
        (9, "", idno(1994, 9), "", "密接", "", "", "", "", "", "", "", ""),
        (10, "冯二", "", "", "密接", "", "", "", "", "", "", "", ""),
        (11, "陈三", idno(1995, 9), "", "密接", "", "", "", "", "南城社区", "", "", ""),
        (12, "褚四", idno(1996, 9), "", "密接", "隔离一下", "", "", "", "", "", "", ""),
    ]
    path = write(tmp_path / "bad.xlsx", rows)

    result = run(street_official, town.town, path)

    assert result.status == ImportJob.Status.REFUSED
    assert result.error_rows == 11
    by_row = {e.row: (e.column, e.message) for e in result.errors}
    assert by_row[4][0] == "身份证号码" and "校验" in by_row[4][1]
    assert by_row[5][0] == "身份证号码" and "科学计数" in by_row[5][1]
    assert by_row[6] == ("人员类别", by_row[6][1]) and "无法识别" in by_row[6][1]
    assert by_row[7][0] == "末次接触日期" and "晚于今天" in by_row[7][1]
    assert by_row[8][0] == "末次接触日期" and "已于 2022-10-07 结束" in by_row[8][1]
    assert "第 3 行重复" in by_row[9][1]
    assert by_row[10][0] == "姓名" and "王五" in by_row[10][1]
    assert by_row[11][0] == "姓名"
    assert by_row[12][0] == "身份证号码" and "请填写证件号码" in by_row[12][1]
    assert by_row[13][0] == "社区/村"
    assert by_row[14][0] == "管控措施"
    assert not ControlOrder.objects.exists()
    assert Person.objects.count() == 2

    good = run(street_official, town.town, path, good_rows_only=True)
    assert good.status == ImportJob.Status.DONE
    assert good.imported_rows == 1  # 张三
    assert ControlOrder.objects.get().person == persons.zs


def test_persons_under_control_or_elsewhere_are_reported(tmp_path, town, persons, alice, street_official):
    path = write(
        tmp_path / "l.xlsx",
        [
            (1, "张三", idno(1980, 1), "", "密接", "", "", "", "", "", "", "", ""),
            (
                2,
                "王五",
                idno(1980, 3),
                "",
                "密接",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            ),  # 西城: outside alice's community
        ],
    )
    run(
        street_official,
        town.town,
        write(
            tmp_path / "first.xlsx",
            [
                (1, "张三", idno(1980, 1), "", "次密接", "", "", "", "", "", "", "", ""),
            ],
        ),
    )

    result = run(alice, town.east, path)

    messages = {e.row: e.message for e in result.errors}
    assert "已在管控中" in messages[3]
    assert "导入范围以外" in messages[4]
    assert ControlOrder.objects.filter(status=OrderStatus.ACTIVE).count() == 1


def test_the_file_needs_the_category_and_identity_columns(tmp_path, town, street_official):
    path = write(tmp_path / "l.xlsx", [(1, "张三", idno(1980, 1))], headers=["序号", "姓名", "身份证号"])
    result = run(street_official, town.town, path)
    assert result.status == ImportJob.Status.REFUSED
    assert "人员类别" in result.message


def test_only_controllers_import_lists(tmp_path, town, levels):
    from gridguard.accounts.services import role_create, user_create

    role = role_create(actor=None, code="importer", name="导入员", permissions=["imports.import"])
    clerk = user_create(
        actor=None,
        username="clerk",
        password="clerk-pass-123",
        full_name="文员",
        role=role,
        nodes=[town.east],
    )
    path = write(tmp_path / "l.xlsx", [(1, "张三", idno(1980, 1), "", "密接")])
    with pytest.raises(PermissionDenied):
        run(clerk, town.east, path)


def test_the_command_prints_the_report_and_fails_on_a_refused_file(tmp_path, town, persons, capsys):
    bad = write(tmp_path / "bad.xlsx", [(1, "张三", "110101199001010011", "", "密接")])
    with pytest.raises(CommandError):
        call_command("import_control_list", str(bad), "--root", "城关镇")
    assert "校验" in capsys.readouterr().out
    good = write(tmp_path / "good.xlsx", [(1, "张三", idno(1980, 1), "", "密接")])
    call_command("import_control_list", str(good), "--root", "城关镇")
    assert "已下达 1 条管控措施" in capsys.readouterr().out
    assert ControlOrder.objects.get().person == persons.zs


def test_officials_upload_a_list_on_the_import_page(
    client, tmp_path, town, persons, alice, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(alice)
    page = client.get(reverse("imports:list") + "?kind=control_list").content.decode()
    assert '<option value="control_list" selected>' in page
    template = client.get(reverse("imports:template", args=["control_list"]))
    headers = [c.value for c in next(openpyxl.load_workbook(io.BytesIO(template.content)).active.rows)]
    assert {"姓名", "身份证号", "人员类别", "管控措施", "开始日期"} <= set(headers)

    data = write(tmp_path / "list.xlsx", [(1, "张三", idno(1980, 1), "", "密接")]).read_bytes()
    upload = SimpleUploadedFile("协查名单.xlsx", data)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:list"), {"kind": "control_list", "root": town.east.pk, "file": upload}
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    detail = client.get(response.url).content.decode()
    job.refresh_from_db()
    assert job.status == "done", job.errors
    assert "已下达 1 条管控措施" in detail and "下达管控 1 条" in detail
    assert ControlOrder.objects.get().person == persons.zs


def test_the_list_kind_is_offered_only_to_controllers(client, town):
    from django.urls import reverse

    from gridguard.accounts.services import role_create, user_create

    role = role_create(actor=None, code="importer", name="导入员", permissions=["imports.import"])
    clerk = user_create(
        actor=None,
        username="clerk",
        password="clerk-pass-123",
        full_name="文员",
        role=role,
        nodes=[town.east],
    )
    client.force_login(clerk)
    page = client.get(reverse("imports:list")).content.decode()
    assert "control_list" not in page
