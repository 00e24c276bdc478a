"""A real town, not only the demo: start empty with one's own town and administrator."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gridguard.accounts.models import User
from gridguard.accounts.scope import scope_for
from gridguard.core.errors import ApplicationError, each_error
from gridguard.grids.models import GridNode, Level
from gridguard.grids.services import town_start

pytestmark = pytest.mark.django_db
STRONG = "Qingshan-2026-town"


def test_an_empty_platform_gets_its_town_and_administrator(db):
    town, admin = town_start(
        name="青山镇", level="镇", admin_username="qs_admin", admin_password=STRONG,
        level_names={"street": "镇", "community": "村"},
    )
    assert town.is_root() and town.name == "青山镇" and town.level.code == "street"
    assert admin.is_superuser and admin.check_password(STRONG) and scope_for(admin).everything
    assert Level.objects.get(code="community").name == "村"


def test_every_wrong_value_is_named_at_once_and_nothing_is_written(db):
    User.objects.create_user(username="taken", password=STRONG)
    with pytest.raises(ApplicationError) as exc:
        town_start(name="  ", level="省", admin_username="taken", admin_password="123",
                   level_names={"nope": "村"})
    fields = {e.field for e in each_error(exc.value)}
    assert fields == {"name", "level", "admin_username", "admin_password", "level_names"}
    assert "可选：" in next(e.message for e in each_error(exc.value) if e.field == "level")
    assert not GridNode.objects.exists() and Level.objects.get(code="community").name == "社区/村"


def test_a_tree_that_exists_is_never_started_again(town):
    with pytest.raises(ApplicationError) as exc:
        town_start(name="青山镇", level="street", admin_username="x", admin_password=STRONG)
    assert exc.value.code == "not_empty"
    out = StringIO()
    call_command("start_town", "--if-empty", stdout=out)
    assert "跳过" in out.getvalue()


def test_the_command_reads_the_environment_when_nobody_is_at_the_terminal(db, monkeypatch):
    monkeypatch.setenv("GRIDGUARD_ADMIN_PASSWORD", STRONG)
    out = StringIO()
    call_command("start_town", "--name", "青山镇", "--level-names", "street=镇，community=村", stdout=out)
    assert "已建立：青山镇" in out.getvalue() and "import_tree" in out.getvalue()
    assert User.objects.get(username="admin").check_password(STRONG)
    monkeypatch.delenv("GRIDGUARD_ADMIN_PASSWORD")
    GridNode.objects.all().delete()
    with pytest.raises(CommandError) as exc:
        call_command("start_town", "--name", "白水镇", "--admin", "bs_admin")
    assert "管理员密码不合格" in str(exc.value) and "GRIDGUARD_ADMIN_PASSWORD" in str(exc.value)


def test_migrate_on_a_fresh_clone_makes_the_folders_it_needs(tmp_path):
    var = tmp_path / "not" / "yet" / "var"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(GRIDGUARD_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="gridguard.settings")
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=root, env=env,
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (var / "gridguard.sqlite3").exists()
