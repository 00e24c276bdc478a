import io
import json

import pytest
from django.urls import reverse

from gridguard.accounts.services import device_token_create
from gridguard.control.models import Alert, AlertKind
from gridguard.screening.models import Recall, Result, TransportBox, Tube, TubeStatus
from gridguard.screening.tests.conftest import at
from gridguard.screening.tests.lab_support import apply, fill, make_lab

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(town):
    return make_lab(town)


@pytest.fixture
def packed(sampler, rnd, point, residents):
    fill(sampler, rnd, point, "P0000001", residents.east[:10])
    fill(sampler, rnd, point, "P0000002", residents.east[10:12])
    return rnd


def test_a_sampler_packs_checked_tubes_on_the_point_page(client, sampler, rnd, point, residents):
    fill(sampler, rnd, point, "P0000001", residents.east[:10], now=at(3))  # closed hours before the page's now
    fill(sampler, rnd, point, "P0000002", residents.east[10:12], now=at(3))
    client.force_login(sampler)
    url = reverse("screening:lab_point", args=[point.pk])
    page = client.get(url).content.decode()
    assert "P0000001" in page and "超时未转运" in page
    response = client.post(url, {"code": "BOX-9", "courier": "李师傅", "lab": "一院", "tubes": "p0000002",
                                 "tube": ["P0000001"]})
    assert response.status_code == 302
    box = TransportBox.objects.get()
    assert set(Tube.objects.filter(box=box).values_list("code", flat=True)) == {"P0000001", "P0000002"}


def test_wrong_tubes_are_named_on_the_page(client, sampler, packed, point):
    client.force_login(sampler)
    response = client.post(reverse("screening:lab_point", args=[point.pk]),
                           {"code": "BOX-9", "courier": "李师傅", "tubes": "NOSUCH01\nP0000001"})
    page = response.content.decode()
    assert response.status_code == 200 and "NOSUCH01（本轮次没有此管）" in page
    assert not TransportBox.objects.exists()


def test_a_lab_receives_a_box_and_enters_results_by_scan(client, sampler, lab, packed, point):
    from gridguard.screening.services.transport import box_pack

    box = box_pack(actor=sampler, point=point, code="BOX-1", courier="李师傅", tube_codes=["P0000001", "P0000002"],
                   now=at(11))
    client.force_login(lab)
    assert "BOX-1" in client.get(reverse("screening:lab_round", args=[packed.pk])).content.decode()
    client.post(reverse("screening:lab_box_receive", args=[box.pk]))
    box.refresh_from_db()
    assert box.received_by == lab
    url = reverse("screening:lab_round", args=[packed.pk])
    response = client.post(url, {"tube_code": "p0000001", "result": "negative", "lab": "一院"})
    assert response.status_code == 302 and "result=negative" in response.url  # the result stays for the next scan
    assert Tube.objects.get(code="P0000001").result == Result.NEGATIVE
    response = client.post(url, {"tube_code": "P0000001", "result": "positive"})
    assert "不一致" in response.content.decode()


def test_the_recall_list_turnaround_and_alerts_show_the_positive_pool(
    client, lab, packed, alice, bob, charlie, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        apply(lab, packed, [("P0000001", Result.POSITIVE), ("P0000002", Result.NEGATIVE)])
    client.force_login(bob)  # the grid worker of 东城第一网格
    page = client.get(reverse("screening:lab_recalls", args=[packed.pk])).content.decode()
    assert page.count("P0000001") == 10
    alerts = client.get(reverse("control:alerts") + "?kind=recall").content.decode()
    assert alerts.count("须单管复核") == 10
    client.force_login(charlie)  # another grid: nothing of 东城
    assert "P0000001" not in client.get(reverse("screening:lab_recalls", args=[packed.pk])).content.decode()
    assert "须单管复核" not in client.get(reverse("control:alerts") + "?kind=recall").content.decode()
    client.force_login(bob)
    turnaround = client.get(reverse("screening:lab_turnaround", args=[packed.pk])).content.decode()
    assert "P0000001" in turnaround and "P0000002" in turnaround
    export = client.get(reverse("screening:lab_turnaround", args=[packed.pk]) + "?format=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert [c.value for c in next(sheet.rows)][:2] == ["管码", "采样点"] and sheet.max_row == 3


def test_an_alert_without_order_is_resolved_by_the_grid(client, lab, packed, bob, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        apply(lab, packed, [("P0000001", Result.POSITIVE)])
    alert = Alert.objects.filter(kind=AlertKind.RECALL).first()
    client.force_login(bob)
    response = client.post(reverse("control:alert_resolve", args=[alert.pk]), {"resolution": "已电话通知，明早上门"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert not alert.is_open and alert.resolved_by == bob


def test_the_household_page_shows_the_mark(client, lab, packed, residents, alice, django_capture_on_commit_callbacks):
    apply(lab, packed, [("P0000001", Result.POSITIVE)])
    client.force_login(alice)
    page = client.get(reverse("people:household", args=[residents.east[0].household_id])).content.decode()
    assert 'id="recall-mark"' in page and "待单管复核" in page
    other = client.get(reverse("people:household", args=[residents.east[11].household_id])).content.decode()
    assert 'id="recall-mark"' not in other


def test_a_lab_system_posts_results_with_a_device_token(client, lab, packed):
    _token, raw = device_token_create(actor=lab, user=lab, name="LIS")
    response = client.post(
        f"/api/screening/lab/rounds/{packed.pk}/results",
        data=json.dumps({"results": [
            {"tube_code": "P0000001", "result": "阳性", "tested_at": "2026-11-30T20:00:00+08:00", "lab": "一院"},
            {"tube_code": "NOSUCH01", "result": "阴性"},
            {"tube_code": "P0000002", "result": "maybe"},
        ]}),
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["applied"], body["recalls"]) == (1, 10)
    assert [(p["index"], p["code"]) for p in body["problems"]] == [(1, "tube_unknown"), (2, "result_bad")]
    assert Recall.objects.count() == 10
    recalls = client.get(f"/api/screening/lab/rounds/{packed.pk}/recalls", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert len(recalls.json()) == 10 and recalls.json()[0]["pool"] == "P0000001"


def test_the_api_refuses_a_sampler_and_hides_other_grids(client, sampler, charlie, packed):
    client.force_login(sampler)
    response = client.post(f"/api/screening/lab/rounds/{packed.pk}/results",
                           data=json.dumps({"results": []}), content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    client.force_login(charlie)
    body = client.get(f"/api/screening/lab/rounds/{packed.pk}/turnaround").json()
    assert body["total"] == 0 and body["rows"] == []


def test_tubes_not_yet_packed_keep_their_status(packed):
    assert set(Tube.objects.values_list("status", flat=True)) == {TubeStatus.CLOSED}
