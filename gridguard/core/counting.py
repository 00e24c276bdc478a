"""List totals without a COUNT over millions on a page load.

A list page shows how many rows its filters match: exact up to a cap, "10,000+" beyond. The count
is taken over the first ``cap + 1`` rows only (``SELECT COUNT(*) FROM (… LIMIT cap+1)``), so it
costs at most one index range of ``cap`` rows whatever the size of the table."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

TOTAL_CAP = 10_000


@dataclass(frozen=True)
class Total:
    value: int  # exact when not ``more``; else the cap
    more: bool  # there are more than ``value`` rows

    def __str__(self) -> str:
        shown = f"{self.value:,}"  # grouped as in Chinese office documents: 12,345
        return f"{shown}+" if self.more else shown


def bounded_count(qs: QuerySet, cap: int = TOTAL_CAP) -> Total:
    """How many rows ``qs`` has: exact up to ``cap``, else ``Total(cap, more=True)``."""
    n = qs.order_by()[: cap + 1].count()
    return Total(cap, True) if n > cap else Total(n, False)
