"""In headless Chromium, the pages work under the Content-Security-Policy: no violation and no script
error in the console, on a phone and on a desktop — htmx (polling lists), the language switch, the QR
poster's print button, the import progress bar and the API docs (Swagger UI from the package)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import SCREENSHOTS, browser_login, idno
from gridguard.control import services as control
from gridguard.control.public import poster_url
from gridguard.grids.models import StaffAssignment
from gridguard.imports.tests.conftest import write_csv
from gridguard.people import services as people

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Recorded before any page script runs (Playwright injects it outside the page's policy).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI || "inline"} ${e.sourceFile || ""}:${e.lineNumber || ""}`);
});
"""


class Console:
    """Console errors, uncaught page errors and CSP violations of one browser page."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("response", self._response)

    def _console(self, message) -> None:
        # a resource that failed to load is reported with its address by _response
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console.error: {message.text}")

    def _response(self, response) -> None:
        # the browser asks for /favicon.ico on its own; the pages name no such file
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def visit(self, url: str, *, screenshot: str = "") -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, url
        self.page.wait_for_load_state("networkidle")
        self.check(url)
        if screenshot:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / screenshot), full_page=True)

    def check(self, where: str) -> None:
        violations = self.page.evaluate("window.__csp || []")
        problems = self.errors + [f"CSP violation: {v}" for v in violations]
        self.errors = []
        assert not problems, f"{where}:\n" + "\n".join(problems)


@pytest.fixture
def data(town, bob, street_official):
    StaffAssignment.objects.create(node=town.a1, duty="grid_worker", name="网格员小白", user=bob)
    household = people.household_create(actor=street_official, node=town.a1_b1, room="101")
    person = people.person_register(
        actor=street_official,
        household=household,
        data={"name": "张三", "id_number": idno(1980, 1), "phone": "13812345678", "relation": "户主"},
    )
    order = control.order_create(actor=street_official, person=person, category="close_contact", measure="home")
    control.check_record(order=order, actor=street_official, temperature="38.3")  # an alert on the lists
    return {"person": person, "order": order}


def test_pages_on_a_phone_run_under_the_policy(live_server, phone, town, bob, data):
    console = Console(phone)
    base = live_server.url
    console.visit(base + poster_url(town.a1), screenshot="csp-arrival-form-phone.png")  # public, no login
    browser_login(phone, base, "bob", "bob-pass-123")
    console.check("login and home")
    console.visit(f"{base}/", screenshot="csp-home-phone.png")
    console.visit(f"{base}/people/persons/", screenshot="csp-persons-phone.png")
    console.visit(f"{base}/people/persons/{data['person'].pk}/", screenshot="csp-person-phone.png")
    console.visit(f"{base}/control/today/", screenshot="csp-today-phone.png")
    assert "张三" in phone.inner_text("main")

    # htmx still works: the alert list reloads its rows (it polls every 15 s; ask for them now)
    console.visit(f"{base}/control/alerts/")
    phone.evaluate("document.querySelector('#alert-table tbody').innerHTML = ''")
    with phone.expect_response(lambda r: "/control/alerts/rows/" in r.url) as rows:
        phone.evaluate("htmx.ajax('GET', '/control/alerts/rows/', {target: '#alert-table tbody'})")
    assert rows.value.status == 200
    phone.locator("#alert-table tbody", has_text="38.3").wait_for()  # no wait_for_function: CSP refuses eval
    console.check("alerts after an htmx swap")

    # the language switch (a handler in app.js, no onchange=) still switches; on a phone it is in
    # the folded menu
    phone.click("label.menu-button")
    with phone.expect_navigation():  # the form is submitted by app.js's change handler
        phone.select_option("select[name=language]", "en")
    phone.wait_for_load_state("networkidle")
    assert phone.locator("html").get_attribute("lang") == "en"
    console.check("language switch")


def test_pages_on_a_desktop_run_under_the_policy(live_server, desktop, town, alice, data, tmp_path):
    console = Console(desktop)
    base = live_server.url
    browser_login(desktop, base, "alice", "alice-pass-123")
    console.check("login")
    console.visit(f"{base}/", screenshot="csp-home-desktop.png")
    console.visit(f"{base}/people/persons/", screenshot="csp-persons-desktop.png")
    console.visit(f"{base}/people/persons/{data['person'].pk}/")
    console.visit(f"{base}/control/{data['order'].pk}/")
    console.visit(f"{base}/control/posters/{town.a1.pk}/", screenshot="csp-poster-desktop.png")
    # the print button runs its handler from app.js
    desktop.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    desktop.click("button[data-print]")
    assert desktop.evaluate("window.__printed") == 1
    console.check("poster print")

    # an import: its progress bar (data-width, set by app.js) fills when the job is done
    path = write_csv(
        tmp_path / "东城.csv",
        [["网格", "楼栋", "房号", "姓名", "身份证号", "与户主关系"], ["东城第一网格", "1号楼", "502", "赵六", idno(1970, 5), "户主"]],
    )
    desktop.goto(f"{base}/imports/")
    desktop.set_input_files("input[type=file]", str(path))
    desktop.click("button[type=submit]")
    desktop.wait_for_url(f"{base}/imports/*/")
    desktop.wait_for_selector("text=已完成")
    bar = desktop.locator(".progress > div")
    assert bar.get_attribute("data-width") == "100"
    assert abs(bar.bounding_box()["width"] - desktop.locator(".progress").bounding_box()["width"]) < 1
    console.check("import progress")

    # Swagger UI from the package renders the operations
    console.visit(f"{base}/api/docs", screenshot="csp-api-docs-desktop.png")
    desktop.wait_for_selector(".opblock", timeout=15000)
    assert desktop.locator(".opblock").count() > 20
    console.check("api docs")
