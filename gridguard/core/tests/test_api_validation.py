"""Every API parameter is checked before it is used: bad input is a JSON 4xx naming the field in
Chinese, never a server error; an answer under /api/ is always JSON (405 and 500 too)."""

import pytest
from django.test import Client

from gridguard.accounts.services import device_token_create
from gridguard.people.models import Tag


@pytest.fixture
def bearer(bob):
    _, key = device_token_create(actor=bob, user=bob, name="手机")
    return {"Authorization": f"Bearer {key}"}


def _post(client, url, data, headers):
    return client.post(url, data, content_type="application/json", headers=headers)


# --- the three crashes the fuzz run found -----------------------------------------------------------


def test_household_with_node_id_zero_is_a_json_404_naming_the_field(client, bearer):
    response = _post(client, "/api/households", {"node_id": 0}, bearer)
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found" and body["field"] == "node_id"
    assert "node_id" in body["message"] or "网格" in body["message"]


def test_organization_with_node_id_zero_is_a_json_404_naming_the_field(client, bearer):
    response = _post(client, "/api/organizations", {"node_id": 0, "name": "超市", "kind": "shop"}, bearer)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found" and response.json()["field"] == "node_id"


def test_person_with_node_id_zero_is_refused_not_placed_nowhere(client, bearer):
    response = _post(client, "/api/persons", {"name": "李四", "node_id": 0}, bearer)
    assert response.status_code == 404 and response.json()["field"] == "node_id"


@pytest.mark.parametrize("tag", ["99999999999999999", "1000000000", "63", "-1"])
def test_a_tag_beyond_the_bits_is_a_422_not_a_huge_integer(client, bearer, tag):
    response = client.get(f"/api/persons?tag={tag}", headers=bearer)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "tag" and "查询参数“特殊人群（tag）”" in body["message"]


def test_a_tag_bit_that_no_group_has_is_a_422(client, bearer):
    unused = max(Tag.objects.values_list("bit", flat=True)) + 1
    response = client.get(f"/api/persons?tag={unused}", headers=bearer)
    assert response.status_code == 422 and response.json()["field"] == "tag"
    assert "特殊人群" in response.json()["message"]


def test_an_existing_tag_still_filters(client, bearer):
    bit = Tag.objects.get(name="低保").bit
    response = client.get(f"/api/persons?tag={bit}", headers=bearer)
    assert response.status_code == 200 and response.json()["items"] == []


@pytest.mark.parametrize(
    "url",
    [
        "/api/persons/99999999999999999999999",
        "/api/persons?node=99999999999999999999999",
        "/api/households/-1",
        "/api/nodes/99999999999999999999",
    ],
)
def test_ids_beyond_any_row_are_a_json_4xx(client, bearer, url):
    response = client.get(url, headers=bearer)
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json")


# --- the list pages take the same tag parameter -------------------------------------------------------


@pytest.mark.parametrize("tag", ["99999999999999999", "1000000000", "63", "9" * 5000])
def test_the_persons_page_ignores_a_tag_no_group_has(client, bob, tag):
    client.force_login(bob)
    response = client.get(f"/people/persons/?tag={tag}")
    assert response.status_code == 200


def test_a_huge_node_parameter_on_a_list_page_is_a_404(client, bob):
    client.force_login(bob)
    assert client.get("/people/persons/?node=" + "9" * 30).status_code == 404


def test_tag_param_keeps_only_existing_bits(db):
    from gridguard.people.filters import person_filters, tag_param

    bit = Tag.objects.get(name="低保").bit
    assert tag_param(str(bit)) == bit
    assert tag_param("99999999999999999") is None and tag_param("63") is None
    assert tag_param("x") is None and tag_param(None) is None
    assert person_filters({"tag": "1000000000"}, None)["tag_bit"] is None  # type: ignore[arg-type]


# --- every answer under /api/ is JSON -------------------------------------------------------------------


def test_a_wrong_method_is_a_json_405(client, bearer):
    response = client.delete("/api/persons", headers=bearer)
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "method_not_allowed" and "GET" in body["message"]
    assert "GET" in response["Allow"]


def test_an_uncaught_error_under_api_is_a_json_500(db, bob, bearer, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("boom secret")

    monkeypatch.setattr("gridguard.grids.selectors.visible_roots", boom)
    client = Client(raise_request_exception=False)
    response = client.get("/api/nodes", headers=bearer)
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "server_error" and "服务器" in response.json()["message"]
    assert "boom" not in response.content.decode()  # nothing of the error leaks out


def test_an_uncaught_error_on_a_page_stays_a_page(db, bob, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("gridguard.people.views.person_filters", boom)
    client = Client(raise_request_exception=False)
    client.force_login(bob)
    page = client.get("/people/persons/")
    assert page.status_code == 500 and not page["Content-Type"].startswith("application/json")


# --- found by the fuzz run (test_fuzz.py) ---------------------------------------------------------------


def test_split_with_an_id_beyond_any_key_is_a_422(client, alice, town):
    _, key = device_token_create(actor=alice, user=alice, name="手机")
    response = _post(
        client,
        f"/api/nodes/{town.a1.pk}/split",
        {"new_name": "新网格", "children": [10**25], "households": [-5]},
        {"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"children.0", "households.0"}


@pytest.mark.parametrize("url", ["/api/control/orders?node=0", "/api/households?node=0", "/api/persons?node=0"])
def test_a_node_filter_of_zero_is_a_404_not_no_filter(client, bearer, url):
    response = client.get(url, headers=bearer)
    assert response.status_code == 404 and response.json()["field"] == "node"
    assert response.json()["message"].startswith("查询参数“node”")


def test_a_key_person_at_node_zero_is_a_404_naming_node_id(client, bearer):
    from conftest import idno

    response = _post(
        client,
        "/api/control/key-persons",
        {"id_number": idno(1990, 9), "name": "新人", "node_id": 0, "category": "close_contact", "measure": "home"},
        bearer,
    )
    assert response.status_code == 404 and response.json()["field"] == "node_id"


@pytest.mark.parametrize("employees", [10**25, 2**31, "1e30", "inf"])
def test_an_organization_with_absurd_employees_is_refused_not_a_500(client, alice, town, employees):
    _, key = device_token_create(actor=alice, user=alice, name="手机")
    headers = {"Authorization": f"Bearer {key}"}
    body = {"node_id": town.a1.pk, "name": "东城超市", "kind": "shop", "employees": employees}
    if isinstance(employees, str):  # the rule behind the API, the form and the import
        from gridguard.core.errors import ApplicationError
        from gridguard.people.rules import clean_organization

        with pytest.raises(ApplicationError) as caught:
            clean_organization({"name": "东城超市", "kind": "shop", "employees": employees})
        assert caught.value.field == "employees"
        return
    response = _post(client, "/api/organizations", body, headers)
    assert response.status_code in (400, 422) and response.json()["field"] == "employees"


@pytest.mark.parametrize("name", ["a\x00b", "a\ud800b"])
def test_text_no_database_can_store_is_a_422_naming_the_field(client, alice, town, name):
    """NUL (PostgreSQL refuses it in text) and an unpaired surrogate (not UTF-8) in a JSON body."""
    import json

    _, key = device_token_create(actor=alice, user=alice, name="手机")
    headers = {"Authorization": f"Bearer {key}"}
    body = json.dumps({"name": name})  # json escapes both: "\\u0000", "\\ud800"
    response = _post(client, f"/api/nodes/{town.a1.pk}/rename", body, headers)
    assert response.status_code == 422
    assert response.json()["field"] == "name" and "字段“name”" in response.json()["message"]
    response = _post(client, "/api/persons", json.dumps({"name": "李四", "tags": ["低保", name]}), headers)
    assert response.status_code == 422 and response.json()["field"] == "tags.1"
    # the same escape in a body sent as UTF-16 (which JSON readers accept) is found too
    body = json.dumps({"name": name}).encode("utf-16")
    response = _post(client, f"/api/nodes/{town.a1.pk}/rename", body, headers)
    assert response.status_code == 422 and response.json()["field"] == "name"


def test_a_nul_in_a_query_parameter_is_a_422(client, bearer):
    response = client.get("/api/persons?q=a%00b", headers=bearer)
    assert response.status_code == 422 and response.json()["field"] == "q"
    assert "查询参数“q”" in response.json()["message"]


@pytest.mark.parametrize(
    ("url", "field"),
    [("/api/persons?residency=户籍", "residency"), ("/api/organizations?kind=bank", "kind")],
)
def test_a_filter_value_outside_its_choices_is_a_422_listing_them(client, bearer, url, field):
    response = client.get(url, headers=bearer)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field and len(body["errors"]) == 1 and "可选值" in body["message"]


@pytest.mark.parametrize("url", ["/api/persons?residency=", "/api/persons?residency=floating", "/api/organizations?kind=shop", "/api/organizations?kind="])
def test_a_filter_value_among_its_choices_or_blank_is_taken(client, bearer, url):
    assert client.get(url, headers=bearer).status_code == 200
