"""Identity numbers: GB 11643-1999 (18 digits with checksum) and 15-digit legacy numbers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridguard.core.errors import ApplicationError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_DIGITS = frozenset("0123456789")

ID_TYPE_RESIDENT = "id"
ID_TYPE_PASSPORT = "passport"
ID_TYPE_OTHER = "other"
ID_TYPE_CHOICES = [
    (ID_TYPE_RESIDENT, gettext_lazy("居民身份证")),
    (ID_TYPE_PASSPORT, gettext_lazy("护照")),
    (ID_TYPE_OTHER, gettext_lazy("其他证件")),
]


def checksum_char(first17: str) -> str:
    total = 0
    for weight, ch in zip(_WEIGHTS, first17, strict=True):
        total += weight * (ord(ch) - 48)
    return _CHECK[total % 11]


def upgrade_legacy(number15: str) -> str:
    """Convert a 15-digit number (YYMMDD, 19xx births) to its 18-digit form."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + checksum_char(first17)


@dataclass(frozen=True, slots=True)
class ParsedId:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    converted_from_legacy: bool


class IdNumberError(ApplicationError):
    def __init__(self, code: str, message: str):
        super().__init__(code, message, field="id_number")


def parse_id_number(raw: str) -> ParsedId:
    """Validate a normalised resident identity number (see core.normalize) and read it.

    Raises IdNumberError with a message (Chinese first, translated) naming what is wrong.
    """
    number = raw
    legacy = False
    if len(number) == 15 and _DIGITS.issuperset(number):
        number = upgrade_legacy(number)
        legacy = True
    if len(number) != 18:
        if "E+" in raw.upper() or "." in raw:
            raise IdNumberError(
                "id_scientific",
                _("身份证号“{raw}”被 Excel 转成了科学计数法，请把该列设为文本后重新填写").format(raw=raw),
            )
        raise IdNumberError(
            "id_length",
            _("身份证号“{raw}”应为 18 位（或 15 位旧号），实为 {length} 位").format(raw=raw, length=len(raw)),
        )
    body, last = number[:17], number[17]
    if not _DIGITS.issuperset(body) or (last not in _DIGITS and last != "X"):
        raise IdNumberError("id_chars", _("身份证号“{raw}”含有非法字符").format(raw=raw))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError("id_birth", _("身份证号“{raw}”中的出生日期无效").format(raw=raw)) from None
    if birth.year < 1890:
        raise IdNumberError("id_birth", _("身份证号“{raw}”中的出生日期无效").format(raw=raw))
    if checksum_char(body) != last:
        raise IdNumberError(
            "id_checksum",
            _("身份证号“{raw}”校验位错误（末位应为 {check}）").format(raw=raw, check=checksum_char(body)),
        )
    sex = "M" if (ord(number[16]) - 48) % 2 else "F"
    return ParsedId(number=number, birth_date=birth, sex=sex, converted_from_legacy=legacy)


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """Build a valid 18-digit number (demo data and tests). ``sequence`` is 0..999; odd = male."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + checksum_char(first17)
