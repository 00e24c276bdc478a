"""End to end in headless Chromium: a grid worker on a phone records why a neighbour is missing,
in place (htmx), first with a wrong answer that is named, then a right one; and the coverage pages
(charts drawn by ECharts under the Content-Security-Policy) at 390 and 1280 px."""

import pytest

from conftest import SCREENSHOTS, browser_login
from gridguard.screening.models import Enrollment
from gridguard.screening.tests.test_coverage_pages import world  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_grid_worker_records_a_reason_on_the_phone(live_server, phone, world, bob):  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    errors = _csp_errors(phone)
    e = world.e["张三"]
    browser_login(phone, live_server.url, "bob", "bob-pass-123")
    list_url = f"{live_server.url}/screening/coverage/{world.rnd.pk}/missing/"
    phone.goto(list_url)
    card = phone.locator(f"#e-{e.pk}")
    assert "138****0002" in card.inner_text()
    phone.screenshot(path=str(SCREENSHOTS / "coverage-missing-phone.png"), full_page=True)

    # sampled elsewhere needs its proof: the card is redrawn naming the person and the field
    card.locator("select[name=reason]").select_option("elsewhere")
    card.locator("button:has-text('登记')").click()
    card.locator(".card-message.msg-error").wait_for()
    assert "张三：请写明说明" in card.locator(".card-message").inner_text()
    assert phone.locator(f"#e-{e.pk} [data-field=note]").count() == 1

    card.locator("select[name=reason]").select_option("elsewhere")
    card.locator("input[name=note]").fill("市一院 12-01 阴性")
    card.locator("button:has-text('登记')").click()
    card.locator(".card-message.msg-success").wait_for()
    assert "已登记“已在外地检测（有凭证）”" in card.inner_text()
    assert phone.url == list_url  # no full reload, no redirect
    phone.screenshot(path=str(SCREENSHOTS / "coverage-reason-phone.png"), full_page=True)
    e.refresh_from_db()
    assert (e.missing_reason, e.reason_note) == ("elsewhere", "市一院 12-01 阴性")
    assert Enrollment.objects.filter(round=world.rnd, missing_reason="").count() >= 3
    assert not [m for m in errors if "Content Security Policy" in m or "Refused" in m], errors


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_coverage_pages_draw_their_charts_at_both_widths(live_server, request, size, world, town):  # noqa: F811
    page = request.getfixturevalue(size)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    errors = _csp_errors(page)
    browser_login(page, live_server.url, "street", "street-pass-123")
    base = f"{live_server.url}/screening/coverage/{world.rnd.pk}/"
    page.goto(base)
    page.locator("#chart-hours canvas").wait_for()
    page.locator("#chart-children canvas").wait_for()
    assert "东城社区" in page.inner_text("#coverage-table")
    page.screenshot(path=str(SCREENSHOTS / f"coverage-round-{size}.png"), full_page=True)
    page.click("#coverage-table a:has-text('东城社区')")
    page.wait_for_url(f"**node={town.east.pk}")
    page.locator("#chart-children canvas").wait_for()
    page.screenshot(path=str(SCREENSHOTS / f"coverage-community-{size}.png"), full_page=True)
    page.goto(f"{base}door/")
    assert "张五" in page.inner_text("#door-list")
    page.screenshot(path=str(SCREENSHOTS / f"coverage-door-{size}.png"), full_page=True)
    page.goto(f"{base}missing/")
    page.screenshot(path=str(SCREENSHOTS / f"coverage-missing-{size}.png"), full_page=True)
    page.goto(f"{live_server.url}/screening/q/{world.point.public_key}/")
    assert "东城路1号" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / f"coverage-public-{size}.png"), full_page=True)
    assert not [m for m in errors if "Content Security Policy" in m or "Refused" in m], errors
