"""Login throttling with two limits (django-axes).

Axes counts failures per lockout parameter (here ``[["username", "ip_address"], "ip_address"]``: one
user name from one address, and one address whatever the names) but compares every count with one
limit. Five failures per address would lock a whole office behind one NAT after a few typing slips,
so the address gets its own, higher limit: ``AXES_IP_FAILURE_LIMIT``. Guessing passwords across many
accounts from one address is then slowed too, and one user's mistakes still lock only that user name
at that address.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


def _sum(attempts: Any) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class AxesHandler(AxesDatabaseHandler):
    """Axes' database handler; a request counts as locked when its user name failed
    ``AXES_FAILURE_LIMIT`` times from its address, or its address failed ``AXES_IP_FAILURE_LIMIT``
    times with any names (both within ``AXES_COOLOFF_MINUTES``)."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        # one queryset per lockout parameter, in settings' order: name at address, then address
        counts = [_sum(qs) for qs in self.get_user_attempts(request, credentials)]
        per_name, per_address = counts[0], max(counts[1:], default=0)
        if per_address >= settings.AXES_IP_FAILURE_LIMIT:
            return max(per_name, get_failure_limit(request, credentials))
        return per_name


def client_ip_address(request: Any) -> str | None:
    """The address a login comes from: the same as the audit log's (accounts.services.client_ip)."""
    from gridguard.accounts.services import client_ip

    return client_ip(request)
