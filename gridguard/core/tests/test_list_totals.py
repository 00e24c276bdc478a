"""Every ledger, import, export and audit list shows its total: exact when small, "N+" beyond the cap
(issue 9, point 19), counted by core.counting.bounded_count over the list's own filters."""

from __future__ import annotations

import functools
import re

import pytest
from django.urls import reverse

from conftest import idno
from gridguard.accounts.models import AuditLog
from gridguard.accounts.scope import scope_for
from gridguard.core import counting
from gridguard.imports.models import ExportJob, ImportJob
from gridguard.people import services
from gridguard.people.models import OrganizationKind


@pytest.fixture
def ledger(town, street_official):
    """Three persons in two households of 东城第一网格, one in 西城; two places in 东城."""
    h1 = services.household_create(actor=street_official, node=town.a1_b1, room="101")
    h2 = services.household_create(actor=street_official, node=town.a1_b1, room="102")
    west = services.household_create(actor=street_official, node=town.b1_b1, room="909")
    for i, (h, name) in enumerate([(h1, "张三"), (h1, "李四"), (h2, "赵六"), (west, "王五")]):
        services.person_register(
            actor=street_official, household=h, data={"name": name, "id_number": idno(1980, i + 1)}
        )
    for name in ("东城超市", "东城小学"):
        services.organization_create(
            actor=street_official, node=town.a1, data={"name": name, "kind": OrganizationKind.values[0]}
        )


def _total(body: str) -> str:
    match = re.search(r'<p class="total[^"]*"[^>]*>(.*?)</p>', body, re.S)
    assert match, "no total on the page"
    return re.sub(r"\s+", " ", match.group(1)).strip()


@pytest.mark.parametrize(
    ("url", "query", "expected"),
    [
        ("people:persons", "", "共 3 人"),
        ("people:persons", "q=张三", "共 1 人"),
        ("people:households", "", "共 2 户"),
        ("people:organizations", "", "共 2 个"),
    ],
)
def test_ledger_lists_show_their_filtered_total(client, alice, ledger, url, query, expected):
    client.force_login(alice)  # 东城 only: 王五 of 西城 is not counted
    assert _total(client.get(reverse(url) + "?" + query).content.decode()) == expected


@pytest.mark.parametrize(
    ("module", "url"),
    [
        ("gridguard.people.views", "people:persons"),
        ("gridguard.people.views", "people:households"),
        ("gridguard.people.views", "people:organizations"),
    ],
)
def test_a_total_beyond_the_cap_reads_n_plus(client, alice, ledger, monkeypatch, module, url):
    monkeypatch.setattr(f"{module}.bounded_count", functools.partial(counting.bounded_count, cap=1))
    client.force_login(alice)
    assert "1+" in _total(client.get(reverse(url)).content.decode())


def test_import_export_and_audit_lists_show_totals(client, alice, town, ledger, monkeypatch):
    for i in range(3):
        ImportJob.objects.create(kind="people", filename=f"f{i}.csv", created_by=alice, root=town.east)
    ExportJob.objects.create(kind="persons", created_by=alice, node=town.east)
    client.force_login(alice)
    assert _total(client.get(reverse("imports:list")).content.decode()) == "共 3 条"
    assert _total(client.get(reverse("imports:exports")).content.decode()) == "共 1 条"
    in_scope = scope_for(alice).filter(AuditLog.objects.all()).count()
    assert in_scope > 0
    assert _total(client.get(reverse("accounts:audit")).content.decode()) == f"共 {in_scope} 条"

    for module in ("gridguard.imports.views", "gridguard.accounts.views"):
        monkeypatch.setattr(f"{module}.bounded_count", functools.partial(counting.bounded_count, cap=0))
    for url in ("imports:list", "imports:exports", "accounts:audit"):
        assert _total(client.get(reverse(url)).content.decode()) == "共 0+ 条"
