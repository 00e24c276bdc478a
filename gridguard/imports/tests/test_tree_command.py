"""import_tree on an empty install creates the top node it is told to use (issue 9, B9)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from gridguard.accounts.models import AuditLog
from gridguard.grids.models import GridNode


def tree_of() -> dict[str, str]:
    return {"/".join([a.name for a in GridNode.objects.get_ancestors(n)] + [n.name]): n.level.code
            for n in GridNode.objects.all()}


@pytest.fixture
def village_file(csv_file):
    return csv_file([["社区/村", "网格", "楼栋"], ["东城社区", "东城第一网格", "1号楼"], ["西城社区", "西城第一网格", ""]],
                    name="tree.csv")


def test_root_and_root_level_create_the_top_node_on_an_empty_install(db, village_file, capsys):
    assert not GridNode.objects.exists()
    call_command("import_tree", str(village_file), "--root", "城关镇", "--root-level", "street")
    out = capsys.readouterr().out
    assert "已建立顶级节点“城关镇”" in out and "新建 5 个节点" in out
    assert tree_of() == {
        "城关镇": "street", "城关镇/东城社区": "community", "城关镇/东城社区/东城第一网格": "grid",
        "城关镇/东城社区/东城第一网格/1号楼": "building", "城关镇/西城社区": "community",
        "城关镇/西城社区/西城第一网格": "grid",
    }
    assert AuditLog.objects.filter(action=AuditLog.Action.TREE, object_repr__contains="城关镇").exists()
    # run again: the top node is found by its name, nothing is created twice
    call_command("import_tree", str(village_file), "--root", "城关镇", "--root-level", "street")
    assert "新建 0 个节点" in capsys.readouterr().out and GridNode.objects.count() == 6


def test_the_level_can_be_named_in_chinese(db, village_file):
    call_command("import_tree", str(village_file), "--root", "城关镇", "--root-level", "镇")
    assert GridNode.objects.get(depth=1).level.code == "street"


def test_the_first_column_gives_the_top_node(db, csv_file, capsys):
    path = csv_file([["镇", "社区/村", "网格"], ["城关镇", "东城社区", "东城第一网格"], ["城关镇", "西城社区", ""]])
    call_command("import_tree", str(path))
    assert "已建立顶级节点“城关镇”（街道/镇）" in capsys.readouterr().out
    assert tree_of()["城关镇/东城社区/东城第一网格"] == "grid" and GridNode.objects.filter(depth=1).count() == 1
    call_command("import_tree", str(path))  # now the single top node is the default
    assert GridNode.objects.count() == 4


def test_a_first_column_of_one_community_makes_it_the_top_node(db, csv_file):
    path = csv_file([["社区/村", "网格"], ["东城社区", "东城第一网格"], ["东城社区", "东城第二网格"]])
    call_command("import_tree", str(path))
    assert tree_of() == {"东城社区": "community", "东城社区/东城第一网格": "grid", "东城社区/东城第二网格": "grid"}


def test_clear_messages_when_the_top_node_cannot_be_known(db, village_file, csv_file):
    with pytest.raises(CommandError, match=r"--root.*--root-level") as caught:
        call_command("import_tree", str(village_file))  # 东城社区 and 西城社区: no single top
    assert "东城社区" in str(caught.value) and "西城社区" in str(caught.value)
    with pytest.raises(CommandError, match="--root-level") as caught:
        call_command("import_tree", str(village_file), "--root", "城关镇")
    assert "street" in str(caught.value) and "街道/镇" in str(caught.value)
    with pytest.raises(CommandError, match="没有“乡长”这一层级") as caught:
        call_command("import_tree", str(village_file), "--root", "城关镇", "--root-level", "乡长")
    assert "street" in str(caught.value)
    assert not GridNode.objects.exists()


def test_a_refused_file_keeps_the_top_node_and_says_so(db, csv_file, capsys):
    bad = csv_file([["社区/村", "网格"], ["东城社区", "东城第一网格"], ["东城社区", "x" * 81]], name="bad.csv")
    with pytest.raises(CommandError):
        call_command("import_tree", str(bad), "--root", "城关镇", "--root-level", "street")
    assert "已建立顶级节点“城关镇”" in capsys.readouterr().out
    assert list(GridNode.objects.values_list("name", flat=True)) == ["城关镇"]


def test_on_an_install_with_nodes_the_root_must_exist(town, village_file):
    with pytest.raises(CommandError, match="没有名为“北城镇”的网格节点"):
        call_command("import_tree", str(village_file), "--root", "北城镇", "--root-level", "street")
    assert not GridNode.objects.filter(name="北城镇").exists()


def test_other_imports_on_an_empty_install_say_to_import_the_tree_first(db, csv_file):
    path = csv_file([["姓名", "身份证号"], ["张三", "110101198001010011"]])
    with pytest.raises(CommandError, match="import_tree"):
        call_command("import_people", str(path))
