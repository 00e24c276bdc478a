"""End to end in headless Chromium on a phone: a sampler fills a 10-in-1 tube by typing codes as a
scanner does (the code, then Enter) and the 11th is refused; offline, scans wait in the phone's
queue (the page even reloads with no network) and are accepted, counted once, when it is back."""

import pytest

from conftest import SCREENSHOTS, browser_login
from gridguard.screening.models import Sample, Scan, Tube
from gridguard.screening.tests.conftest import code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def scan(page, text):
    """What a keyboard-wedge scanner does: types the code into the focused input, then Enter."""
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_sampler_fills_a_tube_and_scans_offline(live_server, phone, rnd, point, residents, sampler):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser_login(phone, live_server.url, "sam", "sam-pass-123")
    phone.goto(f"{live_server.url}/screening/sampler/")
    phone.click("text=东城广场")
    phone.locator("#sampler").wait_for()
    phone.locator("#scan-input").focus()

    # 1. A 10-in-1 tube, then eleven persons at scanner speed: ten are in, the 11th is refused.
    scan(phone, "TB000001")
    phone.locator("#tube-code", has_text="TB000001").wait_for()
    for person in residents.east[:11]:
        scan(phone, code(person))
    phone.locator("#log li.error", has_text="请换新管").wait_for()
    phone.locator("#queue-count").wait_for(state="hidden")
    assert phone.inner_text("#tube-used") == "10" and phone.inner_text("#tube-capacity") == "10"
    assert phone.locator("#log li.ok").count() == 10
    phone.locator("#members li .member-name").nth(9).wait_for()
    assert phone.locator("#members li .member-name").first.inner_text() == "东**号"
    phone.screenshot(path=str(SCREENSHOTS / "sampler-full-phone.png"), full_page=True)
    assert Tube.objects.get(code="TB000001").used == 10
    assert Sample.objects.count() == 10

    # 2. The network drops. The page was kept by its service worker: it reloads with no network.
    phone.locator("#sampler[data-offline-ready='1']").wait_for()
    phone.context.set_offline(True)
    phone.locator("#net-state.offline").wait_for()
    reloaded = phone.reload()
    assert reloaded is not None and reloaded.from_service_worker
    phone.locator("#net-state.offline").wait_for()
    phone.locator("#scan-input").focus()
    scan(phone, "TB000002")
    phone.locator("#tube-code", has_text="TB000002").wait_for()
    for person in (residents.east[10], residents.east[11], residents.west[0]):
        scan(phone, code(person))
    phone.locator("#queue-count", has_text="待上传 3 条").wait_for()
    assert phone.locator("#log li.queued").count() == 3
    assert "待上传" in phone.inner_text("#log li.queued >> nth=0")
    assert phone.inner_text("#tube-used") == "3"
    assert "还剩 7 个位置" in phone.inner_text("#tube-left")

    # a single tube, counted on the phone: the second person is warned at once, not queued
    phone.select_option("#mode", "single")
    phone.locator("#scan-input").focus()
    scan(phone, "TB000003")
    scan(phone, code(residents.west[1]))
    scan(phone, code(residents.east[0]))
    phone.locator("#answer.error", has_text="本机计数 1/1").wait_for()
    phone.locator("#queue-count", has_text="待上传 4 条").wait_for()
    phone.screenshot(path=str(SCREENSHOTS / "sampler-offline-phone.png"), full_page=True)
    assert Scan.objects.count() == 11  # nothing reached the server

    # 3. Back online: the queue drains; the answers come per scan, each person counted once.
    phone.context.set_offline(False)
    phone.locator("#net-state.online").wait_for()
    phone.locator("#queue-count").wait_for(state="hidden")
    assert phone.locator("#log li.queued").count() == 0
    assert Sample.objects.count() == 14
    assert dict(Tube.objects.values_list("code", "used")) == {"TB000001": 10, "TB000002": 3, "TB000003": 1}
    assert Scan.objects.count() == 15
    assert Scan.objects.filter(outcome="accepted").count() == 14


def test_point_page_screenshots(live_server, phone, desktop, rnd, point, residents, sampler):
    from gridguard.screening.services.scans import scans_submit
    from gridguard.screening.tests.conftest import item

    scans_submit(actor=sampler, rnd=rnd, point=point, items=[item("TC000001", code(p)) for p in residents.east[:7]])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    url = f"{live_server.url}/screening/sampler/rounds/{rnd.pk}/points/{point.pk}/"
    for page, name in ((phone, "phone"), (desktop, "desktop")):
        browser_login(page, live_server.url, "sam", "sam-pass-123")
        page.goto(url)
        page.locator("#open-tubes button", has_text="TC000001").click()
        page.locator("#tube-used", has_text="7").wait_for()
        page.locator("#members li .member-name").nth(6).wait_for()
        page.locator("#scan-input").focus()
        scan(page, "ZZ")
        page.locator("#log li.error").wait_for()
        assert "还剩 3 个位置" in page.inner_text("#tube-left")
        page.screenshot(path=str(SCREENSHOTS / f"sampler-point-{name}.png"), full_page=True)
    phone.goto(f"{live_server.url}/screening/sampler/")
    phone.screenshot(path=str(SCREENSHOTS / "sampler-points-phone.png"), full_page=True)


def test_cross_area_confirmation_and_walk_in(live_server, phone, town, street_official, residents, sampler):
    from conftest import idno
    from gridguard.screening.models import Enrollment
    from gridguard.screening.services import points, rounds
    from gridguard.screening.tests.conftest import DAY, at

    east = rounds.round_create(actor=street_official, node=town.east, name="东城专轮", starts_on=DAY, ends_on=DAY)
    rounds.round_open(actor=street_official, rnd=east, now=at(7))
    p = points.point_create(actor=street_official, rnd=east, node=town.a1, name="东城小广场", address="东城路3号",
                            opens_at=at(7), closes_at=at(19))
    points.point_staff_add(actor=street_official, point=p, user=sampler)

    browser_login(phone, live_server.url, "sam", "sam-pass-123")
    phone.goto(f"{live_server.url}/screening/sampler/rounds/{east.pk}/points/{p.pk}/")
    phone.locator("#scan-input").focus()
    scan(phone, "TD000001")
    phone.locator("#tube-code", has_text="TD000001").wait_for()

    # a resident of 西城 is outside this round: confirmed, sampled as cross-area (a new client id)
    scan(phone, code(residents.west[0]))
    phone.locator("#answer.warn", has_text="不在本轮应检范围内").wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "sampler-confirm-phone.png"))
    phone.click("#confirm-cross")
    phone.locator("#answer", has_text="跨区域采样：").wait_for()
    phone.locator("#members li .tag", has_text="跨区域").wait_for()
    sample = Sample.objects.get(person=residents.west[0])
    assert sample.cross_area
    assert Scan.objects.filter(code=code(residents.west[0])).values_list("outcome", flat=True).distinct().count() == 2

    # an identity number the ledger does not know: registered at the point with a name, then sampled
    number = idno(1990, 777)
    scan(phone, number)
    phone.locator("#walkin-form").wait_for()
    assert phone.input_value("#walkin-id") == number
    phone.screenshot(path=str(SCREENSHOTS / "sampler-walkin-phone.png"), full_page=True)
    phone.fill("#walkin-name", "新来的")
    phone.fill("#walkin-phone", "13800001111")
    phone.click("#walkin-form button[type=submit]")
    phone.locator("#answer.ok", has_text="已采样").wait_for()
    enrolment = Enrollment.objects.get(round=east, is_new=True)
    assert enrolment.person.name == "新来的" and enrolment.sampled_at is not None
    phone.locator("#tube-used", has_text="2").wait_for()

    # a mistake at the point: the walk-in is moved to another tube in one step
    scan(phone, "TD000002")
    scan(phone, code(residents.east[0]))
    phone.locator("#answer.ok", has_text="已采样").wait_for()
    phone.locator("#open-tubes button", has_text="TD000001").click()
    phone.locator("#members li .member-name").nth(1).wait_for()
    phone.locator("#members button.move").nth(1).click()
    phone.fill("#move-to", "td000002")
    phone.fill("#move-reason", "扫错管")
    phone.click("#move-form button[type=submit]")
    phone.locator("#answer.ok", has_text="已移到管 TD000002").wait_for()
    phone.locator("#tube-used", has_text="1").wait_for()
    assert dict(Tube.objects.values_list("code", "used")) == {"TD000001": 1, "TD000002": 2}

    # closing a tube by hand
    phone.click("#close-tube")
    phone.locator("#answer.ok", has_text="已封管 TD000001").wait_for()
    assert Tube.objects.get(code="TD000001").status == "closed"


def test_a_lost_answer_is_resent_and_counted_once(live_server, browser, rnd, point, residents, sampler):
    """The server takes a batch but its answer never reaches the phone: the page sends the same scans
    again (the same client ids) and the server answers them from what it stored."""
    # request interception does not see requests that pass a service worker: none in this context
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="zh-CN", service_workers="block")
    page = context.new_page()
    lost = []

    def lose_first_answer(route):
        if not lost:
            route.fetch()  # the server works the batch…
            lost.append(route.request.post_data_json)
            route.abort("connectionreset")  # …and the answer is lost on the way back
        else:
            route.continue_()

    try:
        browser_login(page, live_server.url, "sam", "sam-pass-123")
        page.route("**/scans", lose_first_answer)
        page.goto(f"{live_server.url}/screening/sampler/rounds/{rnd.pk}/points/{point.pk}/")
        page.locator("#scan-input").focus()
        scan(page, "TE000001")
        page.locator("#tube-code", has_text="TE000001").wait_for()
        scan(page, code(residents.east[0]))
        page.locator("#log li.ok").wait_for(timeout=20_000)
        page.locator("#queue-count").wait_for(state="hidden")
        assert lost and Scan.objects.get().client_id == lost[0]["scans"][0]["client_id"]
        assert Sample.objects.count() == 1 and Tube.objects.get(code="TE000001").used == 1
        assert page.inner_text("#tube-used") == "1"
    finally:
        context.close()
