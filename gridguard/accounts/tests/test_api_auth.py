"""API authentication with CSRF enforced, as a real browser or device sees it.

The default test client skips CSRF checks, which hid that a bearer-token POST was refused with
"CSRF check Failed": these tests use ``Client(enforce_csrf_checks=True)``.
"""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import idno
from gridguard.accounts.services import device_token_create, device_token_revoke
from gridguard.people.models import Household, Person


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def _json(client, method, url, data, **kw):
    return getattr(client, method)(url, data, content_type="application/json", **kw)


def _bearer(key):
    return {"Authorization": f"Bearer {key}"}


def _csrf_token(client):
    """A logged-in browser gets its CSRF cookie from any page with a form."""
    assert client.get(reverse("accounts:tokens")).status_code == 200
    return client.cookies["csrftoken"].value


def test_token_writes_without_csrf(csrf_client, bob, town):
    _, key = device_token_create(actor=bob, user=bob, name="扫码枪")
    response = _json(
        csrf_client,
        "post",
        "/api/households",
        {"node_id": town.a1_b1.pk, "room": "102"},
        headers=_bearer(key),
    )
    assert response.status_code == 201, response.content
    household_id = response.json()["id"]
    response = _json(
        csrf_client,
        "post",
        "/api/persons",
        {"name": "李四", "id_number": idno(1985, 7), "household_id": household_id},
        headers=_bearer(key),
    )
    assert response.status_code == 201, response.content
    person_id = response.json()["id"]
    response = _json(
        csrf_client, "patch", f"/api/persons/{person_id}", {"employer": "镇卫生院"}, headers=_bearer(key)
    )
    assert response.status_code == 200 and response.json()["employer"] == "镇卫生院"
    assert Person.objects.get(pk=person_id).household_id == household_id
    assert not csrf_client.cookies.get("sessionid")  # no session was needed or made


def test_token_wins_over_the_session_and_needs_no_csrf(csrf_client, bob, charlie, town):
    """A device token is its user's, even from a browser logged in as someone else."""
    _, key = device_token_create(actor=bob, user=bob, name="手机")
    csrf_client.force_login(charlie)  # charlie has no access to 东城
    response = _json(
        csrf_client,
        "post",
        "/api/households",
        {"node_id": town.a1_b1.pk, "room": "103"},
        headers=_bearer(key),
    )
    assert response.status_code == 201, response.content
    assert Household.objects.filter(node=town.a1_b1, room="103").exists()


def test_session_write_needs_csrf_token(csrf_client, bob, town):
    csrf_client.force_login(bob)
    assert csrf_client.get("/api/persons").status_code == 200  # safe methods need no CSRF token
    response = _json(csrf_client, "post", "/api/households", {"node_id": town.a1_b1.pk, "room": "104"})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed" and "CSRF 校验失败" in response.json()["message"]
    assert not Household.objects.filter(room="104").exists()
    response = _json(
        csrf_client,
        "post",
        "/api/households",
        {"node_id": town.a1_b1.pk, "room": "104"},
        headers={"X-CSRFToken": _csrf_token(csrf_client)},
    )
    assert response.status_code == 201, response.content


def test_session_with_other_authorization_scheme_still_needs_csrf(csrf_client, bob, town):
    """Only a bearer token lets the session auth stand aside: a browser behind a proxy with HTTP
    Basic auth sends ``Authorization: Basic`` by itself, on other sites' forms too."""
    csrf_client.force_login(bob)
    response = _json(
        csrf_client,
        "post",
        "/api/households",
        {"node_id": town.a1_b1.pk, "room": "105"},
        headers={"Authorization": "Basic Ym9iOnB3"},
    )
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"


@pytest.mark.parametrize("value", ["Bearer wrong", "Bearer gg_not-a-token", "Bearer ", "bearer"])
def test_bad_token_is_401_in_chinese(csrf_client, bob, value):
    response = csrf_client.get("/api/persons", headers={"Authorization": value})
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid" and "设备令牌无效" in response.json()["message"]


def test_bad_token_does_not_fall_back_to_the_session(csrf_client, bob, town):
    csrf_client.force_login(bob)
    response = _json(
        csrf_client,
        "post",
        "/api/households",
        {"node_id": town.a1_b1.pk, "room": "106"},
        headers={"Authorization": "Bearer wrong", "X-CSRFToken": _csrf_token(csrf_client)},
    )
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


def test_revoked_token_is_401(csrf_client, bob, town):
    token, key = device_token_create(actor=bob, user=bob, name="旧平板")
    assert csrf_client.get("/api/persons", headers=_bearer(key)).status_code == 200
    device_token_revoke(actor=bob, token=token)
    response = _json(
        csrf_client,
        "post",
        "/api/households",
        {"node_id": town.a1_b1.pk, "room": "107"},
        headers=_bearer(key),
    )
    assert response.status_code == 401 and "设备令牌无效" in response.json()["message"]


def test_anonymous_is_401_in_chinese_even_for_a_write(csrf_client, db):
    for response in (
        csrf_client.get("/api/persons"),
        _json(csrf_client, "post", "/api/households", {"node_id": 1}),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated" and "需要登录" in response.json()["message"]
