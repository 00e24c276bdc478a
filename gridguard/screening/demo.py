"""Mass screening in the demo town: a round of today under way.

Called by ``generate_demo`` after the ledgers and key-person control (core.plug demo step, order
200). Everything goes through the services, as the officials' and samplers' clicks would: the round
over the town with one sampling point per community (its grids in slots), the demo sampler at the
first one, most of the town sampled since the morning in 10-in-1 tubes, the tubes of the early hours
packed and resulted by the demo lab, one positive pool with its recall, and reasons given for some
of the missing. Deterministic for a seed, relative to *now*.
"""

from __future__ import annotations

import datetime as dt
from random import Random
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from gridguard.accounts.models import User
from gridguard.accounts.scope import system_scope
from gridguard.core.plug import DemoContext
from gridguard.grids.models import GridNode
from gridguard.screening.codes import make_code
from gridguard.screening.models import Enrollment, EnrollmentState, MissingReason, PointStaff, SamplingPoint
from gridguard.screening.services import points, rounds
from gridguard.screening.services.scans import ScanItem, scans_submit

SHARE_SAMPLED = 0.82  # of the persons in scope, by the demo's "now"
OPENS, CLOSES = 7, 19


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(settings.TIME_ZONE))


def generate_screening_demo(*, seed: int, actor: User, out=print) -> None:  # type: ignore[no-untyped-def]
    rng = Random(seed)
    now = timezone.now()
    local_now = timezone.localtime(now)
    # the round is today's once its point has been open two hours, else yesterday's
    day = local_now.date() if local_now.hour >= OPENS + 2 else local_now.date() - dt.timedelta(days=1)
    until = min(now, _local(day, CLOSES - 1))
    town = GridNode.get_root_nodes().filter(is_active=True).first()
    if town is None:
        return
    scope = system_scope()
    rnd = rounds.round_create(actor=actor, scope=scope, node=town, name=f"{town.name}第一轮全员核酸检测",
                              starts_on=day, ends_on=day, exempt_under_months=6, target_hours=12,
                              now=_local(day, 6))
    drawn = rounds.round_open(actor=actor, scope=scope, rnd=rnd, now=_local(day, 6, 30))
    communities = list(town.get_children().filter(is_active=True).order_by("path"))
    sampler = User.objects.filter(username="caiyang01").first()
    point_of: dict[str, SamplingPoint] = {}
    for n, community in enumerate(communities):
        point = points.point_create(
            actor=actor, scope=scope, rnd=rnd, node=community, name=f"{community.name}采样点",
            address=f"{community.name}党群服务中心广场", opens_at=_local(day, OPENS), closes_at=_local(day, CLOSES),
            stations=3,
        )
        grids = list(community.get_descendants().filter(level__is_grid=True, is_active=True).order_by("path"))
        span = (CLOSES - OPENS) * 60 // max(1, len(grids))
        for g, grid in enumerate(grids):
            start = _local(day, OPENS) + dt.timedelta(minutes=g * span)
            expected = Enrollment.objects.filter(round=rnd, state=EnrollmentState.DUE, node_path__gte=grid.path,
                                                 node_path__lt=grid.path + "~").count()
            points.point_slot_set(actor=actor, scope=scope, point=point, grid=grid, starts_at=start,
                                  ends_at=start + dt.timedelta(minutes=span), expected=expected)
        if n == 0 and sampler is not None:
            points.point_staff_add(actor=actor, scope=scope, point=point, user=sampler,
                                   duty=PointStaff.Duty.SAMPLER)
        point_of[community.path] = point
    # who came, in the order of their grid's slot, ten to a tube
    due = list(Enrollment.objects.filter(round=rnd, state=EnrollmentState.DUE).order_by("node_path", "person_id")
               .values_list("person_id", "node_path"))
    start, end = _local(day, OPENS), until
    seconds = max(1, int((end - start).total_seconds()))
    tube_no = 0
    batch: dict[str, list[ScanItem]] = {}
    for i, (pid, path) in enumerate(due):
        if rng.random() > SHARE_SAMPLED:
            continue
        community_path = next((c for c in point_of if path.startswith(c)), None)
        if community_path is None:
            continue
        if i % 10 == 0:
            tube_no += 1
        at = start + dt.timedelta(seconds=seconds * i // max(1, len(due)))
        batch.setdefault(community_path, []).append(ScanItem(
            client_id=f"demo-{rnd.pk}-{pid}", tube_code=f"DEMO{rnd.pk:02d}{tube_no:06d}",
            code=make_code(pid), device_time=at,
        ))
    sampled = 0
    for path, items in batch.items():
        point = point_of[path]
        for k in range(0, len(items), 2000):
            answers = scans_submit(actor=actor, scope=scope, rnd=rnd, point=point, items=items[k:k + 2000],
                                   device="demo", now=until)
            sampled += sum(1 for a in answers if a.ok)
    # a few reasons among the missing, as grid workers record them
    missing = list(Enrollment.objects.filter(round=rnd, state=EnrollmentState.DUE, sampled_at__isnull=True)
                   .order_by("person_id")[:40])
    reasons = [(MissingReason.AWAY, "在外地务工"), (MissingReason.REFUSED, "本人拒绝，已劝导"),
               (MissingReason.ELSEWHERE, "在县医院已检测，有报告截图"), (MissingReason.DOOR, "卧床，需上门采样")]
    for k, enrollment in enumerate(missing[:: max(1, len(missing) // 8)][:8]):
        reason, note = reasons[k % len(reasons)]
        rounds.missing_reason_record(actor=actor, scope=scope, enrollment=enrollment, reason=reason, note=note,
                                     now=until)
    due_count = Enrollment.objects.filter(round=rnd, state=EnrollmentState.DUE).count()
    out(f"全员核酸：轮次“{rnd.name}”，纳入 {drawn} 人（应检 {due_count} 人），已采样 {sampled} 人，"
        f"{len(point_of)} 个采样点")


def demo_step(ctx: DemoContext) -> None:
    """The demo town's mass screening (core.plug demo step): needs the demo's administrator."""
    if ctx.admin is not None:
        generate_screening_demo(seed=ctx.seed, actor=ctx.admin, out=ctx.out)
