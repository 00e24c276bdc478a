from conftest import idno
from gridguard.accounts.scope import scope_for
from gridguard.grids import selectors, services
from gridguard.people.services import household_create, person_register


def test_board_counts_households_persons_party_and_groups(town, alice):
    h = household_create(actor=alice, node=town.a1_b1, room="101")
    person_register(
        actor=alice,
        household=h,
        data={
            "name": "张三",
            "id_number": idno(1940, 1),
            "relation": "户主",
            "tags": "空巢老人,低保",
            "is_party_member": "是",
        },
    )
    person_register(
        actor=alice,
        household=h,
        data={"name": "李四", "id_number": idno(1942, 2), "relation": "配偶", "tags": "空巢老人"},
    )
    services.staff_assign(actor=alice, node=town.a1, duty="grid_chief", name="王网格", phone="13800138000")
    board = selectors.grid_board(scope=scope_for(alice), node=town.a1)
    groups = dict(board.groups)
    assert (board.households, board.persons, board.party_members) == (1, 2, 1)
    assert groups["空巢老人"] == 2 and groups["低保"] == 1 and groups["残疾人"] == 0
    assert [s.name for s in board.staff] == ["王网格"]


def test_coverage_finds_the_gaps(town, alice, admin_user, levels):
    services.staff_assign(actor=alice, node=town.a1, duty="grid_chief", name="王网格")
    household_create(
        actor=alice, node=town.east, room="无网格1号"
    )  # attached to the community, under no grid
    person_register(actor=alice, node=town.a1, data={"name": "流浪人员", "relation": "其他"})
    services.node_create(actor=admin_user, parent=town.town, name="南村", level=levels["community"])
    c = selectors.coverage(scope=scope_for(admin_user), node=town.town)
    assert c.ungridded_households == 1
    assert c.persons_without_household == 1
    assert {n.name for n in c.grids_without_chief} == {"东城第二网格", "西城第一网格"}
    assert [n.name for n in c.units_without_grid] == ["南村"]


def test_coverage_of_a_grid_has_no_ungridded(town, alice):
    c = selectors.coverage(scope=scope_for(alice), node=town.a1)
    assert c.ungridded_households == 0 and c.grid_count == 1
