"""The demo town (generate_demo's foundation): a plausible, valid and deterministic town; refuses a non-empty database."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gridguard.core.identity import make_id_number, parse_id_number
from gridguard.core.pinyin import person_initials
from gridguard.demo.town import (
    ADMIN_PASSWORD,
    COMMUNITIES,
    DEMO_PASSWORD,
    DemoRefused,
    _IdMaker,
)
from gridguard.demo.town import generate_town as generate_demo
from gridguard.grids.models import GridNode, StaffAssignment
from gridguard.people.models import Household, Organization, Person

pytestmark = pytest.mark.django_db


def _snapshot() -> dict:
    return {
        "nodes": list(GridNode.objects.order_by("path").values_list("path", "name", "level__code", "numchild")),
        "households": list(Household.objects.order_by("node_path", "room").values_list(
            "node_path", "room", "address", "is_rental", "landlord_name")),
        "persons": list(Person.objects.order_by("id_number").values_list(
            "id_number", "name", "name_initials", "sex", "birth_date", "phone", "relation", "residency", "tags",
            "is_party_member", "employer", "node_path", "household__room")),
        "organizations": list(Organization.objects.order_by("node_path", "name").values_list(
            "node_path", "name", "kind", "is_key_place")),
        "staff": list(StaffAssignment.objects.order_by("node__path", "duty", "name").values_list(
            "node__path", "duty", "name", "phone")),
    }


def test_generates_the_town_with_valid_identity_numbers():
    result = generate_demo(persons=500, seed=7, users=False)
    assert result.persons == Person.objects.count() == 500
    town = GridNode.objects.get(depth=1)
    assert town.name == "城关镇" and town.level.code == "street"
    communities = list(GridNode.objects.filter(depth=2).order_by("path"))
    assert [c.name for c in communities] == [c[0] for c in COMMUNITIES]
    assert {c.level.code for c in communities} == {"community"}
    numbers = set()
    today = dt.date.today()  # noqa: DTZ011 - ages in whole years, a day either side is fine
    for p in Person.objects.all():
        parsed = parse_id_number(p.id_number)
        assert parsed.sex == p.sex and parsed.birth_date == p.birth_date
        assert p.birth_date <= today
        assert p.name_initials == person_initials(p.name)
        assert p.phone == "" or (len(p.phone) == 11 and p.phone[0] == "1" and p.phone[1] in "3456789")
        numbers.add(p.id_number)
    assert len(numbers) == 500


def test_fast_identity_numbers_are_make_id_number():
    maker = _IdMaker()
    ordinal = dt.date(1984, 2, 29).toordinal()
    for male in (True, False, True):
        number, iso = maker.make(("421123",), ordinal, male)
        assert iso == "1984-02-29"
        assert number == make_id_number("421123", dt.date(1984, 2, 29), int(number[14:17]))
        assert parse_id_number(number).sex == ("M" if male else "F")


def test_every_household_is_under_a_grid_and_every_person_in_a_household():
    generate_demo(persons=500, seed=7, users=False)
    grid_paths = list(GridNode.objects.filter(level__code="grid").values_list("path", flat=True))
    assert grid_paths
    households = list(Household.objects.select_related("node__level"))
    assert households
    for h in households:
        assert any(h.node_path.startswith(g) and h.node_path != g for g in grid_paths), h.address
        assert h.node.path == h.node_path
        assert h.node.level.code in ("unit", "compound")
        assert h.room and h.address.endswith(h.room)
        assert h.head_id is not None
    assert not Person.objects.filter(household__isnull=True).exists()
    for p in Person.objects.select_related("household")[:200]:
        assert p.node_path == p.household.node_path


def test_tree_is_a_valid_treebeard_tree():
    generate_demo(persons=500, seed=7, users=False)
    assert GridNode.objects.find_problems() == ([], [], [], [], [])
    for node in GridNode.objects.all():
        assert node.numchild == GridNode.objects.get_children(node).count()
    # treebeard can keep adding to the tree the generator wrote
    grid = GridNode.objects.filter(level__code="grid").first()
    level = GridNode.objects.get_children(grid).first().level
    child = GridNode.objects.add_child(grid, {"name": "新微网格", "level": level})
    assert child.path.startswith(grid.path) and child.depth == grid.depth + 1


def test_every_grid_has_a_grid_chief_and_communities_have_their_staff():
    generate_demo(persons=500, seed=7, users=False)
    for grid in GridNode.objects.filter(level__code="grid"):
        assert StaffAssignment.objects.filter(node=grid, duty="grid_chief").count() == 1, grid.name
        assert StaffAssignment.objects.filter(node=grid, duty="grid_worker").exists()
    for community in GridNode.objects.filter(depth=2):
        duties = set(StaffAssignment.objects.filter(node=community).values_list("duty", flat=True))
        assert {"head", "committee", "liaison_cadre", "medic", "police"} <= duties


def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    generate_demo(persons=500, seed=11, users=False)
    first = _snapshot()
    generate_demo(persons=500, seed=11, users=False, reset=True)
    assert _snapshot() == first
    generate_demo(persons=500, seed=12, users=False, reset=True)
    assert _snapshot()["persons"] != first["persons"]


def test_refuses_a_database_that_has_grid_nodes_unless_reset():
    generate_demo(persons=100, seed=1, users=False)
    with pytest.raises(DemoRefused):
        generate_demo(persons=100, seed=1, users=False)
    with pytest.raises(CommandError, match="--reset"):
        call_command("generate_demo", "--persons", "100", "--no-users", stdout=StringIO())
    assert Person.objects.count() == 100
    out = StringIO()
    call_command("generate_demo", "--persons", "120", "--no-users", "--reset", stdout=out)
    assert "完成" in out.getvalue()
    assert Person.objects.count() == 120
    assert GridNode.objects.filter(depth=1).count() == 1


def test_refuses_a_tree_made_by_hand(town):
    with pytest.raises(DemoRefused):
        generate_demo(persons=100, users=False)


def test_plausible_families():
    generate_demo(persons=3000, seed=3, users=False)
    today = dt.date.today()  # noqa: DTZ011

    def age(p: Person) -> int:
        return (today - p.birth_date).days // 365

    heads = Person.objects.filter(relation="head")
    assert heads.count() > 500
    for h in Household.objects.select_related("head").filter(is_rental=False)[:300]:
        members = list(Person.objects.filter(household=h))
        head = h.head
        assert head.relation == "head"
        for m in members:
            if m.relation == "spouse":
                assert m.sex != head.sex and abs(age(m) - age(head)) <= 8
            if m.relation == "child":
                assert 14 <= age(head) - age(m) <= 45
    lonely = [p for p in Person.objects.filter(relation="head") if p.tags & 0b11 == 0b11]
    assert lonely and all(age(p) >= 60 for p in lonely)
    assert all(age(p) < 3 for p in Person.objects.all() if p.tags & (1 << 5))
    rentals = Household.objects.filter(is_rental=True)
    assert rentals.exists() and all(h.landlord_name for h in rentals)
    tenants = Person.objects.filter(relation="tenant")
    assert set(tenants.values_list("residency", flat=True)) <= {"floating", "temporary"}
    adults = [p for p in Person.objects.all() if age(p) >= 18]
    party = sum(p.is_party_member for p in adults) / len(adults)
    assert 0.03 < party < 0.12
    assert Organization.objects.filter(is_key_place=True).exists()


def test_logins_are_bound_to_their_nodes(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from gridguard.accounts.models import User

    result = generate_demo(persons=300, seed=5)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.role.code == "admin" and admin.check_password(ADMIN_PASSWORD)
    street = User.objects.get(username="chengguan")
    assert street.role.code == "street_official" and street.check_password(DEMO_PASSWORD)
    assert list(street.nodes.values_list("depth", flat=True)) == [1]
    chief = User.objects.get(username="wangge01")
    grid = chief.nodes.get()
    assert grid.level.code == "grid"
    assert StaffAssignment.objects.filter(node=grid, duty="grid_chief", user=chief).exists()
    assert {lg.username for lg in result.logins} >= {"admin", "chengguan", "dongcheng", "wangge01", "wanggeyuan01"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_big_load_rebuilds_the_same_person_indexes():
    with connection.cursor() as cur:
        before = {
            name: info for name, info in connection.introspection.get_constraints(cur, "people_person").items()
            if info["index"]
        }
    generate_demo(persons=300, seed=2, users=False, defer_indexes=True)
    with connection.cursor() as cur:
        after = {
            name: info for name, info in connection.introspection.get_constraints(cur, "people_person").items()
            if info["index"]
        }
    assert set(after) == set(before)
    for name in before:
        assert after[name]["columns"] == before[name]["columns"]
    assert Person.objects.filter(id_number=Person.objects.first().id_number).count() == 1


def test_if_empty_leaves_an_existing_town_alone(db, town):
    from io import StringIO

    from django.core.management import call_command

    from gridguard.people.models import Person

    out = StringIO()
    call_command("generate_demo", "--persons", "200", "--if-empty", stdout=out)
    assert "不再生成" in out.getvalue()
    assert not Person.objects.exists()
