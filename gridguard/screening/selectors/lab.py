"""Reads of transport, lab results and recalls, each scoped by the user's jurisdiction and done in
a few set-based queries whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.accounts.scope import Scope
from gridguard.core.errors import NotFound, PermissionDenied
from gridguard.core.masking import mask_phone
from gridguard.screening.models import (
    HouseholdMark,
    PointStaff,
    Recall,
    RecallStatus,
    RoundStatus,
    SamplingPoint,
    ScreeningRound,
    TransportBox,
    Tube,
    TubeStatus,
)

TRANSPORT_EVERY = dt.timedelta(hours=1)  # 每一小时转运一次
READ_RIGHTS = ("screening.lab", "screening.view", "screening.plan")


def may_read(scope: Scope) -> bool:
    return any(scope.has(r) for r in READ_RIGHTS)


def require_read(scope: Scope) -> None:
    if not may_read(scope):
        raise PermissionDenied(_("您的角色不能查看核酸检测"))


def rounds_visible(*, scope: Scope) -> list[ScreeningRound]:
    """Rounds under way or closed whose subtree meets the user's jurisdiction."""
    rounds = ScreeningRound.objects.exclude(status=RoundStatus.DRAFT).select_related("node").order_by("-id")[:200]
    if scope.everything:
        return list(rounds)
    return [r for r in rounds if scope.covers(r.node_path) or any(p.startswith(r.node_path) for p in scope.paths)]


def round_get(*, scope: Scope, pk: int) -> ScreeningRound:
    rnd = ScreeningRound.objects.select_related("node").filter(pk=pk).first()
    if rnd is None or rnd.pk not in {r.pk for r in rounds_visible(scope=scope)}:
        raise NotFound()
    return rnd


def points_of(*, scope: Scope, rnd: ScreeningRound) -> list[SamplingPoint]:
    return list(scope.filter(SamplingPoint.objects.filter(round=rnd)).order_by("name", "id"))


def point_get(*, scope: Scope, pk: int, user: Any = None) -> SamplingPoint:
    """A point in the user's jurisdiction, or one the user is assigned to (a sampler, its leader)."""
    point = SamplingPoint.objects.select_related("round", "node").filter(pk=pk).first()
    if point is None:
        raise NotFound()
    if not scope.covers(point.node_path) and not (
        user is not None and PointStaff.objects.filter(point=point, user_id=user.pk).exists()
    ):
        raise NotFound()
    return point


@dataclass
class WaitingTube:
    tube: Tube
    waited: dt.timedelta

    @property
    def overdue(self) -> bool:
        return self.waited > TRANSPORT_EVERY

    @property
    def minutes(self) -> int:
        return int(self.waited.total_seconds() // 60)


def tubes_unpacked(*, point: SamplingPoint, now: dt.datetime | None = None) -> list[WaitingTube]:
    """The point's closed tubes not packed yet, longest waiting first."""
    now = now or timezone.now()
    tubes = Tube.objects.filter(point=point, status=TubeStatus.CLOSED, box__isnull=True).order_by("closed_at", "id")
    return [WaitingTube(t, now - (t.closed_at or t.opened_at)) for t in tubes[:2000]]


def tubes_waiting(*, point: SamplingPoint, now: dt.datetime | None = None) -> list[WaitingTube]:
    """Closed tubes waiting more than an hour unpacked (每一小时转运一次)."""
    now = now or timezone.now()
    return [w for w in tubes_unpacked(point=point, now=now) if w.overdue]


def boxes(*, scope: Scope, rnd: ScreeningRound, point: SamplingPoint | None = None,
          received: bool | None = None) -> list[TransportBox]:
    qs = TransportBox.objects.filter(round=rnd).select_related("point", "received_by")
    qs = qs.filter(scope.q("point__node_path")) if not scope.everything else qs
    if point is not None:
        qs = qs.filter(point=point)
    if received is not None:
        qs = qs.filter(received_at__isnull=not received)
    return list(qs.annotate(
        tube_count=Count("tubes"), resulted=Count("tubes", filter=Q(tubes__status=TubeStatus.RESULTED))
    ).order_by("-handed_at", "-id")[:500])


def box_get(*, scope: Scope, pk: int) -> TransportBox:
    box = TransportBox.objects.select_related("point", "point__round", "received_by").filter(pk=pk).first()
    if box is None:
        raise NotFound()
    scope.check(box.point.node_path)
    return box


def box_tubes(*, box: TransportBox) -> list[Tube]:
    return list(Tube.objects.filter(box=box).order_by("code"))


# --- turnaround --------------------------------------------------------------------------------


@dataclass
class Turnaround:
    tube: Tube
    point_name: str
    started: dt.datetime | None  # the first sample, else the closing
    hours: float | None  # to the result (None: no result yet)
    waited: float  # hours so far (to the result, or to now)
    over: bool


@dataclass
class TurnaroundTable:
    rows: list[Turnaround]
    target_hours: int
    resulted: int
    within: int
    over: int
    pending_over: int  # no result yet and already past the target
    total: int
    median_hours: float | None


def turnaround(*, scope: Scope, rnd: ScreeningRound, point: SamplingPoint | None = None, only_over: bool = False,
               limit: int = 500, now: dt.datetime | None = None) -> TurnaroundTable:
    """Per tube, from its first sample (else its closing) to the result, against the round's target."""
    now = now or timezone.now()
    qs = scope.filter(Tube.objects.filter(round=rnd).exclude(status=TubeStatus.OPEN))
    if point is not None:
        qs = qs.filter(point=point)
    qs = qs.annotate(first=Coalesce(Min("samples__sampled_at"), F("closed_at"))).order_by("closed_at", "id")
    target = dt.timedelta(hours=rnd.target_hours)
    rows: list[Turnaround] = []
    names = dict(SamplingPoint.objects.filter(round=rnd).values_list("id", "name"))
    resulted = within = over = pending = pending_over = 0
    hours_list: list[float] = []
    for t in qs.iterator(chunk_size=2000):
        started = t.first  # type: ignore[attr-defined]
        end = t.tested_at or now
        span = max(end - started, dt.timedelta()) if started else dt.timedelta()  # a device's clock may run ahead
        late = span > target
        if t.tested_at is not None:
            resulted += 1
            hours_list.append(span.total_seconds() / 3600)
            over += late
            within += not late
        else:
            pending += 1
            pending_over += late
        if (late or not only_over) and len(rows) < limit:
            rows.append(Turnaround(
                t, names.get(t.point_id or 0, ""), started,
                round(span.total_seconds() / 3600, 1) if t.tested_at else None,
                round(span.total_seconds() / 3600, 1), late,
            ))
    hours_list.sort()
    median = round(hours_list[len(hours_list) // 2], 1) if hours_list else None
    return TurnaroundTable(rows, rnd.target_hours, resulted, within, over, pending_over, resulted + pending, median)


# --- recalls -------------------------------------------------------------------------------


@dataclass
class RecallRow:
    recall: Recall
    name: str
    phone: str
    address: str
    pool_code: str
    retest_code: str


def recall_list(*, scope: Scope, rnd: ScreeningRound, status: str = "", limit: int = 2000) -> list[RecallRow]:
    """The recalled persons by address (household address, then room, then name): the door-to-door
    team's walking order. Phones masked unless the role may reveal (the team needs the names)."""
    from gridguard.people.models import Person

    qs = scope.filter(Recall.objects.filter(round=rnd))
    if status:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=(RecallStatus.OPEN, RecallStatus.SAMPLED))
    recalls = list(qs.select_related("pool", "retest_tube").order_by("node_path", "household_id", "id")[:limit])
    persons = {
        p.pk: p for p in Person.objects.filter(id__in=[r.person_id for r in recalls]).select_related("household", "node")
    }
    reveal = scope.has("people.reveal")
    rows = []
    for r in recalls:
        p = persons[r.person_id]
        rows.append(RecallRow(
            r, p.name, p.phone if reveal else mask_phone(p.phone),
            p.household.address if p.household is not None else p.node.name, r.pool.code,
            r.retest_tube.code if r.retest_tube is not None else "",
        ))
    rows.sort(key=lambda row: (row.address, row.recall.id))
    return rows


def recall_counts(*, scope: Scope, rnd: ScreeningRound) -> dict[str, int]:
    counts = dict(
        scope.filter(Recall.objects.filter(round=rnd)).values_list("status").annotate(n=Count("id")).order_by()
    )
    return {s: counts.get(s, 0) for s in RecallStatus.values}


def household_section(scope: Scope, household: Any) -> dict[str, Any] | None:
    """The household page: its marks of open recalls (复核), with the recalled members."""
    marks = list(HouseholdMark.objects.filter(household_id=household.pk, lifted_at__isnull=True).order_by("-marked_at"))
    if not marks:
        return None
    rounds = ScreeningRound.objects.in_bulk([m.round_id for m in marks])
    open_recalls = Recall.objects.filter(
        household_id=household.pk, round_id__in=[m.round_id for m in marks],
        status__in=(RecallStatus.OPEN, RecallStatus.SAMPLED),
    ).select_related("person")
    members = [(r.person.name, r.get_status_display()) for r in open_recalls]
    return {"marks": [(m, rounds[m.round_id]) for m in marks], "members": members}
