"""The demo town: the foundation's town and ledgers (``town``), then every capability's demo step
as each app registered it in its plug.py (core.plug), in their order. The demo app sits at the top
of the house and imports no capability: a new app adds its demo without touching this one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gridguard.accounts.models import User
from gridguard.core import plug
from gridguard.demo.town import ADMIN_USERNAME, DEFAULT_PERSONS, DEFAULT_SEED, DemoResult, generate_town

# the demo grid worker whose grid the capabilities' demos gather around (a login of the town)
GRID_WORKER = "wanggeyuan01"


def generate_demo(
    *,
    persons: int = DEFAULT_PERSONS,
    seed: int = DEFAULT_SEED,
    users: bool = True,
    reset: bool = False,
    out: Callable[[str], None] = lambda s: None,
    **town_options: Any,
) -> DemoResult:
    """The whole demo: the town, then the capabilities' steps (which need the demo's logins: they
    do nothing when ``users`` is false)."""
    result = generate_town(persons=persons, seed=seed, users=users, reset=reset, out=out, **town_options)
    if users:
        run_demo_steps(seed=seed, out=out)
    return result


def run_demo_steps(*, seed: int, out: Callable[[str], None]) -> list[str]:
    """Run every registered demo step; returns their labels in the order they ran."""
    ctx = plug.DemoContext(
        seed=seed,
        out=out,
        admin=User.objects.filter(username=ADMIN_USERNAME).first(),
        grid_worker=User.objects.filter(username=GRID_WORKER).first(),
    )
    ran = []
    for step in plug.registry.demo_steps:
        step.run(ctx)
        ran.append(step.label)
    return ran
