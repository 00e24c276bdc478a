"""In English, the labels that come from the database or the code — role, level, special-group and
duty names, choices, policy names, "N天" durations — read in English (issue 9, point 22).

Every page is fetched in English and what the user typed (names of places, persons, staff) is taken
out; no Chinese may be left."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from conftest import idno
from gridguard.accounts.models import Role, User
from gridguard.control.models import ControlOrder, Policy, PolicySet
from gridguard.control.services import order_create
from gridguard.grids import services as grid_services
from gridguard.grids.models import GridNode, Level
from gridguard.people import services
from gridguard.people.models import Household, Organization, Person, Tag

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
PO_PATH = Path(settings.BASE_DIR) / "gridguard" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _allowed() -> set[str]:
    """Chinese an English page may show on purpose: the language switcher names each language in
    itself, and a translation may quote the words a user must type (column headers of a sheet)."""
    quoted = {run for entry in polib.pofile(str(PO_PATH)) for run in CJK.findall(entry.msgstr)}
    return {"简体中文", *quoted}


@pytest.fixture(scope="module", autouse=True)
def _english_catalogue():
    call_command("compilemessages_py")
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield


@pytest.fixture
def world(town, alice, street_official):
    h = services.household_create(actor=street_official, node=town.a1_b1, room="101")
    zs = services.person_register(
        actor=street_official,
        household=h,
        data={
            "name": "张三", "id_number": idno(1950, 1), "phone": "13812345678", "relation": "户主",
            "tags": "空巢老人,低保,卧床/行动不便", "is_party_member": "是", "residency": "户籍",
        },
    )
    services.person_update(actor=street_official, person=zs, data={"tags": "空巢老人,4050人员", "residency": "常住"})
    services.organization_create(actor=street_official, node=town.a1, data={"name": "东城超市", "kind": "shop"})
    for duty, name in (("grid_chief", "王网格"), ("grid_worker", "李网格"), ("building_chief", "赵楼长")):
        grid_services.staff_assign(actor=street_official, node=town.a1, duty=duty, name=name, phone="13800138000")
    order = order_create(actor=alice, person=zs, category="close_contact", measure="central", place="东城宾馆 305")
    return {"person": zs, "household": h, "order": order}


def _typed_data() -> list[str]:
    """What users typed (or the test made up): names, addresses, places — longest first."""
    texts: set[str] = set()
    texts.update(GridNode.objects.values_list("name", flat=True))
    texts.update(Person.objects.values_list("name", flat=True))
    texts.update(Household.objects.values_list("address", flat=True))
    texts.update(Organization.objects.values_list("name", flat=True))
    texts.update(User.objects.values_list("full_name", flat=True))
    texts.update(ControlOrder.objects.values_list("place", flat=True))
    from gridguard.grids.models import StaffAssignment

    texts.update(StaffAssignment.objects.values_list("name", flat=True))
    # The audit log's 对象 column is the record's name as written at the time (a record, not a label).
    from gridguard.accounts.models import AuditLog

    texts.update(AuditLog.objects.values_list("object_repr", flat=True))
    return sorted((t for t in texts if t), key=len, reverse=True)


def _chinese_left(body: str) -> list[str]:
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", body)  # attribute values (placeholders, labels) are checked too:
    attrs = " ".join(re.findall(r'(?:placeholder|title|aria-label|data-label)="([^"]*)"', body))
    text = f"{text} {attrs}"
    for typed in _typed_data():
        text = text.replace(typed, " ")
        for part in typed.split():  # an address is shown part by part too
            text = text.replace(part, " ")
    allowed = _allowed()
    return sorted({run for run in CJK.findall(text) if run not in allowed})


def _pages(world, town) -> list[str]:
    person, household, order = world["person"], world["household"], world["order"]
    return [
        reverse("core:home"),
        reverse("grids:node", args=[town.a1.pk]),
        reverse("grids:node", args=[town.east.pk]),
        reverse("grids:child_create", args=[town.east.pk]),
        reverse("grids:staff_add", args=[town.a1.pk]),
        reverse("grids:board", args=[town.a1.pk]),
        reverse("grids:board_print", args=[town.a1.pk]),
        reverse("grids:coverage", args=[town.east.pk]),
        reverse("people:persons"),
        reverse("people:person", args=[person.pk]),
        reverse("people:person_edit", args=[person.pk]),
        reverse("people:households"),
        reverse("people:household", args=[household.pk]),
        reverse("people:organizations"),
        reverse("imports:list"),
        reverse("accounts:audit"),
        reverse("control:order", args=[order.pk]),
        reverse("control:orders"),
        reverse("control:today"),
    ]


def test_english_pages_show_no_chinese_but_what_users_typed(client, world, town, alice):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(alice)
    problems = {}
    for url in _pages(world, town):
        response = client.get(url)
        assert response.status_code == 200, url
        left = _chinese_left(response.content.decode())
        if left:
            problems[url] = left
    assert not problems, "\n".join(f"{url}: {left}" for url, left in problems.items())


def test_every_shipped_data_name_has_an_english_name(db):
    from django.utils import translation

    names = [
        *Level.objects.values_list("name", flat=True),
        *Role.objects.values_list("name", flat=True),
        *Tag.objects.values_list("name", flat=True),
        *PolicySet.objects.values_list("name", flat=True),
        *PolicySet.objects.values_list("description", flat=True),
        *Policy.objects.exclude(note="").values_list("note", flat=True),
    ]
    call_command("compilemessages_py")
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)), translation.override("en"):
        untranslated = [n for n in names if CJK.search(translation.gettext(n))]
    assert not untranslated, untranslated
