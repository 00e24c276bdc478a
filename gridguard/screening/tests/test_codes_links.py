"""Personal codes: the label sheet of a household has one QR per member, a building's covers its
households; the personal link shows the code without a login and stops after a reissue; the person
page shows the section; scoping with charlie; the API's household codes are audited."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from gridguard.accounts.models import AuditLog
from gridguard.screening.codes import make_code, read_code
from gridguard.screening.links import make_link_token, read_link_token
from gridguard.screening.public_codes import person_link_url

pytestmark = pytest.mark.django_db


def qr_forms(pdf: bytes) -> list[str]:
    """The names of the QR form objects drawn on each page (one per label)."""
    names = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        xobjects = page["/Resources"].get_object().get("/XObject", {})  # type: ignore[union-attr]
        names += [str(k) for k in xobjects if str(k).startswith("/FormXob")]
    return names


def codes_in(pdf: bytes) -> list[str]:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.findall(r"N[A-Z2-7]{16}", text)


def test_household_sheet_has_one_qr_per_member(client, bob, residents):
    client.force_login(bob)
    family = residents.east[0].household
    from conftest import idno
    from gridguard.people import services as people

    child = people.person_register(actor=bob, household=family,
                                   data={"name": "东小宝", "id_number": idno(2020, 901), "relation": "子女"})
    response = client.get(reverse("screening:household_codes", args=[family.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert len(qr_forms(response.content)) == 2
    codes = codes_in(response.content)
    assert sorted(read_code(c)[0] for c in codes) == sorted([residents.east[0].pk, child.pk])
    assert "东小宝" not in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()  # masked
    assert AuditLog.objects.filter(action="export", object_id=str(family.pk)).exists()


def test_building_sheet_has_every_resident_and_pages_of_24(client, bob, residents, town):
    client.force_login(bob)
    response = client.get(reverse("screening:building_codes", args=[town.a1_b1.pk]))
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1 and len(qr_forms(response.content)) == 12
    assert sorted(read_code(c)[0] for c in codes_in(response.content)) == sorted(p.pk for p in residents.east)


def test_charlie_cannot_print_or_reissue_in_another_grid(client, charlie, residents, town):
    client.force_login(charlie)
    person = residents.east[0]
    assert client.get(reverse("screening:household_codes", args=[person.household_id])).status_code == 404
    assert client.get(reverse("screening:building_codes", args=[town.a1_b1.pk])).status_code == 404
    assert client.post(reverse("screening:code_reissue", args=[person.pk])).status_code == 404
    assert client.get(reverse("screening:code_link", args=[person.pk])).status_code == 404
    assert client.get(f"/api/screening/households/{person.household_id}/codes").status_code == 404


def test_personal_link_shows_the_code_and_stops_after_reissue(client, bob, residents):
    person = residents.east[1]
    client.force_login(bob)
    page = client.get(reverse("screening:code_link", args=[person.pk])).content.decode()
    url = re.search(r'<code id="code-link">http://testserver(/[^<]+)</code>', page).group(1)
    assert str(person.pk) not in url.split("/")[-2] and make_code(person.pk) not in url
    assert AuditLog.objects.filter(action="reveal", object_id=str(person.pk)).exists()
    client.logout()
    shown = client.get(url)
    assert shown.status_code == 200 and make_code(person.pk) in shown.content.decode()
    assert person.name not in shown.content.decode()
    client.force_login(bob)
    client.post(reverse("screening:code_reissue", args=[person.pk]))
    client.logout()
    gone = client.get(url)
    assert gone.status_code == 404 and "已失效" in gone.content.decode()
    fresh = client.get(person_link_url(person.pk))
    assert fresh.status_code == 200 and make_code(person.pk, 1) in fresh.content.decode()


def test_link_tokens_cannot_be_forged_or_guessed():
    token = make_link_token(42, 0)
    assert read_link_token(token) == (42, 0)
    assert read_link_token(make_link_token(43, 0)) == (43, 0)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert read_link_token(tampered) is None
    assert read_link_token(make_code(42)) is None
    assert read_link_token("x" * 30) is None


def test_person_page_shows_code_section_with_reissue(client, bob, residents):
    person = residents.east[2]
    client.force_login(bob)
    page = client.get(reverse("people:person", args=[person.pk])).content.decode()
    assert 'id="screening-code"' in page and make_code(person.pk) in page and 'id="code-reissue"' in page


def test_api_household_codes_are_current_and_audited(client, bob, residents):
    from gridguard.screening.services.codes import person_code_reissue

    person = residents.east[0]
    person_code_reissue(actor=bob, person=person)
    client.force_login(bob)
    answer = client.get(f"/api/screening/households/{person.household_id}/codes")
    assert answer.status_code == 200
    rows = answer.json()
    assert rows == [{"person_id": person.pk, "name_masked": person.name[0] + "*" * (len(person.name) - 2)
                     + person.name[-1], "room": person.household.room, "code": make_code(person.pk, 1)}]
    assert AuditLog.objects.filter(action="export", object_id=str(person.household_id)).count() == 1


def test_household_page_shows_every_members_code_and_the_sheet_link(client, bob, residents):
    person = residents.east[4]
    client.force_login(bob)
    page = client.get(reverse("people:household", args=[person.household_id])).content.decode()
    assert 'id="screening-household-codes"' in page and make_code(person.pk) in page
    assert reverse("screening:household_codes", args=[person.household_id]) in page


def test_sheet_list_offers_the_buildings_of_the_jurisdiction_only(client, bob, town):
    client.force_login(bob)
    page = client.get(reverse("screening:code_sheets")).content.decode()
    assert reverse("screening:building_codes", args=[town.a1_b1.pk]) in page
    assert reverse("screening:building_codes", args=[town.b1_b1.pk]) not in page
