"""Issue 9, A1 / A7 / D20: full-number look-ups by a role that may not reveal are audited and limited
per user and hour, a burst is refused and flagged to the officials above; search as people type
finds a phone's last 4, an identity number's last 6 and a room by building and room."""

import pytest
from django.test import Client

from conftest import idno
from gridguard.accounts.models import AuditLog
from gridguard.accounts.scope import scope_for
from gridguard.accounts.selectors import audit_flags, audit_log_list
from gridguard.core.errors import ApplicationError, TooMany
from gridguard.grids.models import Level
from gridguard.grids.services import node_create
from gridguard.people import selectors, services


@pytest.fixture
def limit(settings):
    settings.LOOKUP_LIMIT_PER_HOUR = 3
    return 3


def lookups(user):
    return AuditLog.objects.filter(actor=user, action=AuditLog.Action.LOOKUP)


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_a_full_number_found_by_a_grid_worker_is_audited_masked(data, bob):
    number = data["zs"].id_number
    api = client_for(bob)
    answer = api.get("/api/persons", {"q": number})
    assert answer.status_code == 200
    assert [p["name"] for p in answer.json()["items"]] == ["张三"]
    assert number not in answer.content.decode()  # the answer shows the mask, never the number
    record = lookups(bob).get()
    assert record.object_repr == f"完整证件号码：{number[:4]}**********{number[-4:]}"
    assert number not in str(record.detail) and number not in record.object_id  # only a keyed fingerprint
    assert record.node_path == bob.nodes.get().path  # read by the officials above bob's grid
    # the same number again (a next page, the list's total, an export) is not counted twice
    api.get("/api/persons", {"q": number})
    client_for(bob).get("/people/persons/", {"q": number})
    assert lookups(bob).count() == 1


def test_a_burst_is_refused_and_flagged_to_the_officials_above(data, bob, alice, charlie, limit):
    api = client_for(bob)
    for seq in range(limit):  # numbers that may or may not exist: a miss confirms as much as a hit
        assert api.get("/api/persons", {"q": idno(1970, 11 + 2 * seq)}).status_code == 200
    refused = api.get("/api/persons", {"q": data["zs"].id_number})
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "lookup_limited" and "每小时最多 3 个" in body["message"]
    assert "张三" not in refused.content.decode()
    # a phone is a look-up too, and refused as well; the limit counts numbers, not kinds
    assert api.get("/api/persons", {"q": "13812345678"}).status_code == 429
    # numbers looked up within the hour may be looked up again
    assert api.get("/api/persons", {"q": idno(1970, 11)}).status_code == 200
    assert lookups(bob).count() == limit
    # one flag for the burst (not one per refusal), placed at bob's grid
    flag = AuditLog.objects.get(action=AuditLog.Action.FLAG)
    assert flag.actor == bob and "鲍勃（bob）" in flag.object_repr and "已被拒绝" in flag.object_repr
    # the community official above bob sees it on the home page and in the audit log; the official
    # of another community does not; bob's list page says why in place of the results
    assert [f.pk for f in audit_flags(scope=scope_for(alice))] == [flag.pk]
    home = client_for(alice).get("/").content.decode()
    assert 'id="audit-flags"' in home and "鲍勃（bob）" in home
    assert "异常提醒" in client_for(alice).get("/accounts/audit/", {"action": "flag"}).content.decode()
    assert audit_flags(scope=scope_for(charlie)) == []
    page = client_for(bob).get("/people/persons/", {"q": data["zs"].id_number})
    assert page.status_code == 429 and "按号码查找过于频繁" in page.content.decode()
    assert "张三" not in page.content.decode().split('id="person-results"')[1]


def test_roles_that_may_reveal_are_not_metered(data, alice, limit):
    for seq in range(limit + 2):
        selectors.person_search(scope=scope_for(alice), text=idno(1970, 11 + 2 * seq))
    assert not AuditLog.objects.filter(action__in=[AuditLog.Action.LOOKUP, AuditLog.Action.FLAG]).exists()


def test_names_and_addresses_are_not_look_ups(data, bob, limit):
    for text in ("张三", "zs", "1号楼101", "东城第一网格"):
        selectors.person_search(scope=scope_for(bob), text=text)
    assert not lookups(bob).exists()


# --- D20: search as people type -------------------------------------------------------------------


def test_a_phones_last_4_and_an_identity_numbers_last_6_find_persons_in_the_jurisdiction(data, bob, street_official):
    zs, ww = data["zs"], data["ww"]
    services.person_update(actor=street_official, person=ww, data={"phone": "13900005678"})
    assert [p.name for p in selectors.person_search(scope=scope_for(bob), text="5678")] == ["张三"]  # 王五 is west
    both = {p.name for p in selectors.person_search(scope=scope_for(street_official), text="5678")}
    assert both == {"张三", "王五"}
    assert [p.name for p in selectors.person_search(scope=scope_for(bob), text=zs.id_number[-6:])] == ["张三"]
    assert selectors.person_search(scope=scope_for(bob), text=ww.id_number[-6:]) == []
    kinds = sorted(r.object_repr.split("：")[0] for r in lookups(bob))
    assert kinds == ["电话后四位", "证件号码后六位", "证件号码后六位"]  # with point 1's limits


def test_the_tails_are_limited_like_full_numbers(data, bob, limit):
    for tail in ("1111", "2222", "3333"):
        selectors.person_search(scope=scope_for(bob), text=tail)
    with pytest.raises(TooMany):
        selectors.person_search(scope=scope_for(bob), text="5678")


@pytest.fixture
def rooms(town, street_official):
    """东城第一网格 › 3栋 › 2单元 › 201, and 13栋 › 1单元 › 201 (which "3栋201" must not find)."""
    building = Level.objects.get(code="building")
    unit = Level.objects.filter(rank__gt=building.rank).order_by("rank").first() or building
    homes = {}
    for name in ("3栋", "13栋"):
        b = node_create(actor=street_official, parent=town.a1, name=name, level=building)
        u = node_create(actor=street_official, parent=b, name="2单元", level=unit)
        h = services.household_create(actor=street_official, node=u, room="201")
        homes[name] = services.person_register(
            actor=street_official, household=h, data={"name": f"住{name}", "id_number": idno(1985, len(homes) * 2 + 21)}
        )
    return homes


@pytest.mark.parametrize("text", ["3栋201", "3号楼201", "3栋 201", "东城第一网格3栋201", "3幢201室", "3栋2单元201", "3栋 2单元 201"])
def test_building_and_room_without_the_unit_find_the_room(rooms, bob, text):
    assert [p.name for p in selectors.person_search(scope=scope_for(bob), text=text)] == ["住3栋"]


def test_households_are_found_by_building_and_room(rooms, bob):
    page = selectors.household_page(scope=scope_for(bob), search="3栋201")
    assert [h.address for h in page.items] == ["东城社区 东城第一网格 3栋 2单元 201"]


def test_the_persons_list_searches_as_people_type(data, bob):
    html = client_for(bob).get("/people/persons/").content.decode()
    assert 'hx-trigger="input changed delay:600ms, search"' in html and 'hx-target="#person-results"' in html
    swapped = client_for(bob).get("/people/persons/", {"q": "5678"}, HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200 and "张三" in swapped.content.decode().split('id="person-results"')[1]


def test_the_audit_log_reads_look_ups_in_words(data, bob, alice):
    selectors.person_search(scope=scope_for(bob), text="13812345678")
    entry = audit_log_list(scope=scope_for(alice), action="lookup")[0]
    assert entry.get_action_display() == "查号" and entry.object_repr == "完整电话号码：138****5678"


def test_registering_a_number_registered_elsewhere_is_a_look_up(data, bob, town, limit, street_official):
    """The ledger's "already registered" is kept (no number twice), but for a number outside the
    user's jurisdiction it is a look-up: recorded although the registration is refused, and past
    the limit the refusal says only that the limit is reached."""
    home = services.household_create(actor=bob, node=town.a1_b1, room="102")
    with pytest.raises(ApplicationError) as first:
        services.person_register(actor=bob, household=home, data={"name": "王五", "id_number": data["ww"].id_number})
    assert getattr(first.value, "code", "") == "id_duplicate"
    assert [r.object_repr.split("：")[0] for r in lookups(bob)] == ["他辖区人员的证件号码"]
    # a number of bob's own grid is no look-up (he sees that person anyway)
    with pytest.raises(ApplicationError):
        services.person_register(actor=bob, household=home, data={"name": "张三", "id_number": data["zs"].id_number})
    assert lookups(bob).count() == 1
    # past the limit an edit to another number registered elsewhere is refused without saying where
    west = services.household_create(actor=street_official, node=town.b1_b1, room="910")
    other = services.person_register(
        actor=street_official, household=west, data={"name": "赵六", "id_number": idno(1980, 51)}
    )
    for seq in range(limit - 1):
        selectors.person_search(scope=scope_for(bob), text=idno(1970, 11 + 2 * seq))
    with pytest.raises(TooMany):
        services.person_update(actor=bob, person=data["zs"], data={"id_number": other.id_number})


def test_four_digits_are_a_phones_last_4_or_a_room(data, bob, town, street_official):
    home = services.household_create(actor=street_official, node=town.a1_b1, room="1201")
    services.person_register(actor=street_official, household=home, data={"name": "高楼", "id_number": idno(1977, 71)})
    assert {p.name for p in selectors.person_search(scope=scope_for(bob), text="1201")} == {"高楼"}
    assert {p.name for p in selectors.person_search(scope=scope_for(bob), text="5678")} == {"张三"}
