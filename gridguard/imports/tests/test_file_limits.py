"""Hostile spreadsheets are refused before the reader holds them (issue 9, A4).

python-calamine reads a sheet into one dense block from A1 to its last cell: one cell at XFD1048576
is 16384 × 1048576 cells (512 GB). The files are built here with zipfile, as an attacker would."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
import python_calamine

from conftest import idno
from gridguard.imports.columns import PEOPLE_SPEC
from gridguard.imports.models import ImportJob
from gridguard.imports.readers import FileRefused, read_table
from gridguard.imports.services import people_import_file
from gridguard.people.models import Person

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{sheets}</Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
HEADER = '<row r="1">' + "".join(
    f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>' for col, text in zip("ABCD", ["姓名", "身份证号", "楼栋", "房号"], strict=True)
) + "</row>"
GOOD_ROW = (f'<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c><c r="B2" t="inlineStr"><is><t>{idno(1980, 1)}'
            '</t></is></c><c r="C2" t="inlineStr"><is><t>1号楼</t></is></c><c r="D2"><v>301</v></c></row>')


def sheet_xml(rows: str, padding: int = 0, prefix: str = "") -> str:
    body = f"<sheetData>{rows}</sheetData>"
    if prefix:
        return (f'<?xml version="1.0" encoding="UTF-8"?><{prefix}:worksheet xmlns:{prefix}="{MAIN}">'
                + body.replace("<", f"<{prefix}:").replace(f"<{prefix}:/", f"</{prefix}:") + f"</{prefix}:worksheet>")
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{" " * padding}{body}</worksheet>'


def xlsx_bytes(sheets: list[tuple[str, str]]) -> bytes:
    """A workbook whose sheets are the given (name, sheet XML) pairs."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
                + "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, (name, _) in enumerate(sheets, 1))
                + "</sheets></workbook>")
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, len(sheets) + 1))
            + "</Relationships>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES.format(sheets=overrides))
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
        for i, (_, xml) in enumerate(sheets, 1):
            zf.writestr(f"xl/worksheets/sheet{i}.xml", xml)
    return buf.getvalue()


@pytest.fixture
def write(tmp_path):
    def make(data: bytes, name: str = "hostile.xlsx") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return make


@pytest.fixture
def no_reader(monkeypatch):
    """The reader must not be reached: it would try to hold the whole sheet (and abort the process)."""

    class Refused:
        @staticmethod
        def from_path(*args, **kwargs):
            pytest.fail("python-calamine was asked to read a hostile file")

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Refused)


def refusal(path: Path) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        read_table(path, PEOPLE_SPEC, ("name",))
    return caught.value


def test_one_cell_at_xfd1048576_is_refused_before_reading_and_the_job_ends(town, alice, write, no_reader):
    hostile = HEADER + '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    data = xlsx_bytes([("名单", sheet_xml(hostile))])
    assert len(data) < 2000
    path = write(data)
    error = refusal(path)
    assert error.code == "sheet_too_large"
    assert "“名单”" in error.message and "1048576 行" in error.message and "16384 列" in error.message
    assert "XFD1048576" in error.message

    job = ImportJob.objects.create(kind="people", filename="hostile.xlsx", root=town.east, created_by=alice)
    result = people_import_file(actor=alice, root=town.east, path=path, job=job)
    job.refresh_from_db()
    assert result.status == job.status == "refused" and "1048576 行" in job.message
    assert Person.objects.count() == 0


def test_too_many_columns_with_or_without_cell_references(write, no_reader):
    far = HEADER + '<row r="2"><c r="GS2"><v>1</v></c></row>'  # column 201
    assert "201 列" in refusal(write(xlsx_bytes([("名单", sheet_xml(far))]))).message
    unnumbered = HEADER + "<row>" + "<c><v>1</v></c>" * 201 + "</row>"
    assert "201 列" in refusal(write(xlsx_bytes([("名单", sheet_xml(unnumbered))]))).message


def test_a_cell_numbered_beyond_its_row_counts_where_the_reader_puts_it(write, no_reader):
    liar = HEADER + '<row r="2"><c r="A1048576"><v>1</v></c></row>'
    assert "1048576 行" in refusal(write(xlsx_bytes([("名单", sheet_xml(liar))]))).message


def test_a_prefixed_sheet_with_reordered_attributes_is_measured_too(write, no_reader):
    hostile = HEADER + '<row r="2"><c t="n" r="XFD2"><v>1</v></c></row>'
    assert "16384 列" in refusal(write(xlsx_bytes([("名单", sheet_xml(hostile, prefix="x"))]))).message


def test_every_sheet_is_measured(write, no_reader):
    hostile = '<row r="1"><c r="A1"><v>1</v></c></row><row r="900000"><c r="A900000"><v>1</v></c></row>'
    error = refusal(write(xlsx_bytes([("名单", sheet_xml(HEADER + GOOD_ROW)), ("附表", sheet_xml(hostile))])))
    assert "“附表”" in error.message and "900000 行" in error.message


def test_rows_and_cells_limits_are_settings(settings, town, alice, xlsx_file):
    rows = [["姓名", "身份证号", "楼栋", "房号"]] + [[f"人{i}", idno(1980, i), "1号楼", str(i)] for i in range(1, 7)]
    path = xlsx_file(rows)
    settings.IMPORT_MAX_ROWS = 6
    error = refusal(path)
    assert "7 行" in error.message and "最多 6 行" in error.message
    settings.IMPORT_MAX_ROWS = 7
    table, _ = read_table(path, PEOPLE_SPEC, ("name",))
    assert len(table.rows) == 6
    settings.IMPORT_MAX_CELLS = 27
    assert "28 个单元格" in refusal(path).message


def test_an_empty_formatted_cell_far_away_is_not_data(town, alice, write):
    """Formatting without a value is not read (python-calamine skips it), so it is not refused."""
    styled = HEADER + GOOD_ROW + '<row r="1048576"><c r="XFD1048576" s="1"/></row>'
    result = people_import_file(actor=alice, root=town.east, path=write(xlsx_bytes([("名单", sheet_xml(styled))])))
    assert result.status == "done", result.errors


def test_a_zip_bomb_is_refused_by_what_it_unzips_to(settings, write, no_reader):
    settings.IMPORT_MAX_UNZIPPED_BYTES = 1_000_000
    data = xlsx_bytes([("名单", sheet_xml(HEADER + GOOD_ROW, padding=2_000_000))])
    assert len(data) < 20_000
    error = refusal(write(data))
    assert error.code == "xlsx_too_large" and "解压后" in error.message


def test_a_member_that_lies_about_its_size_is_measured_by_what_it_inflates_to(settings, write, no_reader):
    settings.IMPORT_MAX_UNZIPPED_BYTES = 1_000_000
    data = bytearray(xlsx_bytes([("名单", sheet_xml(HEADER + GOOD_ROW, padding=2_000_000))]))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 1000)  # local header: uncompressed size
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46:central + 46 + name_len]) == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, central + 24, 1000)  # central directory: uncompressed size
            break
        central = data.find(b"PK\x01\x02", central + 4)
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    assert refusal(write(bytes(data))).code == "xlsx_too_large"


def test_a_sheet_with_a_document_type_is_refused(write, no_reader):
    xml = sheet_xml(HEADER).replace("<worksheet", '<!DOCTYPE lol [<!ENTITY a "aaaa">]><worksheet', 1)
    assert refusal(write(xlsx_bytes([("名单", xml)]))).code == "xlsx_invalid"


def test_csv_rows_and_columns_are_limited(settings, csv_file):
    settings.IMPORT_MAX_ROWS = 3
    rows = [["姓名", "身份证号"]] + [[f"人{i}", idno(1980, i)] for i in range(1, 4)]
    assert "4 行" in refusal(csv_file(rows)).message
    settings.IMPORT_MAX_ROWS = 100
    wide = [["姓名", "身份证号", *[""] * 300], ["张三", idno(1980, 1), *[""] * 300]]
    table, _ = read_table(csv_file(wide, name="trailing.csv"), PEOPLE_SPEC, ("name",))  # empty cells at the end
    assert len(table.rows) == 1
    wide[1][250] = "x"
    assert "251 列" in refusal(csv_file(wide, name="wide.csv")).message
    assert "列" in refusal(csv_file([["姓名", *["a"] * 5000]], name="widest.csv")).message


@pytest.mark.parametrize("n", [1, 9, 10, 26, 99, 100, 101, 769, 1000, 4321])
def test_at_most_matches_exactly_the_numbers_up_to_n(n):
    import re

    from gridguard.imports.sizes import at_most

    pattern = re.compile(f"(?:{at_most(n)})")
    assert [k for k in range(0, 12000) if pattern.fullmatch(str(k))] == list(range(1, n + 1))
    assert not pattern.fullmatch("01")


def test_an_ordinary_file_is_measured_without_reading_each_cell(monkeypatch, town, alice, xlsx_file):
    from gridguard.imports import sizes

    def each_cell(*args):
        pytest.fail("an ordinary sheet took the slow path")

    monkeypatch.setattr(sizes, "measure_sheet", each_cell)
    rows = [["姓名", "身份证号", "楼栋", "房号"]] + [[f"人{i}", idno(1980, i), "1号楼", str(i)] for i in range(1, 30)]
    result = people_import_file(actor=alice, root=town.east, path=xlsx_file(rows))
    assert result.status == "done" and result.imported_rows == 29
