"""Writing .xlsx files. Every workbook the platform writes is made through this module, so that a
text never becomes a formula.

What openpyxl does (``openpyxl.cell.cell.Cell._bind_value``, 3.1): a ``str`` longer than one
character that starts with "=" gets ``data_type = "f"`` and is written as a live formula
(``<f>…</f>``); one of its error codes ("#N/A", "#REF!" …) becomes an error cell. Any other text is
written as a string (``t="inlineStr"``), but Excel, WPS and LibreOffice turn a text that starts with
+ - @ (or a tab or carriage return before one) into a formula as soon as a person edits the cell.
A text from the ledger — a name typed into a public form, a file name — is written here as a string
(``data_type = "s"`` set after the value) with the quotePrefix style, which is Excel's leading
apostrophe: the cell shows and edits as text and its value is unchanged, so a file exported and
imported again reads the same. Numbers, dates and booleans are written as they are: a negative
number stays a number.

Writers take a ``Book`` and its ``Sheet``s from here and never import openpyxl themselves (a test in
``core/tests/test_xlsx.py`` checks that no other module does); this module knows no app.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from gridguard.core.normalize import FORMULA_STARTS

__all__ = [
    "FORMULA_PREFIXES", "HEADER_FILL", "HEADER_FONT", "XLSX_TYPE", "Alignment", "Book", "Font", "PatternFill",
    "Sheet", "column_letter", "needs_text",
]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = FORMULA_STARTS
_RISKY_FIRST = frozenset("=+-@\t\r#")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def column_letter(index: int) -> str:
    """The letter of a 1-based column ("A", …, "AA")."""
    return get_column_letter(index)


def needs_text(value: object) -> bool:
    """Whether ``value`` is a text that a spreadsheet could read as a formula (or an error code)."""
    if not isinstance(value, str) or not value or value[0] not in _RISKY_FIRST:
        return False
    return value[0] != "#" or value in ERROR_CODES


class Sheet:
    """A worksheet whose values are written through ``append``. ``styles`` gives the openpyxl
    worksheet for what is not a value (column widths, number formats, fonts of written cells)."""

    def __init__(self, ws: Any, write_only: bool):
        self.styles = ws
        self._write_only = write_only

    def _cell(self, value: object, font: Font | None, fill: PatternFill | None,
              alignment: Alignment | None) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.styles, value=value)
        if needs_text(value):
            cell.data_type = "s"  # after the value: openpyxl would have made it a formula or an error
            cell.quotePrefix = True
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if alignment is not None:
            cell.alignment = alignment
        return cell

    def append(
        self,
        values: Iterable[object],
        *,
        font: Font | None = None,
        fill: PatternFill | None = None,
        alignment: Alignment | None = None,
    ) -> None:
        """Write one row. A style given applies to every cell of the row."""
        if font is None and fill is None and alignment is None:
            row = [self._cell(v, None, None, None) if needs_text(v) else v for v in values]
        else:
            row = [self._cell(v, font, fill, alignment) for v in values]
        self.styles.append(row)

    def widths(self, widths: Sequence[float]) -> None:
        """Column widths, from column A."""
        for i, width in enumerate(widths, start=1):
            self.styles.column_dimensions[get_column_letter(i)].width = width

    def freeze(self, cell: str = "A2") -> None:
        self.styles.freeze_panes = cell


class Book:
    """A workbook. ``write_only`` (the default) streams rows to the file: what the exports use."""

    def __init__(self, *, write_only: bool = True):
        self._wb = Workbook(write_only=write_only)
        self._write_only = write_only
        self._first = not write_only  # a normal workbook starts with one empty sheet: the first sheet() takes it

    def sheet(self, title: str) -> Sheet:
        if self._first:
            self._first = False
            ws = self._wb.active
            ws.title = title
        else:
            ws = self._wb.create_sheet(title)
        return Sheet(ws, self._write_only)

    def save(self, out: IO[bytes] | str) -> None:
        self._wb.save(out)
