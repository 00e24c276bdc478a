"""How big a spreadsheet is, measured before it is read.

python-calamine reads a sheet into one dense block from A1 to its last cell with a value, and the
reader turns that block into Python lists: one cell at XFD1048576 in a 1.5 KB file is
16384 × 1048576 cells, 512 GB, and the process aborts. So ``check_xlsx`` measures every sheet of an
.xlsx first, from its XML, where calamine would place its cells, and refuses a sheet beyond
IMPORT_MAX_ROWS rows, IMPORT_MAX_COLUMNS columns or IMPORT_MAX_CELLS cells (rows × columns) with a
message naming the sheet and its size. The sheet's declared ``<dimension>`` is not trusted: it can
say A1 and the cells say otherwise.

An .xlsx is a zip: every member is inflated here from its compressed bytes with a running count
(the sizes the zip declares can lie, and python's own zipfile stops at the declared size where
calamine's reader does not), and a file that unzips to more than IMPORT_MAX_UNZIPPED_BYTES is
refused before anything reads it (a zip bomb).

Measuring, like the reader, places a cell by its ``r`` reference ("C5"), or after the previous
cell of its row when it has none, and counts only cells with a value (an empty formatted cell
is not read). Most files take a fast path: when every cell tag is ``<c r="…"`` and none lies
beyond column Z or beyond the rows that IMPORT_MAX_CELLS allows for 26 columns, the sheet is
within every limit without looking at each cell; otherwise each cell is measured (expat).
"""

from __future__ import annotations

import functools
import itertools
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

from gridguard.core.errors import ApplicationError
from gridguard.core.xlsx import column_letter

CHUNK = 1 << 20
_REF = re.compile(r"^([A-Z]+)([0-9]+)$")  # the reference of a cell ("XFD1048576")


class SizeRefused(ApplicationError):
    """The file is beyond a limit (or is not a readable zip); its message says which."""


@dataclass(frozen=True)
class Limits:
    rows: int
    columns: int
    cells: int
    unzipped: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS, settings.IMPORT_MAX_CELLS,
                   settings.IMPORT_MAX_UNZIPPED_BYTES)


def unreadable() -> SizeRefused:
    return SizeRefused(
        "xlsx_invalid",
        _("无法读取 Excel 文件：文件已损坏，或不是真正的 Excel 文件（例如改了扩展名）。请用 Excel 打开后另存为 .xlsx 再上传"),
    )


def sheet_too_large(sheet: str, rows: int, columns: int, limits: Limits) -> SizeRefused:
    return SizeRefused(
        "sheet_too_large",
        _(
            "工作表“{sheet}”的数据区域有 {rows} 行 × {columns} 列（共 {cells} 个单元格，到单元格 {cell}），"
            "超过导入的上限：每个工作表最多 {max_rows} 行、{max_columns} 列、{max_cells} 个单元格。"
            "请删除表格下方和右侧多余的内容（例如误填在远处的单元格），或拆分成几个文件后分别导入。"
        ).format(
            sheet=sheet, rows=rows, columns=columns, cells=rows * columns, cell=f"{column_letter(columns)}{rows}",
            max_rows=limits.rows, max_columns=limits.columns, max_cells=limits.cells,
        ),
    )


def check_size(sheet: str, rows: int, columns: int, limits: Limits) -> None:
    if rows > limits.rows or columns > limits.columns or rows * columns > limits.cells:
        raise sheet_too_large(sheet, rows, columns, limits)


# --- the zip -------------------------------------------------------------------------------------

def _inflate(fp: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A member's bytes, inflated from its compressed data (whatever size it declares)."""
    if info.flag_bits & 0x1:
        raise SizeRefused("xlsx_encrypted", _("Excel 文件设置了密码，请取消密码后另存，再重新上传"))
    fp.seek(info.header_offset)
    local = fp.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise unreadable()
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        while left > 0:
            data = fp.read(min(CHUNK, left))
            if not data:
                raise unreadable()
            left -= len(data)
            yield data
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise unreadable()
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        while left > 0 and not inflater.eof:
            raw = fp.read(min(CHUNK, left))
            if not raw:
                raise unreadable()
            left -= len(raw)
            data = inflater.decompress(raw, CHUNK)  # at most CHUNK bytes out per call
            if data:
                yield data
            while inflater.unconsumed_tail and not inflater.eof:
                data = inflater.decompress(inflater.unconsumed_tail, CHUNK)
                if data:
                    yield data
    except zlib.error:
        raise unreadable() from None


class _Counter:
    def __init__(self, limit: int):
        self.limit = limit
        self.total = 0

    def add(self, member: str, size: int) -> None:
        self.total += size
        if self.total > self.limit:
            raise SizeRefused(
                "xlsx_too_large",
                _(
                    "Excel 文件解压后超过 {limit} MB（读到“{member}”时），不像正常的台账文件，未读取。"
                    "请拆分成几个文件，或另存为 CSV 后重新上传。"
                ).format(limit=max(1, self.limit // 1048576), member=member),
            )


# --- the sheets ----------------------------------------------------------------------------------

def at_most(n: int) -> str:
    """A regex for the decimal numbers 1 to ``n`` (no leading zero)."""
    digits = str(n)
    width = len(digits)
    options = [f"[1-9][0-9]{{0,{width - 2}}}"] if width > 1 else []
    for i, d in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(d) - 1 >= low:
            options.append(f"{digits[:i]}[{low}-{int(d) - 1}][0-9]{{{width - i - 1}}}")
    options.append(digits)
    return "|".join(options)


def _fast_pattern(limits: Limits) -> re.Pattern[bytes] | None:
    """A cell tag whose reference is not in the fast path's box: column A to Z, rows 1 to the
    rows IMPORT_MAX_CELLS allows for 26 columns (and at most IMPORT_MAX_ROWS). None: no fast path."""
    rows = min(limits.rows, limits.cells // 26)
    if limits.columns < 26 or rows < 1:
        return None
    return re.compile(rf'<c r="(?![A-Z](?:{at_most(rows)})")'.encode())


def _fast_fits(chunks: Iterator[bytes], pattern: re.Pattern[bytes] | None, count: Callable[[int], None]) -> bool:
    """Whether the sheet is within the limits by the fast test (see the module's description).
    Reads (and counts) the whole member either way."""
    fits = pattern is not None
    carry = b""
    tags = refs = 0
    for data in chunks:
        count(len(data))
        if not fits:
            continue
        text = carry + data
        cut = text.rfind(b">") + 1
        carry, piece = text[cut:], text[:cut]
        if (len(carry) > CHUNK or (pattern is not None and pattern.search(piece)) or b"<!" in piece
                or b":c " in piece or b":c>" in piece):  # long text, a far cell, a DTD or comment, a prefix
            fits = False
            continue
        tags += piece.count(b"<c ") + piece.count(b"<c>") + piece.count(b"<c/>")
        refs += piece.count(b'<c r="')
    return fits and tags == refs


class _Measure:
    """Where the reader would put the last cell with a value: expat, one event per element."""

    def __init__(self) -> None:
        self.rows = 0
        self.columns = 0
        self._row = 0
        self._col = 0
        self._cell: tuple[int, int] | None = None
        self._valued = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            ref = _REF.match(attrs.get("r", "").upper())
            if ref:
                letters, number = ref.groups()
                col = 0
                for ch in letters:
                    col = col * 26 + ord(ch) - 64
                self._col = col
                self._cell = (int(number), col)
            else:
                self._col += 1
                self._cell = (max(self._row, 1), self._col)
            self._valued = False
        elif local == "row":
            r = attrs.get("r", "")
            self._row = int(r) if r.isdigit() else self._row + 1
            self._col = 0
        elif local in ("v", "is", "f") and self._cell is not None:
            self._valued = True

    def end(self, name: str) -> None:
        if self._cell is not None and name.rpartition(":")[2] == "c":
            if self._valued:
                self.rows = max(self.rows, self._cell[0])
                self.columns = max(self.columns, self._cell[1])
            self._cell = None


def _no_doctype(*args: object) -> None:
    raise unreadable()


def _parser(start: Callable[[str, dict[str, str]], None]) -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _no_doctype  # an .xlsx part has none: no entity to expand
    parser.EntityDeclHandler = _no_doctype
    parser.StartElementHandler = start
    return parser


def measure_sheet(chunks: Iterator[bytes]) -> tuple[int, int]:
    """(rows, columns) of a worksheet's XML as the reader would hold it: A1 to its last cell with a value."""
    measure = _Measure()
    parser = _parser(measure.start)
    parser.EndElementHandler = measure.end
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        raise unreadable() from None
    return measure.rows, measure.columns


def _sheet_names(read: Callable[[str], bytes | None]) -> dict[str, str]:
    """Sheet names by the zip member that holds the sheet (from the workbook and its relations)."""
    targets: dict[str, str] = {}
    names: dict[str, str] = {}

    def rel(name: str, attrs: dict[str, str]) -> None:
        if name.rpartition(":")[2] == "Relationship" and "Id" in attrs and "Target" in attrs:
            target = attrs["Target"]
            targets[attrs["Id"]] = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)

    def sheet(name: str, attrs: dict[str, str]) -> None:
        if name.rpartition(":")[2] == "sheet":
            rid = next((v for k, v in attrs.items() if k.rpartition(":")[2] == "id" and k != "sheetId"), "")
            names[rid] = attrs.get("name", "")

    for member, handler in (("xl/_rels/workbook.xml.rels", rel), ("xl/workbook.xml", sheet)):
        data = read(member)
        if data is not None:
            try:
                _parser(handler).Parse(data, True)
            except expat.ExpatError:
                raise unreadable() from None
    return {targets[rid]: name for rid, name in names.items() if rid in targets}


_WORKSHEET = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?worksheet[\s>/]")


def check_xlsx(path: str | Path, limits: Limits | None = None) -> None:
    """Refuse (SizeRefused) an .xlsx that unzips beyond the limit or has a sheet beyond the limits."""
    limits = limits or Limits.from_settings()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise unreadable() from None
    counter = _Counter(limits.unzipped)
    with archive, open(path, "rb") as fp:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if sum(info.file_size for info in infos) > limits.unzipped:  # what it declares is already too much
            counter.add(max(infos, key=lambda i: i.file_size).filename, limits.unzipped + 1)

        def whole(member: str) -> bytes | None:
            info = next((i for i in infos if i.filename == member), None)
            if info is None:
                return None
            parts = []
            for data in _inflate(fp, info):
                counter.add(member, len(data))
                parts.append(data)
            return b"".join(parts)

        names = _sheet_names(whole)
        pattern = _fast_pattern(limits)
        for info in infos:
            if info.filename in ("xl/_rels/workbook.xml.rels", "xl/workbook.xml"):
                continue
            stream = _inflate(fp, info)
            count = functools.partial(counter.add, info.filename)
            head = b""
            for data in stream:  # enough of the start to see the root element
                head += data
                if len(head) >= 4096:
                    break
            if not _WORKSHEET.search(head[:4096]):
                for data in itertools.chain([head], stream):
                    count(len(data))
                continue
            if _fast_fits(itertools.chain([head], stream), pattern, count):
                continue
            rows, columns = measure_sheet(_inflate(fp, info))  # counted above: this is the second reading
            check_size(names.get(info.filename) or PurePosixPath(info.filename).stem, rows, columns, limits)
