"""The UI is Chinese unless the user picks English with the language switcher (cookie)."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from gridguard.people import services
from gridguard.people.rules import parse_org_kind

PO_PATH = Path(settings.BASE_DIR) / "gridguard" / "locale" / "en" / "LC_MESSAGES" / "django.po"
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
NAV = re.compile(r'<nav class="mainnav">(.*?)</nav>', re.S)
BRAND = re.compile(r'<a class="brand"[^>]*>(.*?)</a>', re.S)
BAD_ID = "110105194912310021"  # valid date and region, wrong check digit


@pytest.fixture(scope="module", autouse=True)
def _english_catalogue():
    """Compile the .po (fresh machines have no .mo) and drop catalogues cached before that."""
    call_command("compilemessages_py")
    # Changing LOCALE_PATHS makes Django forget the translations it loaded so far.
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield


@pytest.fixture
def household(town, street_official):
    return services.household_create(actor=street_official, node=town.a1_b1, room="101")


def _english(client):  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _nav(body: str) -> str:
    match = NAV.search(body)
    assert match, "no navigation on the page"
    return match.group(1)


def test_login_page_in_english_with_the_cookie(client, db):
    body = _english(client).get(reverse("accounts:login")).content.decode()
    assert '<html lang="en">' in body
    assert "Log in" in body and "Username" in body and "Password" in body
    assert "登录" not in body and "用户名" not in body


def test_persons_page_in_english_with_the_cookie(client, bob, household):
    _english(client).force_login(bob)
    body = client.get(reverse("people:persons")).content.decode()
    assert "Person ledger" in body and "Filter" in body and "Special groups" in body
    nav = _nav(body)
    assert "Persons" in nav and "Households" in nav and "Grids" in nav and "Log out" not in nav
    assert not CHINESE.search(nav), nav
    assert not CHINESE.search(BRAND.search(body).group(1))  # type: ignore[union-attr]
    assert "Log out" in body
    assert "人员台账" not in body and "筛选" not in body and "退出" not in body


def test_chinese_without_the_cookie_even_if_the_browser_asks_for_english(client, bob, household):
    body = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in body
    assert "登录" in body and "Log in" not in body
    client.force_login(bob)
    body = client.get(reverse("people:persons"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "人员台账" in body and "Person ledger" not in body
    assert "人员" in _nav(body)


def test_unknown_language_cookie_falls_back_to_chinese(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    body = client.get(reverse("accounts:login")).content.decode()
    assert "登录" in body and "Log in" not in body


def _post_bad_id(client, household):  # type: ignore[no-untyped-def]
    url = reverse("people:person_create") + f"?household={household.pk}"
    data = {
        "name": "李四",
        "id_type": "id",
        "id_number": BAD_ID,
        "relation": "spouse",
        "residency": "registered",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    return response.content.decode()


def test_application_error_message_in_english(client, bob, household):
    _english(client).force_login(bob)
    body = _post_bad_id(client, household)
    assert f"The check digit of the identity number “{BAD_ID}” is wrong" in body
    assert "校验位错误" not in body
    assert "Register person: " in body  # the page title, built in the view


def test_application_error_message_in_chinese_by_default(client, bob, household):
    client.force_login(bob)
    body = _post_bad_id(client, household)
    assert "校验位错误" in body and "check digit" not in body


def test_api_error_message_follows_the_language(client, bob):
    client.force_login(bob)
    url = reverse("api:persons_list") + "?limit=0"
    assert "须在 1 到 500 之间" in client.get(url).json()["message"]
    assert _english(client).get(url).json()["message"] == "limit must be between 1 and 500"


def test_input_words_stay_chinese_whatever_the_language(db):
    """Sheets and forms are filled in Chinese: the words must not follow the UI language."""
    with translation.override("en"):
        assert parse_org_kind("商户") == "shop"
        assert parse_org_kind("shop") == "shop"


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)[sd]|\{\w*\}", text))


def test_every_english_message_is_translated():
    po = polib.pofile(str(PO_PATH))
    assert po.metadata.get("Language") == "en"
    entries = [e for e in po if not e.obsolete]
    assert len(entries) > 100
    problems = []
    for e in entries:
        strings = list(e.msgstr_plural.values()) if e.msgid_plural else [e.msgstr]
        if "fuzzy" in e.flags:
            problems.append(f"fuzzy: {e.msgid}")
        if not all(s.strip() for s in strings):
            problems.append(f"empty: {e.msgid}")
        for s in strings:
            if _placeholders(s) != _placeholders(e.msgid):
                problems.append(f"placeholders differ: {e.msgid} -> {s}")
            # Chinese may stay only where it quotes the msgid: the words a user must type.
            if any(run not in e.msgid for run in CHINESE.findall(s)):
                problems.append(f"Chinese left in: {e.msgid} -> {s}")
    assert not problems, "\n".join(problems)
