"""Key-person control plugs into the person and household pages and the person API (core.plug);
the ledgers do not import it."""

from pathlib import Path

import pytest
from django.urls import reverse

from conftest import idno
from gridguard.control import services
from gridguard.people.services import household_create, person_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(town, admin_user):
    household = household_create(actor=admin_user, node=town.a1_b1, room="101")
    person = person_register(
        actor=admin_user, household=household, data={"name": "张三", "id_number": idno(1980, 11), "relation": "户主"}
    )
    return household, person


def test_the_person_page_shows_controls_section_and_its_button(client, bob, charlie, home, admin_user):
    household, person = home
    client.force_login(bob)
    page = client.get(reverse("people:person", args=[person.pk])).content.decode()
    assert 'id="control-section"' in page and "暂无管控记录" in page
    assert f"{reverse('control:order_create')}?person={person.pk}" in page
    order = services.order_create(actor=admin_user, person=person, category="secondary_contact", measure="home")
    page = client.get(reverse("people:person", args=[person.pk])).content.decode()
    assert reverse("control:order", args=[order.pk]) in page and "居家隔离" in page
    assert f"{reverse('control:order_create')}?person=" not in page  # already under control
    house = client.get(reverse("people:household", args=[household.pk])).content.decode()
    assert 'id="isolation-mark"' in house and "本户 张三 居家隔离中" in house
    client.force_login(charlie)  # no access to the person: no page, no section
    assert client.get(reverse("people:person", args=[person.pk])).status_code == 404


def test_a_role_without_control_sees_no_section_until_an_order_exists(client, town, home, admin_user):
    from conftest import _user

    _household, person = home
    chief = _user("chief", "building_chief", town.a1_b1)
    client.force_login(chief)
    page = client.get(reverse("people:person", args=[person.pk])).content.decode()
    assert 'id="control-section"' not in page
    services.order_create(actor=admin_user, person=person, category="secondary_contact", measure="home")
    page = client.get(reverse("people:person", args=[person.pk])).content.decode()
    assert 'id="control-section"' in page and "下达管控" not in page


def test_the_person_api_carries_controls_summary(client, bob, home, admin_user):
    _household, person = home
    client.force_login(bob)
    body = client.get(f"/api/persons/{person.pk}").json()
    assert body["summary"]["control"] == {"orders": 0, "active_order": None}
    order = services.order_create(actor=admin_user, person=person, category="secondary_contact", measure="home")
    active = client.get(f"/api/persons/{person.pk}").json()["summary"]["control"]["active_order"]
    assert active["id"] == order.pk and active["measure"] == "home"


def test_the_ledgers_do_not_import_control():
    people = Path(__file__).resolve().parents[2] / "people"
    for source in people.rglob("*.py"):
        if "tests" not in source.parts and "migrations" not in source.parts:
            assert "gridguard.control" not in source.read_text(encoding="utf-8"), source
