"""python manage.py start_town — start an empty platform for one's own town (no demo).

Asks for what it is not given (on a terminal), or reads it from options or the environment:
  --name / GRIDGUARD_TOWN_NAME            the town's (or street's) name, e.g. 城关镇
  --level / GRIDGUARD_TOWN_LEVEL          the top node's level: street (街道/镇, default), district, community
  --level-names / GRIDGUARD_LEVEL_NAMES   how the town names its levels, e.g. "street=镇,community=村"
  --admin / GRIDGUARD_ADMIN_USERNAME      the system administrator's user name (default admin)
  GRIDGUARD_ADMIN_PASSWORD                the administrator's password (never an option: it would show
                                          in the process list and the shell history)
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridguard.core.errors import ApplicationError, each_error
from gridguard.grids.models import GridNode
from gridguard.grids.services import town_start


def _level_names(text: str) -> dict[str, str]:
    pairs = [p for p in text.replace("，", ",").split(",") if p.strip()]
    out: dict[str, str] = {}
    for pair in pairs:
        code, _sep, label = pair.partition("=")
        out[code.strip()] = label.strip()
    return out


class Command(BaseCommand):
    help = "建立自己的镇/街道（不含演示数据）：系统管理员和顶级节点；之后导入网格结构和台账"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default=os.environ.get("GRIDGUARD_TOWN_NAME", ""), help="镇/街道名称")
        parser.add_argument("--level", default=os.environ.get("GRIDGUARD_TOWN_LEVEL", ""),
                            help="顶级节点的层级（street 街道/镇，district 区，community 社区/村）")
        parser.add_argument("--level-names", default=os.environ.get("GRIDGUARD_LEVEL_NAMES", ""),
                            help="层级叫法，如 street=镇,community=村")
        parser.add_argument("--admin", default=os.environ.get("GRIDGUARD_ADMIN_USERNAME", ""),
                            help="系统管理员用户名（默认 admin）")
        parser.add_argument("--if-empty", action="store_true", help="已有网格数据时什么也不做（供 run.sh 使用）")

    def handle(self, *args: Any, **options: Any) -> None:
        if GridNode.objects.exists():
            if options["if_empty"]:
                self.stdout.write("数据库中已有网格数据，跳过建立新镇 / the tree is not empty: nothing to start")
                return
            raise CommandError("数据库中已有网格数据：不能再建立新的镇/街道")
        ask = sys.stdin.isatty()
        name = options["name"] or (ask and input("镇/街道名称 (town name): ").strip()) or ""
        level = options["level"] or (ask and input("顶级层级 [street 街道/镇]: ").strip()) or "street"
        names = options["level_names"] or (
            ask and input("层级叫法（可空，如 street=镇,community=村）: ").strip()) or ""
        admin = options["admin"] or (ask and input("管理员用户名 [admin]: ").strip()) or "admin"
        password = os.environ.get("GRIDGUARD_ADMIN_PASSWORD", "")
        if not password and ask:
            password = getpass.getpass("管理员密码 (admin password): ")
            if password != getpass.getpass("再次输入密码 (again): "):
                raise CommandError("两次输入的密码不一致 / the passwords differ")
        try:
            town, user = town_start(
                name=name, level=level, admin_username=admin, admin_password=password,
                level_names=_level_names(names),
            )
        except ApplicationError as exc:
            lines = [e.message for e in each_error(exc)]
            if not ask:
                lines.append("（非交互运行时用 --name/--level/--admin 与环境变量 GRIDGUARD_ADMIN_PASSWORD 提供）")
            raise CommandError("\n".join(lines)) from exc
        self.stdout.write(f"已建立：{town.name}（{town.level}），系统管理员 {user.username}")
        self.stdout.write(
            "下一步 / next: 导入网格结构 python manage.py import_tree 文件.xlsx --root "
            f"{town.name}，再导入人员 python manage.py import_people 文件.xlsx --root {town.name}；"
            "或登录后在“导入”页面上传（模板可在该页下载）"
        )
