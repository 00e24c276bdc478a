from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest

from gridguard.accounts.models import Role
from gridguard.accounts.services import role_create, user_create

PEOPLE_HEADERS = ["姓名", "身份证号", "联系电话", "与户主关系", "社区/村", "网格", "楼栋", "房号"]


def write_csv(path: Path, rows: Sequence[Sequence[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


@pytest.fixture
def csv_file(tmp_path):
    def make(rows, name="people.csv", encoding="utf-8"):
        return write_csv(tmp_path / name, rows, encoding)

    return make


@pytest.fixture
def xlsx_file(tmp_path):
    def make(rows, name="people.xlsx"):
        return write_xlsx(tmp_path / name, rows)

    return make


@pytest.fixture
def dave(town):
    """A grid chief of 西城第一网格: may import, export and reveal — but only in 西城."""
    return user_create(
        actor=None, username="dave", password="dave-pass-123", full_name="戴夫",
        role=Role.objects.get(code="grid_chief"), nodes=[town.b1],
    )


@pytest.fixture
def erin(town):
    """May export but not reveal identity numbers and phones (a role made for the test)."""
    role = role_create(actor=None, code="exporter", name="导出员", permissions=["imports.export", "imports.import"])
    return user_create(
        actor=None, username="erin", password="erin-pass-123", full_name="艾琳", role=role, nodes=[town.east],
    )


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.IMPORT_DIR = tmp_path / "imports"
