"""转运箱: closed tubes of a point packed into a box handed to a courier for a lab, and the lab's
receipt of the box.

Packing is all or nothing: every tube given must be of the point's round, closed and not packed yet;
each wrong one is named in the answer, and nothing is packed. The tubes move to the box by one
conditional UPDATE (``status = closed AND box IS NULL``), so two packers never put one tube in two
boxes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.core.errors import ApplicationError, FieldErrors
from gridguard.core.normalize import FORMULA_STARTS, clean_text
from gridguard.screening.models import SamplingPoint, TransportBox, Tube, TubeStatus
from gridguard.screening.services.common import scope_with
from gridguard.screening.services.scans import TUBE_CODE, sampler_scope

if TYPE_CHECKING:
    from gridguard.accounts.models import User
    from gridguard.accounts.scope import Scope

MAX_TUBES_PER_BOX = 1000
BOX_CODE_MAX = 40


def _text(value: str, field: str, label: str, limit: int, *, required: bool) -> tuple[str, ApplicationError | None]:
    text = clean_text(value)
    if required and not text:
        return "", ApplicationError(f"{field}_required", _("请填写{label}").format(label=label), field=field)
    if text[:1] in FORMULA_STARTS:
        return "", ApplicationError(
            f"{field}_formula", _("{label}不能以 = + - @ 开头").format(label=label), field=field
        )
    if len(text) > limit:
        return "", ApplicationError(
            f"{field}_long", _("{label}最多 {n} 个字").format(label=label, n=limit), field=field
        )
    return text, None


def tube_codes_parse(raw: str | list[str]) -> list[str]:
    """Tube codes typed or scanned one a line (or separated by spaces or commas), upper-cased, in order."""
    items = raw if isinstance(raw, list) else raw.replace(",", " ").replace("，", " ").split()
    return [c.strip().upper() for c in items if c.strip()]


def box_pack(
    *,
    actor: User | None,
    point: SamplingPoint,
    code: str,
    courier: str,
    lab: str = "",
    handed_at: dt.datetime | None = None,
    tube_codes: list[str],
    scope: Scope | None = None,
    now: dt.datetime | None = None,
) -> TransportBox:
    """Pack closed tubes of ``point`` into a new box: every tube named is of the round, closed and
    not packed, or nothing is packed and each wrong tube is named (``extra["tubes"]``)."""
    sampler_scope(actor, point, scope)
    now = now or timezone.now()
    handed_at = handed_at or now
    errors: list[ApplicationError] = []
    box_code, error = _text(code, "code", _("箱号"), BOX_CODE_MAX, required=True)
    if error:
        errors.append(error)
    courier, error = _text(courier, "courier", _("转运人"), 40, required=True)
    if error:
        errors.append(error)
    lab, error = _text(lab, "lab", _("送检机构"), 80, required=False)
    if error:
        errors.append(error)
    if handed_at.tzinfo is None:
        errors.append(ApplicationError("handed_at_naive", _("交接时间须带时区"), field="handed_at"))
    elif handed_at > now + dt.timedelta(minutes=10):
        errors.append(ApplicationError("handed_at_future", _("交接时间不能晚于现在"), field="handed_at"))
    codes = [c.upper() for c in tube_codes]
    if not codes:
        errors.append(ApplicationError("tubes_required", _("请扫描要装箱的管码"), field="tubes"))
    elif len(codes) > MAX_TUBES_PER_BOX:
        errors.append(ApplicationError(
            "tubes_too_many", _("一箱最多 {n} 管").format(n=MAX_TUBES_PER_BOX), field="tubes"
        ))
    if errors:
        raise FieldErrors(errors)

    with transaction.atomic():
        found = {
            t.code: t
            for t in Tube.objects.filter(code__in=codes).only("id", "code", "round_id", "point_id", "status", "box_id")
        }
        wrong: list[dict[str, str]] = []
        seen: set[str] = set()
        for c in codes:
            tube = found.get(c)
            reason = ""
            if c in seen:
                reason = _("重复扫描")
            elif not TUBE_CODE.match(c) or tube is None or tube.round_id != point.round_id:
                reason = _("本轮次没有此管") if tube is None or not TUBE_CODE.match(c) else _("属于其他轮次")
            elif tube.point_id != point.pk:
                reason = _("不是本采样点的管")
            elif tube.status == TubeStatus.OPEN:
                reason = _("未封管")
            elif tube.status != TubeStatus.CLOSED or tube.box_id is not None:
                reason = _("已装箱")
            seen.add(c)
            if reason:
                wrong.append({"code": c[:40], "reason": reason})
        if wrong:
            raise ApplicationError(
                "tubes_wrong",
                _("以下 {n} 管不能装箱，整箱未装：{list}").format(
                    n=len(wrong), list="；".join(f"{w['code']}（{w['reason']}）" for w in wrong)
                ),
                field="tubes",
                extra={"tubes": wrong},
            )
        try:
            with transaction.atomic():
                box = TransportBox.objects.create(
                    round_id=point.round_id, point=point, code=box_code, courier=courier, lab=lab,
                    handed_at=handed_at, created_by=actor,
                )
        except IntegrityError:
            raise ApplicationError(
                "box_exists", _("箱号 {code} 本轮次已使用").format(code=box_code), field="code"
            ) from None
        ids = [found[c].pk for c in codes]
        packed = Tube.objects.filter(id__in=ids, status=TubeStatus.CLOSED, box__isnull=True).update(
            box=box, status=TubeStatus.PACKED
        )
        if packed != len(ids):  # another packer took one of them a moment ago
            raise ApplicationError("tubes_taken", _("有管刚被装入其他箱，请刷新后重试"), field="tubes")
    return box


def box_receive(
    *, actor: User | None, box: TransportBox, scope: Scope | None = None, now: dt.datetime | None = None
) -> TransportBox:
    """A lab receives a box: its tubes are at the lab. Receiving a received box changes nothing."""
    scope = scope_with(actor, "screening.lab", scope)
    point = SamplingPoint.objects.only("node_path").get(pk=box.point_id)
    scope.check(point.node_path)
    now = now or timezone.now()
    with transaction.atomic():
        box = TransportBox.objects.select_for_update().get(pk=box.pk)
        if box.received_at is not None:
            return box
        box.received_at = now
        box.received_by = actor
        box.save(update_fields=["received_at", "received_by"])
        Tube.objects.filter(box=box, status=TubeStatus.PACKED).update(status=TubeStatus.RECEIVED)
    return box
