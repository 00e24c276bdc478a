import pytest

from conftest import idno
from gridguard.people import services


@pytest.fixture
def data(town, street_official):
    """张三 in 东城第一网格 (bob's grid), 王五 in 西城第一网格 (charlie's grid)."""
    east = services.household_create(actor=street_official, node=town.a1_b1, room="101")
    west = services.household_create(actor=street_official, node=town.b1_b1, room="909")
    zs = services.person_register(
        actor=street_official,
        household=east,
        data={"name": "张三", "id_number": idno(1980, 1), "phone": "13812345678", "relation": "户主"},
    )
    ww = services.person_register(
        actor=street_official,
        household=west,
        data={"name": "王五", "id_number": idno(1980, 3), "relation": "户主"},
    )
    return {"east": east, "west": west, "zs": zs, "ww": ww}
