import datetime as dt

import pytest
from django.utils import timezone

from conftest import idno
from gridguard.core.errors import ApplicationError, FieldErrors
from gridguard.people.rules import (
    clean_household,
    clean_organization,
    clean_person,
    clean_person_cells,
    parse_tags,
)


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


# --- issue 9, A2: no name starts like a spreadsheet formula --------------------------------------

FORMULAS = ['=HYPERLINK("http://x","点击")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r+1"]


@pytest.mark.parametrize("name", FORMULAS)
def test_a_person_name_that_starts_like_a_formula_is_refused_with_the_other_errors(db, name):
    with pytest.raises(FieldErrors) as err:
        clean_person({"name": name, "id_number": idno(1980, 1), "phone": "123"})
    by_field = {e.field: e for e in err.value.errors}
    assert by_field["name"].code == "formula_like" and "姓名不能以" in by_field["name"].message
    assert "phone" in by_field  # every wrong field at once, not only the name


def test_the_fast_path_of_the_import_leaves_a_formula_name_to_clean_person(db):
    cells = ("=1+1", "身份证", idno(1980, 1), "", "", "", "户主", "户籍", "", "否", "", "")
    clean_person({"name": "张三", "id_type": "身份证", "relation": "户主", "residency": "户籍", "tags": "",
                  "is_party_member": "否"})  # the short cells are known to the fast path
    assert clean_person_cells(cells, timezone.localdate()) is None
    assert clean_person_cells(("张三", *cells[1:]), timezone.localdate()) is not None


def test_a_name_with_a_dash_inside_is_kept(db):
    assert clean_person({"name": "Jean-Luc", "id_type": "passport", "id_number": "E12345678"}).name == "Jean-Luc"
    assert clean_organization({"name": "A-1 超市", "kind": "shop"})["name"] == "A-1 超市"


@pytest.mark.parametrize("field,label", [("name", "单位名称"), ("contact_name", "负责人")])
def test_an_organization_name_or_contact_that_starts_like_a_formula_is_refused(db, field, label):
    data = {"name": "东城超市", "kind": "supermarket", "employees": "abc", field: "@SUM(A1)"}
    with pytest.raises(FieldErrors) as err:
        clean_organization(data)
    by_field = {e.field: e for e in err.value.errors}
    assert by_field[field].code == "formula_like" and by_field[field].message.startswith(f"{label}不能以")
    assert "employees" in by_field


def test_a_landlord_name_that_starts_like_a_formula_is_refused(db):
    with pytest.raises(FieldErrors) as err:
        clean_household({"landlord_name": "=1+1", "landlord_phone": "123", "is_rental": "是"})
    by_field = {e.field: e for e in err.value.errors}
    assert by_field["landlord_name"].code == "formula_like" and "房东姓名不能以" in by_field["landlord_name"].message
    assert by_field["landlord_phone"].code == "phone_invalid"


def test_the_services_refuse_formula_names(town, alice):
    from gridguard.people import services

    with pytest.raises(ApplicationError) as err:
        services.household_create(actor=alice, node=town.a1_b1, room="101", landlord_name="+86 房东")
    assert err.value.field == "landlord_name"
    household = services.household_create(actor=alice, node=town.a1_b1, room="101")
    with pytest.raises(ApplicationError) as err:
        services.household_update(actor=alice, household=household, data={"landlord_name": "-房东"})
    assert err.value.field == "landlord_name"
    with pytest.raises(ApplicationError) as err:
        services.person_register(actor=alice, household=household, data={"name": "=张三"})
    assert err.value.field == "name"
    org = services.organization_create(actor=alice, node=town.a1, data={"name": "东城超市", "kind": "shop"})
    with pytest.raises(ApplicationError) as err:
        services.organization_update(actor=alice, organization=org, data={"contact_name": "@李四"})
    assert err.value.field == "contact_name"
