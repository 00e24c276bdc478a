"""Reading import files: .csv (UTF-8, UTF-8 with BOM, GBK/GB18030) and .xlsx/.xls (python-calamine).

A file beyond the limits of ``imports.sizes`` (rows, columns, cells of a sheet; an .xlsx's unzipped
size) is refused before it is read whole.

A file is read into a ``Table``: the header row, the data rows with their spreadsheet row numbers
(the header row is row 1 when it is the first line), blank rows dropped. Cells from a spreadsheet
keep their type (str, float, int, bool, date, datetime); the rules know what a float id number is.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from operator import methodcaller
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from gridguard.core.errors import ApplicationError
from gridguard.imports.columns import Column, ColumnMap, map_headers
from gridguard.imports.sizes import Limits, SizeRefused, check_size, check_xlsx, sheet_too_large

logger = logging.getLogger(__name__)

EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".csv")
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in office files


class FileRefused(ApplicationError):
    """The whole file cannot be read or understood (no row-level report is possible)."""

    def __init__(self, code: str, message: str, *, column: str = "", row: int = 0):
        super().__init__(code, message, field=column or None)
        self.column = column
        self.row = row


@dataclass
class Table:
    header_row: int  # spreadsheet row number of the header (1-based)
    headers: list[Any]
    rows: list[Sequence[Any]]  # data rows, blank rows removed
    row_numbers: list[int]  # spreadsheet row number of each data row
    encoding: str = ""
    sheet: str = ""

    def __len__(self) -> int:
        return len(self.rows)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK/GB2312: what Excel writes for "CSV" on a Chinese Windows.
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise FileRefused(
            "encoding", _("无法识别文件编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后重新上传")
        ) from None


def _csv_grid(path: Path) -> tuple[list[list[Any]], str]:
    text, encoding = _decode(path.read_bytes())
    sample = text[:4096]
    delimiter = ","
    first_line = sample.split("\n", 1)[0]
    if first_line.count("\t") > first_line.count(","):
        delimiter = "\t"
    elif first_line.count(";") > first_line.count(",") and first_line.count(";") > 1:
        delimiter = ";"
    limits = Limits.from_settings()
    widest = max(map(methodcaller("count", delimiter), text.splitlines()), default=0) + 1
    if widest > 10 * limits.columns:  # refused before the line is split into cells
        raise _refused(sheet_too_large(path.name, 1, widest, limits))
    try:
        grid = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise FileRefused("csv_invalid", _("CSV 文件格式错误：{error}").format(error=exc)) from None
    while grid and not any(grid[-1]):
        grid.pop()
    width = 0
    for i, row in enumerate(grid):
        if len(row) > limits.columns:  # empty cells at the end of a line are not data
            while row and not row[-1].strip():
                row.pop()
            grid[i] = row
        width = max(width, len(row))
    try:
        check_size(path.name, len(grid), width, limits)
    except SizeRefused as exc:
        raise _refused(exc) from None
    return grid, encoding


def _refused(error: SizeRefused) -> FileRefused:
    return FileRefused(error.code, error.message)


def _xlsx_grids(path: Path) -> list[tuple[str, list[list[Any]]]]:
    from python_calamine import CalamineWorkbook

    if path.suffix.lower() in (".xlsx", ".xlsm"):  # a zip of XML parts: measured before it is read
        try:
            check_xlsx(path)
        except SizeRefused as exc:
            logger.info("refused .xlsx %s: %s", path.name, exc.code)
            raise _refused(exc) from None
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken zips/xml
        logger.info("unreadable .xlsx %s: %s", path.name, exc)  # the reader's own words, for the operator
        raise FileRefused(
            "xlsx_invalid",
            _("无法读取 Excel 文件：文件已损坏，或不是真正的 Excel 文件（例如改了扩展名）。请用 Excel 打开后另存为 .xlsx 再上传"),
        ) from None
    grids = []
    try:
        for index, name in enumerate(workbook.sheet_names):
            sheet = workbook.get_sheet_by_index(index)
            grids.append((name, sheet.to_python(skip_empty_area=False)))
    finally:
        workbook.close()
    return grids


def _is_blank(row: Sequence[Any]) -> bool:
    first = row[0] if row else None
    if type(first) is str and first and not first[0].isspace():
        return False  # the common case: the first cell has text
    for cell in row:
        if cell is None:
            continue
        if isinstance(cell, str):
            if cell.strip():
                return False
        else:
            return False
    return True


def _find_header(grid: list[list[Any]], spec: Sequence[Column], keys: Sequence[str]) -> tuple[int, ColumnMap] | None:
    for i, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        if _is_blank(row):
            continue
        cmap = map_headers(row, spec)
        if any(cmap.has(k) for k in keys):
            return i, cmap
    return None


def read_table(path: str | Path, spec: Sequence[Column], keys: Sequence[str]) -> tuple[Table, ColumnMap]:
    """Read the first sheet (or the first sheet that has a header naming one of ``keys``).

    Raises FileRefused when the file cannot be read or has no header row with a key column.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in EXTENSIONS:
        raise FileRefused(
            "extension", _("不支持的文件类型“{suffix}”，请上传 .xlsx 或 .csv 文件").format(suffix=suffix or path.name)
        )
    encoding = ""
    if suffix == ".csv":
        grid, encoding = _csv_grid(path)
        sheets = [("", grid)]
    else:
        sheets = _xlsx_grids(path)
    sheets = [(name, grid) for name, grid in sheets if grid]
    if not sheets or all(all(_is_blank(r) for r in grid) for _, grid in sheets):
        raise FileRefused("empty", _("文件是空的，没有任何内容"))
    found = None
    for name, grid in sheets:
        hit = _find_header(grid, spec, keys)
        if hit is not None:
            found = (name, grid, hit)
            break
    if found is None:
        name, grid = sheets[0]
        labels = "、".join(c.header for c in spec if c.key in keys)
        first = next((r for r in grid if not _is_blank(r)), [])
        seen = "、".join(str(c) for c in first if str(c).strip())[:200]
        raise FileRefused(
            "header_missing",
            _("文件缺少“{columns}”列（第一行应为列标题）。文件中的列标题为：{seen}").format(
                columns=labels, seen=seen or _("（无）")
            ),
            row=1,
        )
    name, grid, (header_index, cmap) = found
    width = len(grid[header_index])
    rows: list[Sequence[Any]] = []
    numbers: list[int] = []
    for i in range(header_index + 1, len(grid)):
        row = grid[i]
        if _is_blank(row):
            continue
        if len(row) < width:  # a short CSV line: missing trailing cells are empty
            row = list(row) + [""] * (width - len(row))
        rows.append(row)
        numbers.append(i + 1)
    table = Table(
        header_row=header_index + 1,
        headers=grid[header_index],
        rows=rows,
        row_numbers=numbers,
        encoding=encoding,
        sheet=name,
    )
    return table, cmap
