from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from conftest import idno
from gridguard.grids.models import GridNode
from gridguard.imports.models import ImportJob
from gridguard.people.models import Organization, Person

HEAD = ["姓名", "身份证号", "社区/村", "网格", "楼栋", "房号", "与户主关系"]


def test_import_people_refuses_a_bad_file_with_the_report(town, csv_file, capsys):
    path = csv_file([HEAD, ["张三", "110101198001010011", "东城社区", "东城第一网格", "1号楼", "301", "户主"],
                     ["李四", idno(1981, 2), "东城社区", "东城第一网格", "1号楼", "302", "户主"]])
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_people", str(path), "--root", "东城社区")
    captured = capsys.readouterr()
    assert "2\t身份证号\t" in captured.out and "校验位错误" in captured.out
    assert "--good-rows-only" in captured.err
    assert Person.objects.count() == 0
    assert ImportJob.objects.get().status == "refused"


def test_import_people_good_file_and_good_rows_only(town, alice, csv_file, capsys):
    path = csv_file([
        HEAD,
        ["张三", idno(1980, 1), "东城社区", "东城第一网格", "1号楼", "301", "户主"],
        ["", idno(1981, 2), "东城社区", "东城第一网格", "1号楼", "301", "配偶"],
    ])
    call_command("import_people", str(path), "--root", str(town.east.pk), "--good-rows-only", "--user", "alice")
    out = capsys.readouterr().out
    assert "已导入 1 人" in out and "3\t姓名\t姓名不能为空" in out
    assert Person.objects.get().created_by == alice


def test_root_defaults_to_the_single_top_node(town, csv_file, capsys):
    path = csv_file([HEAD, ["张三", idno(1980, 1), "东城社区", "东城第一网格", "1号楼", "301", "户主"]])
    call_command("import_people", str(path))
    assert Person.objects.get().node_id == town.a1_b1.pk
    with pytest.raises(CommandError, match="没有名为"):
        call_command("import_people", str(path), "--root", "北城社区")
    with pytest.raises(CommandError, match="没有用户名"):
        call_command("import_people", str(path), "--user", "nobody")


def test_import_tree_and_organizations_commands(town, csv_file, capsys):
    tree = csv_file([["社区/村", "网格", "楼栋"], ["东城社区", "东城第三网格", "7号楼"]], name="tree.csv")
    call_command("import_tree", str(tree), "--root", "城关镇")
    assert GridNode.objects.filter(name="7号楼").exists()
    call_command("import_tree", str(tree), "--root", "城关镇")
    assert "新建 0 个节点" in capsys.readouterr().out

    orgs = csv_file([["单位名称", "类型", "网格"], ["东城超市", "超市", "东城第三网格"]], name="orgs.csv")
    call_command("import_organizations", str(orgs), "--root", "城关镇/东城社区")
    assert Organization.objects.get().node.name == "东城第三网格"

    bad = csv_file([["单位名称", "类型"], ["东城饭店", "飞船"]], name="bad.csv")
    with pytest.raises(CommandError):
        call_command("import_organizations", str(bad), "--root", "东城社区")
