"""Validation of ledger input, shared by forms, the API and imports (one set of rules).

Every function returns cleaned values or raises ApplicationError naming the field (the message
is Chinese first and translated with gettext when raised). ``label`` arguments are Chinese source
strings marked with gettext_noop; they are translated when a message is built.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gridguard.core.errors import ApplicationError
from gridguard.core.identity import ID_TYPE_OTHER, ID_TYPE_PASSPORT, ID_TYPE_RESIDENT, parse_id_number
from gridguard.core.normalize import clean_id_number, clean_name, clean_phone, clean_text, validate_phone
from gridguard.core.pinyin import initials
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
    words: Iterable[str]
    if isinstance(value, list | tuple | set):
        words = [clean_text(v) for v in value]
    else:
        text = clean_text(value)
        if not text or text in ("无", "否"):
            return 0
        words = _TAG_SPLIT.split(text)
    table = tag_table().by_word
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


def clean_person(data: dict, *, today: dt.date | None = None) -> PersonData:
    """Validate one person's fields. Raises the first ApplicationError found."""
    today = today or timezone.localdate()
    name = clean_name(data.get("name"))
    if not name:
        raise ApplicationError("name_required", _("姓名不能为空"), field="name")
    if len(name) > 60:
        raise ApplicationError("name_too_long", _("姓名不能超过 60 个字"), field="name")
    raw_type = clean_text(data.get("id_type")).lower()
    id_type = _ID_TYPE_WORDS.get(raw_type, raw_type)
    if id_type not in (ID_TYPE_RESIDENT, ID_TYPE_PASSPORT, ID_TYPE_OTHER):
        raise ApplicationError(
            "id_type_unknown", _("未知证件类型“{value}”").format(value=raw_type), field="id_type"
        )
    id_number = clean_id_number(data.get("id_number"))
    sex_raw = clean_text(data.get("sex")).upper()
    sex = _SEX_WORDS.get(sex_raw, "") if sex_raw else ""
    if sex_raw and not sex:
        raise ApplicationError(
            "sex_invalid", _("性别应填“男”或“女”，而不是“{value}”").format(value=sex_raw), field="sex"
        )
    birth = parse_date(data.get("birth_date"), "birth_date", gettext_noop("出生日期"))
    if id_number and id_type == ID_TYPE_RESIDENT:
        parsed = parse_id_number(id_number)
        id_number = parsed.number
        if sex and sex != parsed.sex:
            raise ApplicationError("sex_mismatch", _("性别与身份证号不符"), field="sex")
        if birth and birth != parsed.birth_date:
            raise ApplicationError("birth_mismatch", _("出生日期与身份证号不符"), field="birth_date")
        sex, birth = parsed.sex, parsed.birth_date
    elif id_number and len(id_number) > 40:
        raise ApplicationError("id_too_long", _("证件号码过长"), field="id_number")
    if birth is not None:
        if birth > today:
            raise ApplicationError(
                "birth_future",
                _("出生日期 {date} 晚于今天").format(date=f"{birth:%Y-%m-%d}"),
                field="birth_date",
            )
        if birth.year < 1890:
            raise ApplicationError(
                "birth_too_old",
                _("出生日期 {date} 不合理").format(date=f"{birth:%Y-%m-%d}"),
                field="birth_date",
            )
    phone = validate_phone(clean_phone(data.get("phone")))
    relation_raw = clean_text(data.get("relation"))
    relation = RELATION_BY_WORD.get(relation_raw) or RELATION_BY_WORD.get(relation_raw.lower())
    if relation is None:
        raise ApplicationError(
            "relation_unknown", _("未知的与户主关系“{value}”").format(value=relation_raw), field="relation"
        )
    residency_raw = clean_text(data.get("residency"))
    residency = RESIDENCY_BY_WORD.get(residency_raw or "户籍") or RESIDENCY_BY_WORD.get(residency_raw.lower())
    if residency is None:
        raise ApplicationError(
            "residency_unknown",
            _("居住类型应为 户籍/常住/流动/暂住/外出，而不是“{value}”").format(value=residency_raw),
            field="residency",
        )
    return PersonData(
        name=name,
        name_initials=initials(name),
        id_type=id_type,
        id_number=id_number,
        sex=sex,
        birth_date=birth,
        phone=phone,
        relation=str(relation),
        residency=str(residency),
        tags=parse_tags(data.get("tags")),
        is_party_member=parse_bool(data.get("is_party_member"), "is_party_member", gettext_noop("党员")),
        employer=clean_text(data.get("employer"))[:100],
        note=clean_text(data.get("note"))[:200],
    )


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
