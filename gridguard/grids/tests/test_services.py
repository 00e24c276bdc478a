import pytest

from conftest import idno
from gridguard.core.errors import ApplicationError, NotFound, PermissionDenied
from gridguard.grids import services
from gridguard.grids.models import NodeEvent
from gridguard.people.models import Household, HouseholdEvent, Person
from gridguard.people.services import household_create, person_register


@pytest.fixture
def household_a1(town, alice):
    household = household_create(actor=alice, node=town.a1_b1, room="101")
    person_register(
        actor=alice, household=household, data={"name": "张三", "id_number": idno(), "relation": "户主"}
    )
    return household


def test_level_must_go_down(town, admin_user, levels):
    with pytest.raises(ApplicationError) as err:
        services.node_create(actor=admin_user, parent=town.a1, name="错层", level=levels["community"])
    assert err.value.code == "level_order"


def test_sibling_names_are_unique(town, admin_user, levels):
    with pytest.raises(ApplicationError):
        services.node_create(actor=admin_user, parent=town.east, name="东城第一网格", level=levels["grid"])


def test_grid_worker_cannot_change_the_tree(town, bob, levels):
    with pytest.raises(PermissionDenied):
        services.node_create(actor=bob, parent=town.a1, name="新楼", level=levels["building"])


def test_official_cannot_touch_other_community(town, alice, levels):
    with pytest.raises(NotFound):
        services.node_create(actor=alice, parent=town.west, name="x", level=levels["grid"])


def test_move_subtree_repaths_records_and_keeps_history(town, admin_user, household_a1):
    services.node_move(actor=admin_user, node=town.a1, new_parent=town.west)
    town.a1.refresh_from_db()
    household_a1.refresh_from_db()
    assert town.a1.path.startswith(town.west.path)
    assert household_a1.node_path.startswith(town.a1.path)
    assert Person.objects.get(name="张三").node_path == household_a1.node_path
    assert "西城社区" in household_a1.address
    event = HouseholdEvent.objects.get(household=household_a1, kind="regrid")
    assert "东城社区" in event.changes["from"] and "西城社区" in event.changes["to"]
    assert NodeEvent.objects.filter(node=town.a1, kind="move").exists()


def test_cannot_move_into_own_subtree(town, admin_user):
    with pytest.raises(ApplicationError) as err:
        services.node_move(actor=admin_user, node=town.east, new_parent=town.a1)
    assert err.value.code == "move_into_self"


def test_merge_moves_children_and_households_then_archives(town, admin_user, alice, household_a1):
    direct = household_create(actor=alice, node=town.a1, room="平房5号")
    services.node_merge(actor=admin_user, source=town.a1, target=town.a2)
    town.a1.refresh_from_db()
    town.a2.refresh_from_db()
    direct.refresh_from_db()
    household_a1.refresh_from_db()
    assert not town.a1.is_active
    assert direct.node_id == town.a2.pk and direct.node_path == town.a2.path
    assert household_a1.node_path.startswith(town.a2.path)
    assert HouseholdEvent.objects.filter(kind="regrid", household__in=[direct, household_a1]).count() == 2


def test_split_moves_chosen_households_to_new_grid(town, admin_user, alice):
    h1 = household_create(actor=alice, node=town.a2, room="1")
    h2 = household_create(actor=alice, node=town.a2, room="2")
    new = services.node_split(actor=admin_user, node=town.a2, new_name="东城第三网格", household_ids=[h2.pk])
    h1.refresh_from_db()
    h2.refresh_from_db()
    assert h1.node_id == town.a2.pk
    assert h2.node_id == new.pk and h2.node_path == new.path
    assert new.level_id == town.a2.level_id
    assert HouseholdEvent.objects.filter(household=h2, kind="regrid").exists()


def test_split_refuses_households_of_another_node(town, admin_user, alice):
    other = household_create(actor=alice, node=town.a1, room="9")
    with pytest.raises(ApplicationError) as err:
        services.node_split(actor=admin_user, node=town.a2, new_name="x", household_ids=[other.pk])
    assert err.value.code == "split_households"
    assert Household.objects.get(pk=other.pk).node_id == town.a1.pk


def test_staff_assignment_validates_phone(town, alice):
    with pytest.raises(ApplicationError) as err:
        services.staff_assign(actor=alice, node=town.a1, duty="grid_chief", name="王五", phone="123")
    assert err.value.field == "phone"
    s = services.staff_assign(
        actor=alice, node=town.a1, duty="grid_chief", name="王五", phone="138-0013-8000"
    )
    assert s.phone == "13800138000"
