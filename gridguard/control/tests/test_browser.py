"""End to end in headless Chromium: an arrival reports on a phone, a grid worker verifies and
orders home isolation, a check of 38.1 ℃ raises an alert the team sees."""

import pytest
from django.utils import timezone

from conftest import SCREENSHOTS, browser_login, idno
from gridguard.control.models import Alert, ControlOrder
from gridguard.control.public import poster_url
from gridguard.grids.models import StaffAssignment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_arrival_to_isolation_to_fever_alert(live_server, phone, town, bob):
    StaffAssignment.objects.create(node=town.a1, duty="grid_worker", name="网格员小白", user=bob)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # 1. The arrival scans the poster's code at the gate and reports, without an account.
    phone.goto(live_server.url + poster_url(town.a1))
    phone.fill("#id_name", "李四")
    phone.fill("#id_id_number", idno(1990, 7))
    phone.fill("#id_phone", "138 0013 8000")
    phone.fill("#id_from_place", "湖北省武汉市")
    phone.fill("#id_arrival_date", timezone.localdate().isoformat())
    phone.select_option("#id_address_node", label="1号楼")
    phone.fill("#id_address", "1号楼 302")
    phone.screenshot(path=str(SCREENSHOTS / "arrival-form-phone.png"), full_page=True)
    phone.click("button[type=submit]")
    assert "报备已收到" in phone.inner_text("#done")
    assert "李四" not in phone.content()

    # 2. The grid worker finds it in the grid's queue and orders home isolation.
    browser_login(phone, live_server.url, "bob", "bob-pass-123")
    phone.goto(f"{live_server.url}/control/arrivals/")
    phone.click("text=李四")
    phone.select_option("#id_measure", "home")
    phone.select_option("#id_category", "medium_risk_arrival")
    phone.click("button:has-text('确认')")
    phone.wait_for_url("**/control/*/")
    order = ControlOrder.objects.get(person__name="李四")
    assert order.measure == "home" and order.status == "active"
    assert "居家隔离" in phone.inner_text("main")

    # 3. On the team's phone list, a check of 38.1 ℃ raises an alert at once.
    phone.goto(f"{live_server.url}/control/today/")
    card = phone.locator(f"#order-{order.pk}")
    card.locator("input[name=temperature]").fill("38.1")
    card.locator("button:has-text('记录体温')").click()
    phone.wait_for_load_state()
    assert "预警" in phone.inner_text(".messages")
    assert "1 条预警" in phone.locator(f"#order-{order.pk}").inner_text()
    phone.screenshot(path=str(SCREENSHOTS / "today-fever-phone.png"), full_page=True)
    assert Alert.objects.filter(order=order, kind="fever", is_open=True).count() == 1

    phone.goto(f"{live_server.url}/control/alerts/")
    text = phone.inner_text("#alert-table")
    assert "李四" in text and "38.1" in text
    phone.screenshot(path=str(SCREENSHOTS / "alerts-phone.png"), full_page=True)
