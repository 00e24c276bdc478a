"""Validation of ledger input, shared by forms, the API and imports (one set of rules).

Every function returns cleaned values or raises ApplicationError naming the field (the message
is Chinese first and translated with gettext when raised). ``label`` arguments are Chinese source
strings marked with gettext_noop; they are translated when a message is built.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gridguard.core.errors import ApplicationError, FieldErrors
from gridguard.core.identity import ID_TYPE_OTHER, ID_TYPE_PASSPORT, ID_TYPE_RESIDENT, read_id_number
from gridguard.core.normalize import (
    FORMULA_STARTS,
    clean_id_number,
    clean_name,
    clean_phone,
    clean_text,
    refuse_formula,
    validate_phone,
)
from gridguard.core.pinyin import initials, person_initials
from gridguard.people.models import OrganizationKind, Relation, Residency, Sex

_RELATION_WORDS = {
    Relation.HEAD: ["户主", "本人", "户主本人", "head"],
    Relation.SPOUSE: ["配偶", "妻", "妻子", "夫", "丈夫", "爱人", "spouse"],
    Relation.CHILD: [
        "子女",
        "子",
        "女",
        "儿子",
        "女儿",
        "长子",
        "次子",
        "长女",
        "次女",
        "三子",
        "三女",
        "独生子",
        "独生女",
        "child",
    ],
    Relation.PARENT: ["父母", "父亲", "母亲", "父", "母", "parent"],
    Relation.GRANDCHILD: ["孙子女", "孙子", "孙女", "外孙", "外孙女", "grandchild"],
    Relation.GRANDPARENT: ["祖父母", "祖父", "祖母", "外祖父", "外祖母", "grandparent"],
    Relation.SIBLING: ["兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "sibling"],
    Relation.CHILD_IN_LAW: ["儿媳", "女婿", "媳妇", "儿媳/女婿", "child_in_law"],
    Relation.TENANT: ["租户", "租客", "承租人", "tenant"],
    Relation.OTHER: ["其他", "其它", "亲属", "other", ""],
}
RELATION_BY_WORD = {w: code for code, words in _RELATION_WORDS.items() for w in words}

_RESIDENCY_WORDS = {
    Residency.REGISTERED: ["户籍", "户籍人口", "本地户籍", "registered"],
    Residency.RESIDENT: ["常住", "常住人口", "resident"],
    Residency.FLOATING: ["流动", "流动人口", "外来", "floating"],
    Residency.TEMPORARY: ["暂住", "暂住人口", "temporary"],
    Residency.AWAY: ["外出", "外出人口", "外出务工", "away"],
}
RESIDENCY_BY_WORD = {w: code for code, words in _RESIDENCY_WORDS.items() for w in words}

_SEX_WORDS = {
    "男": Sex.MALE,
    "女": Sex.FEMALE,
    "M": Sex.MALE,
    "F": Sex.FEMALE,
    "男性": Sex.MALE,
    "女性": Sex.FEMALE,
}
_YES = {"是", "党员", "中共党员", "预备党员", "y", "yes", "1", "true", "√", "✓"}
_NO = {"否", "不是", "群众", "n", "no", "0", "false", ""}
_ID_TYPE_WORDS = {
    "": ID_TYPE_RESIDENT,
    "身份证": ID_TYPE_RESIDENT,
    "居民身份证": ID_TYPE_RESIDENT,
    "id": ID_TYPE_RESIDENT,
    "护照": ID_TYPE_PASSPORT,
    "passport": ID_TYPE_PASSPORT,
    "其他": ID_TYPE_OTHER,
    "其他证件": ID_TYPE_OTHER,
    "港澳通行证": ID_TYPE_OTHER,
    "台胞证": ID_TYPE_OTHER,
    "other": ID_TYPE_OTHER,
}
_TAG_SPLIT = re.compile(r"[,，、;；/\s]+")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
_ORG_KIND_EXTRA_WORDS = {code: code for code in OrganizationKind.values} | {
    "公司": "enterprise",
    "工厂": "enterprise",
    "店铺": "shop",
    "个体户": "shop",
    "幼儿园": "school",
    "酒店": "hotel",
    "旅馆": "hotel",
    "超市": "supermarket",
    "诊所": "clinic",
    "卫生室": "clinic",
    "医院": "clinic",
    "饭店": "restaurant",
}


@lru_cache(maxsize=1)
def _org_kind_by_word() -> dict[str, str]:
    """Input words for an organisation kind: the Chinese labels (whatever language is active for
    the user: the words are what people type in the sheets), the codes and common synonyms."""
    with translation.override(settings.LANGUAGE_CODE):
        labels = {str(label): str(code) for code, label in OrganizationKind.choices}
    return labels | _ORG_KIND_EXTRA_WORDS


def _label(label: str) -> str:
    """A field label marked with gettext_noop by the caller, in the active language."""
    return _(label) if label else label


def parse_date(value: object, field: str, label: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = clean_text(value)
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise ApplicationError(
        "date_invalid",
        _("{label}“{text}”不是有效日期（如 2020-01-31）").format(label=_label(label), text=text),
        field=field,
    )


def parse_bool(value: object, field: str, label: str) -> bool:
    if isinstance(value, bool):
        return value
    text = clean_text(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ApplicationError(
        "bool_invalid",
        _("{label}应填“是”或“否”，而不是“{text}”").format(label=_label(label), text=text),
        field=field,
    )


@dataclass(frozen=True)
class TagInfo:
    by_word: dict[str, int]  # word -> bit
    masks: dict[str, int] = field(default_factory=dict)  # cell text -> mask, filled as cells are read


@lru_cache(maxsize=1)
def _tag_table_cached(version: int) -> TagInfo:
    from gridguard.people.models import Tag

    words: dict[str, int] = {}
    for tag in Tag.objects.all():
        words[tag.name] = tag.bit
        words[tag.code] = tag.bit
        for alias in filter(None, (a.strip() for a in tag.aliases.split(","))):
            words[alias] = tag.bit
    return TagInfo(by_word=words)


_tag_version = 0


def tag_table() -> TagInfo:
    return _tag_table_cached(_tag_version)


def tags_changed() -> None:
    global _tag_version
    _tag_version += 1


def parse_tags(value: object) -> int:
    if isinstance(value, int):
        return value
    if type(value) is str:  # a file repeats a few texts ("残疾人、慢性病"): each is split once per table
        info = tag_table()
        mask = info.masks.get(value)
        if mask is None:
            mask = _parse_tags(value, info)
            if len(info.masks) < _MEMO_MAX:
                info.masks[value] = mask
        return mask
    return _parse_tags(value, tag_table())


def _parse_tags(value: object, info: TagInfo) -> int:
    words: Iterable[str]
    if isinstance(value, list | tuple | set):
        words = [clean_text(v) for v in value]
    else:
        text = clean_text(value)
        if not text or text in ("无", "否"):
            return 0
        words = _TAG_SPLIT.split(text)
    table = info.by_word
    mask = 0
    for word in words:
        if not word:
            continue
        bit = table.get(word)
        if bit is None:
            raise ApplicationError(
                "tag_unknown", _("未知的特殊人群类别“{word}”").format(word=word), field="tags"
            )
        mask |= 1 << bit
    return mask


@dataclass(slots=True)
class PersonData:
    name: str
    name_initials: str
    id_type: str
    id_number: str
    sex: str
    birth_date: dt.date | None
    phone: str
    relation: str
    residency: str
    tags: int
    is_party_member: bool
    employer: str
    note: str


# --- fast paths for the cells of a file ------------------------------------------------------------
# An import cleans 100,000 rows; most of their cells are already clean, and the short columns (sex,
# relation, residency, …) repeat a handful of values. The helpers below give exactly the results
# of the general functions (core.normalize, parse_*) and raise the same errors.

_MEMO_MAX = 4096  # remembered texts per rule: a hostile file cannot grow them further
_ID_TAIL = frozenset("0123456789X")
_MISSING = object()


def _is_clean(text: str) -> bool:
    """clean_text(text) == text for a non-empty str: printable (so the only white space it can hold is
    the ASCII space), no space, nothing to fold to half-width (all full-width forms clean_text folds
    are U+FF01 and above, or not printable)."""
    return " " not in text and text.isprintable() and (text.isascii() or max(text) < "\uff01")


def _text(value: object) -> str:
    """clean_text(value), skipping its work when the text is clean already."""
    if type(value) is str and (not value or _is_clean(value)):
        return value
    return clean_text(value)


class _Memo:
    """A one-cell rule whose results are remembered per cell text. Errors are not remembered: they
    are raised afresh each time, so their message is in the language active then."""

    __slots__ = ("fn", "known")

    def __init__(self, fn: Callable[[Any], Any]):
        self.fn = fn
        self.known: dict[str, Any] = {}

    def __call__(self, value: object) -> Any:
        if type(value) is not str:
            return self.fn(value)
        result = self.known.get(value, _MISSING)
        if result is _MISSING:
            result = self.fn(value)
            if len(self.known) < _MEMO_MAX:
                self.known[value] = result
        return result


@_Memo
def _id_type(value: object) -> str:
    raw_type = clean_text(value).lower()
    id_type = _ID_TYPE_WORDS.get(raw_type, raw_type)
    if id_type not in (ID_TYPE_RESIDENT, ID_TYPE_PASSPORT, ID_TYPE_OTHER):
        raise ApplicationError(
            "id_type_unknown", _("未知证件类型“{value}”").format(value=raw_type), field="id_type"
        )
    return id_type


@_Memo
def _sex(value: object) -> str:
    sex_raw = clean_text(value).upper()
    sex = _SEX_WORDS.get(sex_raw, "") if sex_raw else ""
    if sex_raw and not sex:
        raise ApplicationError(
            "sex_invalid", _("性别应填“男”或“女”，而不是“{value}”").format(value=sex_raw), field="sex"
        )
    return str(sex)


@_Memo
def _relation(value: object) -> str:
    relation_raw = clean_text(value)
    relation = RELATION_BY_WORD.get(relation_raw) or RELATION_BY_WORD.get(relation_raw.lower())
    if relation is None:
        raise ApplicationError(
            "relation_unknown", _("未知的与户主关系“{value}”").format(value=relation_raw), field="relation"
        )
    return str(relation)


def parse_relation(value: object) -> str:
    """A relation word or code ("户主", "head") as its code; ApplicationError naming the field."""
    return _relation(value)


@_Memo
def _residency(value: object) -> str:
    residency_raw = clean_text(value)
    residency = RESIDENCY_BY_WORD.get(residency_raw or "户籍") or RESIDENCY_BY_WORD.get(residency_raw.lower())
    if residency is None:
        raise ApplicationError(
            "residency_unknown",
            _("居住类型应为 户籍/常住/流动/暂住/外出，而不是“{value}”").format(value=residency_raw),
            field="residency",
        )
    return str(residency)


@_Memo
def _party_member(value: object) -> bool:
    return parse_bool(value, "is_party_member", gettext_noop("党员"))


def _phone(value: object) -> str:
    """validate_phone(clean_phone(value)); a cell that is an 11-digit mobile number is one already."""
    if type(value) is str and len(value) == 11 and value.isascii() and value.isdigit() and value[0] == "1" \
            and value[1] in "3456789":
        return value
    return validate_phone(clean_phone(value))


def _id_number(value: object) -> str:
    """clean_id_number(value); an 18-character cell of ASCII digits (and a final X) is clean already."""
    if type(value) is str and len(value) == 18 and value.isascii() and value[:17].isdigit() and value[17] in _ID_TAIL:
        return value
    return clean_id_number(value)


def clean_person(data: dict, *, today: dt.date | None = None) -> PersonData:
    """Validate one person's fields. Raises FieldErrors (an ApplicationError: the first problem,
    with ``errors`` holding every field's) so a form or a report row shows all that is wrong at once."""
    today = today or timezone.localdate()
    get = data.get
    errors: list[ApplicationError] = []

    def check(parse: Callable[..., Any], *args: Any) -> Any:
        try:
            return parse(*args)
        except ApplicationError as exc:
            errors.append(exc)
            return None

    raw_name = get("name")
    name = raw_name if type(raw_name) is str and _text(raw_name) is raw_name else clean_name(raw_name)
    if not name:
        errors.append(ApplicationError("name_required", _("姓名不能为空"), field="name"))
    elif len(name) > 60:
        errors.append(ApplicationError("name_too_long", _("姓名不能超过 60 个字"), field="name"))
    else:
        check(refuse_formula, name, "name", _("姓名"))
    id_type = check(_id_type, get("id_type"))
    id_number = _id_number(get("id_number"))
    sex = check(_sex, get("sex"))
    birth = get("birth_date")
    if type(birth) is not dt.date:
        birth = check(parse_date, birth, "birth_date", gettext_noop("出生日期"))
    if id_number and id_type == ID_TYPE_RESIDENT:
        read = check(read_id_number, id_number)
        if read is not None:
            id_number, id_birth, id_sex = read
            if sex and sex != id_sex:
                errors.append(ApplicationError("sex_mismatch", _("性别与身份证号不符"), field="sex"))
            if birth and birth != id_birth:
                errors.append(ApplicationError("birth_mismatch", _("出生日期与身份证号不符"), field="birth_date"))
            sex, birth = id_sex, id_birth
    elif id_number and len(id_number) > 40:
        errors.append(ApplicationError("id_too_long", _("证件号码过长"), field="id_number"))
    if birth is not None:
        if birth > today:
            errors.append(ApplicationError(
                "birth_future", _("出生日期 {date} 晚于今天").format(date=f"{birth:%Y-%m-%d}"), field="birth_date"
            ))
        elif birth.year < 1890:
            errors.append(ApplicationError(
                "birth_too_old", _("出生日期 {date} 不合理").format(date=f"{birth:%Y-%m-%d}"), field="birth_date"
            ))
    phone = check(_phone, get("phone"))
    relation = check(_relation, get("relation"))
    residency = check(_residency, get("residency"))
    tags = check(parse_tags, get("tags"))
    party = check(_party_member, get("is_party_member"))
    if errors:
        raise FieldErrors(errors)
    return PersonData(
        name=name,
        name_initials=person_initials(name),
        id_type=id_type,
        id_number=id_number,
        sex=sex,
        birth_date=birth,
        phone=phone,
        relation=relation,
        residency=residency,
        tags=tags,
        is_party_member=party,
        employer=_text(get("employer"))[:100],
        note=_text(get("note"))[:200],
    )


# The cells clean_person_cells reads, in its order (clean_person's keys).
PERSON_CELL_KEYS = (
    "name", "id_type", "id_number", "sex", "birth_date", "phone", "relation", "residency", "tags",
    "is_party_member", "employer", "note",
)


def clean_person_cells(cells: tuple, today: dt.date) -> PersonData | None:
    """clean_person for the common row of a file, read straight from its cells (PERSON_CELL_KEYS
    order, "" for a column the file lacks): a resident with an 18-character identity number, the
    name and free texts already clean, every other cell a text that clean_person has accepted
    before. Returns exactly what clean_person would, or None whenever it might answer otherwise (an
    error, a cell to normalise, a text not seen yet): the caller then runs clean_person itself."""
    name, id_type, id_number, sex, birth, phone, relation, residency, tags, party, employer, note = cells
    if (type(name) is not str or not name or len(name) > 60 or not _is_clean(name)
            or name.startswith(FORMULA_STARTS)):  # clean_person refuses it
        return None
    if type(id_type) is not str or _id_type.known.get(id_type) != ID_TYPE_RESIDENT:
        return None
    if (type(id_number) is not str or len(id_number) != 18 or not id_number.isascii()
            or not id_number[:17].isdigit() or id_number[17] not in _ID_TAIL):
        return None
    try:
        number, id_birth, id_sex = read_id_number(id_number)
    except ApplicationError:
        return None
    if id_birth > today:
        return None
    if sex != "" and (type(sex) is not str or _sex.known.get(sex) != id_sex):
        return None
    if birth != "" and (type(birth) is not str or len(birth) != 10 or birth[4] != "-" or birth[7] != "-"
                        or birth.replace("-", "") != number[6:14]):  # the ISO form of the number's date
        return None
    if phone != "" and (type(phone) is not str or len(phone) != 11 or not phone.isascii() or not phone.isdigit()
                        or phone[0] != "1" or phone[1] not in "3456789"):
        return None
    if type(relation) is not str or type(residency) is not str or type(tags) is not str or type(party) is not str:
        return None
    relation_code = _relation.known.get(relation)
    residency_code = _residency.known.get(residency)
    mask = tag_table().masks.get(tags)
    member = _party_member.known.get(party)
    if relation_code is None or residency_code is None or mask is None or member is None:
        return None
    if type(employer) is not str or (employer and not _is_clean(employer)):
        return None
    if type(note) is not str or (note and not _is_clean(note)):
        return None
    return PersonData(  # positional: PersonData's field order
        name, person_initials(name), ID_TYPE_RESIDENT, number, id_sex, id_birth, phone, relation_code, residency_code,
        mask, member, employer[:100], note[:200],
    )


MAX_EMPLOYEES = 10_000_000


def clean_organization(data: dict[str, Any]) -> dict[str, Any]:
    """Validate one organization's fields (forms, API, imports). Raises FieldErrors (reads as the
    first problem; ``errors`` holds every field's) so a form shows all that is wrong at once."""
    errors: list[ApplicationError] = []

    def check(parse: Callable[..., Any], *args: Any) -> Any:
        try:
            return parse(*args)
        except ApplicationError as exc:
            errors.append(exc)
            return None

    name = clean_text(data.get("name"))
    if not name:
        errors.append(ApplicationError("name_required", _("单位名称不能为空"), field="name"))
    else:
        check(refuse_formula, name, "name", _("单位名称"))
    employees = check(_employees, clean_text(data.get("employees")))
    credit = clean_text(data.get("credit_code")).upper().replace(" ", "")
    if credit and len(credit) != 18:
        errors.append(ApplicationError(
            "credit_code_invalid",
            _("统一社会信用代码“{value}”应为 18 位").format(value=credit),
            field="credit_code",
        ))
    kind = check(parse_org_kind, data.get("kind"))
    contact_name = clean_text(data.get("contact_name"))[:40]
    check(refuse_formula, contact_name, "contact_name", _("负责人"))
    contact_phone = check(lambda value: validate_phone(clean_phone(value)), data.get("contact_phone"))
    key_place = check(parse_bool, data.get("is_key_place", False), "is_key_place", gettext_noop("重点场所"))
    if errors:
        raise FieldErrors(errors)
    return {
        "name": name[:120],
        "name_initials": initials(name)[:120],
        "kind": kind,
        "credit_code": credit,
        "address": clean_text(data.get("address"))[:200],
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "employees": employees,
        "is_key_place": key_place,
    }


def _employees(text: str) -> int | None:
    if not text:
        return None
    try:
        employees = int(float(text))
    except (ValueError, OverflowError):  # "abc", "inf"
        raise ApplicationError(
            "employees_invalid", _("从业人数“{value}”不是数字").format(value=text), field="employees"
        ) from None
    if employees < 0:
        raise ApplicationError("employees_invalid", _("从业人数不能为负数"), field="employees")
    if employees > MAX_EMPLOYEES:  # also beyond what the column holds
        raise ApplicationError(
            "employees_invalid", _("从业人数“{value}”过大").format(value=text), field="employees"
        )
    return employees


def parse_org_kind(value: object) -> str:
    text = clean_text(value)
    words = _org_kind_by_word()
    kind = words.get(text) or words.get(text.lower())
    if not kind:
        raise ApplicationError(
            "org_kind_unknown", _("未知的单位类型“{value}”").format(value=text), field="kind"
        )
    return kind


def parse_room(value: object) -> str:
    text = clean_text(value)
    if isinstance(value, float) and value.is_integer():
        text = f"{value:.0f}"
    return text.replace(" ", "")[:40]


def clean_landlord_name(value: object) -> str:
    """A landlord's name (房东姓名): a text of at most 40 characters that never starts like a formula."""
    return refuse_formula(clean_text(value)[:40], "landlord_name", _("房东姓名"))


def clean_household(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a household's own fields (room, rental, landlord). Raises FieldErrors naming every
    wrong field at once."""
    errors: list[ApplicationError] = []

    def check(parse: Callable[..., Any], *args: Any) -> Any:
        try:
            return parse(*args)
        except ApplicationError as exc:
            errors.append(exc)
            return None

    def landlord_phone(value: object) -> str:
        try:
            return validate_phone(clean_phone(value))
        except ApplicationError as exc:  # validate_phone names its field "phone"
            raise ApplicationError(exc.code, exc.message, field="landlord_phone") from None

    clean = {
        "room": parse_room(data.get("room")),
        "is_rental": check(parse_bool, data.get("is_rental", False), "is_rental", gettext_noop("出租房")),
        "landlord_name": check(clean_landlord_name, data.get("landlord_name")),
        "landlord_phone": check(landlord_phone, data.get("landlord_phone")),
    }
    if errors:
        raise FieldErrors(errors)
    return clean
