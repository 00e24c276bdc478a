"""The sampler's pages: "my points" lists the points a sampler works at; the point page and its
service worker (served under the pages' own path, so its scope covers them)."""

import pytest

from gridguard.screening.services import points
from gridguard.screening.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_my_points_lists_assigned_points_of_open_rounds(client, sampler, rnd, point, street_official, town):
    points.point_create(actor=street_official, rnd=rnd, node=town.b1, name="西城点", address="西城路",
                        opens_at=at(7), closes_at=at(19))
    client.force_login(sampler)
    page = client.get("/screening/sampler/").content.decode()
    assert "东城广场" in page and "西城点" not in page
    assert f"/screening/sampler/rounds/{rnd.pk}/points/{point.pk}/" in page


def test_official_sees_points_of_the_jurisdiction(client, street_official, rnd, point):
    client.force_login(street_official)
    assert "东城广场" in client.get("/screening/sampler/").content.decode()


def test_closed_round_is_not_listed(client, sampler, rnd, point):
    rnd.status = "closed"
    rnd.save(update_fields=["status"])
    client.force_login(sampler)
    assert "东城广场" not in client.get("/screening/sampler/").content.decode()


def test_point_page_for_its_sampler_only(client, sampler, charlie, rnd, point):
    url = f"/screening/sampler/rounds/{rnd.pk}/points/{point.pk}/"
    client.force_login(sampler)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-api="/api/screening/rounds/{rnd.pk}/points/{point.pk}/"' in html
    assert 'id="sampler-strings"' in html and "<script>" not in html  # no inline script (CSP)
    client.force_login(charlie)
    assert client.get("/screening/sampler/").status_code == 200
    assert "东城广场" not in client.get("/screening/sampler/").content.decode()
    assert client.get(url).status_code == 403
    assert client.get(f"/screening/sampler/rounds/{rnd.pk}/points/999999/").status_code == 404


def test_anonymous_is_sent_to_login(client, rnd, point):
    response = client.get(f"/screening/sampler/rounds/{rnd.pk}/points/{point.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_service_worker_is_served_under_the_pages_path(client, db):
    response = client.get("/screening/sampler/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert '"scope": "/screening/sampler/"' in body and "/static/gridguard/screening/sampler.js" in body
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_point_page_in_english(client, settings, sampler, rnd, point):
    client.force_login(sampler)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/screening/sampler/rounds/{rnd.pk}/points/{point.pk}/").content.decode()
    assert "Scan or type the tube code" in html and "Close tube" in html and "{n} places left" in html
