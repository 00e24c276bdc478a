from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from gridguard.accounts.models import User
from gridguard.core.errors import ApplicationError
from gridguard.grids.models import GridNode
from gridguard.imports.management.base import ImportCommand, find_root
from gridguard.imports.models import ImportJob
from gridguard.imports.services.tree import level_find, levels_text, tree_root_create, tree_top_of_file


class Command(ImportCommand):
    help = (
        "导入网格结构（每行一个地址：街道/镇、社区/村、网格、微网格、小区/自然村、楼栋、单元）："
        "python manage.py import_tree FILE --root 节点。系统中还没有任何节点时，先建立顶级节点："
        "--root 名称 --root-level 层级（如 --root 城关镇 --root-level street），或由文件第一列给出（每行同一个名称）"
    )
    kind = ImportJob.Kind.TREE

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--root-level",
            help="系统中还没有任何网格节点时：要建立的顶级节点的层级（代码或名称，如 street、街道/镇、镇）",
        )

    def find_root(self, path: Path, actor: User | None, options: dict[str, Any]) -> GridNode:
        if GridNode.objects.exists():
            return find_root(options.get("root"))
        name, level_value = options.get("root"), options.get("root_level")
        try:
            if name and level_value:
                level = level_find(level_value)
            elif name:
                raise CommandError(
                    f"系统中还没有任何网格节点，要建立顶级节点“{name}”，请同时用 --root-level 指定它的层级。"
                    f"可用的层级：{levels_text()}"
                )
            else:
                name, level = tree_top_of_file(path)
            root = tree_root_create(actor=actor, name=name, level=level)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"已建立顶级节点“{root.name}”（{level.name}）。"))
        return root
