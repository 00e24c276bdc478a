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
from gridguard.people.models import OrganizationKind, PersonStatus, Residency


def int_param(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def bool_param(value: str | None) -> bool | None:
    return {"1": True, "0": False, "true": True, "false": False}.get((value or "").lower())


def node_param(request: HttpRequest) -> GridNode | None:
    """The ``node`` parameter, inside the user's jurisdiction (else 404)."""
    try:
        return node_of(request.GET, request.user)  # type: ignore[arg-type]
    except NotFound:
        raise Http404(_("记录不存在或不在您的管辖范围内")) from None


def node_of(params: Mapping[str, str], user: User) -> GridNode | None:
    """The ``node`` parameter, inside the user's jurisdiction (else NotFound)."""
    node_id = int_param(params.get("node"))
    if node_id is None:
        return None
    return grid_selectors.node_get(scope=scope_for(user), node_id=node_id)


def person_filters(g: Mapping[str, str], user: User) -> dict[str, Any]:
    status = g.get("status", PersonStatus.ACTIVE)
    return {
        "node": node_of(g, user),
        "search": g.get("q", ""),
        "tag_bit": int_param(g.get("tag")),
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
