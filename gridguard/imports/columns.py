"""Column headers of the import files: the Chinese header of each ledger field and its common aliases.

A header is compared after normalisation (half-width, no spaces, no required-marks such as ``*`` or
``（必填）``), so "身份证号码 *" and "身份证号码" are the same column. The report names a column by
the header text exactly as the file has it.

The address columns (and the room) are named in many ways: "自然村/小区", "小区名称", "所属网格",
"楼栋号", "房号/门牌号". Rather than a list of every spelling, one rule (``address_words``): the
header is split at a slash, a comma or brackets, each part loses a leading "所属"/"所在" and a
trailing "名称"/"名"/"号码"/"号", and when every part is then a word of the same column (its header's
and aliases' words: 社区, 村, 小区, 自然村, 楼, 栋, 门牌 …) the header names that column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from gridguard.core.normalize import clean_text


@dataclass(frozen=True)
class Column:
    key: str  # field name used by the rules (clean_person's keys, address level codes, …)
    header: str  # the header written in the template
    aliases: tuple[str, ...] = ()
    note: str = ""  # what to fill in (the notes sheet of the template)
    example: str = ""
    required: bool = False
    loose: bool = False  # an address column: its header may be spelled by the rule of ``address_words``


# Address columns, top to bottom. ``key`` is the code of the grid Level they match.
ADDRESS_COLUMNS: tuple[Column, ...] = (
    Column("community", "社区/村", ("社区", "村", "行政村", "居委会", "村委会", "社区居委会"),
           "社区或行政村的名称，与网格结构中的名称一致", "东城社区", loose=True),
    Column("grid", "网格", (), "网格名称", "东城第一网格", loose=True),
    Column("micro_grid", "微网格", (), "微网格名称（没有可不填）", "", loose=True),
    Column("compound", "小区/自然村", ("小区", "自然村", "院落"), "小区或自然村名称（没有可不填）", "", loose=True),
    Column("building", "楼栋", ("楼", "栋", "幢", "楼宇"), "楼栋，如“3号楼”或“3”", "1号楼", loose=True),
    Column("unit", "单元", (), "单元，如“2单元”或“2”（没有可不填）", "", loose=True),
)
ADDRESS_KEYS: tuple[str, ...] = tuple(c.key for c in ADDRESS_COLUMNS)

# Levels above the address columns: a tree file may start with them (the town a new install builds).
TOP_COLUMNS: tuple[Column, ...] = (
    Column("district", "区/县", ("区", "县", "区县", "市辖区", "县级市"), "区或县的名称（没有可不填）", "", loose=True),
    Column("street", "街道/镇", ("街道", "镇", "乡镇", "乡", "街道办事处", "镇街"), "街道、镇或乡的名称", "城关镇",
           loose=True),
)

ROOM = Column("room", "房号", ("门牌号", "室", "房间号", "户号"), "房号或门牌号，同一地址的多行为同一户", "301",
              loose=True)

HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    ROOM,
    Column("is_rental", "是否出租", ("出租房", "是否出租房"), "填“是”或“否”", "否"),
    Column("landlord_name", "房东姓名", ("房东",), "出租房的房东姓名", ""),
    Column("landlord_phone", "房东电话", ("房东联系电话", "房东手机号"), "房东的联系电话", ""),
)

PERSON_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("名字", "人员姓名"), "必填", "张三", required=True),
    Column("id_type", "证件类型", (), "居民身份证（默认）、护照、其他证件", "居民身份证"),
    Column("id_number", "身份证号", ("身份证号码", "证件号码", "公民身份号码", "证件号", "身份证"),
           "18 位身份证号（或 15 位旧号），请将该列设为“文本”格式，避免 Excel 转成科学计数法",
           "110101198001010019"),
    Column("sex", "性别", (), "男/女；有身份证号时可不填", "男"),
    Column("birth_date", "出生日期", ("出生年月",), "如 1980-01-01；有身份证号时可不填", "1980-01-01"),
    Column("phone", "联系电话", ("手机号", "手机号码", "电话", "联系方式", "电话号码"),
           "11 位手机号或带区号的固定电话", "13800138000"),
    Column("relation", "与户主关系", ("关系", "户主关系", "与户主的关系"),
           "户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、儿媳/女婿、租户、其他；同一地址只能有一个户主", "户主"),
    Column("residency", "居住类型", ("人口类型", "户籍类型", "人员类型"), "户籍、常住、流动、暂住、外出（默认户籍）", "户籍"),
    Column("tags", "特殊人群", ("重点人群", "人员类别", "标签", "特殊人群类别"),
           "空巢老人、独居、残疾人、低保、孕产妇、婴幼儿、慢性病、卧床/行动不便、4050人员、社区矫正 等，多个用顿号分隔", ""),
    Column("is_party_member", "是否党员", ("党员", "政治面貌"), "填“是”或“否”（或政治面貌，如“中共党员”“群众”）", "否"),
    Column("employer", "工作单位", ("单位", "工作单位名称"), "", ""),
    Column("note", "备注", (), "", ""),
)

ORGANIZATION_COLUMNS: tuple[Column, ...] = (
    Column("name", "单位名称", ("名称", "单位", "场所名称", "商户名称", "企业名称", "单位/场所名称"), "必填",
           "东城便民超市", required=True),
    Column("kind", "类型", ("单位类型", "场所类型", "行业类型", "类别"),
           "企业、商户、学校、养老院、农贸市场、宾馆、药店、医疗机构、餐饮、商超、建筑工地、机关事业单位、宗教场所、其他",
           "商超"),
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "统一信用代码"), "18 位，没有可不填", ""),
    Column("address", "详细地址", ("地址", "经营地址", "单位地址"), "", "东城路 8 号"),
    Column("contact_name", "负责人", ("联系人", "法人", "法定代表人", "负责人姓名"), "", "李四"),
    Column("contact_phone", "联系电话", ("电话", "手机号", "负责人电话", "联系方式", "手机号码"), "", "13900139000"),
    Column("employees", "从业人数", ("员工人数", "职工人数", "人数"), "整数", "12"),
    Column("is_key_place", "重点场所", ("是否重点场所",), "填“是”或“否”", "否"),
)

PEOPLE_SPEC: tuple[Column, ...] = PERSON_COLUMNS + ADDRESS_COLUMNS + HOUSEHOLD_COLUMNS
ORGANIZATION_SPEC: tuple[Column, ...] = ORGANIZATION_COLUMNS + ADDRESS_COLUMNS
TREE_SPEC: tuple[Column, ...] = TOP_COLUMNS + ADDRESS_COLUMNS
TREE_KEYS: tuple[str, ...] = tuple(c.key for c in TREE_SPEC)

_MARKS = re.compile(r"[*＊★※]|[(（]\s*(必填|选填|可选|必须)\s*[)）]")


def normalize_header(value: object) -> str:
    """Header text as compared: half-width, no spaces or required-marks, lower-case Latin."""
    text = clean_text(value)
    text = _MARKS.sub("", text)
    return text.replace(" ", "").lower()


@dataclass
class ColumnMap:
    """Which column of the file holds which field."""

    index: dict[str, int]  # key -> 0-based column index
    headers: list[str]  # header text as in the file
    unknown: list[str] = field(default_factory=list)  # header texts not understood
    duplicate: list[str] = field(default_factory=list)  # headers naming a field already taken

    def has(self, key: str) -> bool:
        return key in self.index

    def header(self, key: str) -> str:
        """The file's header text for ``key`` ("" when the file has no such column)."""
        idx = self.index.get(key)
        return self.headers[idx] if idx is not None else ""

    def header_of(self, key: str, spec: Sequence[Column]) -> str:
        """The file's header text, or the template's header when the file lacks the column."""
        found = self.header(key)
        if found:
            return found
        for col in spec:
            if col.key == key:
                return col.header
        return key


def _lookup(spec: Sequence[Column]) -> dict[str, str]:
    table: dict[str, str] = {}
    for col in spec:
        for name in (col.header, col.key, *col.aliases):
            table.setdefault(normalize_header(name), col.key)
    return table


_PARTS = re.compile(r"[/\\、,;|()]|或")  # after normalize_header: half-width, no spaces
_PREFIXES = ("所属", "所在")
_SUFFIXES = ("名称", "号码", "名", "号")


def _word(part: str) -> str:
    for prefix in _PREFIXES:
        if part.startswith(prefix) and len(part) > len(prefix):
            part = part[len(prefix):]
            break
    for suffix in _SUFFIXES:
        if part.endswith(suffix) and len(part) > len(suffix):
            return part[: -len(suffix)]
    return part


def address_words(spec: Sequence[Column]) -> dict[str, str]:
    """The words of the spec's address columns (``loose``), each to its column's key."""
    words: dict[str, str] = {}
    for col in spec:
        if col.loose:
            for name in (col.header, *col.aliases):
                for part in _PARTS.split(normalize_header(name)):
                    if part:
                        words.setdefault(_word(part), col.key)
    return words


def loose_key(normalized: str, words: dict[str, str]) -> str | None:
    """The address column a header names by the rule of the module's description, or None."""
    keys = {words.get(_word(part)) for part in _PARTS.split(normalized) if part and part not in _SUFFIXES}
    if len(keys) != 1:
        return None
    return keys.pop()


def map_headers(headers: Sequence[object], spec: Sequence[Column]) -> ColumnMap:
    """Match a header row against a ledger's columns. The first column naming a field wins."""
    table = _lookup(spec)
    words = address_words(spec)
    texts = [clean_text(h) for h in headers]
    index: dict[str, int] = {}
    unknown: list[str] = []
    duplicate: list[str] = []
    for i, text in enumerate(texts):
        if not text:
            continue
        normalized = normalize_header(text)
        key = table.get(normalized)
        if key is None and words:
            key = loose_key(normalized, words)
        if key is None:
            unknown.append(text)
        elif key in index:
            duplicate.append(text)
        else:
            index[key] = i
    return ColumnMap(index=index, headers=texts, unknown=unknown, duplicate=duplicate)
