import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from conftest import idno
from gridguard.core.pinyin import person_initials
from gridguard.people import services
from gridguard.people.models import Organization, Person

migration = importlib.import_module("gridguard.people.migrations.0005_person_surname_initials")


def test_existing_persons_get_their_surname_initials(town, street_official):
    home = services.household_create(actor=street_official, node=town.a1_b1, room="101")
    names = ["曾平", "单田芳", "尉迟恭", "单于洋", "长孙无忌", "张三", "张曾", "曾"]
    for seq, name in enumerate(names, start=1):
        services.person_register(
            actor=street_official, household=home, data={"name": name, "id_number": idno(1980, seq)}
        )
    # as the old code stored them: the ordinary reading of every character
    wrong = {
        "曾平": "cp",
        "单田芳": "dtf",
        "尉迟恭": "wcg",
        "单于洋": "dyy",
        "长孙无忌": "zswj",
        "张三": "zs",
        "张曾": "zc",
        "曾": "c",
    }
    for name, letters in wrong.items():
        Person.objects.filter(name=name).update(name_initials=letters)
    org = services.organization_create(
        actor=street_official, node=town.a1_b1, data={"name": "单位食堂", "kind": "restaurant"}
    )

    migration.recompute_initials(apps, SimpleNamespace(connection=connection))

    got = dict(Person.objects.values_list("name", "name_initials"))
    assert got == {
        "曾平": "zp",
        "单田芳": "stf",
        "尉迟恭": "ycg",
        "单于洋": "cyy",
        "长孙无忌": "zswj",
        "张三": "zs",
        "张曾": "zc",
        "曾": "z",
    }
    assert got == {name: person_initials(name) for name in names}
    assert Organization.objects.get(pk=org.pk).name_initials == "dwst"


def test_prefixes_cover_each_changed_surname_once():
    prefixes = migration.surname_prefixes()
    assert {"曾", "单", "解", "尉迟", "万俟", "澹台"} <= set(prefixes)
    assert "单于" not in prefixes and "华" not in prefixes and "长孙" not in prefixes
    assert not any(a != b and b.startswith(a) for a in prefixes for b in prefixes)
