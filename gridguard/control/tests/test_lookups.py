"""Issue 9, A7: that an identity number is registered in another jurisdiction is still said (the case
must be forwarded) but is a metered look-up (people.lookups), like a full-number search."""

import json

import pytest
from django.test import Client

from conftest import idno
from gridguard.accounts.models import AuditLog
from gridguard.accounts.services import role_create, user_create
from gridguard.control.models import ControlOrder
from gridguard.control.tests.conftest import local
from gridguard.control.tests.test_list_import import run, write


@pytest.fixture
def limit(settings):
    settings.LOOKUP_LIMIT_PER_HOUR = 2
    return 2


def post(user, body):
    c = Client()
    c.force_login(user)
    return c.post("/api/control/key-persons", json.dumps(body), content_type="application/json")


def key_person(number, name="王五"):
    return {"id_number": number, "name": name, "category": "close_contact", "measure": "home"}


def elsewhere(user):
    return AuditLog.objects.filter(actor=user, action=AuditLog.Action.LOOKUP, object_repr__startswith="他辖区")


def test_a_number_registered_elsewhere_is_a_look_up_kept_although_the_order_is_refused(persons, bob, limit):
    answer = post(bob, key_person(persons.ww.id_number))
    assert answer.status_code == 400 and answer.json()["code"] == "person_elsewhere"
    record = elsewhere(bob).get()  # written before the refused order's transaction, so kept
    assert persons.ww.id_number not in record.object_repr and record.object_repr.endswith(persons.ww.id_number[-4:])
    # a number of bob's own grid or a new one is no look-up
    assert post(bob, key_person(persons.zs.id_number, "张三")).status_code == 201
    assert elsewhere(bob).count() == 1


def test_past_the_limit_nothing_says_whether_the_number_is_elsewhere(persons, bob, limit, street_official, town):
    from gridguard.people import services as people

    others = []
    for seq in range(limit):  # more persons of the west, outside bob's grid
        h = people.household_create(actor=street_official, node=town.b1_b1, room=f"8{seq}")
        others.append(
            people.person_register(actor=street_official, household=h, data={"name": f"西{seq}", "id_number": idno(1960, 41 + 2 * seq)})
        )
    for p in others:
        assert post(bob, key_person(p.id_number, p.name)).json()["code"] == "person_elsewhere"
    refused = post(bob, key_person(persons.ww.id_number))
    assert refused.status_code == 429 and refused.json()["code"] == "lookup_limited"
    assert "辖区" not in refused.json()["message"]
    assert AuditLog.objects.filter(action=AuditLog.Action.FLAG, actor=bob).count() == 1
    assert not ControlOrder.objects.exists()


def test_a_list_import_meters_its_rows_registered_elsewhere(tmp_path, persons, town, street_official, limit):
    """A role that may import lists and order control but not reveal (a custom role): the rows
    whose number is registered outside its jurisdiction count as look-ups; past the limit such a row
    says only that the limit is reached."""
    role_create(actor=None, code="list_clerk", name="名单录入员", permissions=["imports.import", "control.order", "people.edit"])
    from gridguard.accounts.models import Role

    clerk = user_create(
        actor=None, username="clerk", password="clerk-pass-123", full_name="录入员",
        role=Role.objects.get(code="list_clerk"), nodes=[town.east],
    )
    from gridguard.people import services as people

    west = []
    for seq in range(3):
        h = people.household_create(actor=street_official, node=town.b1_b1, room=f"7{seq}")
        west.append(
            people.person_register(actor=street_official, household=h, data={"name": f"西{seq}", "id_number": idno(1960, 61 + 2 * seq)})
        )
    blank = [""] * 8
    rows = [(i + 1, p.name, p.id_number, "", "密接", *blank) for i, p in enumerate(west)]
    result = run(clerk, town.east, write(tmp_path / "list.xlsx", rows))
    codes = sorted(e.code for e in result.errors)
    assert codes == ["lookup_limited", "person_elsewhere", "person_elsewhere"]
    assert elsewhere(clerk).count() == limit


def test_verifying_an_arrival_of_a_person_registered_elsewhere_says_forward_it_as_a_look_up(persons, bob, town, limit):
    """An arrival reported at bob's grid with the number of 王五 (registered in the west): bob is told
    to forward it (no longer a bare 'no access'), and that answer is a metered look-up."""
    from gridguard.control import services
    from gridguard.core.errors import ApplicationError

    report = services.arrival_submit(
        poster=town.a1,
        data={"name": "王五", "id_number": persons.ww.id_number, "phone": "13700001111", "from_place": "上海市",
              "arrival_date": "2026-03-01", "address": "东城社区 1号楼 202"},
        now=local(2026, 3, 2, 10),
    )
    with pytest.raises(ApplicationError) as refused:
        services.arrival_verify(actor=bob, report=report, measure="home")
    assert refused.value.code == "person_elsewhere"
    assert elsewhere(bob).count() == 1
