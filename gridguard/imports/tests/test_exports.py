from __future__ import annotations

from io import BytesIO

import pytest
from python_calamine import CalamineWorkbook

from conftest import idno
from gridguard.accounts.models import AuditLog
from gridguard.core.errors import NotFound, PermissionDenied
from gridguard.imports import exports
from gridguard.imports.services import people_import_file
from gridguard.people.services import household_create, organization_create, person_register


def sheet(data: bytes, index: int = 0) -> list[list]:
    return CalamineWorkbook.from_filelike(BytesIO(data)).get_sheet_by_index(index).to_python()


@pytest.fixture
def ledger(town, alice, admin_user):
    household = household_create(actor=alice, node=town.a1_b1, room="301", is_rental=True, landlord_name="房东甲",
                                 landlord_phone="13900000000")
    person_register(actor=alice, data={"name": "张三", "id_number": idno(1980, 1), "phone": "13800138000",
                                       "relation": "户主", "tags": "低保"}, household=household)
    person_register(actor=alice, data={"name": "李四", "id_number": idno(1982, 2)}, household=household)
    person_register(actor=admin_user, data={"name": "西城人", "id_number": idno(1990, 3)}, node=town.b1)
    organization_create(actor=alice, node=town.a1, data={"name": "东城超市", "kind": "supermarket",
                                                         "contact_phone": "13700000000"})
    return household


def test_export_masks_for_a_role_without_reveal_and_is_audited(town, erin, ledger):
    out = BytesIO()
    result = exports.person_export(actor=erin, out=out, node=town.east, search="", tag_bit=None)
    rows = sheet(out.getvalue())
    assert result.rows == 2 and result.masked
    assert rows[0][:6] == ["姓名", "性别", "出生日期", "证件类型", "身份证号", "联系电话"]
    zhang = next(r for r in rows if r[0] == "张三")
    number = idno(1980, 1)
    assert zhang[4] == number[:4] + "*" * 10 + number[-4:] and zhang[5] == "138****8000"
    assert zhang[8] == "低保" and "1号楼 301" in zhang[11]
    log = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert log.actor == erin and log.detail["rows"] == 2 and log.detail["masked"] is True
    assert log.node_path == town.east.path and log.detail["filters"] == {"node": town.east.pk}


def test_export_shows_full_numbers_to_a_role_that_may_reveal(town, alice, ledger):
    out = BytesIO()
    exports.person_export(actor=alice, out=out, node=None, tag_bit=3)
    rows = sheet(out.getvalue())
    assert [r[0] for r in rows[1:]] == ["张三"]
    assert rows[1][4] == idno(1980, 1) and rows[1][5] == "13800138000"


def test_export_follows_the_scope(town, alice, dave, charlie, ledger):
    out = BytesIO()
    exports.person_export(actor=alice, out=out)
    assert {r[0] for r in sheet(out.getvalue())[1:]} == {"张三", "李四"}  # not 西城人
    with pytest.raises(PermissionDenied):
        exports.person_export(actor=charlie, out=BytesIO(), node=town.b1)
    with pytest.raises(NotFound):
        exports.person_export(actor=dave, out=BytesIO(), node=town.east)
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count() == 1


def test_household_and_organization_exports(town, erin, ledger):
    out = BytesIO()
    result = exports.household_export(actor=erin, out=out, node=town.east, rental=True)
    rows = sheet(out.getvalue())
    assert result.rows == 1
    assert rows[1][0].endswith("1号楼 301") and rows[1][2] == "张三" and rows[1][4] == 2
    assert rows[1][3] == "138****8000" and rows[1][7] == "139****0000"
    out = BytesIO()
    exports.organization_export(actor=erin, out=out, kind="supermarket")
    rows = sheet(out.getvalue())
    assert rows[1][0] == "东城超市" and rows[1][1] == "商超" and rows[1][5] == "137****0000"


def test_export_streams_in_batches(town, alice, csv_file):
    rows = [["姓名", "身份证号", "楼栋", "房号"]] + [[f"人{i}", idno(1950 + i % 50, i), "1号楼", str(i)] for i in range(25)]
    people_import_file(actor=alice, root=town.east, path=csv_file(rows))
    from gridguard.accounts.scope import scope_for
    from gridguard.imports.selectors import person_export_stream

    batches = list(person_export_stream(scope=scope_for(alice), batch=10))
    assert [len(b) for b in batches] == [10, 10, 5]
    assert len({r["id"] for b in batches for r in b}) == 25


@pytest.mark.parametrize("kind", ["people", "organizations", "tree"])
def test_templates_have_headers_example_and_notes(kind):
    data = exports.template_workbook(kind)
    rows = sheet(data)
    assert len(rows) >= 2 and rows[0][0]
    notes = sheet(data, 1)
    assert notes[0][0] == "说明"


def test_people_template_imports_into_the_test_town(town, alice, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(exports.template_workbook("people"))
    result = people_import_file(actor=alice, root=town.east, path=path)
    assert result.status == "done", result.errors
    assert result.imported_rows == 1


def test_an_export_of_all_my_grids_is_read_by_the_officials_above(town, erin, alice, ledger):
    from gridguard.accounts.scope import scope_for
    from gridguard.accounts.selectors import audit_log_list

    exports.person_export(actor=erin, out=BytesIO())  # no node: everything erin may see (东城社区)
    log = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert log.node_path == town.east.path
    assert log in audit_log_list(scope=scope_for(alice), action=AuditLog.Action.EXPORT)
