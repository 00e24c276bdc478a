"""End to end in headless Chromium (Debian's package, driven by Playwright; no browser download)."""

import pytest

from conftest import SCREENSHOTS, browser_login, idno
from gridguard.people import services

# serialized_rollback: the flush after a transactional test would also drop the seeded roles, levels and tags.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_grid_worker_on_a_phone_sees_own_grid_only(live_server, phone, town, bob, street_official):
    east = services.household_create(actor=street_official, node=town.a1_b1, room="101")
    west = services.household_create(actor=street_official, node=town.b1_b1, room="909")
    services.person_register(
        actor=street_official,
        household=east,
        data={"name": "张三", "id_number": idno(1980, 1), "phone": "13812345678", "relation": "户主"},
    )
    services.person_register(
        actor=street_official,
        household=west,
        data={"name": "王五", "id_number": idno(1980, 3), "relation": "户主"},
    )

    browser_login(phone, live_server.url, "bob", "bob-pass-123")
    assert "东城第一网格" in phone.inner_text("main")

    phone.goto(f"{live_server.url}/people/households/")
    cards = phone.locator(".household-card")
    assert cards.count() == 1
    assert "1号楼 101" in cards.first.inner_text()
    assert "909" not in phone.inner_text("main")

    phone.goto(f"{live_server.url}/people/persons/")
    person_cards = phone.locator(".person-card")
    assert person_cards.count() == 1
    text = person_cards.first.inner_text()
    assert "张三" in text and "138****5678" in text
    assert "王五" not in phone.inner_text("main")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "grid-worker-phone-persons.png"), full_page=True)

    # Guessing the other grid's household URL shows nothing of it.
    response = phone.goto(f"{live_server.url}/people/households/{west.pk}/")
    assert response is not None and response.status == 404
    assert "王五" not in phone.content()


def test_search_as_people_type_on_a_phone(live_server, phone, desktop, town, bob, alice, street_official, settings):
    """D20: typing in the persons search finds as the user types (no button), by a phone's last 4 or
    building and room; past the look-up limit the refusal shows in place of the results."""
    settings.LOOKUP_LIMIT_PER_HOUR = 1
    home = services.household_create(actor=street_official, node=town.a1_b1, room="101")
    for seq, (name, tel) in enumerate((("张三", "13812345678"), ("李四", "13900001111"))):
        services.person_register(
            actor=street_official, household=home, data={"name": name, "id_number": idno(1980, 2 * seq + 1), "phone": tel}
        )
    browser_login(phone, live_server.url, "bob", "bob-pass-123")
    phone.goto(f"{live_server.url}/people/persons/")
    assert phone.locator(".person-card").count() == 2
    box = phone.locator("input[name=q]")
    with phone.expect_response(lambda r: "q=5678" in r.url):
        box.press_sequentially("5678", delay=50)
    phone.locator("#person-results .person-card", has_text="张三").wait_for()
    assert phone.locator(".person-card").count() == 1 and "q=5678" in phone.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "persons-search-as-you-type-phone.png"), full_page=True)
    box.fill("")
    with phone.expect_response(lambda r: "q=1111" in r.url):
        box.press_sequentially("1111", delay=50)
    phone.locator("#person-results .msg-error", has_text="过于频繁").wait_for()
    assert phone.locator(".person-card").count() == 0
    phone.screenshot(path=str(SCREENSHOTS / "persons-search-limited-phone.png"), full_page=True)
    # the community official above bob finds the flag on the home page
    browser_login(desktop, live_server.url, "alice", "alice-pass-123")
    assert "鲍勃（bob）" in desktop.inner_text("#audit-flags")
    desktop.screenshot(path=str(SCREENSHOTS / "home-flags-desktop.png"), full_page=True)
