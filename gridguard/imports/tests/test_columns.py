"""Column headers: the common spellings of every address column map by one rule (issue 9, B10)."""

from __future__ import annotations

import pytest

from conftest import idno
from gridguard.core.normalize import clean_text
from gridguard.imports.columns import ORGANIZATION_SPEC, PEOPLE_SPEC, map_headers
from gridguard.imports.services import people_import_file
from gridguard.people.models import Person

VARIANTS = {
    "community": ["社区/村", "村/社区", "社区（村）", "村(社区)", "社区／村", "社区 / 村", "所属社区", "社区名称",
                  "村名", "所属村", "行政村", "村委会"],
    "grid": ["网格", "所属网格", "网格名称", "所在网格", "网格 名称"],
    "micro_grid": ["微网格", "微网格名称", "所属微网格"],
    "compound": ["小区/自然村", "自然村/小区", "自然村／小区", "小区 ／ 自然村", "小区名称", "自然村名称",
                 "小区（自然村）", "自然村(小区)", "所属小区", "小区", "自然村", "小区/自然村名称"],
    "building": ["楼栋", "楼栋号", "楼号", "栋号", "栋", "楼", "幢", "所属楼栋", "楼栋名称"],
    "unit": ["单元", "单元号", "单元名称"],
    "room": ["房号", "门牌号", "房号/门牌号", "门牌号/房号", "房间号", "室号", "户号", "门牌", "房号（门牌号）"],
}


@pytest.mark.parametrize(("key", "header"), [(k, h) for k, hs in VARIANTS.items() for h in hs])
def test_every_common_spelling_of_an_address_column_maps(key, header):
    cmap = map_headers(["姓名", header], PEOPLE_SPEC)
    assert cmap.index.get(key) == 1, (header, cmap.index, cmap.unknown)


@pytest.mark.parametrize("header", ["社区/小区", "楼栋/单元", "网格编号", "小区地址", "房东", "户主", "与户主关系"])
def test_a_header_naming_two_columns_or_another_thing_is_not_an_address(header):
    cmap = map_headers([header], PEOPLE_SPEC)
    assert not any(cmap.has(k) for k in VARIANTS), (header, cmap.index)


def test_the_rule_only_maps_columns_the_ledger_has():
    cmap = map_headers(["单位名称", "楼栋号", "房号"], ORGANIZATION_SPEC)
    assert cmap.has("building") and not cmap.has("room") and cmap.unknown == ["房号"]


@pytest.mark.parametrize("header", ["自然村/小区", "小区名称", "自然村／小区"])
def test_an_unknown_compound_is_reported_whatever_the_header(town, alice, csv_file, header):
    path = csv_file([
        ["姓名", "身份证号", "与户主关系", "社区/村", "网格", header, "楼栋号", "房号/门牌号"],
        ["张三", idno(1980, 1), "户主", "东城社区", "东城第一网格", "不存在小区", "1号楼", "301"],
    ])
    result = people_import_file(actor=alice, root=town.east, path=path)
    assert result.status == "refused" and not result.warnings
    (err,) = result.errors
    assert err.column == clean_text(header) and "不存在小区" in err.message and "不存在" in err.message
    assert Person.objects.count() == 0
