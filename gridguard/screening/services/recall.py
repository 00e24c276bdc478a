"""The recall of a positive pool (复核): its members retested in single tubes."""

from __future__ import annotations

import datetime as dt

from gridguard.screening.models import Recall, RecallStatus, ScreeningRound, Tube


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
