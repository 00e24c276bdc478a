import datetime as dt

import pytest
from django.utils import timezone

from conftest import idno
from gridguard.core.errors import ApplicationError
from gridguard.people.rules import clean_person, parse_tags


def test_sex_and_birth_come_from_the_identity_number(db):
    p = clean_person({"name": "张三", "id_number": idno(1985, 3, month=6, day=7), "relation": "户主"})
    assert p.sex == "M" and p.birth_date == dt.date(1985, 6, 7) and p.relation == "head"
    assert p.name_initials == "zs" and p.residency == "registered"


def test_conflicting_sex_is_an_error(db):
    with pytest.raises(ApplicationError) as err:
        clean_person({"name": "张三", "id_number": idno(1985, 3), "sex": "女"})
    assert err.value.field == "sex"


def test_birth_in_future_is_refused(db):
    tomorrow = timezone.localdate() + dt.timedelta(days=2)
    with pytest.raises(ApplicationError) as err:
        clean_person({"name": "新生儿", "birth_date": tomorrow.isoformat()}, today=timezone.localdate())
    assert err.value.code == "birth_future" and "晚于今天" in err.value.message


def test_passport_is_kept_as_is(db):
    p = clean_person(
        {"name": "John Smith", "id_type": "护照", "id_number": "e12345678", "birth_date": "1990/1/2"}
    )
    assert p.id_number == "E12345678" and p.birth_date == dt.date(1990, 1, 2)


def test_missing_name(db):
    with pytest.raises(ApplicationError) as err:
        clean_person({"name": "  "})
    assert err.value.code == "name_required" and err.value.field == "name"


def test_tags_by_name_and_alias(db):
    assert parse_tags("空巢老人、低保户；慢病") == (1 << 0) | (1 << 3) | (1 << 6)
    with pytest.raises(ApplicationError) as err:
        parse_tags("外星人")
    assert "外星人" in err.value.message


def test_unknown_residency_names_the_allowed_values(db):
    with pytest.raises(ApplicationError) as err:
        clean_person({"name": "张三", "residency": "旅居"})
    assert "户籍/常住/流动/暂住/外出" in err.value.message
