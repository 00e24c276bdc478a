"""Pinyin initials for search ("zs" finds 张三, "zp" finds 曾平), one letter per character.

Two functions: ``initials`` reads every character the ordinary way (organizations, any text);
``person_initials`` is for a person's name, whose surname may be read otherwise (曾平 is zēng píng,
not céng píng). Both remember each character's initial, so an import of 100,000 rows stays fast.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Surnames whose reading differs from the character's ordinary one (pypinyin, which has no
# surname mode, reads each character alone with its first reading). Compound surnames are
# matched before single ones: 单于 (chán yú), else 单 (shàn). Entries whose initial is the
# ordinary one anyway (华, 任, 朴, 长孙 …) are kept so that the table states the reading.
SURNAME_READINGS: dict[str, str] = {
    # compound surnames
    "尉迟": "yù chí",
    "万俟": "mò qí",
    "单于": "chán yú",
    "长孙": "zhǎng sūn",
    "澹台": "tán tái",
    # single surnames
    "曾": "zēng",
    "单": "shàn",
    "解": "xiè",
    "仇": "qiú",
    "查": "zhā",
    "区": "ōu",
    "覃": "qín",
    "朴": "piáo",
    "乐": "yuè",  # also lè in some families; one column holds one reading: yuè, the usual one
    "盖": "gě",
    "缪": "miào",
    "翟": "zhái",
    "员": "yùn",
    "华": "huà",
    "任": "rén",
    "句": "gōu",
    "莘": "shēn",
    "繁": "pó",
    "秘": "bì",
    "洗": "xiǎn",
    "冼": "xiǎn",
    "种": "chóng",
    "黑": "hè",
    "长": "cháng",
    "重": "chóng",
    "阚": "kàn",
    "折": "shè",
    "粘": "niàn",
    "佴": "nài",
    "乜": "niè",
    "藏": "zàng",
    "隗": "wěi",
    "郇": "xún",
    "祭": "zhài",
    "便": "pián",
    "蕃": "pí",
}


def _syllable_initial(syllable: str) -> str:
    return unicodedata.normalize("NFD", syllable)[0].lower()  # "ōu" → "o"


# surname → its initials ("尉迟" → "yc")
SURNAME_INITIALS: dict[str, str] = {
    surname: "".join(_syllable_initial(s) for s in reading.split())
    for surname, reading in SURNAME_READINGS.items()
}
_SURNAME_LONGEST = max(len(surname) for surname in SURNAME_INITIALS)


@lru_cache(maxsize=65536)
def _char_initial(ch: str) -> str:
    if ch.isascii():
        return ch.lower() if ch.isalnum() else ""
    letters = lazy_pinyin(ch, style=Style.FIRST_LETTER, errors="ignore")
    return letters[0][:1].lower() if letters and letters[0] else ""


_TABLE_MAX = 65_536  # characters a table remembers: a hostile text cannot grow it further


class _Initials(dict[int, str]):
    """Code point → its initial ("" for none), for str.translate, filled as characters are seen
    (translate looks each one up, and a dict subclass's lookup falls back on __missing__)."""

    def initial(self, ch: str) -> str:
        return _char_initial(ch)

    def __missing__(self, code: int) -> str:
        value = self.initial(chr(code))
        if len(self) < _TABLE_MAX:
            self[code] = value
        return value


_INITIAL_OF = _Initials()


def initials(name: str) -> str:
    """First letters of each character's ordinary pinyin, lower case: 单位食堂 → "dwst". Latin
    letters and digits are kept (lower case), other characters without a reading dropped. For a
    person's name use person_initials."""
    return name.translate(_INITIAL_OF)


# The first characters of the surnames whose initials differ from the ordinary ones (曾, 单, 尉 …;
# not 华: huà and huá are both "h"). A person's name that does not start with one is read as usual.
_SURNAME_START = frozenset(
    surname[0] for surname, letters in SURNAME_INITIALS.items() if initials(surname) != letters
)
_MARK = "\x00"  # never in initials' output: the ASCII characters kept are letters and digits


class _PersonInitials(_Initials):
    """_INITIAL_OF, but a character of _SURNAME_START reads as _MARK and its ordinary initial, so
    that one test on the result tells the (few) names that may start with a surname to read."""

    def initial(self, ch: str) -> str:
        return _MARK + _char_initial(ch) if ch in _SURNAME_START else _char_initial(ch)


_PERSON_INITIAL_OF = _PersonInitials()


def person_initials(name: str) -> str:
    """initials(name) for a person's name: a surname at its start (SURNAME_READINGS, a compound
    one first) takes its surname reading, 曾平 → "zp", 尉迟恭 → "ycg"; the rest reads as usual."""
    text = name.translate(_PERSON_INITIAL_OF)
    if _MARK not in text:
        return text
    if name[:1] in _SURNAME_START:
        for length in range(min(_SURNAME_LONGEST, len(name)), 0, -1):
            letters = SURNAME_INITIALS.get(name[:length])
            if letters is not None:
                return letters + initials(name[length:])
    return text.replace(_MARK, "")
