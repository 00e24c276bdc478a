from __future__ import annotations

from gridguard.imports.services import organizations_import_file
from gridguard.people.models import Organization
from gridguard.people.services import organization_create

HEAD = ["单位名称", "类型", "统一社会信用代码", "负责人", "联系电话", "从业人数", "重点场所", "社区/村", "网格"]


def test_organizations_import(town, alice, xlsx_file):
    path = xlsx_file([
        HEAD,
        ["东城便民超市", "超市", "91110101MA0000001X", "李四", "139 0013 9000", 12, "是", "东城社区", "东城第一网格"],
        ["东城卫生室", "卫生室", "", "王五", "", "", "否", "东城社区", ""],
    ], name="orgs.xlsx")
    result = organizations_import_file(actor=alice, root=town.east, path=path)
    assert result.status == "done", result.errors
    shop = Organization.objects.get(name="东城便民超市")
    assert shop.kind == "supermarket" and shop.node_id == town.a1.pk and shop.employees == 12
    assert shop.is_key_place and shop.contact_phone == "13900139000" and shop.created_by == alice
    assert Organization.objects.get(name="东城卫生室").node_id == town.east.pk


def test_organizations_bad_rows(town, alice, csv_file):
    organization_create(actor=alice, node=town.a1, data={"name": "老店", "kind": "shop"})
    path = csv_file([
        ["名称", "单位类型", "信用代码", "电话", "网格"],
        ["甲", "飞船", "", "", "东城第一网格"],
        ["乙", "企业", "91110101MA0000001X", "", "东城第一网格"],
        ["丙", "企业", "91110101MA0000001X", "", "东城第一网格"],
        ["老店", "商户", "", "", "东城第一网格"],
        ["丁", "商户", "", "123", "东城第一网格"],
    ], name="orgs.csv")
    result = organizations_import_file(actor=alice, root=town.east, path=path)
    assert result.status == "refused"
    got = {(e.row, e.column): e.message for e in result.errors}
    assert "未知的单位类型" in got[(2, "单位类型")]
    assert "与第 3 行重复" in got[(4, "信用代码")]
    assert "已在台账中" in got[(5, "名称")]
    assert "格式不正确" in got[(6, "电话")]
    assert Organization.objects.count() == 1
