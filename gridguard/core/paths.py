"""Materialised-path ranges. A subtree is ``path >= p AND path < p + '~'`` on a binary-collated
column: every path character is in [0-9A-Z], all below '~', so this is one index range scan."""

from __future__ import annotations

from django.db import models

PATH_END = "~"
TEXT_END = "\U0010ffff"


def subtree_q(prefix: str, field: str = "node_path") -> models.Q:
    return models.Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + PATH_END})


def any_subtree_q(prefixes: list[str], field: str = "node_path") -> models.Q:
    """Union of subtrees. An empty list matches nothing."""
    q = models.Q(pk__in=[])
    for prefix in prefixes:
        q |= subtree_q(prefix, field)
    return q


def prefix_q(field: str, prefix: str) -> models.Q:
    """Index-friendly text prefix match (Django's startswith is LIKE, which SQLite cannot index)."""
    return models.Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + TEXT_END})


class BinaryCharField(models.CharField):
    """CharField compared byte-wise on every backend (COLLATE "C" on PostgreSQL; SQLite's
    default BINARY), so that path ranges and prefix ranges use the index and mean the same."""

    def db_parameters(self, connection):  # type: ignore[no-untyped-def]
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
