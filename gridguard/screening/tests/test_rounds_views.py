"""The rounds pages: a round's form names every wrong field at once, the proposal is applied (and
re-applied replaces the draft's points), the round opens and closes, slot notices and export, and
scoping: charlie (a grid worker of 西城) cannot plan, an official of another street sees nothing."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from conftest import _user
from gridguard.accounts.models import AuditLog
from gridguard.core.xlsx import XLSX_TYPE
from gridguard.grids.services import node_create
from gridguard.screening.models import (
    Enrollment,
    EnrollmentState,
    PointSlot,
    PointStaff,
    RoundStatus,
    SamplingPoint,
    ScreeningRound,
)
from gridguard.screening.services import rounds
from gridguard.screening.tests.conftest import DAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(town, street_official, residents):
    return rounds.round_create(actor=street_official, node=town.town, name="第二轮全员核酸", starts_on=DAY,
                               ends_on=DAY)


def plan_post(client, rnd, action="apply", edit=None):
    """The proposal page as the browser sends it back (its fields, optionally edited)."""
    import re

    page = client.get(reverse("screening:round_plan", args=[rnd.pk]), {"day": DAY.isoformat(), "opens": "07:00",
                                                                         "closes": "19:00"}).content.decode()
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", page):
        found = re.search(r'name="([^"]+)"[^>]*value="([^"]*)"', tag)
        if found and 'type="checkbox"' not in tag:  # a checkbox is sent only when ticked
            data[found.group(1)] = found.group(2)
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options) or re.search(r'<option value="([^"]*)"', options)
        data[name] = chosen.group(1) if chosen else ""
    data.pop("csrfmiddlewaretoken", None)
    data.update(edit or {})
    data["action"] = action
    return client.post(reverse("screening:round_plan", args=[rnd.pk]), data)


def test_round_form_names_every_wrong_field_at_once(client, street_official):
    client.force_login(street_official)
    response = client.post(reverse("screening:round_create"), {
        "name": "=危险", "starts_on": "2026-12-05", "ends_on": "2026-12-01", "mode": "pool10",
        "exempt_under_months": "99", "target_hours": "0",
    })
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"node", "name", "ends_on", "exempt_under_months", "target_hours"}
    assert not ScreeningRound.objects.exists()


def test_round_is_created_and_listed(client, street_official, town):
    client.force_login(street_official)
    response = client.post(reverse("screening:round_create"), {
        "node": town.town.pk, "name": "第三轮", "starts_on": DAY.isoformat(), "ends_on": DAY.isoformat(),
        "mode": "pool20", "exempt_away": "on", "exempt_under_months": "6", "target_hours": "24",
    })
    rnd = ScreeningRound.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("screening:round", args=[rnd.pk])
    assert (rnd.mode, rnd.exempt_under_months, rnd.exempt_central) == ("pool20", 6, False)
    assert "第三轮" in client.get(reverse("screening:rounds")).content.decode()


def test_proposal_is_applied_and_reapplying_replaces_the_points(client, street_official, draft, town, sampler):
    client.force_login(street_official)
    page = client.get(reverse("screening:round_plan", args=[draft.pk])).content.decode()
    assert "东城第一网格" in page and "西城第一网格" in page
    response = plan_post(client, draft)
    assert response.status_code == 302, response.content.decode()[:2000]
    points = list(SamplingPoint.objects.filter(round=draft))
    # 14 persons of one community each (12 in 东城, 2 in 西城): two small sites in two communities.
    assert len(points) == 2
    slots = {s.grid_id: s.expected for s in PointSlot.objects.filter(point__round=draft)}
    assert slots == {town.a1.pk: 12, town.b1.pk: 2}
    east = next(p for p in points if p.node_id == town.a1.pk)
    PointStaff.objects.create(point=east, user=sampler)
    # move 西城第一网格 to the first point and remove the second: one point, both grids, staff kept
    index = {p["point"].name: p["i"] for p in client.get(reverse("screening:round_plan", args=[draft.pk]))
             .context["view_points"]}
    west_i = index[next(p for p in points if p.node_id == town.b1.pk).name]
    east_i = index[east.name]
    response = plan_post(client, draft, edit={"s1-point": str(east_i), "s0-point": str(east_i),
                                              f"p{west_i}-remove": "1"})
    assert response.status_code == 302, response.content.decode()[:3000]
    after = list(SamplingPoint.objects.filter(round=draft))
    assert len(after) == 1 and after[0].pk not in {p.pk for p in points}
    assert set(PointSlot.objects.filter(point=after[0]).values_list("grid_id", flat=True)) == {town.a1.pk, town.b1.pk}
    assert PointStaff.objects.filter(point=after[0], user=sampler).exists()


def test_a_removed_point_whose_grid_goes_nowhere_is_refused_by_name(client, street_official, draft):
    client.force_login(street_official)
    response = plan_post(client, draft, edit={"p0-remove": "1", "p1-remove": "1", "p0-stations": "x"})
    assert response.status_code == 200
    errors = " ".join(response.context["errors"])
    assert "没有采样点" in errors and "东城第一网格" in errors and "西城第一网格" in errors
    assert not SamplingPoint.objects.filter(round=draft).exists()


def test_open_shows_how_many_were_drawn_and_close(client, street_official, draft):
    client.force_login(street_official)
    response = client.post(reverse("screening:round_open", args=[draft.pk]), follow=True)
    assert "14" in response.content.decode() and "应检名单" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == RoundStatus.OPEN
    client.post(reverse("screening:round_close", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == RoundStatus.CLOSED


def test_manual_exemption_needs_a_reason_and_is_found_by_name(client, street_official, rnd, residents):
    client.force_login(street_official)
    person = residents.west[0]
    page = client.get(reverse("screening:round_exempt", args=[rnd.pk]), {"q": person.name}).content.decode()
    assert person.name in page
    enrollment = Enrollment.objects.get(round=rnd, person=person)
    url = reverse("screening:round_exempt", args=[rnd.pk])
    response = client.post(url, {"enrollment": enrollment.pk, "reason": "manual", "note": ""}, follow=True)
    assert "人工免检请写明原因" in response.content.decode()
    client.post(url, {"enrollment": enrollment.pk, "reason": "manual", "note": "住院"})
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.reason_note) == (EnrollmentState.EXEMPT, "住院")


def test_charlie_sees_the_town_round_but_cannot_plan_it(client, charlie, draft):
    client.force_login(charlie)
    assert client.get(reverse("screening:round", args=[draft.pk])).status_code == 200
    for name in ("screening:round_plan", "screening:point_create", "screening:round_exempt"):
        assert client.get(reverse(name, args=[draft.pk])).status_code == 403
    assert client.post(reverse("screening:round_open", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == RoundStatus.DRAFT


def test_an_official_of_another_street_cannot_see_the_round(client, draft, admin_user, levels):
    other = node_create(actor=admin_user, parent=None, name="河西街道", level=levels["street"])
    official = _user("hexi", "street_official", other)
    client.force_login(official)
    assert draft.name not in client.get(reverse("screening:rounds")).content.decode()
    assert client.get(reverse("screening:round", args=[draft.pk])).status_code == 404
    assert client.get(reverse("screening:round_plan", args=[draft.pk])).status_code == 404
    assert client.get(reverse("screening:slot_export", args=[draft.pk])).status_code == 404
    api = client.get(f"/api/screening/rounds/{draft.pk}")
    assert api.status_code == 404 and api.json()["code"] == "not_found"


def test_slot_notice_pdf_has_the_grids_slot_and_export_lists_every_slot(client, street_official, draft, town):
    client.force_login(street_official)
    plan_post(client, draft)
    slot = PointSlot.objects.get(point__round=draft, grid=town.b1)
    response = client.get(reverse("screening:slot_notice", args=[draft.pk, town.b1.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    from django.utils import timezone

    expected = f"{timezone.localtime(slot.starts_at):%H:%M}–{timezone.localtime(slot.ends_at):%H:%M}"
    assert expected in text and slot.point.name in text and "核酸码" in text and "身份证" in text
    assert client.get(reverse("screening:slot_notice", args=[draft.pk, town.a2.pk])).status_code == 404
    export = client.get(reverse("screening:slot_export", args=[draft.pk]))
    assert export["Content-Type"] == XLSX_TYPE
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["东城第一网格", "西城第一网格"]
    assert rows[2][4] == f"{timezone.localtime(slot.starts_at):%H:%M}"


def test_api_creates_proposes_applies_opens(client, street_official, town, residents):
    client.force_login(street_official)
    bad = client.post("/api/screening/rounds", {"node_id": town.town.pk, "name": "", "starts_on": "2026-12-02",
                                                "ends_on": "2026-12-01", "target_hours": 0},
                      content_type="application/json")
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"name", "ends_on", "target_hours"}
    made = client.post("/api/screening/rounds", {"node_id": town.town.pk, "name": "接口轮次",
                                                 "starts_on": DAY.isoformat(), "ends_on": DAY.isoformat()},
                       content_type="application/json")
    assert made.status_code == 201
    rid = made.json()["id"]
    proposal = client.get(f"/api/screening/rounds/{rid}/proposal?opens=08:00&closes=12:00").json()
    assert proposal["persons"] == 14 and len(proposal["points"]) == 2
    applied = client.post(f"/api/screening/rounds/{rid}/plan", proposal, content_type="application/json")
    assert applied.status_code == 200
    assert sum(s["expected"] for p in applied.json()["points"] for s in p["slots"]) == 14
    opened = client.post(f"/api/screening/rounds/{rid}/open").json()
    assert opened["in_scope"] == 14 and opened["round"]["status"] == "open"
    again = client.post(f"/api/screening/rounds/{rid}/plan", proposal, content_type="application/json")
    assert again.status_code == 400 and again.json()["code"] == "round_not_draft"
    assert AuditLog.objects.filter(object_type="screening.screeninground", object_id=str(rid)).count() >= 3


def test_plan_page_in_english(client, street_official, draft):
    from django.conf import settings
    from django.core.management import call_command

    call_command("compilemessages_py")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(street_official)
    body = client.get(reverse("screening:round_plan", args=[draft.pk])).content.decode()
    assert "Apply plan" in body and "Re-spread slots by persons" in body and "应用方案" not in body


def test_openapi_schema_lists_the_rounds_routes(client, street_official):
    client.force_login(street_official)
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/screening/rounds", "/api/screening/rounds/{round_id}/proposal",
            "/api/screening/rounds/{round_id}/plan", "/api/screening/households/{household_id}/codes"} <= set(paths)
