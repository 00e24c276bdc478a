"""The GET filters of the ledger lists, as selector arguments.

One parser per list, shared by the list pages, their .xlsx exports (also when a background job
reads the query string it kept) and anything else that takes a list's query string, so a filter
means the same everywhere. A parser takes the parameters and the user whose jurisdiction the
``node`` must be in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from gridguard.accounts.models import User
from gridguard.accounts.scope import scope_for
from gridguard.core.errors import NotFound
from gridguard.grids import selectors as grid_selectors
from gridguard.grids.models import GridNode
from gridguard.people.models import OrganizationKind, PersonStatus, Residency, Tag

MAX_ID = 2**63 - 1  # a BigAutoField's largest id
MAX_TAG_BIT = 62  # Person.tags is a signed 64-bit integer: bits 0..62


def int_param(value: str | None, maximum: int = MAX_ID) -> int | None:
    """A whole number 0..maximum written in ASCII digits, else None (also for "²" or 5,000 digits,
    which ``int()`` refuses with an error)."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > len(str(maximum)):
        return None
    number = int(value)
    return number if number <= maximum else None


def tag_param(value: str | None) -> int | None:
    """The bit of a special group that exists, else None (the list is then not filtered by group)."""
    bit = int_param(value, MAX_TAG_BIT)
    if bit is None or not Tag.objects.filter(bit=bit).exists():
        return None
    return bit


def bool_param(value: str | None) -> bool | None:
    return {"1": True, "0": False, "true": True, "false": False}.get((value or "").lower())


def node_param(request: HttpRequest) -> GridNode | None:
    """The ``node`` parameter, inside the user's jurisdiction (else 404)."""
    try:
        return node_of(request.GET, request.user)  # type: ignore[arg-type]
    except NotFound:
        raise Http404(_("记录不存在或不在您的管辖范围内")) from None


def node_of(params: Mapping[str, str], user: User) -> GridNode | None:
    """The ``node`` parameter, inside the user's jurisdiction (else NotFound; also for a value that
    cannot be an id: a filter that was asked for is never silently dropped)."""
    raw = params.get("node")
    if not raw:
        return None
    node_id = int_param(raw)
    if node_id is None:
        raise NotFound()
    return grid_selectors.node_get(scope=scope_for(user), node_id=node_id)


def person_filters(g: Mapping[str, str], user: User) -> dict[str, Any]:
    status = g.get("status", PersonStatus.ACTIVE)
    return {
        "node": node_of(g, user),
        "search": g.get("q", ""),
        "tag_bit": tag_param(g.get("tag")),
        "residency": g.get("residency", "") if g.get("residency") in Residency.values else "",
        "status": status if status in PersonStatus.values else PersonStatus.ACTIVE,
        "party": bool_param(g.get("party")),
        "no_household": g.get("no_household") == "1",
    }


def household_filters(g: Mapping[str, str], user: User) -> dict[str, Any]:
    node = node_of(g, user)
    node_ids = None
    if g.get("ungridded") == "1" and node is not None:
        node_ids = grid_selectors.ungridded_node_ids(node)
    return {"node": node, "search": g.get("q", ""), "rental": bool_param(g.get("rental")), "node_ids": node_ids}


def organization_filters(g: Mapping[str, str], user: User) -> dict[str, Any]:
    kind = g.get("kind", "")
    return {
        "node": node_of(g, user),
        "search": g.get("q", ""),
        "kind": kind if kind in OrganizationKind.values else "",
        "key_place": bool_param(g.get("key_place")),
    }


FILTERS = {"persons": person_filters, "households": household_filters, "organizations": organization_filters}
