import pytest

from gridguard.core.pinyin import SURNAME_INITIALS, initials, person_initials


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("曾平", "zp"),
        ("单田芳", "stf"),
        ("解缙", "xj"),
        ("尉迟恭", "ycg"),
        ("万俟卨", "mqx"),
        ("单于洋", "cyy"),
        ("长孙无忌", "zswj"),
        ("澹台灭明", "ttmm"),
        ("区志强", "ozq"),
        ("覃平", "qp"),
        ("仇英", "qy"),
        ("查良镛", "zly"),
        ("翟志刚", "zzg"),
        ("乐嘉", "yj"),
        ("繁钦", "pq"),
        ("张三", "zs"),
        ("欧阳娜娜", "oynn"),
        ("华罗庚", "hlg"),
        ("曾", "z"),
        ("Tom", "tom"),
        ("", ""),
    ],
)
def test_person_name_reads_its_surname_as_a_surname(name, expected):
    assert person_initials(name) == expected


def test_only_the_start_of_a_name_is_a_surname():
    assert person_initials("张曾") == "zc"  # 曾 in the given name reads céng
    assert person_initials("王长江") == "wzj"  # 长 in the given name reads zhǎng, as everywhere
    assert person_initials("A曾") == "ac"


def test_organization_names_keep_the_ordinary_reading():
    assert initials("单位食堂") == "dwst"
    assert initials("曾家超市") == "cjcs"
    assert initials("张三") == "zs" and initials("Tom") == "tom" and initials("欧阳娜娜") == "oynn"


def test_every_surname_has_one_letter_per_character():
    for surname, letters in SURNAME_INITIALS.items():
        assert len(letters) == len(surname) and letters.isascii() and letters.isalpha() and letters.islower()


def test_person_initials_differ_from_initials_only_by_the_surname():
    for name in ("曾国藩", "单田芳", "张三", "李乐乐", "长江", "Tom 曾", "１２３", "·曾"):
        got, ordinary = person_initials(name), initials(name)
        assert len(got) == len(ordinary) and "\x00" not in got
        surname = next((s for s in sorted(SURNAME_INITIALS, key=len, reverse=True) if name.startswith(s)), "")
        assert got[len(surname) :] == ordinary[len(surname) :]
