from __future__ import annotations

import pytest

from gridguard.core.errors import PermissionDenied
from gridguard.grids.models import GridNode
from gridguard.imports.services import tree_import_file

HEAD = ["社区/村", "网格", "微网格", "小区/自然村", "楼栋", "单元"]


def names(root):
    return {"/".join([a.name for a in GridNode.objects.get_ancestors(n)][1:] + [n.name]): n.level.code
            for n in GridNode.objects.filter(path__startswith=root.path).exclude(pk=root.pk)}


def test_tree_import_creates_missing_nodes_with_levels_and_is_idempotent(town, admin_user, xlsx_file):
    path = xlsx_file([
        HEAD,
        ["东城社区", "东城第一网格", "", "幸福小区", "1号楼", "1单元"],
        ["东城社区", "东城第一网格", "", "幸福小区", "1号楼", "2单元"],
        ["东城社区", "东城第二网格", "", "", "3", ""],
        ["南城社区", "南城第一网格", "", "", "", ""],
    ], name="tree.xlsx")
    before = GridNode.objects.count()
    result = tree_import_file(actor=admin_user, root=town.town, path=path)
    assert result.status == "done", result.errors
    tree = names(town.town)
    assert tree["东城社区/东城第一网格/幸福小区"] == "compound"
    assert tree["东城社区/东城第一网格/幸福小区/1号楼/1单元"] == "unit"
    assert tree["东城社区/东城第二网格/3"] == "building"
    assert tree["南城社区"] == "community" and tree["南城社区/南城第一网格"] == "grid"
    created = GridNode.objects.count() - before
    assert result.summary["nodes_created"] == created == 7

    again = tree_import_file(actor=admin_user, root=town.town, path=path)
    assert again.status == "done" and again.summary["nodes_created"] == 0
    assert GridNode.objects.count() == before + created


def test_existing_names_match_whatever_their_formatting(town, admin_user, csv_file):
    path = csv_file([["社区", "网格", "楼栋"], ["东城社区", "东城第一网格", "1"], [" 东城社区", "东城第一网格", "１号楼"]])
    result = tree_import_file(actor=admin_user, root=town.town, path=path)
    assert result.summary["nodes_created"] == 0  # "1" and "１号楼" are the existing 1号楼


def test_tree_rows_outside_the_root_or_out_of_order_are_reported(town, alice, csv_file):
    path = csv_file([
        ["社区/村", "网格", "楼栋"],
        ["西城社区", "西城第二网格", ""],
        ["东城社区", "东城第三网格", "8号楼"],
    ])
    result = tree_import_file(actor=alice, root=town.east, path=path)
    assert result.status == "refused"
    (err,) = result.errors
    assert err.row == 2 and err.column == "社区/村" and "不在本次导入的范围" in err.message
    assert not GridNode.objects.filter(name="东城第三网格").exists()

    result = tree_import_file(actor=alice, root=town.east, path=path, good_rows_only=True)
    assert result.status == "done" and result.summary["nodes_created"] == 2
    assert GridNode.objects.get_parent(GridNode.objects.get(name="8号楼")).name == "东城第三网格"


def test_tree_import_needs_tree_rights(town, bob, charlie, csv_file):
    path = csv_file([["网格"], ["东城第三网格"]])
    with pytest.raises(PermissionDenied):
        tree_import_file(actor=bob, root=town.a1, path=path)
