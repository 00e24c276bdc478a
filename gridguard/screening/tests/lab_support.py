"""Fixtures and helpers of the transport, lab and recall tests (imported by the test_lab_* modules)."""

from __future__ import annotations

from conftest import _user
from gridguard.screening.models import Tube
from gridguard.screening.services.lab import ResultRow, results_apply
from gridguard.screening.services.scans import scans_submit, tube_close
from gridguard.screening.tests.conftest import at, code, item


def make_lab(town):
    """A lab user (role ``lab``) whose jurisdiction is the town (each test module's ``lab`` fixture)."""
    return _user("lab1", "lab", town.town, full_name="检验科")


def fill(sampler, rnd, point, code_, persons, *, mode="", now=None):
    """Sample ``persons`` into tube ``code_`` (a new tube of ``mode``) and close it."""
    answers = scans_submit(
        actor=sampler, rnd=rnd, point=point, items=[item(code_, code(p), mode=mode) for p in persons],
        device="phone-1", now=now or at(10),
    )
    assert all(a.ok for a in answers), [a.message for a in answers]
    tube = Tube.objects.get(code=code_)
    return tube_close(actor=sampler, tube=tube, now=now or at(10))


def apply(lab_user, rnd, rows, *, all_or_nothing=False, now=None):
    """Apply ``(tube code, result)`` pairs tested at 14:00."""
    return results_apply(
        actor=lab_user, rnd=rnd, rows=[ResultRow(c, r, at(14), "一院检验科", n + 2) for n, (c, r) in enumerate(rows)],
        all_or_nothing=all_or_nothing, now=now or at(15),
    )
