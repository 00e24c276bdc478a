"""The coverage pages, the export and the API: scoping (charlie of 西城 sees none of 东城), masking
and the audited reveal, recording a reason (every wrong field named at once), the export's cells
never formulas, and the public page of a sampling point that shows nothing personal."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from conftest import _user, idno
from gridguard.accounts.models import AuditLog
from gridguard.grids.services import node_create
from gridguard.people import services as people
from gridguard.screening.models import Enrollment, PointSlot, Sample
from gridguard.screening.selectors import coverage as sel
from gridguard.screening.services import points, rounds
from gridguard.screening.services.scans import scans_submit
from gridguard.screening.tests.conftest import DAY, at, code, item

pytestmark = pytest.mark.django_db


def _person(actor, node, n: int, name: str, phone: str = "", tags: str = ""):
    hh = people.household_create(actor=actor, node=node, room=f"{200 + n}")
    return people.person_register(
        actor=actor, household=hh,
        data={"name": name, "id_number": idno(1970, 300 + n), "relation": "户主", "phone": phone, "tags": tags},
    )


@pytest.fixture
def world(town, levels, admin_user, street_official, sampler):
    """东城第一网格: 张一…张五 (张一, 张二 sampled; 张五 bedridden), 西城第一网格: 李一, 李二 (李一 sampled),
    and a community named "-南城社区" whose label in a sheet starts with "-"."""
    east = [_person(street_official, town.a1_b1, n, f"张{'一二三四五'[n]}", f"1380000{n:04d}",
                    "卧床" if n == 4 else "") for n in range(5)]
    west = [_person(street_official, town.b1_b1, 10 + n, f"李{'一二'[n]}", f"1390000{n:04d}") for n in range(2)]
    south = node_create(actor=admin_user, parent=town.town, name="-南城社区", level=levels["community"])
    south_grid = node_create(actor=admin_user, parent=south, name="南城网格", level=levels["grid"])
    odd = _person(street_official, south_grid, 20, "王南", "13700000001")
    rnd = rounds.round_create(actor=street_official, node=town.town, name="第一轮全员核酸", starts_on=DAY, ends_on=DAY)
    rounds.round_open(actor=street_official, rnd=rnd, now=at(7))
    rnd.refresh_from_db()
    point = points.point_create(actor=street_official, rnd=rnd, node=town.a1, name="东城广场", address="东城路1号",
                                opens_at=at(7), closes_at=at(19), stations=2)
    points.point_staff_add(actor=street_official, point=point, user=sampler)
    points.point_slot_set(actor=street_official, point=point, grid=town.a1, starts_at=at(9), ends_at=at(10),
                          expected=5)
    points.point_slot_set(actor=street_official, point=point, grid=town.b1, starts_at=at(10), ends_at=at(11),
                          expected=2)
    scans_submit(actor=sampler, rnd=rnd, point=point, now=at(10),
                 items=[item("T1000001", code(p), device_time=at(9, 50 + n)) for n, p in enumerate([*east[:2], west[0]])])
    enrol = {e.person_id: e for e in Enrollment.objects.filter(round=rnd)}
    return SimpleNamespace(rnd=rnd, point=point, east=east, west=west, odd=odd, south_grid=south_grid,
                           e={p.name: enrol[p.pk] for p in [*east, *west, odd]})


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def chart_data(html: str) -> dict:
    """The charts' data, written by json_script."""
    found = re.search(r'<script id="coverage-chart" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None, "no chart data on the page"
    return json.loads(found[1])


def url(name: str, *args, **query) -> str:
    base = reverse(f"screening:{name}", args=args)
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# --- the missing list: what a grid worker sees, masked, scoped -------------------------------------


def test_grid_worker_sees_own_missing_list_with_phones_masked(world, bob):
    page = client_for(bob).get(url("coverage_missing", world.rnd.pk))
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("张三", "张四", "张五"):
        assert name in html
    for name in ("张一", "张二", "李一", "李二"):  # sampled, or another grid
        assert name not in html
    assert "138****0002" in html and "13800000002" not in html
    assert "显示电话" not in html  # a grid worker may not reveal
    assert "未检 <strong>3</strong> 人" in html


def test_charlie_sees_neither_the_list_nor_the_figures_of_dongcheng(world, charlie, town):
    c = client_for(charlie)
    for name, node in (("coverage_missing", town.a1), ("coverage", town.east), ("coverage", town.town),
                       ("coverage_door", town.a1), ("coverage_missing_export", town.a1)):
        assert c.get(url(name, world.rnd.pk, node=node.pk)).status_code == 404, name
    own = c.get(url("coverage_missing", world.rnd.pk)).content.decode()
    assert "李二" in own and "张" not in own
    page = c.get(url("coverage", world.rnd.pk)).content.decode()
    assert "东城" not in page
    figures = chart_data(page)
    assert figures["children"]["labels"] == ["9号楼"] and figures["children"]["missing"] == [1]
    e = world.e["张三"]
    assert c.post(url("coverage_reason", world.rnd.pk, e.pk), {"reason": "away"}).status_code == 404
    assert c.post(url("coverage_phone", world.rnd.pk, e.pk)).status_code == 404
    e.refresh_from_db()
    assert e.missing_reason == ""


def test_a_reveal_shows_the_full_phone_and_is_audited(world, alice, bob):
    e = world.e["张三"]
    html = client_for(alice).get(url("coverage_missing", world.rnd.pk)).content.decode()
    assert "显示电话" in html and "13800000002" not in html
    answer = client_for(alice).post(url("coverage_phone", world.rnd.pk, e.pk), HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and "13800000002" in answer.content.decode()
    log = AuditLog.objects.get(action=AuditLog.Action.REVEAL)
    assert log.actor == alice and str(log.object_id) == str(e.person_id)
    refused = client_for(bob).post(url("coverage_phone", world.rnd.pk, e.pk), HTTP_HX_REQUEST="true")
    assert refused.status_code == 403 and "13800000002" not in refused.content.decode()
    assert AuditLog.objects.filter(action=AuditLog.Action.REVEAL).count() == 1


# --- recording a reason ---------------------------------------------------------------------------


def test_a_reason_recorded_from_a_card_redraws_the_card(world, bob):
    e = world.e["张三"]
    answer = client_for(bob).post(url("coverage_reason", world.rnd.pk, e.pk), {"reason": "away", "note": "在外地"},
                                  HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert html.startswith('<article class="cov-card has-reason" id="e-') and "已登记“外出”" in html
    e.refresh_from_db()
    assert (e.missing_reason, e.reason_note, e.reason_by_id) == ("away", "在外地", bob.pk)


def test_a_door_reason_puts_the_person_on_the_door_list(world, bob):
    e = world.e["张四"]
    c = client_for(bob)
    assert "张四" not in c.get(url("coverage_door", world.rnd.pk)).content.decode()
    c.post(url("coverage_reason", world.rnd.pk, e.pk), {"reason": "door"}, HTTP_HX_REQUEST="true")
    door = c.get(url("coverage_door", world.rnd.pk)).content.decode()
    assert "张四" in door and "网格员登记需上门" in door
    assert "张五" in door and "卧床" in door  # bedridden: on the list from the round's opening
    assert "张三" not in door


def test_every_wrong_field_of_a_reason_is_named_at_once(world, bob):
    e = world.e["张三"]
    c = client_for(bob)
    html = c.post(url("coverage_reason", world.rnd.pk, e.pk), {"reason": "holiday", "note": "=cmd|' /C calc'!A0"},
                  HTTP_HX_REQUEST="true").content.decode()
    assert 'data-field="reason"' in html and 'data-field="note"' in html
    assert "请选择未检原因" in html and "不能以 = + - @ 开头" in html
    html = c.post(url("coverage_reason", world.rnd.pk, e.pk), {"reason": "elsewhere"},
                  HTTP_HX_REQUEST="true").content.decode()
    assert 'data-field="note"' in html and "张三：请写明说明" in html
    e.refresh_from_db()
    assert e.missing_reason == ""


def test_a_reason_without_htmx_goes_back_to_the_list_with_a_message(world, bob):
    e = world.e["张三"]
    answer = client_for(bob).post(url("coverage_reason", world.rnd.pk, e.pk), {"reason": "refused"}, follow=True)
    assert "已登记“拒绝”" in answer.content.decode()


# --- the round's page ----------------------------------------------------------------------------


def test_the_round_page_shows_figures_charts_data_and_drill_down(world, street_official, town):
    c = client_for(street_official)
    html = c.get(url("coverage", world.rnd.pk)).content.decode()
    data = chart_data(html)
    assert data["children"]["labels"] == ["东城社区", "西城社区", "-南城社区"]
    assert data["children"]["sampled"] == [2, 1, 0] and data["children"]["missing"] == [3, 1, 1]
    assert sum(data["hours"]["sampled"]) == 3
    assert "vendor/echarts/echarts.common.min.js" in html and "screening/coverage.js" in html
    assert "<script>" not in html  # CSP: no inline script, the data is JSON
    assert url("coverage", world.rnd.pk, node=town.east.pk).replace("&", "&amp;") in html
    east = c.get(url("coverage", world.rnd.pk, node=town.east.pk)).content.decode()
    assert "东城第一网格" in east and "东城第二网格" in east


def test_the_rounds_list_shows_the_round_to_its_grid_workers(world, bob, charlie):
    assert "第一轮全员核酸" in client_for(bob).get(url("coverage_rounds")).content.decode()
    assert "第一轮全员核酸" in client_for(charlie).get(url("coverage_rounds")).content.decode()


# --- the export ------------------------------------------------------------------------------------


def test_the_export_writes_no_formula_and_is_audited(world, town):
    eve = _user("eve", "street_official", town.town, full_name="=HYPERLINK(\"http://x\")")
    answer = client_for(eve).get(url("coverage_missing_export", world.rnd.pk, node=world.rnd.node.pk))
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(answer.streaming_content)))
    rows = list(book.worksheets[0].iter_rows())
    names = [r[2].value for r in rows[1:]]
    assert sorted(names) == sorted(["张三", "张四", "张五", "李二", "王南"])
    risky = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    risky += 1
                    assert cell.quotePrefix and cell.data_type == "s", (sheet.title, cell.coordinate)
    assert risky >= 2  # "-南城社区 南城网格" and the exporter's name
    assert "13800000002" in [r[3].value for r in rows[1:]]  # a street official may see phones
    log = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert log.object_type == "screening.enrollment" and log.detail["rows"] == 5
    assert log.detail["filters"] == {"round": world.rnd.pk, "node": world.rnd.node.pk}


def test_a_grid_worker_may_not_export(world, bob):
    answer = client_for(bob).get(url("coverage_missing_export", world.rnd.pk))
    assert answer.status_code == 302
    assert not AuditLog.objects.filter(action=AuditLog.Action.EXPORT).exists()


# --- the public page of a sampling point ------------------------------------------------------


def test_the_public_page_shows_the_queue_and_nothing_personal(world):
    answer = Client().get(url("point_public", world.point.public_key))
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "东城广场" in html and "东城路1号" in html and "近15分钟已采样" in html
    assert "东城第一网格" in html and "西城第一网格" in html  # the grids' slots
    for person in [*world.east, *world.west, world.odd]:
        assert person.name not in html and person.phone not in html and person.id_number not in html
        assert person.phone[-4:] not in html
    assert "public" in answer["Cache-Control"] and "max-age=30" in answer["Cache-Control"]
    assert Client().get(url("point_public", "not-a-key")).status_code == 404


def test_the_queue_counts_the_last_15_minutes_against_the_slot(world):
    q = sel.point_queue(world.point, now=at(10, 0))
    assert q.recent == 3  # sampled at 9:50–9:52
    assert [s.grid.name for s in q.slots_now] == ["西城第一网格"] and q.expected_now == 2 and q.remaining_now == 1
    assert sel.point_queue(world.point, now=at(10, 10)).recent == 0
    q = sel.point_queue(world.point, now=at(9, 55))
    assert q.expected_now == 5 and q.remaining_now == 3 and q.is_open
    assert not sel.point_queue(world.point, now=at(20)).is_open
    assert PointSlot.objects.count() == 2 and Sample.objects.count() == 3


# --- the API ---------------------------------------------------------------------------------------


def test_api_coverage_and_missing_are_scoped_and_masked(world, bob, charlie, town):
    c = client_for(bob)
    data = c.get(f"/api/screening/rounds/{world.rnd.pk}/coverage").json()
    assert data["node_id"] == town.a1.pk and data["total"]["in_scope"] == 5 and data["total"]["missing"] == 3
    missing = c.get(f"/api/screening/rounds/{world.rnd.pk}/missing", {"limit": 2}).json()
    assert [i["name"] for i in missing["items"]] == ["张三", "张四"] and missing["next_cursor"]
    assert missing["items"][0]["phone"] == "138****0002"
    more = c.get(f"/api/screening/rounds/{world.rnd.pk}/missing", {"limit": 2, "cursor": missing["next_cursor"]})
    assert [i["name"] for i in more.json()["items"]] == ["张五"]
    assert c.get(f"/api/screening/rounds/{world.rnd.pk}/missing", {"door": "true"}).json()["items"][0]["name"] == "张五"
    d = client_for(charlie)
    answer = d.get(f"/api/screening/rounds/{world.rnd.pk}/coverage", {"node": town.a1.pk})
    assert answer.status_code == 404 and answer.json()["field"] == "node"
    assert d.get(f"/api/screening/rounds/{world.rnd.pk}/missing", {"node": town.east.pk}).status_code == 404
    assert d.get(f"/api/screening/rounds/{world.rnd.pk}/coverage").json()["total"]["in_scope"] == 2
    assert c.get(f"/api/screening/rounds/{world.rnd.pk}/missing", {"limit": 0}).json()["field"] == "limit"
    assert c.get(f"/api/screening/rounds/{world.rnd.pk}/missing", {"cursor": "%%%"}).status_code == 400


def test_api_records_a_reason_and_names_every_wrong_field(world, bob, charlie):
    e = world.e["张三"]
    path = f"/api/screening/rounds/{world.rnd.pk}/enrollments/{e.pk}/reason"
    c = client_for(bob)
    bad = c.post(path, {"reason": "holiday", "note": "@x"}, content_type="application/json")
    assert bad.status_code == 400
    assert sorted(err["field"] for err in bad.json()["errors"]) == ["note", "reason"]
    good = c.post(path, {"reason": "elsewhere", "note": "市一院 12-01"}, content_type="application/json")
    assert good.status_code == 200 and good.json()["reason_label"] == "已在外地检测（有凭证）"
    assert good.json()["phone"] == "138****0002"
    answer = client_for(charlie).post(path, {"reason": "away"}, content_type="application/json")
    assert answer.status_code == 404 and answer.json()["field"] == "enrollment_id"
    e.refresh_from_db()
    assert e.missing_reason == "elsewhere"
    assert dt.datetime.now(dt.UTC) - e.reason_at < dt.timedelta(minutes=5)


# --- English ----------------------------------------------------------------------------------------


def test_the_pages_are_in_english_with_the_cookie(world, bob, settings):
    from django.core.management import call_command
    from django.test import override_settings

    call_command("compilemessages_py")
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):  # forget catalogues loaded before
        c = client_for(bob)
        c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        html = c.get(url("coverage_missing", world.rnd.pk)).content.decode()
        assert "Not yet sampled" in html and "— Choose a reason —" in html and "Show phone" not in html
        assert "应检未检" not in html and "选择原因" not in html
        html = c.get(url("coverage", world.rnd.pk)).content.decode()
        assert "Persons sampled per hour" in html and "Figures by sub-node" in html
        assert chart_data(html)["children"]["names"] == {"sampled": "Sampled", "missing": "Missing"}
        html = Client().get(url("point_public", world.point.public_key),
                            HTTP_COOKIE=f"{settings.LANGUAGE_COOKIE_NAME}=en").content.decode()
        assert "Sampled in the last 15 minutes" in html
