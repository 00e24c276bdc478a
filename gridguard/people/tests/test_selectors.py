import pytest

from conftest import idno
from gridguard.accounts.scope import scope_for
from gridguard.people import selectors, services


@pytest.fixture
def people(town, alice):
    east = services.household_create(actor=alice, node=town.a1_b1, room="101")
    west_official = alice  # alice cannot write in the west; use the admin-like street official there
    zs = services.person_register(
        actor=alice,
        household=east,
        data={"name": "张三", "id_number": idno(1980, 1), "phone": "13800000001", "relation": "户主"},
    )
    zsf = services.person_register(
        actor=alice, household=east, data={"name": "张三丰", "id_number": idno(1981, 3), "relation": "父母"}
    )
    return {"east": east, "zs": zs, "zsf": zsf, "official": west_official}


@pytest.fixture
def west_person(town, street_official):
    h = services.household_create(actor=street_official, node=town.b1_b1, room="9")
    return services.person_register(
        actor=street_official, household=h, data={"name": "张四", "id_number": idno(1990, 5)}
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zs", {"张三", "张三丰"}),
        ("张三", {"张三", "张三丰"}),
        ("张三丰", {"张三丰"}),
        ("13800000001", {"张三"}),
        ("138-0000-0001", {"张三"}),
    ],
)
def test_search_by_initials_name_and_phone(people, alice, text, expected):
    assert {p.name for p in selectors.person_search(scope=scope_for(alice), text=text)} == expected


def test_search_by_identity_number_with_lowercase_and_spaces(people, alice):
    number = people["zs"].id_number
    assert [
        p.name
        for p in selectors.person_search(scope=scope_for(alice), text=f" {number[:6]} {number[6:]} ".lower())
    ] == ["张三"]


def test_search_by_address_ignores_spaces_and_stays_in_scope(people, west_person, alice, street_official):
    address = people["east"].address  # "东城社区 东城第一网格 1号楼 101"
    assert address.endswith("1号楼 101")
    for text in ("1号楼101", "1号楼 101", "东城第一网格1号楼"):
        assert {p.name for p in selectors.person_search(scope=scope_for(alice), text=text)} == {"张三", "张三丰"}
    everyone = {p.name for p in selectors.person_search(scope=scope_for(street_official), text="101")}
    assert everyone == {"张三", "张三丰"}  # 张四 lives at room 9
    assert [p.name for p in selectors.person_search(scope=scope_for(alice), text="9")] == []  # 张四 is in the west
    page = selectors.person_page(scope=scope_for(alice), search="1号楼 101")
    assert {p.name for p in page.items} == {"张三", "张三丰"}
    households = selectors.household_page(scope=scope_for(alice), search="1号楼101")
    assert [h.pk for h in households.items] == [people["east"].pk]


def test_search_never_leaks_outside_scope(people, west_person, charlie, alice):
    assert {p.name for p in selectors.person_search(scope=scope_for(charlie), text="zs")} == {"张四"}
    assert "张四" not in {p.name for p in selectors.person_search(scope=scope_for(alice), text="zs")}


def test_keyset_pages_cover_everything_once(town, alice):
    h = services.household_create(actor=alice, node=town.a1, room="1")
    for i in range(7):
        services.person_register(
            actor=alice, household=h, data={"name": f"人{i}", "id_number": idno(1970, i * 2 + 1)}
        )
    seen, cursor = [], None
    while True:
        page = selectors.person_page(scope=scope_for(alice), node=town.east, cursor=cursor, limit=3)
        seen += [p.pk for p in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == 7 == len(set(seen))


def test_tag_filter(people, alice):
    services.person_update(actor=alice, person=people["zs"], data={"tags": "残疾人"})
    page = selectors.person_page(scope=scope_for(alice), tag_bit=2)
    assert [p.name for p in page.items] == ["张三"]
