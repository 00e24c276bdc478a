"""Base fixtures: a small town and three users, like Healthchecks' alice/bob/charlie.

alice — community official of 东城社区 (owns the data); bob — grid worker of 东城第一网格
(shares it); charlie — grid worker of 西城第一网格 (no access to 东城).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import translation

from gridguard.accounts.models import Role
from gridguard.accounts.services import user_create
from gridguard.core.identity import make_id_number
from gridguard.grids.models import Level
from gridguard.grids.services import node_create


@pytest.fixture(autouse=True)
def _huey_immediate(settings):
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    settings.AXES_ENABLED = True
    translation.activate(settings.LANGUAGE_CODE)  # a request in English must not leave its language behind
    yield
    translation.activate(settings.LANGUAGE_CODE)


def idno(year: int = 1980, seq: int = 1, region: str = "110101", month: int = 1, day: int = 1) -> str:
    return make_id_number(region, dt.date(year, month, day), seq)


@pytest.fixture
def levels():
    return {lv.code: lv for lv in Level.objects.all()}


@pytest.fixture
def admin_user(db):
    return user_create(
        actor=None,
        username="admin",
        password="admin-pass-123",
        full_name="管理员",
        role=Role.objects.get(code="admin"),
        is_superuser=True,
    )


@pytest.fixture
def town(db, levels, admin_user):
    a = admin_user
    t = node_create(actor=a, parent=None, name="城关镇", level=levels["street"])
    east = node_create(actor=a, parent=t, name="东城社区", level=levels["community"])
    west = node_create(actor=a, parent=t, name="西城社区", level=levels["community"])
    a1 = node_create(actor=a, parent=east, name="东城第一网格", level=levels["grid"])
    a2 = node_create(actor=a, parent=east, name="东城第二网格", level=levels["grid"])
    b1 = node_create(actor=a, parent=west, name="西城第一网格", level=levels["grid"])
    a1_b1 = node_create(actor=a, parent=a1, name="1号楼", level=levels["building"])
    b1_b1 = node_create(actor=a, parent=b1, name="9号楼", level=levels["building"])
    return SimpleNamespace(town=t, east=east, west=west, a1=a1, a2=a2, b1=b1, a1_b1=a1_b1, b1_b1=b1_b1)


def _user(username: str, role: str, *nodes, full_name: str = ""):
    return user_create(
        actor=None,
        username=username,
        password=f"{username}-pass-123",
        full_name=full_name or username,
        role=Role.objects.get(code=role),
        nodes=list(nodes),
    )


@pytest.fixture
def alice(town):
    return _user("alice", "community_official", town.east, full_name="爱丽丝")


@pytest.fixture
def bob(town):
    return _user("bob", "grid_worker", town.a1, full_name="鲍勃")


@pytest.fixture
def charlie(town):
    return _user("charlie", "grid_worker", town.b1, full_name="查理")


@pytest.fixture
def street_official(town):
    return _user("street", "street_official", town.town, full_name="镇干部")


# --- headless Chromium (Debian's package driven by Playwright; never a browser download) ---

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "var" / "screenshots"


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def browser_login(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
