"""Full-number look-ups (查号) by roles that may not reveal identity numbers and phones.

A grid worker sees 4211**********1459 and 170****6667. With the birth date shown in clear, nine
candidates remain for such an identity number, 10,000 for such a phone: a search that answers
"found" or "not found" for a full number would confirm it in a few tries. A resident still tells the
grid worker their number and must be found by it, so a look-up is not refused outright; it is metered:

- every different number a user looks up is one audit record (action "lookup", the number masked
  as the mask shows it); the same number again within the hour is not counted twice (a list page
  asks for its rows and its total, an export repeats the list's search);
- past ``settings.LOOKUP_LIMIT_PER_HOUR`` different numbers in an hour, a look-up is refused (429)
  and the officials above the user are flagged once per hour (action "flag", placed at the user's
  jurisdiction so the officials whose audit log covers it see it, and on their home page).

What counts as a look-up: a full identity number, a full phone, the last 6 of an identity number
and the last 4 of a phone (``KINDS``), and an identity number that turned out to be registered in
another jurisdiction (control's "belongs elsewhere", people's "already registered").

A look-up is a read that writes: the record is written in its own short transaction, so it stays
when the caller's work fails — as long as the caller is not itself inside a transaction (the services
check before they open theirs).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridguard.accounts.models import AuditLog, User
from gridguard.accounts.scope import Scope
from gridguard.accounts.services import audit_record, scope_path
from gridguard.core.errors import TooMany
from gridguard.core.masking import mask_id_number, mask_phone
from gridguard.people.models import Person, PersonStatus

ID = "id"
PHONE = "phone"
ID_TAIL = "id_tail"
PHONE_TAIL = "phone_tail"
ELSEWHERE = "elsewhere"

KINDS = {
    ID: gettext_lazy("完整证件号码"),
    PHONE: gettext_lazy("完整电话号码"),
    ID_TAIL: gettext_lazy("证件号码后六位"),
    PHONE_TAIL: gettext_lazy("电话后四位"),
    ELSEWHERE: gettext_lazy("他辖区人员的证件号码"),
}
_MASKS = {ID: mask_id_number, PHONE: mask_phone, ELSEWHERE: mask_id_number}
OBJECT_TYPE = "people.lookup"
HOUR = dt.timedelta(hours=1)


def metered(scope: Scope) -> bool:
    """Whether the scope's look-ups are metered: a user's whose role may not reveal."""
    return scope.user_id is not None and not scope.has("people.reveal")


def _key(kind: str, text: str) -> str:
    """The look-up's fingerprint (the number itself is never stored): HMAC under the secret key."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{text}".encode(), hashlib.sha256).hexdigest()
    return digest[:40]


def _shown(kind: str, text: str) -> str:
    mask = _MASKS.get(kind)
    return mask(text) if mask else text  # a tail shows no more than the mask already does


def meter(scope: Scope, kind: str, texts: Iterable[str], *, now: dt.datetime | None = None) -> set[str]:
    """Record the look-ups of ``texts`` (of one ``kind``) by the scope's user; return those allowed.

    Texts looked up within the hour are allowed again without counting; new ones are allowed while
    the hour's count stays within the limit. Past it, the rest are refused and the officials are
    flagged (once an hour). Unmetered scopes (reveal roles, the system) are allowed everything."""
    wanted = [t for t in dict.fromkeys(texts) if t]
    if not wanted or not metered(scope):
        return set(wanted)
    now = now or timezone.now()
    limit = settings.LOOKUP_LIMIT_PER_HOUR
    with transaction.atomic():
        # one look-up at a time per user (the count and the new records agree): lock the user's row
        user = User.objects.select_for_update().get(pk=scope.user_id or 0)
        hour = AuditLog.objects.filter(actor_id=user.pk, action=AuditLog.Action.LOOKUP, at__gte=now - HOUR)
        keys = {_key(kind, text) for text in wanted}
        recent = set(hour.filter(object_id__in=keys).values_list("object_id", flat=True))
        count = len(hour.values_list("id", flat=True)[:limit])  # at most the limit's rows (audit_lookup_idx)
        allowed: set[str] = set()
        refused: list[str] = []
        path = scope_path(scope)
        for text in wanted:
            key = _key(kind, text)
            if key in recent:
                allowed.add(text)
            elif count < limit:
                count += 1
                recent.add(key)
                allowed.add(text)
                audit_record(
                    actor=user, action=AuditLog.Action.LOOKUP, object_type=OBJECT_TYPE, object_id=key,
                    object_repr=f"{KINDS[kind]}：{_shown(kind, text)}", node_path=path,
                )
            else:
                refused.append(text)
        if refused:
            _flag(user, path, now)
    return allowed


def meter_one(scope: Scope, kind: str, text: str, *, field: str = "q") -> None:
    """Record one look-up, or refuse it (TooMany) past the hour's limit."""
    if text not in meter(scope, kind, [text]):
        raise refusal(field)


def registered_elsewhere(scope: Scope, number: str, *, field: str = "id_number") -> bool:
    """Whether ``number`` is an active ledger person outside the scope's jurisdiction; when it is, that
    answer is a look-up: recorded, or refused (TooMany) past the hour's limit. Call it before the
    caller's transaction, so that a refusal that follows keeps the record."""
    if not number:
        return False
    path = (
        Person.objects.filter(id_number=number, status=PersonStatus.ACTIVE)
        .order_by("id")
        .values_list("node_path", flat=True)
        .first()
    )
    if path is None or scope.covers(path):
        return False
    meter_one(scope, ELSEWHERE, number, field=field)
    return True


def refusal(field: str = "q") -> TooMany:
    return TooMany(
        "lookup_limited",
        _("按号码查找过于频繁（每小时最多 {n} 个不同号码），请稍后再试；此情况已提示上级").format(
            n=settings.LOOKUP_LIMIT_PER_HOUR
        ),
        field=field,
    )


def _flag(user: User, path: str, now: dt.datetime) -> None:
    """Tell the officials above (once an hour per user) that the user hit the look-up limit."""
    already = AuditLog.objects.filter(
        action=AuditLog.Action.FLAG, object_type=OBJECT_TYPE, object_id=str(user.pk), at__gte=now - HOUR
    ).exists()
    if already:
        return
    audit_record(
        actor=user, action=AuditLog.Action.FLAG, object_type=OBJECT_TYPE, object_id=str(user.pk),
        object_repr=_("{user} 一小时内按号码查找超过 {n} 个不同号码，已被拒绝").format(
            user=f"{user}（{user.username}）", n=settings.LOOKUP_LIMIT_PER_HOUR
        ),
        node_path=path, detail={"user": user.pk},
    )
