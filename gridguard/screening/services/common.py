"""What the screening services share: the acting user's scope for a right, and the round check."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from gridguard.accounts.scope import Scope, scope_for
from gridguard.core.errors import ApplicationError
from gridguard.screening.models import RoundStatus, ScreeningRound

if TYPE_CHECKING:
    from gridguard.accounts.models import User


def scope_with(actor: User | None, right: str, scope: Scope | None = None) -> Scope:
    """The actor's scope (or the one given: the command line's system scope), holding ``right``."""
    scope = scope or scope_for(actor)
    scope.require(right)
    return scope


def require_open(rnd: ScreeningRound) -> None:
    if rnd.status != RoundStatus.OPEN:
        raise ApplicationError(
            "round_not_open",
            _("轮次“{name}”{state}，不能采样").format(name=rnd.name, state=rnd.get_status_display()),
        )


def local_date(at: dt.datetime) -> dt.date:
    return at.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
