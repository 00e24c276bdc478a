"""Where a capability plugs in: each app's ``plug.py`` registers what it adds to shared places.

Django's own shape for "many apps contribute to one place" (the admin's ``admin.py``, Wagtail's
``wagtail_hooks.py``): every installed app may have a module ``plug`` that is imported once at
start-up (``autodiscover``, called from ``CoreConfig.ready``) and calls the functions below. The
registry lives here, low in the house, and knows no app by name; the places that show the
contributions (the permission check, the role editor, the person page, the demo command) iterate it,
so a new app touches no other app.

What an app registers:

- ``permission(code, label, roles=…)``: a named right ("control.order"), the label an administrator
  reads, and the roles that hold it by default (granted once, when the right first appears; after
  that the roles are data that an administrator edits).
- ``demo_step(order, label)``: a function that builds the app's part of the demo town through the
  app's own services, called in ``order`` with a ``DemoContext`` after the town and its ledgers
  exist (the ``demo`` app, at the top of the house, runs them).
- ``person_section(order, template)``: the app's section on the person page — a function
  ``(scope, person) -> dict | None`` whose dict is the template's context (None: nothing to show) —
  and optionally ``api`` ``(scope, person) -> dict`` for the person API's summary (under ``key``).
- ``household_section(order, template)``: the same for the household page (shown under its title).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class PermissionDef:
    code: str  # "<app>.<right>"
    label: Any  # a lazy translation
    roles: tuple[str, ...]  # role codes that hold it by default
    app: str


@dataclass
class DemoContext:
    """What a demo step is given: the seed (a step is deterministic for it), where to report, the
    demo's administrator (None when the demo was made without logins: a step that needs an actor
    then does nothing) and the demo grid worker whose grid the capabilities' demos gather around."""

    seed: int
    out: Callable[[str], None]
    admin: Any = None
    grid_worker: Any = None


@dataclass(frozen=True)
class DemoStep:
    order: int
    label: str
    run: Callable[..., Any]
    app: str


@dataclass(frozen=True)
class PersonSection:
    order: int
    template: str
    context: Callable[..., dict[str, Any] | None]
    api: Callable[..., dict[str, Any]] | None
    key: str  # the name of the section in the person API's summary
    app: str


@dataclass
class Registry:
    permissions: dict[str, PermissionDef] = field(default_factory=dict)
    demo_steps: list[DemoStep] = field(default_factory=list)
    person_sections: list[PersonSection] = field(default_factory=list)
    household_sections: list[PersonSection] = field(default_factory=list)


registry = Registry()

# The shipped roles that run a jurisdiction (codes of accounts' default roles): most rights of
# keeping and commanding are theirs by default.
OFFICIALS = ("admin", "street_official", "community_official")
_discovered = False


def _app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "gridguard" else parts[0]


def permission(code: str, label: Any, *, roles: tuple[str, ...] | list[str] = (), app: str = "") -> PermissionDef:
    """Declare a named right. Declaring the same code twice is a programming error."""
    if "." not in code:
        raise ValueError(f"permission code {code!r} must be '<app>.<right>'")
    if code in registry.permissions:
        raise ValueError(f"permission {code!r} declared twice")
    perm = PermissionDef(code=code, label=label, roles=tuple(roles), app=app or code.split(".", 1)[0])
    registry.permissions[code] = perm
    return perm


def demo_step(order: int, label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        registry.demo_steps.append(DemoStep(order=order, label=label, run=func, app=_app_of(func.__module__)))
        registry.demo_steps.sort(key=lambda s: (s.order, s.app))
        return func

    return register


SectionContext = Callable[..., dict[str, Any] | None]


def _section(
    into: list[PersonSection], order: int, template: str, key: str, api: Callable[..., dict[str, Any]] | None
) -> Callable[[SectionContext], SectionContext]:
    def register(func: SectionContext) -> SectionContext:
        app = _app_of(func.__module__)
        into.append(PersonSection(order=order, template=template, context=func, api=api, key=key or app, app=app))
        into.sort(key=lambda s: (s.order, s.app))
        return func

    return register


def person_section(
    order: int, template: str, *, key: str = "", api: Callable[..., dict[str, Any]] | None = None
) -> Callable[[SectionContext], SectionContext]:
    return _section(registry.person_sections, order, template, key, api)


def household_section(order: int, template: str) -> Callable[[SectionContext], SectionContext]:
    return _section(registry.household_sections, order, template, "", None)


def autodiscover() -> None:
    """Import every installed app's ``plug`` module (once)."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    autodiscover_modules("plug")


def permission_codes() -> frozenset[str]:
    return frozenset(registry.permissions)


def known_permission(code: str) -> PermissionDef:
    """The declared right ``code``; a typo is a programming error, not a silent 'no'."""
    try:
        return registry.permissions[code]
    except KeyError:
        raise KeyError(f"unknown permission {code!r}: declare it in its app's plug.py") from None
