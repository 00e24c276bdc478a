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


# --- A8 (4): login throttling per user name at an address, and per address ------------------------------


def _login(client, username, password, ip):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_IP_FAILURE_LIMIT = 6
    return settings


def test_guessing_across_many_names_from_one_address_is_locked(client, alice, limits):
    for i in range(5):
        response = _login(client, f"guess{i}", "wrong-password", "10.0.0.1")
        assert response.status_code == 200  # the form again: each name failed only once
    assert _login(client, "guess5", "wrong-password", "10.0.0.1").status_code == 429  # the 6th locks
    # the address is locked now, even for a right password of a real account
    locked = _login(client, "alice", "alice-pass-123", "10.0.0.1")
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    # from another address alice logs in
    assert _login(client, "alice", "alice-pass-123", "10.0.0.9").status_code == 302


def test_one_users_failures_lock_only_that_name_at_that_address(client, alice, bob, limits):
    for _ in range(3):
        _login(client, "bob", "wrong-password", "10.0.0.2")
    assert _login(client, "bob", "bob-pass-123", "10.0.0.2").status_code == 429
    # the same name from another address is not locked
    assert _login(client, "bob", "bob-pass-123", "10.0.0.3").status_code == 302
    client.logout()
    # another user at the first address is not locked either (the address has 3 of its 6)
    assert _login(client, "alice", "alice-pass-123", "10.0.0.2").status_code == 302


def test_the_address_limit_is_an_environment_setting(tmp_path):
    out = _settings_in_subprocess({"AXES_IP_FAILURE_LIMIT": "40", "AXES_FAILURE_LIMIT": "4"},
                                  "AXES_IP_FAILURE_LIMIT", "AXES_FAILURE_LIMIT", "AXES_LOCKOUT_PARAMETERS")
    assert out == [40, 4, [["username", "ip_address"], "ip_address"]]


def _settings_in_subprocess(env, *names):
    """Settings as a fresh process reads them from the environment."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps([getattr(settings, n, None) for n in {list(names)!r}]))"
    )
    keep = {k: v for k, v in os.environ.items() if k not in ("HTTPS", "SECURE_COOKIES")}
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code],
        env={**keep, "DJANGO_SETTINGS_MODULE": "gridguard.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- A8 (1): with HTTPS on, HSTS and secure cookies; the proxy header only when asked for -----------------

HTTPS_SETTINGS = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
)


def test_https_is_off_by_default():
    assert _settings_in_subprocess({}, *HTTPS_SETTINGS) == [False, False, 0, None]


@pytest.mark.parametrize("flag", ["HTTPS", "SECURE_COOKIES"])
def test_https_on_sends_hsts_and_secure_cookies(flag):
    assert _settings_in_subprocess({flag: "1"}, *HTTPS_SETTINGS) == [True, True, 31536000, None]


def test_hsts_and_proxy_header_are_environment_settings():
    env = {"HTTPS": "1", "SECURE_HSTS_SECONDS": "600", "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}
    assert _settings_in_subprocess(env, *HTTPS_SETTINGS) == [True, True, 600, ["HTTP_X_FORWARDED_PROTO", "https"]]


def test_a_request_through_the_https_proxy_gets_hsts_and_secure_cookies(client, alice, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    page = client.get(reverse("accounts:login"), HTTP_X_FORWARDED_PROTO="https")
    assert page["Strict-Transport-Security"] == "max-age=31536000"
    assert page.cookies["csrftoken"]["secure"]
    response = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": "alice-pass-123"},
        HTTP_X_FORWARDED_PROTO="https",
    )
    assert response.status_code == 302 and response.cookies["sessionid"]["secure"]
    # plain HTTP (no proxy header) gets no HSTS: browsers ignore it there anyway
    assert "Strict-Transport-Security" not in client.get(reverse("accounts:login"))


# --- A8 (2): a Content-Security-Policy on every page ------------------------------------------------------


def _policy(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("url", ["/accounts/login/", "/", "/people/persons/", "/control/today/", "/api/docs"])
def test_every_page_sends_a_strict_content_security_policy(client, alice, url):
    if url != "/accounts/login/":
        client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 200
    policy = _policy(response)
    for directive in ("script-src", "style-src", "font-src", "default-src"):
        assert policy[directive] == ["'self'"], directive
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in v for values in policy.values() for v in values)


def test_pages_carry_no_inline_script_or_handler(client, alice, town):
    import re

    client.force_login(alice)
    for url in ("/", "/people/persons/", "/control/today/", f"/control/posters/{town.a1.pk}/"):
        html = client.get(url).content.decode()
        assert not re.search(r"\son[a-z]+\s*=", html), url  # onclick=, onchange=…
        for script in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in script or 'type="application/json"' in script, (url, script)
        assert "<style" not in html and ' style="' not in html, url


def test_htmx_is_told_not_to_inject_styles_or_eval(client, alice):
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert 'name="htmx-config"' in html and '"includeIndicatorStyles":false' in html.replace(" ", "")
    assert '"allowEval":false' in html.replace(" ", "")


# --- A8 (3): the API docs come from the package, not a CDN ---------------------------------------------


def test_the_api_docs_reference_no_other_host(client, alice):
    import re

    client.force_login(alice)
    html = client.get("/api/docs").content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle" in u for u in urls) and any("swagger-ui.css" in u for u in urls)
    assert all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "cdn" not in html.lower() and "https://" not in html
    from django.conf import settings
    from django.contrib.staticfiles import finders

    for url in urls:  # and the files ship with the installed packages
        assert url.startswith(settings.STATIC_URL) and finders.find(url[len(settings.STATIC_URL) :]), url


def test_behind_a_proxy_the_client_address_is_counted_not_the_proxys(client, alice, limits):
    limits.TRUSTED_PROXY_COUNT = 1

    def login(username, password, client_ip):
        return client.post(
            reverse("accounts:login"),
            {"username": username, "password": password},
            REMOTE_ADDR="192.168.1.1",  # the proxy
            HTTP_X_FORWARDED_FOR=client_ip,
        )

    for i in range(6):  # writing its own X-Forwarded-For does not hide the guesser: the proxy appends
        login(f"guess{i}", "wrong-password", f"10.9.9.{i}, 203.0.113.7")
    assert login("alice", "alice-pass-123", "203.0.113.7").status_code == 429
    # another client behind the same proxy is not locked out with the guesser
    assert login("alice", "alice-pass-123", "203.0.113.8").status_code == 302


def test_trusted_proxy_count_picks_the_address_the_first_proxy_saw(settings):
    from gridguard.accounts.lockout import client_ip_address

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.8, 10.0.0.1")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip_address(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 2  # two proxies: 10.0.0.1 saw 203.0.113.8, 10.0.0.2 saw 10.0.0.1
    assert client_ip_address(request) == "203.0.113.8"
    settings.TRUSTED_PROXY_COUNT = 5  # fewer entries than proxies: not through them, so REMOTE_ADDR
    assert client_ip_address(request) == "10.0.0.2"
    assert _settings_in_subprocess({"TRUSTED_PROXY_COUNT": "2"}, "TRUSTED_PROXY_COUNT") == [2]


def test_the_audit_log_records_the_address_the_first_proxy_saw(settings, client, alice, town, street_official):
    """A reveal behind a reverse proxy is audited with the client's address, not the proxy's (the
    same rule as login throttling)."""
    from gridguard.accounts.models import AuditLog
    from gridguard.people import services

    home = services.household_create(actor=street_official, node=town.a1_b1, room="101")
    person = services.person_register(actor=street_official, household=home, data={"name": "张三"})
    settings.TRUSTED_PROXY_COUNT = 1
    client.force_login(alice)
    answer = client.post(
        f"/api/persons/{person.pk}/reveal", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.8"
    )
    assert answer.status_code == 200, answer.content
    assert AuditLog.objects.get(action=AuditLog.Action.REVEAL).ip == "203.0.113.8"
