"""python manage.py generate_demo [--persons N] [--seed S] [--no-users] [--reset]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridguard.core.errors import ApplicationError
from gridguard.demo.services import run_demo_steps
from gridguard.demo.town import (
    ADMIN_USERNAME,
    DEFAULT_PERSONS,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DemoRefused,
    generate_town,
)
from gridguard.grids.models import GridNode


class Command(BaseCommand):
    help = "生成演示数据：一个镇（城关镇）、九个社区/村、网格、住户、人员、单位场所、网格人员和演示账号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=DEFAULT_PERSONS, help=f"人数（默认 {DEFAULT_PERSONS}）")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子：同一种子生成相同的数据")
        parser.add_argument("--no-users", action="store_true", help="不建登录账号")
        parser.add_argument("--reset", action="store_true", help="先清空现有人员、网格和演示账号")
        parser.add_argument("--if-empty", action="store_true", help="数据库已有网格时什么也不做（供 run.sh 使用）")

    def handle(self, *args, persons: int, seed: int, no_users: bool, reset: bool, **options) -> None:
        if options.get("if_empty") and GridNode.objects.exists():
            self.stdout.write("数据库中已有网格数据，不再生成演示数据")
            return
        verbosity = options.get("verbosity", 1)

        def out(line: str) -> None:
            if verbosity >= 2 or (verbosity >= 1 and not line.startswith("    ")):
                self.stdout.write(line)

        out(f"生成演示数据：{persons:,} 人，种子 {seed}")
        try:
            result = generate_town(persons=persons, seed=seed, users=not no_users, reset=reset, out=out)
        except DemoRefused as exc:
            raise CommandError(exc.message) from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

        self.stdout.write(
            f"完成：{result.nodes:,} 个网格节点（{result.grids:,} 个网格，{result.buildings:,} 栋楼），"
            f"{result.households:,} 户，{result.persons:,} 人，{result.organizations:,} 个单位/场所，"
            f"{result.staff:,} 条网格人员；用时 {result.seconds:.1f} 秒"
            f"（住户与人员 {result.person_seconds:.1f} 秒，{result.persons_per_second:,.0f} 人/秒"
            + (f"，重建索引 {result.index_seconds:.1f} 秒" if result.deferred_indexes else "")
            + "）"
        )
        if not no_users:
            run_demo_steps(seed=seed, out=out)  # each capability's part (key-person control, …)
        if result.logins:
            write_logins(self.stdout.write, result.logins)
            if any(lg.created and lg.username != ADMIN_USERNAME for lg in result.logins):
                self.stdout.write(f"除 {ADMIN_USERNAME} 外，新建的演示账号密码均为：{DEMO_PASSWORD}")


def write_logins(write, logins) -> None:  # type: ignore[no-untyped-def]
    """The demo logins as an aligned table (CJK characters take two columns)."""
    write("")
    write("演示账号：")
    rows = [("用户名", "密码", "角色", "姓名", "管辖节点")]
    rows += [(lg.username, lg.password, lg.role, lg.full_name, lg.node) for lg in logins]
    widths = [max(_width(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        cells = [row[i] + " " * (widths[i] - _width(row[i])) for i in range(4)]
        write("  " + "  ".join(cells) + "  " + row[4])
    write("")


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
