import datetime as dt

import pytest
from django.utils import timezone

from conftest import idno
from gridguard.accounts.models import AuditLog
from gridguard.core.errors import ApplicationError, NotFound, PermissionDenied
from gridguard.people import services
from gridguard.people.models import PersonEvent, PersonStatus


@pytest.fixture
def home(town, bob):
    return services.household_create(actor=bob, node=town.a1_b1, room="301")


def test_register_sets_head_and_history(home, bob):
    p = services.person_register(
        actor=bob, household=home, data={"name": "张三", "id_number": idno(), "relation": "户主"}
    )
    home.refresh_from_db()
    assert home.head_id == p.pk
    assert p.created_by == bob and p.node_path == home.node_path
    assert PersonEvent.objects.get(person=p).kind == "register"


def test_duplicate_identity_number_is_refused(home, bob):
    services.person_register(actor=bob, household=home, data={"name": "张三", "id_number": idno()})
    with pytest.raises(ApplicationError) as err:
        services.person_register(actor=bob, household=home, data={"name": "张三丰", "id_number": idno()})
    assert err.value.code == "id_duplicate"


def test_grid_worker_cannot_register_in_other_grid(town, charlie):
    with pytest.raises(NotFound):
        services.household_create(actor=charlie, node=town.a1, room="1")


def test_building_chief_role_cannot_edit(town):
    from conftest import _user

    chief = _user("lou", "building_chief", town.a1_b1)
    with pytest.raises(PermissionDenied):
        services.household_create(actor=chief, node=town.a1_b1, room="1")


def test_update_records_the_change(home, bob):
    p = services.person_register(
        actor=bob, household=home, data={"name": "张三", "id_number": idno(), "phone": "13800138000"}
    )
    services.person_update(actor=bob, person=p, data={"phone": "+86 139 0013 9000"})
    p.refresh_from_db()
    assert p.phone == "13900139000"
    event = PersonEvent.objects.get(person=p, kind="edit")
    assert event.changes["phone"] == ["13800138000", "13900139000"] and event.actor == bob


def test_move_between_households_then_out_keeps_history(town, home, bob):
    other = services.household_create(actor=bob, node=town.a1_b1, room="302")
    p = services.person_register(
        actor=bob, household=home, data={"name": "张三", "id_number": idno(), "relation": "户主"}
    )
    today = timezone.localdate()
    services.person_move(actor=bob, person=p, household=other, date=today, relation="spouse")
    services.person_move(actor=bob, person=p, household=None, date=today, note="迁往外地")
    p.refresh_from_db()
    home.refresh_from_db()
    assert p.status == PersonStatus.MOVED_OUT and p.household is None
    assert home.head_id is None
    kinds = list(PersonEvent.objects.filter(person=p).order_by("id").values_list("kind", flat=True))
    assert kinds == ["register", "transfer", "move_out"]


def test_death_is_dated_and_final(home, bob):
    p = services.person_register(actor=bob, household=home, data={"name": "张三", "id_number": idno()})
    with pytest.raises(ApplicationError):
        services.person_death(actor=bob, person=p, date=timezone.localdate() + dt.timedelta(days=3))
    services.person_death(actor=bob, person=p, date=dt.date(2024, 5, 1))
    p.refresh_from_db()
    assert p.status == "deceased"
    with pytest.raises(ApplicationError):
        services.person_move(actor=bob, person=p, household=None, date=timezone.localdate())


def test_birth_needs_a_birth_date(home, bob):
    with pytest.raises(ApplicationError):
        services.person_register(actor=bob, household=home, data={"name": "宝宝"}, birth=True)
    baby = services.person_register(
        actor=bob,
        household=home,
        data={"name": "宝宝", "birth_date": timezone.localdate() - dt.timedelta(days=30), "relation": "子女"},
        birth=True,
    )
    assert PersonEvent.objects.get(person=baby).kind == "birth"


def test_reveal_is_audited_and_needs_the_role(home, bob, alice):
    p = services.person_register(
        actor=bob, household=home, data={"name": "张三", "id_number": idno(), "phone": "13800138000"}
    )
    with pytest.raises(PermissionDenied):
        services.person_reveal(actor=bob, person=p)
    assert services.person_reveal(actor=alice, person=p)["phone"] == "13800138000"
    entry = AuditLog.objects.get(action="reveal")
    assert entry.actor == alice and entry.object_id == str(p.pk)


def test_organization_kind_words(town, alice):
    org = services.organization_create(
        actor=alice, node=town.a1, data={"name": "幸福超市", "kind": "超市", "is_key_place": "是"}
    )
    assert org.kind == "supermarket" and org.is_key_place and org.name_initials == "xfcs"
    with pytest.raises(ApplicationError) as err:
        services.organization_create(actor=alice, node=town.a1, data={"name": "x", "kind": "飞船"})
    assert err.value.field == "kind"


def test_one_head_per_household_through_register_edit_move_and_death(town, home, bob):
    zs = services.person_register(actor=bob, household=home, data={"name": "张三", "id_number": idno(1970, 1),
                                                                    "relation": "户主"})
    ls = services.person_register(actor=bob, household=home, data={"name": "李四", "id_number": idno(1972, 2),
                                                                    "relation": "配偶"})
    with pytest.raises(ApplicationError) as err:
        services.person_register(actor=bob, household=home, data={"name": "王五", "id_number": idno(1990, 3),
                                                                  "relation": "户主"})
    assert err.value.code == "head_exists" and "张三" in err.value.message and err.value.field == "relation"
    with pytest.raises(ApplicationError, match="已有户主"):
        services.person_update(actor=bob, person=ls, data={"relation": "户主"})
    # the head steps down, then another member takes over
    services.person_update(actor=bob, person=zs, data={"relation": "配偶"})
    home.refresh_from_db()
    assert home.head_id is None
    services.person_update(actor=bob, person=ls, data={"relation": "户主"})
    home.refresh_from_db()
    assert home.head_id == ls.pk
    # moving the head out leaves the household without one; a head cannot move into a headed household
    other = services.household_create(actor=bob, node=town.a1_b1, room="302")
    services.person_move(actor=bob, person=ls, household=other, date=timezone.localdate(), relation="户主")
    home.refresh_from_db()
    other.refresh_from_db()
    assert home.head_id is None and other.head_id == ls.pk
    with pytest.raises(ApplicationError, match="已有户主"):
        services.person_move(actor=bob, person=zs, household=other, date=timezone.localdate(), relation="户主")
    services.person_death(actor=bob, person=ls, date=timezone.localdate())
    other.refresh_from_db()
    assert other.head_id is None


def test_event_dates_cannot_precede_birth_and_a_birth_is_a_newborn(home, bob):
    p = services.person_register(actor=bob, household=home, data={"name": "张三", "id_number": idno(1980, 1)})
    for call in (
        lambda: services.person_death(actor=bob, person=p, date=dt.date(1979, 12, 31)),
        lambda: services.person_move(actor=bob, person=p, household=None, date=dt.date(1975, 1, 1)),
    ):
        with pytest.raises(ApplicationError) as err:
            call()
        assert err.value.code == "date_before_birth" and "1980-01-01" in err.value.message
    with pytest.raises(ApplicationError) as err:
        services.person_register(actor=bob, household=home, birth=True,
                                 data={"name": "李老", "id_number": idno(1950, 3), "relation": "其他"})
    assert err.value.code == "birth_too_old" and err.value.field == "birth_date"
    with pytest.raises(ApplicationError, match="早于"):
        services.person_register(actor=bob, household=home, date=dt.date(1970, 1, 1),
                                 data={"name": "王五", "id_number": idno(1990, 5)})


def test_a_person_who_moved_out_moves_back_in_keeping_the_record(town, home, bob):
    p = services.person_register(actor=bob, household=home, data={"name": "张三", "id_number": idno(1980, 1)})
    services.person_move(actor=bob, person=p, household=None, date=timezone.localdate() - dt.timedelta(days=10))
    with pytest.raises(ApplicationError, match="填写迁入的住户"):
        services.person_move(actor=bob, person=p, household=None, date=timezone.localdate())
    services.person_move(actor=bob, person=p, household=home, date=timezone.localdate(), relation="户主")
    p.refresh_from_db()
    home.refresh_from_db()
    assert p.status == PersonStatus.ACTIVE and p.household == home and home.head == p
    assert [e.kind for e in p.events.order_by("id")] == ["register", "move_out", "move_in"]
    assert p.events.order_by("id").last().changes == {"relation": ["other", "head"]}
    services.person_death(actor=bob, person=p, date=timezone.localdate())
    with pytest.raises(ApplicationError, match="已死亡"):
        services.person_move(actor=bob, person=p, household=home, date=timezone.localdate())


def test_a_household_cannot_take_the_room_of_another(town, home, bob):
    other = services.household_create(actor=bob, node=town.a1_b1, room="302")
    with pytest.raises(ApplicationError) as err:
        services.household_update(actor=bob, household=other, data={"room": "301"})
    assert err.value.code == "household_exists" and err.value.field == "room"
    services.household_update(actor=bob, household=other, data={"room": "303"})
