import pytest

from gridguard.core.errors import ApplicationError
from gridguard.core.masking import mask_id_number, mask_phone
from gridguard.core.normalize import clean_id_number, clean_name, clean_phone, clean_text, validate_phone
from gridguard.core.pinyin import initials


def test_full_width_digits_and_spaces_are_folded():
    assert clean_text("  １３８　００１３ ８０００ ") == "138 0013 8000"
    assert clean_id_number("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"


def test_lowercase_x_and_inner_spaces_in_identity_number():
    assert clean_id_number(" 110105 19491231 002x ") == "11010519491231002X"


def test_float_from_excel_keeps_its_digits():
    assert clean_phone(13800138000.0) == "13800138000"


@pytest.mark.parametrize("raw", ["+86 138-0013-8000", "0086 13800138000", "86 138 0013 8000", "（138）00138000"])
def test_phone_prefixes_and_separators_are_dropped(raw):
    assert clean_phone(raw) == "13800138000"


def test_bad_phone_is_refused_with_chinese_message():
    with pytest.raises(ApplicationError) as err:
        validate_phone("12345678901234")
    assert err.value.field == "phone" and "电话号码" in err.value.message


def test_landline_with_area_code_is_accepted():
    assert validate_phone(clean_phone("022-12345678")) == "02212345678"


def test_name_spaces_between_chinese_characters_are_removed():
    assert clean_name(" 张 三 ") == "张三"
    assert clean_name("John  Smith") == "John Smith"


def test_masks():
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""


def test_pinyin_initials():
    assert initials("张三") == "zs"
    assert initials("欧阳娜娜") == "oynn"
    assert initials("Tom") == "tom"
