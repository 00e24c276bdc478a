"""Security set-up: redirects stay on the site, HTTPS headers, the Content-Security-Policy, the API docs
without a CDN, login throttling per address."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from conftest import idno
from gridguard.control import services as control
from gridguard.control.models import ScheduledTest
from gridguard.core.forms import safe_next
from gridguard.people.services import person_register

EVIL = ["https://evil.example", "//evil.example/x", "/\\evil.example", "https:/evil.example", "javascript:alert(1)"]


# --- A6: only same-site paths after an action ---------------------------------------------------------


@pytest.mark.parametrize("url", EVIL)
def test_safe_next_refuses_other_sites(url):
    request = RequestFactory().get("/")
    assert safe_next(request, url, "/fallback/") == "/fallback/"


@pytest.mark.parametrize("url", ["/control/today/", "/control/alerts/?kind=fever"])
def test_safe_next_keeps_a_path_of_this_site(url):
    assert safe_next(RequestFactory().get("/"), url, "/fallback/") == url


def test_safe_next_without_a_value_is_the_fallback():
    assert safe_next(RequestFactory().get("/"), None, "/fallback/") == "/fallback/"
    assert safe_next(RequestFactory().get("/"), "", "/fallback/") == "/fallback/"


@pytest.fixture
def order(town, admin_user):
    person = person_register(actor=admin_user, data={"name": "张三", "id_number": idno(1980, 11)}, node=town.a1)
    return control.order_create(actor=admin_user, person=person, category="close_contact", measure="home")


def _location_is_local(response, expected):
    assert response.status_code == 302
    assert response["Location"] == expected


@pytest.mark.parametrize("evil", EVIL)
def test_check_action_never_redirects_off_site(client, alice, order, evil):
    client.force_login(alice)
    url = reverse("control:order_check", args=[order.pk])
    _location_is_local(client.post(url, {"temperature": "36.5", "next": evil}), reverse("control:order", args=[order.pk]))
    # also when the form is refused
    _location_is_local(client.post(url, {"temperature": "x", "next": evil}), reverse("control:order", args=[order.pk]))
    _location_is_local(client.post(url, {"temperature": "36.6", "next": "/control/today/"}), "/control/today/")


@pytest.mark.parametrize("evil", EVIL)
def test_test_result_action_never_redirects_off_site(client, alice, order, evil):
    client.force_login(alice)
    test = ScheduledTest.objects.filter(order=order).order_by("date").first()
    url = reverse("control:test_result", args=[test.pk])
    expected = reverse("control:order", args=[order.pk])
    _location_is_local(client.post(url, {"result": "sampled", "next": evil}), expected)
    _location_is_local(client.post(url, {"result": "sampled", "next": "/control/today/"}), "/control/today/")


@pytest.mark.parametrize("evil", EVIL)
def test_need_update_never_redirects_off_site(client, alice, order, admin_user, evil):
    client.force_login(alice)
    need = control.need_create(order=order, actor=admin_user, kind="other", detail="代买")
    url = reverse("control:need_update", args=[need.pk])
    _location_is_local(client.post(url, {"status": "in_progress", "next": evil}), reverse("control:needs"))
    _location_is_local(client.post(url, {"status": "in_progress", "next": "/control/today/"}), "/control/today/")


@pytest.mark.parametrize("evil", EVIL)
def test_alert_resolve_never_redirects_off_site(client, alice, order, admin_user, evil):
    client.force_login(alice)
    alert = control.check_record(order=order, actor=admin_user, temperature="38.5").alerts[0]
    url = reverse("control:alert_resolve", args=[alert.pk]) + "?next=" + evil
    response = client.post(url, {"resolution": "已送发热门诊"})
    _location_is_local(response, reverse("control:order", args=[order.pk]))
    other = control.check_record(order=order, actor=admin_user, temperature="38.6").alerts[0]
    url = reverse("control:alert_resolve", args=[other.pk]) + "?next=/control/alerts/"
    _location_is_local(client.post(url, {"resolution": "已复测"}), "/control/alerts/")


def test_the_back_link_of_a_ledger_form_never_points_off_site(client, alice, town):
    client.force_login(alice)
    url = reverse("people:person_create") + f"?node={town.a1.pk}"
    page = client.get(url, HTTP_REFERER="https://evil.example/phish").content.decode()
    assert "evil.example" not in page
    page = client.get(url, HTTP_REFERER="http://testserver/people/persons/").content.decode()
    assert 'href="http://testserver/people/persons/"' in page
