import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from conftest import _user, idno
from gridguard.grids.models import Duty, StaffAssignment
from gridguard.people import services as people

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with the public forms' per-address counters at zero (they live in the cache,
    shared by the tests of one run)."""
    from django.core.cache import cache

    cache.clear()


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """An aware instant at a wall-clock time in Shanghai (the project's TIME_ZONE)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


@pytest.fixture
def persons(town, street_official):
    """张三 in 1号楼 of 东城第一网格 (bob's grid), 王五 in 9号楼 of 西城第一网格 (charlie's grid)."""
    east = people.household_create(actor=street_official, node=town.a1_b1, room="101")
    west = people.household_create(actor=street_official, node=town.b1_b1, room="909")
    zs = people.person_register(
        actor=street_official,
        household=east,
        data={"name": "张三", "id_number": idno(1980, 1), "phone": "13812345678", "relation": "户主"},
    )
    ww = people.person_register(
        actor=street_official,
        household=west,
        data={"name": "王五", "id_number": idno(1980, 3), "relation": "户主"},
    )
    return SimpleNamespace(east=east, west=west, zs=zs, ww=ww)


@pytest.fixture
def doctor(town):
    """A medic with an account but no node: reaches orders only through a three-to-one team."""
    return _user("doc", "medic", full_name="孙医生")


@pytest.fixture
def staff(town, doctor):
    """Enough staff above 东城第一网格 for a full three-to-one team, plus one who has left."""

    def add(node, duty, name, **kw):
        return StaffAssignment.objects.create(node=node, duty=duty, name=name, phone="13900000000", **kw)

    return SimpleNamespace(
        cadre=add(town.town, Duty.LIAISON_CADRE, "镇干部甲"),
        committee1=add(town.east, Duty.COMMITTEE, "两委甲"),
        committee2=add(town.east, Duty.COMMITTEE, "两委乙"),
        medic=add(town.east, Duty.MEDIC, "孙医生", user=doctor),
        gone=add(town.a1, Duty.COMMITTEE, "已离任", until=dt.date(2025, 1, 1)),
    )
