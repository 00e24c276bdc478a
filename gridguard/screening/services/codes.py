"""Reissue a person's code (核酸码): the old one stops working at once."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gridguard.accounts.services import audit_record
from gridguard.screening.codes import make_code
from gridguard.screening.models import PersonCode
from gridguard.screening.services.common import scope_with

if TYPE_CHECKING:
    from gridguard.accounts.models import User
    from gridguard.accounts.scope import Scope
    from gridguard.people.models import Person


def person_code_reissue(
    *, actor: User | None, person: Person, scope: Scope | None = None, now: dt.datetime | None = None
) -> str:
    """A new code for ``person`` (a lost card, a code seen by others); returns it."""
    scope = scope_with(actor, "screening.reason", scope)
    scope.check(person.node_path)
    now = now or timezone.now()
    with transaction.atomic():
        row, created = PersonCode.objects.select_for_update().get_or_create(
            person=person, defaults={"version": 1, "reissued_at": now, "reissued_by": actor}
        )
        if not created:
            PersonCode.objects.filter(pk=row.pk).update(version=F("version") + 1, reissued_at=now, reissued_by=actor)
            row.refresh_from_db()
        audit_record(actor=actor, action="update", obj=person, detail={"code_reissued": row.version})
    return make_code(person.pk, row.version)
