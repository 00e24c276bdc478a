"""The recall of a positive pool (复核): its members retested in single tubes.

When a pooled tube is positive (``recalls_open``, called by the lab's results in their transaction):
every person in it gets an open Recall, their households a HouseholdMark, and — after the commit,
so a rolled-back file alerts no one — their grid workers and community an alert in key-person
control's alert list (``control.services.alert_raise_for_persons``).

A single tube's result (``singles_resulted``) closes the recalls that waited for it: positive → a
key-person control order of category 初筛阳性 (control's own ``order_create``), negative → closed,
and a household whose recalls are all closed negative has its mark lifted. A positive single tube
of a person who was not recalled also gets the order.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from gridguard.core.errors import ApplicationError
from gridguard.screening.models import (
    HouseholdMark,
    Recall,
    RecallStatus,
    Result,
    Sample,
    ScreeningRound,
    Tube,
)

if TYPE_CHECKING:
    from gridguard.accounts.models import User

logger = logging.getLogger(__name__)
CHUNK = 500


def recall_sampled(*, rnd: ScreeningRound, retests: list[tuple[int, str]], now: dt.datetime) -> int:
    """Recalled persons sampled in a single tube: their open recall waits for that tube's result.
    Called by the scan service inside its transaction."""
    tube_ids = dict(Tube.objects.filter(code__in=[code for _pid, code in retests]).values_list("code", "id"))
    done = 0
    for pid, code in retests:
        done += Recall.objects.filter(round=rnd, person_id=pid, status=RecallStatus.OPEN).update(
            status=RecallStatus.SAMPLED, retest_tube_id=tube_ids[code]
        )
    return done


def recalls_open(*, rnd: ScreeningRound, pool_ids: list[int], now: dt.datetime) -> int:
    """Every member of these positive pools: an open recall, a household mark, and (after the
    commit) an alert for their grid and community. Set-based; a pool resulted twice recalls no one
    twice. Returns the number of recalls created."""
    if not pool_ids:
        return 0
    members: list[tuple[int, int, int, str, int | None]] = []  # (pool, sample, person, path, household)
    for start in range(0, len(pool_ids), CHUNK):
        members.extend(
            Sample.objects.filter(tube_id__in=pool_ids[start : start + CHUNK]).values_list(
                "tube_id", "id", "person_id", "node_path", "person__household_id"
            )
        )
    if not members:
        return 0
    created = Recall.objects.bulk_create(
        [
            Recall(round=rnd, person_id=pid, node_path=path, household_id=hh, pool_id=pool, created_at=now)
            for pool, _sid, pid, path, hh in members
        ],
        batch_size=CHUNK,
        ignore_conflicts=True,
    )
    households = {hh: path for _pool, _sid, _pid, path, hh in members if hh is not None}
    if households:
        HouseholdMark.objects.bulk_create(
            [HouseholdMark(round=rnd, household_id=hh, node_path=path, marked_at=now) for hh, path in households.items()],
            batch_size=CHUNK,
            ignore_conflicts=True,
        )
        ids = list(households)
        for start in range(0, len(ids), CHUNK):  # a mark lifted before is put back
            HouseholdMark.objects.filter(
                round=rnd, household_id__in=ids[start : start + CHUNK], lifted_at__isnull=False
            ).update(lifted_at=None, marked_at=now)
    persons = {pid: path for _pool, _sid, pid, path, _hh in members}
    detail = _("{round}：所在混管阳性，须单管复核，请通知本人并上门采样").format(round=rnd.name)
    transaction.on_commit(lambda: _alert(rnd.pk, persons, detail, now))
    return len(created)


def _alert(round_id: int, persons: dict[int, str], detail: str, now: dt.datetime) -> None:
    """After the commit: alert the persons whose recall is still open (a retest resulted in the same
    transaction, as in the demo, has closed it already)."""
    from gridguard.control.models import AlertKind
    from gridguard.control.services import alert_raise_for_persons

    ids = list(persons)
    still: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        still.update(Recall.objects.filter(
            round_id=round_id, person_id__in=ids[start : start + CHUNK],
            status__in=(RecallStatus.OPEN, RecallStatus.SAMPLED),
        ).values_list("person_id", flat=True))
    alert_raise_for_persons(persons=[(pid, path) for pid, path in persons.items() if pid in still],
                            kind=AlertKind.RECALL, detail=detail, now=now)


def singles_resulted(
    *, actor: User | None, rnd: ScreeningRound, results: dict[int, str], now: dt.datetime
) -> dict[str, int]:
    """Single tubes with a result (``{tube id: result}``): the recalls waiting for them close, a
    positive one puts the person under control (初筛阳性, central isolation), and a household whose
    recalls are all negative has its mark lifted. Returns counts by what happened."""
    from gridguard.control.models import AlertKind
    from gridguard.control.services import alerts_close_for_persons

    counts = {"negative": 0, "positive": 0, "orders": 0, "resample": 0, "lifted": 0}
    if not results:
        return counts
    tube_ids = list(results)
    samples: list[tuple[int, int]] = []  # (tube, person)
    for start in range(0, len(tube_ids), CHUNK):
        samples.extend(Sample.objects.filter(tube_id__in=tube_ids[start : start + CHUNK]).values_list(
            "tube_id", "person_id"
        ))
    by_result: dict[str, list[int]] = {Result.NEGATIVE: [], Result.POSITIVE: [], Result.INVALID: []}
    for tube_id, pid in samples:
        by_result.setdefault(results[tube_id], []).append(pid)

    def recalls(pids: list[int]) -> Q:
        return Q(round=rnd, person_id__in=pids) & (
            Q(status=RecallStatus.OPEN) | Q(status=RecallStatus.SAMPLED, retest_tube_id__in=tube_ids)
        )

    negative = by_result[Result.NEGATIVE]
    households: set[int] = set()
    for start in range(0, len(negative), CHUNK):
        q = recalls(negative[start : start + CHUNK])
        households.update(h for h in Recall.objects.filter(q).values_list("household_id", flat=True) if h)
        counts["negative"] += Recall.objects.filter(q).update(status=RecallStatus.NEGATIVE, closed_at=now)
    if negative:
        alerts_close_for_persons(person_ids=negative, kind=AlertKind.RECALL,
                                 resolution=_("单管复核阴性"), now=now)
    invalid = by_result[Result.INVALID]
    for start in range(0, len(invalid), CHUNK):  # an invalid retest: sample the person again
        counts["resample"] += Recall.objects.filter(
            round=rnd, person_id__in=invalid[start : start + CHUNK], status=RecallStatus.SAMPLED,
            retest_tube_id__in=tube_ids,
        ).update(status=RecallStatus.OPEN, retest_tube=None)
    positive = by_result[Result.POSITIVE]
    if positive:
        orders = _order_positives(actor, positive, now)
        counts["orders"] = sum(1 for _pid, (_order, new) in orders.items() if new)
        for pid, (order_id, _new) in orders.items():
            counts["positive"] += Recall.objects.filter(recalls([pid])).update(
                status=RecallStatus.POSITIVE, closed_at=now, order_id=order_id
            )
        for pid in positive:  # a person the order could not be made for still closes as positive
            counts["positive"] += Recall.objects.filter(recalls([pid])).update(
                status=RecallStatus.POSITIVE, closed_at=now
            )
        alerts_close_for_persons(person_ids=positive, kind=AlertKind.RECALL,
                                 resolution=_("单管复核阳性，已转入重点人员管控"), now=now)
    if households:
        counts["lifted"] = _lift_marks(rnd, households, now)
    return counts


def _lift_marks(rnd: ScreeningRound, households: Iterable[int], now: dt.datetime) -> int:
    """Lift the mark of each household whose recalls in the round are all closed negative."""
    ids = list(households)
    still = set(
        Recall.objects.filter(round=rnd, household_id__in=ids)
        .exclude(status=RecallStatus.NEGATIVE)
        .values_list("household_id", flat=True)
    )
    done = [h for h in ids if h not in still]
    if not done:
        return 0
    return HouseholdMark.objects.filter(round=rnd, household_id__in=done, lifted_at__isnull=True).update(
        lifted_at=now
    )


def _order_positives(actor: User | None, person_ids: list[int], now: dt.datetime) -> dict[int, tuple[int, bool]]:
    """A key-person control order (初筛阳性, central isolation) for each positive person, through
    control's own service: ``{person: (order id, made now)}``. A person already under an active
    order keeps it (its scheduled test of the day gets the result instead)."""
    from gridguard.accounts.scope import system_scope
    from gridguard.control.models import Category, ControlOrder, Measure, OrderStatus
    from gridguard.control.services import order_create
    from gridguard.people.models import Person, PersonStatus

    out: dict[int, tuple[int, bool]] = {}
    existing = dict(
        ControlOrder.objects.filter(person_id__in=person_ids, status=OrderStatus.ACTIVE).values_list("person_id", "id")
    )
    for pid, oid in existing.items():
        out[pid] = (oid, False)
    for person in Person.objects.filter(id__in=[p for p in person_ids if p not in existing],
                                        status=PersonStatus.ACTIVE).select_related("household"):
        try:
            with transaction.atomic():
                order = order_create(
                    actor=actor, person=person, category=Category.SCREEN_POSITIVE, measure=Measure.CENTRAL_ISOLATION,
                    source=_("核酸筛查单管阳性"), note=_("全员核酸检测单管阳性，自动转入管控"), now=now,
                    scope=system_scope(),  # the lab's result decides it, whoever entered it
                )
        except ApplicationError:
            logger.exception("could not order screen-positive person %s", pid)
            continue
        out[person.pk] = (order.pk, True)
    return out
