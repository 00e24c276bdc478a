"""The control API: scoped like the pages (404 outside the jurisdiction), errors as {code, message}."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import idno
from gridguard.accounts.services import device_token_create
from gridguard.control import services
from gridguard.grids.models import Duty
from gridguard.grids.services import staff_assign
from gridguard.people import services as people_services
from gridguard.people.models import Person


@pytest.fixture
def persons(town, street_official):
    """张三 in 东城第一网格 (bob's grid), 王五 in 西城第一网格 (charlie's grid)."""
    east = people_services.household_create(actor=street_official, node=town.a1_b1, room="101")
    west = people_services.household_create(actor=street_official, node=town.b1_b1, room="909")
    zs = people_services.person_register(
        actor=street_official,
        household=east,
        data={"name": "张三", "id_number": idno(1980, 1), "phone": "13812345678", "relation": "户主"},
    )
    ww = people_services.person_register(
        actor=street_official,
        household=west,
        data={"name": "王五", "id_number": idno(1980, 3), "phone": "13987654321", "relation": "户主"},
    )
    return {"east": east, "west": west, "zs": zs, "ww": ww}


@pytest.fixture
def orders(persons, street_official):
    """An active home-isolation order for each of them."""
    return {
        key: services.order_create(
            actor=street_official, person=persons[key], category="secondary_contact", measure="home"
        )
        for key in ("zs", "ww")
    }


def _post(client, url, data=None, **kw):
    return client.post(url, data or {}, content_type="application/json", **kw)


def _put(client, url, data):
    return client.put(url, data, content_type="application/json")


def test_openapi_schema_has_control_paths(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/control/orders",
        "/api/control/orders/{order_id}",
        "/api/control/orders/{order_id}/checks",
        "/api/control/orders/{order_id}/release",
        "/api/control/orders/{order_id}/team",
        "/api/control/orders/{order_id}/team-candidates",
        "/api/control/tests/{test_id}/result",
        "/api/control/alerts",
        "/api/control/alerts/{alert_id}/resolve",
        "/api/control/my-persons",
        "/api/control/arrivals",
        "/api/control/arrivals/{report_id}/verify",
        "/api/control/needs",
        "/api/control/needs/{need_id}",
        "/api/control/policy-sets",
        "/api/control/key-persons",
    ):
        assert path in paths, path


def test_control_api_needs_auth(client, db):
    assert client.get("/api/control/orders").status_code == 401


def test_create_order_through_the_api(client, bob, persons):
    client.force_login(bob)
    response = _post(
        client,
        "/api/control/orders",
        {
            "person_id": persons["zs"].pk,
            "category": "secondary_contact",
            "measure": "home",
            "source": "协查名单",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["person_id"] == persons["zs"].pk and body["name"] == "张三"
    assert body["measure"] == "home" and body["status"] == "active" and body["source"] == "协查名单"
    assert body["place"] == persons["east"].address and body["address"] == persons["east"].address
    assert body["start_date"] == timezone.localdate().isoformat() and body["day_no"] == 1
    # 次密接 under the 9th edition: 7 days home isolation, tests on days 1, 4 and 7
    assert [t["day_no"] for t in body["tests"]] == [1, 4, 7]
    assert body["blockers"] and body["team_complete"] is False and body["team_missing"]
    assert body["id_number_masked"] != persons["zs"].id_number and "*" in body["id_number_masked"]
    detail = client.get(f"/api/control/orders/{body['id']}").json()
    assert detail["id"] == body["id"] and [s["kind"] for s in detail["steps"]] == ["create"]


def test_add_a_key_person_through_the_api(client, bob, persons, town):
    client.force_login(bob)
    known = _post(
        client,
        "/api/control/key-persons",
        {"id_number": persons["zs"].id_number, "name": "张三", "category": "close_contact", "measure": "central"},
    )
    assert known.status_code == 201, known.content
    assert known.json()["person_id"] == persons["zs"].pk
    body = {"id_number": idno(1991, 31), "name": "新人", "category": "inbound", "measure": "central"}
    no_node = _post(client, "/api/control/key-persons", body)
    assert no_node.status_code == 400 and no_node.json()["field"] == "node"
    outside = _post(client, "/api/control/key-persons", {**body, "node_id": town.b1.pk})
    assert outside.status_code == 404
    new = _post(client, "/api/control/key-persons", {**body, "node_id": town.a1.pk})
    assert new.status_code == 201 and new.json()["name"] == "新人"
    assert Person.objects.get(name="新人").node_id == town.a1.pk


def test_create_order_for_person_outside_jurisdiction_is_404(client, charlie, persons):
    client.force_login(charlie)
    response = _post(
        client, "/api/control/orders", {"person_id": persons["zs"].pk, "category": "fever", "measure": "home"}
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_create_order_with_bad_choice_names_the_field(client, bob, persons):
    client.force_login(bob)
    response = _post(
        client, "/api/control/orders", {"person_id": persons["zs"].pk, "category": "fever", "measure": "moon"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_choice" and response.json()["field"] == "measure"


def test_second_order_for_the_same_person_is_refused(client, bob, persons, orders):
    client.force_login(bob)
    response = _post(
        client, "/api/control/orders", {"person_id": persons["zs"].pk, "category": "fever", "measure": "home"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "order_exists" and body["order_id"] == orders["zs"].pk and body["message"]


def test_order_list_is_scoped_and_masked(client, bob, charlie, alice, street_official, persons, orders):
    client.force_login(bob)
    response = client.get("/api/control/orders")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [o["name"] for o in items] == ["张三"]
    assert (
        items[0]["id_number_masked"] == persons["zs"].id_number[:4] + "*" * 10 + persons["zs"].id_number[-4:]
    )
    assert items[0]["phone_masked"] == "138****5678"
    assert persons["zs"].id_number not in response.content.decode()
    assert "13812345678" not in response.content.decode()

    client.force_login(charlie)
    assert [o["name"] for o in client.get("/api/control/orders").json()["items"]] == ["王五"]

    client.force_login(street_official)
    names = {o["name"] for o in client.get("/api/control/orders").json()["items"]}
    assert names == {"张三", "王五"}
    west = client.get("/api/control/orders", {"node": persons["west"].node_id}).json()["items"]
    assert [o["name"] for o in west] == ["王五"]


def test_outside_jurisdiction_answers_404(client, bob, charlie, town, orders):
    zs_order = orders["zs"]
    client.force_login(bob)
    alert = _post(client, f"/api/control/orders/{zs_order.pk}/checks", {"temperature": 38.5}).json()[
        "alerts"
    ][0]

    client.force_login(charlie)
    assert client.get(f"/api/control/orders/{zs_order.pk}").status_code == 404
    assert (
        _post(client, f"/api/control/orders/{zs_order.pk}/checks", {"temperature": 36.5}).status_code == 404
    )
    response = _post(client, f"/api/control/alerts/{alert['id']}/resolve", {"resolution": "已复测"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert _post(client, f"/api/control/orders/{zs_order.pk}/release").status_code == 404
    assert _post(client, f"/api/control/orders/{zs_order.pk}/extend", {"days": 2}).status_code == 404
    assert _post(client, f"/api/control/orders/{zs_order.pk}/cancel", {"reason": "x"}).status_code == 404
    assert client.get(f"/api/control/orders/{zs_order.pk}/team-candidates").status_code == 404
    assert (
        _post(
            client, f"/api/control/orders/{zs_order.pk}/needs", {"kind": "other", "detail": "x"}
        ).status_code
        == 404
    )
    test_id = zs_order.tests.first().pk
    assert _post(client, f"/api/control/tests/{test_id}/result", {"result": "negative"}).status_code == 404
    assert client.get("/api/control/orders", {"node": town.a1.pk}).status_code == 404
    assert client.get("/api/control/alerts").json()["items"] == []
    assert client.get("/api/control/orders/999999").status_code == 404


def test_fever_check_raises_an_alert(client, bob, orders):
    order = orders["zs"]
    client.force_login(bob)
    response = _post(
        client, f"/api/control/orders/{order.pk}/checks", {"temperature": "38.1", "symptoms": [2]}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["check"]["temperature"] == 38.1 and body["check"]["symptom_names"] == ["咳嗽"]
    assert [a["kind"] for a in body["alerts"]] == ["fever"] and "38.1" in body["alerts"][0]["detail"]

    alerts = client.get("/api/control/alerts").json()["items"]
    assert [a["id"] for a in alerts] == [body["alerts"][0]["id"]] and alerts[0]["name"] == "张三"
    listed = client.get("/api/control/orders", {"with_alerts": "true"}).json()["items"]
    assert [o["id"] for o in listed] == [order.pk] and listed[0]["has_alert"] is True
    detail = client.get(f"/api/control/orders/{order.pk}").json()
    assert detail["has_alert"] is True and [a["kind"] for a in detail["alerts"]] == ["fever"]
    assert any("未处置的预警" in b for b in detail["blockers"])

    resolved = _post(client, f"/api/control/alerts/{alerts[0]['id']}/resolve", {"resolution": "复测 36.8℃"})
    assert resolved.status_code == 200 and resolved.json()["is_open"] is False
    assert client.get("/api/control/alerts").json()["items"] == []
    assert len(client.get("/api/control/alerts", {"open_only": "false"}).json()["items"]) == 1
    again = _post(client, f"/api/control/alerts/{alerts[0]['id']}/resolve", {"resolution": "again"})
    assert again.status_code == 400 and again.json()["code"] == "alert_closed"


def test_normal_check_raises_nothing_and_bad_temperature_is_400(client, bob, orders):
    client.force_login(bob)
    url = f"/api/control/orders/{orders['zs'].pk}/checks"
    ok = _post(client, url, {"temperature": 36.6})
    assert ok.status_code == 201 and ok.json()["alerts"] == []
    bad = _post(client, url, {"temperature": "45"})
    assert bad.status_code == 400 and bad.json()["field"] == "temperature"


def test_refused_release_lists_the_reasons(client, bob, orders):
    client.force_login(bob)
    response = _post(client, f"/api/control/orders/{orders['zs'].pk}/release", {"note": "到期"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "release_blocked"
    assert isinstance(body["reasons"], list) and body["reasons"]
    assert any("管控期未满" in r for r in body["reasons"])
    assert client.get(f"/api/control/orders/{orders['zs'].pk}").json()["status"] == "active"


def test_release_after_the_period(client, bob, persons, street_official):
    start = timezone.localdate() - dt.timedelta(days=7)
    order = services.order_create(
        actor=street_official,
        person=persons["zs"],
        category="secondary_contact",
        measure="home",
        start_date=start,
    )
    client.force_login(bob)
    for test in order.tests.all():
        response = _post(client, f"/api/control/tests/{test.pk}/result", {"result": "negative"})
        assert response.status_code == 200 and response.json()["result"] == "negative"
    response = _post(client, f"/api/control/orders/{order.pk}/release", {"note": "期满"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "released" and response.json()["notice_no"]
    assert client.get("/api/control/orders").json()["items"] == []
    released = client.get("/api/control/orders", {"status": "released"}).json()["items"]
    assert [o["id"] for o in released] == [order.pk]


def test_order_changes(client, bob, orders):
    order = orders["zs"]
    client.force_login(bob)
    base = f"/api/control/orders/{order.pk}"
    extended = _post(client, f"{base}/extend", {"days": 3, "note": "复核"})
    assert extended.status_code == 200
    assert extended.json()["stage_end"] == (order.stage_end + dt.timedelta(days=3)).isoformat()
    bad = _post(client, f"{base}/extend", {"days": 0})
    assert bad.status_code == 400 and bad.json()["code"] == "bad_days"

    placed = _post(client, f"{base}/place", {"place": "某宾馆 305 房"})
    assert placed.status_code == 200 and placed.json()["place"] == "某宾馆 305 房"

    changed = _post(client, f"{base}/change", {"measure": "central", "place": "集中隔离点"})
    assert changed.status_code == 200
    assert changed.json()["measure"] == "central" and changed.json()["place"] == "集中隔离点"
    same = _post(client, f"{base}/change", {"measure": "central"})
    assert same.status_code == 400 and same.json()["code"] == "same_measure"

    no_reason = _post(client, f"{base}/cancel", {"reason": " "})
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    cancelled = _post(client, f"{base}/cancel", {"reason": "误录"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    kinds = [s["kind"] for s in cancelled.json()["steps"]]
    assert kinds == ["create", "extend", "place", "change", "cancel"]
    closed = _post(client, f"{base}/extend", {"days": 1})
    assert closed.status_code == 400 and closed.json()["code"] == "order_closed"


def test_transfer_resolves_the_alert_it_answers(client, bob, orders):
    order = orders["zs"]
    client.force_login(bob)
    alert = _post(client, f"/api/control/orders/{order.pk}/checks", {"temperature": 38.6}).json()["alerts"][0]
    at = timezone.localtime().replace(tzinfo=None, microsecond=0).isoformat()  # local time, no offset
    response = _post(
        client,
        f"/api/control/orders/{order.pk}/transfer",
        {
            "at": at,
            "vehicle": "120 急救车",
            "destination": "发热门诊",
            "handover": "李医生",
            "alert_id": alert["id"],
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["destination"] == "发热门诊" and response.json()["alert_id"] == alert["id"]
    detail = client.get(f"/api/control/orders/{order.pk}").json()
    assert detail["place"] == "发热门诊" and detail["alerts"] == [] and len(detail["transfers"]) == 1
    missing = _post(
        client,
        f"/api/control/orders/{order.pk}/transfer",
        {"at": at, "vehicle": " ", "destination": "医院", "handover": "李医生"},
    )
    assert missing.status_code == 400 and missing.json()["field"] == "vehicle"


def test_positive_test_result_raises_an_alert(client, bob, orders):
    order = orders["zs"]
    client.force_login(bob)
    first, *later = list(order.tests.order_by("date"))
    response = _post(client, f"/api/control/tests/{first.pk}/result", {"result": "positive"})
    assert response.status_code == 200 and response.json()["result"] == "positive"
    assert [a["kind"] for a in client.get("/api/control/alerts").json()["items"]] == ["positive"]
    future = _post(client, f"/api/control/tests/{later[0].pk}/result", {"result": "negative"})
    assert future.status_code == 400 and future.json()["code"] == "test_future"
    assert _post(client, "/api/control/tests/999999/result", {"result": "negative"}).status_code == 404


def test_list_filters_are_validated(client, bob, orders):
    client.force_login(bob)
    bad = client.get("/api/control/orders", {"status": "bogus"})
    assert bad.status_code == 400 and bad.json()["field"] == "status"
    assert client.get("/api/control/orders", {"limit": 201}).json()["code"] == "limit_invalid"
    assert client.get("/api/control/orders", {"measure": "central"}).json()["items"] == []
    assert len(client.get("/api/control/orders", {"q": "张三"}).json()["items"]) == 1
    assert len(client.get("/api/control/orders", {"team_incomplete": "true"}).json()["items"]) == 1
    assert client.get("/api/control/alerts", {"kind": "nope"}).status_code == 400


def test_order_list_pages_with_next_cursor(client, street_official, town):
    for seq in range(3):
        person = people_services.person_register(
            actor=street_official,
            node=town.a1,
            data={"name": f"人员{seq}", "id_number": idno(1990, seq + 10)},
        )
        services.order_create(
            actor=street_official, person=person, category="fever", measure="home_monitoring"
        )
    client.force_login(street_official)
    first = client.get("/api/control/orders", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = client.get("/api/control/orders", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    assert {o["id"] for o in first["items"]}.isdisjoint({o["id"] for o in second["items"]})


@pytest.fixture
def staff(town, admin_user, bob, charlie):
    """A full three-to-one pool around 东城第一网格; charlie is its medic (from another grid)."""
    return {
        "cadre": staff_assign(actor=admin_user, node=town.town, duty=Duty.LIAISON_CADRE, name="镇干部甲"),
        "bob": staff_assign(actor=admin_user, node=town.a1, duty=Duty.GRID_WORKER, name="鲍勃", user=bob),
        "chief": staff_assign(actor=admin_user, node=town.east, duty=Duty.COMMITTEE, name="两委乙"),
        "chief2": staff_assign(actor=admin_user, node=town.east, duty=Duty.COMMITTEE, name="两委丙"),
        "medic": staff_assign(actor=admin_user, node=town.a1, duty=Duty.MEDIC, name="查理", user=charlie),
    }


def test_team_candidates_and_set(client, bob, persons, staff):
    client.force_login(bob)
    created = _post(
        client, "/api/control/orders", {"person_id": persons["zs"].pk, "category": "fever", "measure": "home"}
    ).json()
    assert created["team_complete"] is True and {m["name"] for m in created["team"]} == {
        "镇干部甲",
        "鲍勃",
        "两委乙",
        "查理",
    }
    seats = client.get(f"/api/control/orders/{created['id']}/team-candidates").json()
    by_role = {s["role"]: s for s in seats}
    assert by_role["village_cadre"]["need"] == 2
    assert [c["name"] for c in by_role["village_cadre"]["candidates"]] == ["鲍勃", "两委乙", "两委丙"]
    members = [
        {"role": "town_cadre", "staff_id": staff["cadre"].pk},
        {"role": "village_cadre", "staff_id": staff["chief2"].pk},
    ]
    response = _put(client, f"/api/control/orders/{created['id']}/team", {"members": members})
    assert response.status_code == 200
    assert response.json()["team_complete"] is False and response.json()["team_missing"]
    wrong = _put(
        client,
        f"/api/control/orders/{created['id']}/team",
        {"members": [{"role": "medic", "staff_id": staff["cadre"].pk}]},
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "bad_member"


def test_team_member_outside_the_jurisdiction_sees_the_order(
    client, charlie, persons, staff, street_official
):
    order = services.order_create(
        actor=street_official, person=persons["zs"], category="fever", measure="home"
    )
    client.force_login(charlie)
    # charlie is the medic of the team: the order is theirs to check on, but not in their ledger
    assert client.get(f"/api/control/orders/{order.pk}").status_code == 200
    assert _post(client, f"/api/control/orders/{order.pk}/checks", {"temperature": 36.4}).status_code == 201
    assert client.get("/api/control/orders").json()["items"] == []
    mine = client.get("/api/control/my-persons").json()
    assert [r["order"]["id"] for r in mine] == [order.pk]
    assert mine[0]["last_temperature"] == 36.4 and any(s["done"] for s in mine[0]["slots"])


def test_my_persons_lists_the_team_orders(client, bob, alice, persons, staff, street_official):
    order = services.order_create(
        actor=street_official, person=persons["zs"], category="fever", measure="home"
    )
    client.force_login(bob)
    rows = client.get("/api/control/my-persons").json()
    assert len(rows) == 1 and rows[0]["order"]["id"] == order.pk and rows[0]["day_no"] == 1
    assert rows[0]["order"]["id_number_masked"] != persons["zs"].id_number
    assert [t["day_no"] for t in rows[0]["tests_due"]] == [1]
    client.force_login(alice)  # not on any team
    assert client.get("/api/control/my-persons").json() == []


def test_needs(client, bob, alice, charlie, orders):
    order = orders["zs"]
    client.force_login(bob)
    created = _post(client, f"/api/control/orders/{order.pk}/needs", {"kind": "medicine", "detail": "降压药"})
    assert created.status_code == 201 and created.json()["status"] == "open"
    need_id = created.json()["id"]
    assert [n["id"] for n in client.get("/api/control/needs").json()["items"]] == [need_id]
    no_result = _post(client, f"/api/control/needs/{need_id}", {"status": "done"})
    assert no_result.status_code == 400 and no_result.json()["code"] == "result_required"
    taken = _post(client, f"/api/control/needs/{need_id}", {"status": "in_progress", "owner_id": alice.pk})
    assert taken.status_code == 200 and taken.json()["owner_id"] == alice.pk
    outside = _post(
        client, f"/api/control/needs/{need_id}", {"status": "in_progress", "owner_id": charlie.pk}
    )
    assert outside.status_code == 404
    done = _post(client, f"/api/control/needs/{need_id}", {"status": "done", "result": "已送达"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert client.get("/api/control/needs").json()["items"] == []
    assert len(client.get("/api/control/needs", {"status": "done"}).json()["items"]) == 1
    client.force_login(charlie)
    assert client.get("/api/control/needs", {"status": "done"}).json()["items"] == []
    assert _post(client, f"/api/control/needs/{need_id}", {"status": "open"}).status_code == 404


def test_arrivals_verify(client, alice, charlie, town):
    report = services.arrival_submit(
        poster=town.east,
        data={
            "name": "赵六",
            "id_number": idno(1992, 5),
            "phone": "13700001111",
            "from_place": "上海市浦东新区",
            "arrival_date": timezone.localdate().isoformat(),
            "address": "东城社区 1号楼 202",
        },
    )
    client.force_login(charlie)
    assert client.get("/api/control/arrivals").json()["items"] == []
    assert _post(client, f"/api/control/arrivals/{report.pk}/verify", {"measure": "none"}).status_code == 404

    client.force_login(alice)
    # an id of 0 names no record: refused (404), never read as "none given"
    for body in ({"measure": "none", "person_id": 0}, {"measure": "home", "household_id": 0}):
        zero = _post(client, f"/api/control/arrivals/{report.pk}/verify", body)
        assert zero.status_code in (400, 404) and zero.json()["code"] in ("not_found", "household_unknown"), body
    items = client.get("/api/control/arrivals").json()["items"]
    assert [r["name"] for r in items] == ["赵六"]
    assert items[0]["id_number_masked"] != report.id_number and items[0]["phone_masked"] == "137****1111"
    response = _post(
        client,
        f"/api/control/arrivals/{report.pk}/verify",
        {"measure": "home", "category": "medium_risk_arrival", "note": "核实属实"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ordered" and body["order_id"] and body["person_id"]
    order = client.get(f"/api/control/orders/{body['order_id']}").json()
    assert order["name"] == "赵六" and order["source"] == "自主报备"
    again = _post(client, f"/api/control/arrivals/{report.pk}/verify", {"measure": "none"})
    assert again.status_code == 400 and again.json()["code"] == "already_verified"
    assert client.get("/api/control/arrivals").json()["items"] == []
    assert len(client.get("/api/control/arrivals", {"status": ""}).json()["items"]) == 1


def test_a_repeat_is_counted_on_the_first_report_not_listed_apart(client, alice, town):
    data = {
        "name": "赵六",
        "id_number": idno(1992, 5),
        "phone": "13700001111",
        "from_place": "上海市浦东新区",
        "arrival_date": timezone.localdate().isoformat(),
        "address": "东城社区 1号楼 202",
    }
    first = services.arrival_submit(poster=town.east, data=data)
    repeat = services.arrival_submit(poster=town.west, data={**data, "name": "钱七"})
    client.force_login(alice)
    for status in ("pending", ""):
        items = client.get("/api/control/arrivals", {"status": status}).json()["items"]
        assert [(r["id"], r["name"], r["times"], r["repeats"]) for r in items] == [(first.pk, "赵六", 2, 1)]
    response = _post(client, f"/api/control/arrivals/{repeat.pk}/verify", {"measure": "none"})
    assert response.status_code == 400 and response.json()["code"] == "arrival_repeat"


def test_policy_sets(client, bob):
    client.force_login(bob)
    sets = client.get("/api/control/policy-sets").json()
    assert [s["code"] for s in sets if s["is_current"]] == ["national_9"]
    national = next(s for s in sets if s["code"] == "national_9")
    close = next(
        p for p in national["policies"] if p["category"] == "close_contact" and p["measure"] == "central"
    )
    assert close["days"] == 7 and close["next_policy_id"] and close["test_days"] == [1, 2, 3, 5, 7]


def test_policies_are_chosen_and_edited_through_the_api(client, bob, street_official):
    from gridguard.control.models import Policy, PolicySet

    seeds = PolicySet.objects.get(code="seeds_14d")
    policy = Policy.objects.get(policy_set__code="national_9", category="close_contact", measure="central")
    client.force_login(bob)
    assert _post(client, f"/api/control/policy-sets/{seeds.pk}/choose", {}).status_code == 403
    client.force_login(street_official)
    assert _post(client, f"/api/control/policy-sets/{seeds.pk}/choose", {}).status_code == 200
    assert PolicySet.objects.get(is_current=True) == seeds
    bad = client.put(
        f"/api/control/policies/{policy.pk}",
        {"days": 0, "check_slots": "x", "test_days": [1]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and {e["field"] for e in bad.json()["errors"]} == {"days", "check_slots"}
    good = client.put(
        f"/api/control/policies/{policy.pk}",
        {"days": 8, "check_slots": "20:00-08:00", "test_days": [1, 8], "next_policy_id": policy.next_policy_id},
        content_type="application/json",
    )
    assert good.status_code == 200 and good.json()["days"] == 8 and good.json()["check_slots"] == "20:00-08:00"


def test_device_token_reaches_the_control_api(client, charlie, orders):
    _, key = device_token_create(actor=charlie, user=charlie, name="平板")
    response = client.get("/api/control/orders", headers={"Authorization": f"Bearer {key}"})
    assert [o["name"] for o in response.json()["items"]] == ["王五"]


def test_lists_take_a_fixed_number_of_queries(client, street_official, town, django_assert_max_num_queries):
    for seq in range(6):
        person = people_services.person_register(
            actor=street_official,
            node=town.a1_b1,
            data={"name": f"人员{seq}", "id_number": idno(1991, seq + 20)},
        )
        order = services.order_create(actor=street_official, person=person, category="fever", measure="home")
        services.check_record(order=order, actor=street_official, temperature="38.0")
        services.need_create(order=order, actor=street_official, kind="other", detail="代买")
    client.force_login(street_official)
    for url in ("/api/control/orders", "/api/control/alerts", "/api/control/needs"):
        with django_assert_max_num_queries(6):
            response = client.get(url)
        assert response.status_code == 200 and len(response.json()["items"]) == 6
