"""Normalisation of what is only formatting: full-width characters, stray spaces, phone prefixes."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from gridguard.core.errors import ApplicationError

# Full-width ASCII variants (！ to ～) map to their half-width counterparts; the ideographic
# space and no-break/zero-width spaces become nothing or a plain space.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
_SPACES = {0x00A0: 0x20, 0x200B: None, 0xFEFF: None, 0x2002: 0x20, 0x2003: 0x20, 0x3000: 0x20}
_TABLE = {**_FULLWIDTH, **_SPACES}
_WS = re.compile(r"\s+")


def clean_text(value: object) -> str:
    """Half-width, trimmed, inner runs of white space folded to one space."""
    if value is None:
        return ""
    text = str(value).translate(_TABLE)
    if " " in text or "\t" in text or "\n" in text:
        text = _WS.sub(" ", text)
    return text.strip()


def clean_name(value: object) -> str:
    """A person's name: spaces between Chinese characters are typing slips and are removed."""
    text = clean_text(value)
    if " " in text and not text.isascii():
        text = text.replace(" ", "")
    return text


def clean_id_number(value: object) -> str:
    """Identity/document number: half-width, no spaces, upper case (trailing x -> X)."""
    text = clean_text(value)
    if not text:
        return ""
    if isinstance(value, float) and value.is_integer():  # read back from a numeric Excel cell
        text = f"{value:.0f}" if value < 1e15 else str(value)
    return text.replace(" ", "").replace("-", "").upper()


# A text that starts with one of these is read as a formula by spreadsheet programs (Excel, WPS,
# LibreOffice): core.xlsx writes such a text as a string, and the ledgers refuse names that start so.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def refuse_formula(value: str, field: str, label: str) -> str:
    """``value`` unless it starts like a formula (a name never starts with "="): ApplicationError
    naming ``field``, whose ``label`` the caller gives in the active language."""
    if value.startswith(FORMULA_STARTS):
        raise ApplicationError(
            "formula_like",
            _("{label}不能以“=”“+”“-”“@”开头：{value}").format(label=label, value=value[:20]),
            field=field,
        )
    return value


_PHONE_SEP = re.compile(r"[\s\-()（）.]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")


def clean_phone(value: object) -> str:
    """Normalise a phone: drop +86/0086, dashes, spaces and brackets. Returns "" for empty."""
    text = clean_text(value)
    if not text:
        return ""
    if isinstance(value, float) and value.is_integer():
        text = f"{value:.0f}"
    text = _PHONE_SEP.sub("", text)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    return text


def validate_phone(phone: str) -> str:
    if not phone:
        return phone
    if _MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone) or (phone.isdigit() and 7 <= len(phone) <= 8):
        return phone
    raise ApplicationError(
        "phone_invalid",
        _("电话号码“{phone}”格式不正确（应为 11 位手机号或带区号的固定电话）").format(phone=phone),
        field="phone",
    )
