"""The rounds pages in headless Chromium at 390 px and 1280 px: an official creates a round, applies
the proposed plan, opens the round; the person page's code section and the resident's own code page.
Screenshots go to var/screenshots/ for a person to look at."""

from __future__ import annotations

import pytest

from conftest import SCREENSHOTS, browser_login
from gridguard.screening.tests.conftest import DAY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_official_plans_and_opens_a_round(device, request, live_server, street_official, residents, town, sampler):
    page = request.getfixturevalue(device)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    url = live_server.url
    browser_login(page, url, "street", "street-pass-123")
    page.goto(f"{url}/screening/rounds/new/")
    page.click("button[type=submit]")
    page.locator("#error-name").wait_for()
    assert page.locator("#error-starts_on").count() == 0  # dates had their initial values
    shot(page, f"round-form-errors-{device}")
    page.select_option("#id_node", str(town.town.pk))
    page.fill("#id_name", "第一轮全员核酸")
    page.fill("#id_starts_on", DAY.isoformat())
    page.fill("#id_ends_on", DAY.isoformat())
    page.click("button[type=submit]")
    page.get_by_role("link", name="按台账生成采样方案").click()
    page.locator("#plan-form").wait_for()
    shot(page, f"round-plan-{device}")
    page.click("#apply")
    page.locator("#fig-points").wait_for()
    assert page.locator("#fig-points").inner_text() == "2"
    page.locator(".point h3 a").first.click()
    page.locator("#id_grid").wait_for()
    page.select_option("#id_user", str(sampler.pk))
    page.get_by_role("button", name="安排", exact=True).click()
    page.locator(".msg-success").wait_for()
    shot(page, f"round-point-{device}")
    page.get_by_role("link", name="第一轮全员核酸").click()
    page.click("#open-round")
    page.locator(".msg-success").wait_for()
    assert "14" in page.locator(".msg-success").inner_text()
    shot(page, f"round-detail-{device}")
    page.get_by_role("link", name="人工免检").click()
    page.fill("#q", residents.west[0].name)
    page.locator(".exempt-row").first.wait_for()
    shot(page, f"round-exempt-{device}")
    page.goto(f"{url}/people/persons/{residents.east[0].pk}/")
    page.locator("#screening-code").wait_for()
    shot(page, f"person-code-{device}")
    page.goto(f"{url}/people/households/{residents.family.pk}/")
    page.locator("#screening-household-codes summary").click()
    page.locator("#screening-household-codes .member-code").first.wait_for()
    shot(page, f"household-codes-{device}")
    page.goto(f"{url}/people/persons/{residents.east[0].pk}/")
    page.get_by_role("link", name="个人链接（发给本人）").click()
    link = page.locator("#code-link").inner_text()
    shot(page, f"code-link-{device}")
    page.goto(link)
    page.locator("#my-qr svg").wait_for()
    shot(page, f"my-code-{device}")
    page.goto(f"{url}/screening/rounds/")
    page.get_by_role("link", name="第一轮全员核酸").first.wait_for()
    shot(page, f"round-list-{device}")
