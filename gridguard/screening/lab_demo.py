"""Transport and lab in the demo town (core.plug demo step, after the round's sampling): at each
point the tubes sampled first are packed into boxes and received by the demo lab, their results
recorded (all negative but one pool, whose members are recalled, their households marked and their
grids alerted), and one recalled person retested negative. Everything through the services, as the
samplers' and the lab's clicks would."""

from __future__ import annotations

import datetime as dt

from django.db.models import Min
from django.utils import timezone

from gridguard.accounts.models import User
from gridguard.accounts.scope import system_scope
from gridguard.core.plug import DemoContext
from gridguard.screening.codes import make_code
from gridguard.screening.models import (
    Recall,
    Result,
    RoundStatus,
    SamplingPoint,
    ScreeningRound,
    Tube,
    TubeStatus,
)
from gridguard.screening.services.lab import ResultRow, results_apply
from gridguard.screening.services.scans import ScanItem, scans_submit
from gridguard.screening.services.transport import box_pack, box_receive

PACKED_SHARE = 0.7  # the tubes sampled first are at the lab; the rest wait at the points
BOX_SIZE = 50


def generate_lab_demo(*, actor: User, out=print) -> None:  # type: ignore[no-untyped-def]
    rnd = ScreeningRound.objects.filter(status=RoundStatus.OPEN).order_by("-id").first()
    if rnd is None:
        return
    scope = system_scope()
    lab = User.objects.filter(username="jiance01").first() or actor
    now = timezone.now()
    boxes = 0
    resulted: list[ResultRow] = []
    for point in SamplingPoint.objects.filter(round=rnd).order_by("name", "id"):
        tubes = list(
            Tube.objects.filter(point=point, status=TubeStatus.CLOSED).annotate(first=Min("samples__sampled_at"))
            .order_by("first", "id").values_list("code", "first")
        )
        early = tubes[: int(len(tubes) * PACKED_SHARE)]
        for k in range(0, len(early), BOX_SIZE):
            codes = [c for c, _first in early[k : k + BOX_SIZE]]
            last = max(first for _c, first in early[k : k + BOX_SIZE] if first is not None)
            handed = min(now, last + dt.timedelta(minutes=30))
            box = box_pack(actor=actor, scope=scope, point=point, code=f"B{rnd.pk:02d}{point.pk:03d}{k // BOX_SIZE:03d}",
                           courier="转运专班", lab="县人民医院检验科", handed_at=handed, tube_codes=codes, now=now)
            box_receive(actor=lab, scope=scope, box=box, now=min(now, handed + dt.timedelta(minutes=40)))
            boxes += 1
            for code, first in early[k : k + BOX_SIZE]:
                tested = min(now, (first or handed) + dt.timedelta(hours=5))
                resulted.append(ResultRow(code, Result.NEGATIVE, tested, "县人民医院检验科"))
    if not resulted:
        return
    resulted[0].result = Result.POSITIVE  # one positive pool
    done = results_apply(actor=lab, rnd=rnd, rows=resulted, scope=scope, now=now)
    # one recalled person already retested in a single tube, negative
    recall = Recall.objects.filter(round=rnd).order_by("id").select_related("pool__point").first()
    retested = 0
    if recall is not None and recall.pool.point is not None:
        code = f"R{rnd.pk:02d}{recall.person_id:08d}"
        scans_submit(actor=actor, scope=scope, rnd=rnd, point=recall.pool.point, device="demo-door", now=now,
                     items=[ScanItem(client_id=f"demo-retest-{recall.pk}", tube_code=code,
                                     code=make_code(recall.person_id), device_time=now, mode="single")])
        Tube.objects.filter(code=code, status=TubeStatus.OPEN).update(status=TubeStatus.CLOSED, closed_at=now)
        retested = results_apply(actor=lab, rnd=rnd, scope=scope, now=now,
                                 rows=[ResultRow(code, Result.NEGATIVE, now, "县人民医院检验科")]).applied
    out(f"核酸转运与检测：{boxes} 箱已送检，{done.applied} 管已出结果，1 管混管阳性，复核 {done.recalls} 人"
        f"（{retested} 人已单管复核阴性）")


def demo_step(ctx: DemoContext) -> None:
    if ctx.admin is not None:
        generate_lab_demo(actor=ctx.admin, out=ctx.out)
