"""Every page reads on a 390 px phone (issue 9, point 18): nothing wider than the screen, a compact
header that names the user, cards where a table does not fit. Screenshots of each page, phone and
desktop, go to var/screenshots/ (phone-*.png, desktop-*.png) to be looked at."""

from __future__ import annotations

import io
import unicodedata

import pytest
from pypdf import PdfReader

from conftest import SCREENSHOTS, browser_login, idno
from gridguard.accounts.services import device_token_create
from gridguard.grids import services as grid_services
from gridguard.imports.services.exports import export_job_create
from gridguard.imports.tests.conftest import write_csv
from gridguard.people import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE_WIDTH = 390


@pytest.fixture
def world(town, alice, street_official, tmp_path):
    """A household of five with long special-group lists, a person with a history, a place with a
    long address, staff with phones, an import with errors and an export — what makes tables wide."""
    a = street_official
    h = services.household_create(
        actor=a, node=town.a1_b1, room="1单元1201", is_rental=True, landlord_name="房东甲", landlord_phone="13900001111"
    )
    members = [
        ("张建国", "户主", "空巢老人,慢性病,卧床/行动不便,低保,残疾人", "13812345678"),
        ("李秀英", "配偶", "空巢老人,慢性病", "13812345679"),
        ("张伟", "子", "4050人员,退役军人", "13812340000"),
        ("王芳", "儿媳", "孕产妇", ""),
        ("张小明", "孙子", "婴幼儿,留守儿童", ""),
    ]
    persons = []
    for i, (name, relation, tags, phone) in enumerate(members):
        persons.append(
            services.person_register(
                actor=a,
                household=h,
                data={"name": name, "id_number": idno(1950 + 10 * i, i + 1), "relation": relation, "tags": tags,
                      "phone": phone, "residency": "户籍", "is_party_member": "是" if i == 0 else ""},
            )
        )
    head = persons[0]
    services.person_update(actor=a, person=head, data={"tags": "空巢老人,慢性病,低保", "phone": "13912345678",
                                                       "employer": "城关镇东城农贸市场管理委员会办公室"})
    services.person_update(actor=a, person=head, data={"note": "长期卧床，需要上门服务；家属联系电话见备注，周末由女儿照看。"})
    org = services.organization_create(
        actor=a, node=town.a1,
        data={"name": "城关镇东城农贸市场（含东区冷链仓储中心）", "kind": "shop", "address": "东城社区幸福路188号农贸市场东区3号门",
              "contact_name": "刘经理", "contact_phone": "13700001111", "is_key_place": "是", "credit_code": "91110105MA01ABCDEF"},
    )
    for duty, name in (("grid_chief", "王网格"), ("grid_worker", "李网格"), ("building_chief", "赵楼长")):
        grid_services.staff_assign(actor=a, node=town.a1, duty=duty, name=name, phone="13800138000")
    bad = write_csv(
        tmp_path / "东城第一网格2022年11月人员台账（修订稿）.csv",
        [
            ["网格", "楼栋", "房号", "姓名", "身份证号", "联系电话", "与户主关系"],
            ["东城第一网格", "1号楼", "501", "赵六", idno(1970, 5), "+86 138-0000-1111", "户主"],
            ["东城第一网格", "1号楼", "501", "钱七", "110105194912310021", "", "配偶"],
            ["东城第一网格", "99号楼", "502", "孙八", "11010519491231002X", "1380000", "户主"],
        ],
    )
    export_job_create(actor=alice, kind="persons", params={"node": str(town.east.pk)})
    device_token_create(actor=alice, user=alice, name="东城第一网格扫码枪（1号采样点）")
    return {"household": h, "head": head, "org": org, "import_file": bad}


def _pages(town, w) -> list[tuple[str, str]]:
    return [
        ("home", "/"),
        ("grid-tree", "/grids/"),
        ("node-grid", f"/grids/{town.a1.pk}/"),
        ("node-community", f"/grids/{town.east.pk}/"),
        ("board", f"/grids/{town.a1.pk}/board/"),
        ("board-print", f"/grids/{town.a1.pk}/board/print/"),
        ("coverage", f"/grids/{town.east.pk}/coverage/"),
        ("grid-form", f"/grids/{town.east.pk}/new/"),
        ("persons", "/people/persons/"),
        ("person", f"/people/persons/{w['head'].pk}/"),
        ("person-form", f"/people/persons/{w['head'].pk}/edit/"),
        ("households", "/people/households/"),
        ("household", f"/people/households/{w['household'].pk}/"),
        ("household-form", f"/people/households/{w['household'].pk}/edit/"),
        ("organizations", "/people/organizations/"),
        ("organization", f"/people/organizations/{w['org'].pk}/"),
        ("organization-form", f"/people/organizations/{w['org'].pk}/edit/"),
        ("imports", "/imports/"),
        ("import-report", w["import_url"]),
        ("exports", "/imports/exports/"),
        ("audit", "/accounts/audit/"),
        ("tokens", "/accounts/tokens/"),
    ]


def _upload(page, base: str, path) -> str:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/imports/")
    page.set_input_files("input[type=file]", str(path))
    page.click("#import-form button[type=submit]")
    page.wait_for_url(f"{base}/imports/*/")
    page.wait_for_selector("text=有错误，未导入")
    return page.url.removeprefix(base)


def _overflow(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_every_page_fits_a_390px_phone_and_a_desktop(live_server, phone, desktop, town, alice, world):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    phone.goto(f"{base}/accounts/login/")
    assert _overflow(phone) <= PHONE_WIDTH
    phone.screenshot(path=str(SCREENSHOTS / "phone-login.png"), full_page=True)
    desktop.goto(f"{base}/accounts/login/")
    desktop.screenshot(path=str(SCREENSHOTS / "desktop-login.png"), full_page=True)

    browser_login(phone, base, "alice", "alice-pass-123")
    browser_login(desktop, base, "alice", "alice-pass-123")
    world["import_url"] = _upload(desktop, base, world["import_file"])

    # The header is one compact row on a phone and names the user; its menu folds.
    header = phone.locator("header.topbar")
    assert header.bounding_box()["height"] <= 64  # type: ignore[index]
    assert phone.locator("header.topbar .username").is_visible()
    assert "爱丽丝" in phone.locator("header.topbar .username").inner_text()
    assert not phone.locator("nav.mainnav").is_visible()
    phone.click("label.menu-button")
    assert phone.locator("nav.mainnav").is_visible()
    phone.screenshot(path=str(SCREENSHOTS / "phone-menu-open.png"))
    phone.click("label.menu-button")
    assert not phone.locator("nav.mainnav").is_visible()
    assert desktop.locator("nav.mainnav").is_visible() and desktop.locator(".username").is_visible()

    too_wide = {}
    for name, url in _pages(town, world):
        response = phone.goto(f"{base}{url}")
        assert response is not None and response.status == 200, (name, url)
        width = _overflow(phone)
        if width > PHONE_WIDTH:
            too_wide[name] = width
        phone.screenshot(path=str(SCREENSHOTS / f"phone-{name}.png"), full_page=True)
        desktop.goto(f"{base}{url}")
        desktop.screenshot(path=str(SCREENSHOTS / f"desktop-{name}.png"), full_page=True)
    assert not too_wide, f"wider than {PHONE_WIDTH} px on a phone: {too_wide}"

    # The board's print view fills one A4 page (look at board-print-a4.pdf with pdftoppm).
    desktop.goto(f"{base}/grids/{town.a1.pk}/board/print/")
    pdf = desktop.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    (SCREENSHOTS / "board-print-a4.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert [round(float(v)) for v in reader.pages[0].mediabox.upper_right] == [595, 842]
    # NFKC: with some CJK fonts (Noto CJK) the PDF's text maps glyphs to Kangxi radicals (⽹ for 网)
    text = unicodedata.normalize("NFKC", reader.pages[0].extract_text())
    assert "王网格" in text and "13800138000" in text and "返回公示牌" not in text  # screen-only line not printed


def test_a_wide_table_becomes_cards_on_a_phone(live_server, phone, desktop, town, alice, world):
    """household members: each member a card of label/value lines, not a table cut off."""
    base = live_server.url
    url = f"{base}/people/households/{world['household'].pk}/"
    for page in (phone, desktop):
        browser_login(page, base, "alice", "alice-pass-123")
        page.goto(url)
    table = phone.locator("table.list.cards").first
    assert table.is_visible()
    assert not phone.locator("table.list.cards thead").first.is_visible()  # labels move into the cells
    row = phone.locator("table.list.cards tbody tr").first
    box = row.bounding_box()
    assert box is not None and box["width"] <= PHONE_WIDTH
    cell = row.locator("td[data-label]").nth(1)
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert "关系" in label
    # a name is never broken one character per line: the card's cells are as wide as the card
    name_cell = row.locator("td").first
    assert name_cell.bounding_box()["width"] > 200  # type: ignore[index]
    assert desktop.locator("table.list.cards thead").first.is_visible()  # a real table on a desktop
