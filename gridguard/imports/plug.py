"""What import/export adds to shared places (core.plug, imports.kinds): its rights and its own
import kinds (the ledgers and the tree)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridguard.accounts.scope import Scope
from gridguard.core import plug
from gridguard.imports.exports import organizations_template, people_template, tree_template
from gridguard.imports.kinds import ImportKind, register
from gridguard.imports.models import ImportJob
from gridguard.imports.services.organizations import organizations_import_file
from gridguard.imports.services.people import people_import_file
from gridguard.imports.services.tree import tree_import_file

plug.permission("imports.import", gettext_lazy("导入"), roles=(*plug.OFFICIALS, "grid_chief"))
plug.permission("imports.export", gettext_lazy("导出"), roles=(*plug.OFFICIALS, "grid_chief"))


def _people_summary(summary: dict[str, Any]) -> str:
    if summary.get("households_created") is None:
        return ""
    # the msgid the job page had as a template tag: its English is in the catalogue
    return _("新建 %(n)s 户，加入已有 %(m)s 户") % {"n": summary["households_created"], "m": summary.get("households_joined", 0)}


def _tree_summary(summary: dict[str, Any]) -> str:
    if summary.get("nodes_created") is None:
        return ""
    return _("新建 %(n)s 个网格节点") % {"n": summary["nodes_created"]}


def _tree_refusal(scope: Scope) -> str:
    return "" if scope.has("grids.manage_tree") else _("您的角色不能调整网格结构")


register(ImportKind(
    code=ImportJob.Kind.PEOPLE, label=gettext_lazy("户与人员"), run=people_import_file, template=people_template,
    describe=_people_summary, order=10,
))
register(ImportKind(
    code=ImportJob.Kind.ORGANIZATIONS, label=gettext_lazy("单位/场所"), run=organizations_import_file,
    template=organizations_template, order=20,
))
register(ImportKind(
    code=ImportJob.Kind.TREE, label=gettext_lazy("网格结构"), run=tree_import_file, template=tree_template,
    refusal=_tree_refusal, describe=_tree_summary, order=30,
))
