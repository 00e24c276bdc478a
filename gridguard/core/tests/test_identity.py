import datetime as dt

import pytest

from gridguard.core.identity import checksum_char, make_id_number, parse_id_number, upgrade_legacy


def test_known_valid_number_is_parsed():
    parsed = parse_id_number("11010519491231002X")
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "F"
    assert not parsed.converted_from_legacy


def test_bad_checksum_names_the_expected_digit():
    with pytest.raises(Exception) as err:
        parse_id_number("110105194912310021")
    assert err.value.code == "id_checksum"
    assert "校验位错误" in err.value.message and "X" in err.value.message


def test_legacy_fifteen_digit_number_is_converted():
    legacy = "110105491231002"
    parsed = parse_id_number(legacy)
    assert parsed.number == upgrade_legacy(legacy)
    assert parsed.number.startswith("11010519491231002")
    assert parsed.converted_from_legacy


@pytest.mark.parametrize(
    ("raw", "code"),
    [("1.10105E+17", "id_scientific"), ("12345", "id_length"), ("11010519491331002X", "id_birth"),
     ("1101051949123100AX", "id_chars")],
)
def test_invalid_numbers_get_a_reason(raw, code):
    with pytest.raises(Exception) as err:
        parse_id_number(raw)
    assert err.value.code == code


def test_make_id_number_round_trips_sex_and_birth():
    number = make_id_number("320102", dt.date(2001, 2, 3), 7)
    parsed = parse_id_number(number)
    assert parsed.sex == "M" and parsed.birth_date == dt.date(2001, 2, 3)
    assert checksum_char(number[:17]) == number[17]
