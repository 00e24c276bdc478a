"""A round over 城关镇 with one point in 东城第一网格, a sampler assigned to it, and a few residents."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from conftest import _user, idno
from gridguard.people import services as people
from gridguard.screening.codes import make_code
from gridguard.screening.services import points, rounds
from gridguard.screening.services.scans import ScanItem

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 12, 1)


def at(hour: int = 9, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, 1, hour, minute, second, tzinfo=SHANGHAI)


_ids = itertools.count(1)


def item(tube: str, code: str, **kw) -> ScanItem:
    kw.setdefault("device_time", at(9, 0, next(_ids) % 60))
    return ScanItem(client_id=kw.pop("client_id", f"c-{next(_ids):08d}"), tube_code=tube, code=code, **kw)


@pytest.fixture
def residents(town, street_official):
    """Twelve persons of one household each in 1号楼 (东城第一网格), two in 9号楼 (西城第一网格)."""
    east = []
    for n in range(12):
        hh = people.household_create(actor=street_official, node=town.a1_b1, room=f"{101 + n}")
        east.append(people.person_register(
            actor=street_official, household=hh,
            data={"name": f"东{n:02d}号", "id_number": idno(1980, 100 + n), "relation": "户主"},
        ))
    family = people.household_create(actor=street_official, node=town.b1_b1, room="909")
    west = [
        people.person_register(actor=street_official, household=family,
                               data={"name": name, "id_number": idno(1981, 200 + n), "relation": rel})
        for n, (name, rel) in enumerate([("王五", "户主"), ("王六", "配偶")])
    ]
    return SimpleNamespace(east=east, west=west, family=family)


@pytest.fixture
def sampler(town):
    return _user("sam", "sampler", full_name="采样员甲")


@pytest.fixture
def rnd(town, street_official, residents):
    r = rounds.round_create(actor=street_official, node=town.town, name="第一轮全员核酸", starts_on=DAY, ends_on=DAY)
    rounds.round_open(actor=street_official, rnd=r, now=at(7))
    r.refresh_from_db()
    return r


@pytest.fixture
def point(rnd, town, street_official, sampler):
    p = points.point_create(actor=street_official, rnd=rnd, node=town.a1, name="东城广场", address="东城路1号",
                            opens_at=at(7), closes_at=at(19), stations=2)
    points.point_staff_add(actor=street_official, point=p, user=sampler)
    return p


def code(person) -> str:
    return make_code(person.pk)
