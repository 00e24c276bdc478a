"""What the import commands share: --root, --user, running the kind's service, printing the report.
An app's command for its own kind (``import_control_list`` in control) is a subclass naming the kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridguard.accounts.models import User
from gridguard.core.errors import ApplicationError
from gridguard.grids.models import GridNode
from gridguard.imports.kinds import kind_get
from gridguard.imports.models import ImportJob
from gridguard.imports.services.common import ImportResult


def find_root(value: str | None) -> GridNode:
    """A node by id or name (or the full path of names, "城关镇/东城社区"); the single top node by default."""
    active = GridNode.objects.filter(is_active=True)
    if not GridNode.objects.exists():
        raise CommandError(
            "系统中还没有任何网格节点：请先导入网格结构，例如 python manage.py import_tree 网格.xlsx "
            "--root 城关镇 --root-level street（或让文件第一列只写顶级节点的名称）"
        )
    if not value:
        roots = list(active.filter(depth=1)[:2])
        if len(roots) != 1:
            raise CommandError("有多个（或没有）顶级网格节点，请用 --root 指定导入到哪个节点（编号或名称）")
        return roots[0]
    if value.isdigit():
        node = active.filter(pk=int(value)).first()
        if node is None:
            raise CommandError(f"没有编号为 {value} 的网格节点")
        return node
    names = [part.strip() for part in value.replace("／", "/").split("/") if part.strip()]
    matches = [n for n in active.filter(name=names[-1]) if _path_names(n)[-len(names):] == names]
    if not matches:
        raise CommandError(f"没有名为“{value}”的网格节点")
    if len(matches) > 1:
        listed = "；".join(f"{n.pk}: {'/'.join(_path_names(n))}" for n in matches)
        raise CommandError(f"有多个名为“{value}”的节点，请用编号或完整路径指定：{listed}")
    return matches[0]


def _path_names(node: GridNode) -> list[str]:
    return [a.name for a in GridNode.objects.get_ancestors(node)] + [node.name]


def find_user(username: str | None) -> User | None:
    """The acting user; None (the system) when no --user is given."""
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"没有用户名为“{username}”的有效账号")
    return user


class ImportCommand(BaseCommand):
    kind: str = ""
    good_rows_option = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=".xlsx 或 .csv 文件")
        parser.add_argument("--root", help="导入到的网格节点（编号或名称）；只有一个顶级节点时可省略")
        parser.add_argument("--user", help="以该账号的身份和权限导入（默认：系统）")
        if self.good_rows_option:
            parser.add_argument("--good-rows-only", action="store_true", help="跳过有错误的行，导入其余各行")

    def run_service(self, **kwargs: Any) -> ImportResult:
        return kind_get(self.kind).run(**kwargs)

    def find_root(self, path: Path, actor: User | None, options: dict[str, Any]) -> GridNode:
        return find_root(options.get("root"))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        actor = find_user(options.get("user"))
        root = self.find_root(path, actor, options)
        good_rows_only = bool(options.get("good_rows_only"))
        job = ImportJob.objects.create(
            kind=self.kind, filename=path.name, stored_path=str(path.resolve()), good_rows_only=good_rows_only,
            root=root, created_by=actor,
        )
        try:
            result = self.run_service(actor=actor, root=root, path=path, good_rows_only=good_rows_only, job=job)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"提示：{warning}"))
        if result.errors:
            self.stdout.write("行号\t列\t问题")
            for err in result.errors:
                value = f"（值：{err.value}）" if err.value and err.value not in err.message else ""
                self.stdout.write(f"{err.row or '-'}\t{err.column or '-'}\t{err.message}{value}")
        if result.refused:
            if self.good_rows_option and result.error_rows and result.valid_rows:
                self.stderr.write("命令行中要跳过有错误的行、导入其余各行，请加参数 --good-rows-only")
            raise CommandError(result.message or "文件未导入")
        self.stdout.write(self.style.SUCCESS(result.message))
