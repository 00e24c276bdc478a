"""The transport and lab pages in headless Chromium at 390 px and 1280 px: readable (nothing cut
off sideways, no squeezed cells), and a lab records a result by typing a tube code as a scanner does."""

import pytest

from conftest import SCREENSHOTS, browser_login
from gridguard.screening.models import Result, Tube
from gridguard.screening.services.transport import box_pack
from gridguard.screening.tests.conftest import at
from gridguard.screening.tests.lab_support import apply, fill, make_lab

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _town(town, sampler, rnd, point, residents):
    lab = make_lab(town)
    fill(sampler, rnd, point, "P0000001", residents.east[:10], now=at(3))
    fill(sampler, rnd, point, "P0000002", residents.east[10:12], now=at(3))
    box = box_pack(actor=sampler, point=point, code="BOX-0301", courier="李师傅", lab="城关镇医院检验科",
                   tube_codes=["P0000001"], now=at(4))
    from gridguard.screening.services.transport import box_receive

    box_receive(actor=lab, box=box, now=at(5))
    apply(lab, rnd, [("P0000001", Result.POSITIVE)])
    return lab, box


def test_lab_pages_are_readable_on_a_phone_and_a_desktop(
    live_server, phone, desktop, town, sampler, rnd, point, residents, bob
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _lab, box = _town(town, sampler, rnd, point, residents)
    household = residents.east[0].household_id
    pages = {
        "home": ("lab1", "/screening/lab/"),
        "round": ("lab1", f"/screening/lab/rounds/{rnd.pk}/"),
        "box": ("lab1", f"/screening/lab/boxes/{box.pk}/"),
        "turnaround": ("lab1", f"/screening/lab/rounds/{rnd.pk}/turnaround/"),
        "point": ("sam", f"/screening/lab/points/{point.pk}/"),
        "recalls": ("bob", f"/screening/lab/rounds/{rnd.pk}/recalls/"),
        "alerts": ("bob", "/control/alerts/?kind=recall"),
        "household": ("bob", f"/people/households/{household}/"),
    }
    for page, width, who in ((phone, 390, "phone"), (desktop, 1280, "desktop")):
        for name, (user, url) in pages.items():
            page.context.clear_cookies()
            browser_login(page, live_server.url, user, f"{user}-pass-123")
            page.goto(live_server.url + url)
            page.screenshot(path=str(SCREENSHOTS / f"lab-{name}-{who}.png"), full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (name, who, overflow)
            if width == 390:
                narrow = page.evaluate(
                    "[...document.querySelectorAll('table.cards td')].filter(td => td.offsetParent"
                    " && td.getBoundingClientRect().width < 200).length"
                )
                assert narrow == 0, (name, narrow)


def test_a_lab_scans_tube_codes_on_a_phone(live_server, phone, town, sampler, rnd, point, residents):
    _town(town, sampler, rnd, point, residents)
    browser_login(phone, live_server.url, "lab1", "lab1-pass-123")
    phone.goto(f"{live_server.url}/screening/lab/rounds/{rnd.pk}/")
    phone.locator("#id_result input[value=negative]").check()
    phone.fill("#id_tube_code", "p0000002")
    phone.press("#id_tube_code", "Enter")  # a scanner types the code and Enter
    phone.locator(".messages li").filter(has_text="P0000002").wait_for()
    assert Tube.objects.get(code="P0000002").result == Result.NEGATIVE
    assert phone.locator("#id_result input[value=negative]").is_checked()  # kept for the next scan
    phone.fill("#id_tube_code", "P0000001")
    phone.press("#id_tube_code", "Enter")
    phone.locator(".errorlist").filter(has_text="不一致").wait_for()
    phone.screenshot(path=str(SCREENSHOTS / "lab-scan-conflict-phone.png"), full_page=True)
