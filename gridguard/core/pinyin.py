"""Pinyin initials for search ("zs" finds 张三), cached per character so imports stay fast."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def _char_initial(ch: str) -> str:
    if ch.isascii():
        return ch.lower() if ch.isalnum() else ""
    letters = lazy_pinyin(ch, style=Style.FIRST_LETTER, errors="ignore")
    return letters[0][:1].lower() if letters and letters[0] else ""


def initials(name: str) -> str:
    """First letters of each character's pinyin, lower case. Latin names keep their letters."""
    return "".join([_char_initial(ch) for ch in name])
