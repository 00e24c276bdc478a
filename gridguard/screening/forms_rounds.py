"""Forms of the rounds pages. They only shape input; the rules are in the services. The round's form
is lenient (every field optional at the form level) so that the service names every wrong field at
once; the edited proposal is read from the page's fields by ``read_plan``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from gridguard.core.errors import ApplicationError
from gridguard.grids.models import GridNode
from gridguard.imports.forms import NodeChoiceField
from gridguard.screening.models import ExemptReason, Mode, PointStaff
from gridguard.screening.services.plan import Proposal, ProposedPoint, ProposedSlot

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class _Nodes:
    def set_nodes(self, name: str, nodes: list[GridNode]) -> None:
        self.fields[name].queryset = (  # type: ignore[attr-defined]
            GridNode.objects.filter(pk__in=[n.pk for n in nodes]).select_related("level").order_by("path")
        )


class RoundForm(_Nodes, forms.Form):
    node = NodeChoiceField(label=_l("范围（街道、社区）"), queryset=GridNode.objects.none(), required=False)
    name = forms.CharField(label=_l("轮次名称"), max_length=80, required=False)
    starts_on = forms.DateField(label=_l("开始日期"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_l("结束日期"), required=False, widget=DATE)
    mode = forms.ChoiceField(label=_l("默认采样方式"), choices=Mode.choices, initial=Mode.POOL10)
    exempt_away = forms.BooleanField(label=_l("外出人员免检"), required=False, initial=True)
    exempt_under_months = forms.IntegerField(
        label=_l("婴幼儿免检（月龄以下）"), required=False, initial=0, help_text=_l("0 表示不免检")
    )
    exempt_central = forms.BooleanField(label=_l("集中隔离人员按管控安排检测（免于本轮）"), required=False, initial=True)
    target_hours = forms.IntegerField(
        label=_l("出结果时限（小时）"), required=False, initial=24,
        help_text=_l("发热门诊 4–6 小时，住院患者 12 小时，自愿检测 24 小时"),
    )
    note = forms.CharField(label=_l("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, nodes: list[GridNode], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.set_nodes("node", nodes)

    def missing(self) -> list[ApplicationError]:
        """What the service cannot check because it needs a value: the scope and the dates."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        errors = []
        if not data.get("node") and "node" not in self.errors:
            errors.append(ApplicationError("required", _("请选择范围"), field="node"))
        for field, label in (("starts_on", _("开始日期")), ("ends_on", _("结束日期"))):
            if not data.get(field) and field not in self.errors:
                errors.append(ApplicationError("required", _("请填写{label}").format(label=label), field=field))
        return errors


class PointForm(_Nodes, forms.Form):
    node = NodeChoiceField(label=_l("所在网格/小区"), queryset=GridNode.objects.none())
    name = forms.CharField(label=_l("采样点名称"), max_length=80, required=False)
    address = forms.CharField(label=_l("地址"), max_length=200, required=False)
    opens_at = forms.DateTimeField(label=_l("开放时间"), widget=DATETIME)
    closes_at = forms.DateTimeField(label=_l("关闭时间"), widget=DATETIME)
    stations = forms.IntegerField(label=_l("采样台数"), initial=1)

    def __init__(self, *args: Any, nodes: list[GridNode], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.set_nodes("node", nodes)


class SlotForm(_Nodes, forms.Form):
    grid = NodeChoiceField(label=_l("网格"), queryset=GridNode.objects.none())
    starts_at = forms.DateTimeField(label=_l("时段开始"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_l("时段结束"), widget=DATETIME)
    expected = forms.IntegerField(label=_l("应检人数"), required=False, min_value=0, initial=0)

    def __init__(self, *args: Any, nodes: list[GridNode], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.set_nodes("grid", nodes)


class StaffForm(forms.Form):
    user = forms.TypedChoiceField(label=_l("人员"), coerce=int, choices=())
    duty = forms.ChoiceField(label=_l("职责"), choices=PointStaff.Duty.choices)

    def __init__(self, *args: Any, users: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [  # type: ignore[attr-defined]
            (u.pk, f"{u.full_name or u.username}（{u.role.name if u.role else ''}）") for u in users
        ]


class ExemptForm(forms.Form):
    reason = forms.ChoiceField(label=_l("免检原因"), choices=[("", _l("恢复应检")), *ExemptReason.choices],
                               required=False)
    note = forms.CharField(label=_l("说明"), max_length=200, required=False)


class PlanHoursForm(forms.Form):
    day = forms.DateField(label=_l("采样日期"), widget=DATE)
    opens = forms.TimeField(label=_l("开放"), widget=forms.TimeInput(attrs={"type": "time"}), initial=dt.time(7))
    closes = forms.TimeField(label=_l("关闭"), widget=forms.TimeInput(attrs={"type": "time"}), initial=dt.time(19))


# --- the edited proposal ------------------------------------------------------------------------


def _at(day: dt.date, text: str) -> dt.datetime | None:
    try:
        t = dt.time.fromisoformat(text.strip())
    except ValueError:
        return None
    return timezone.make_aware(dt.datetime.combine(day, t))


def _int(text: str | None, default: int = 0) -> int | None:
    try:
        return int((text or "").strip() or default)
    except ValueError:
        return None


def read_plan(post: QueryDict, day: dt.date) -> tuple[Proposal, list[ApplicationError]]:
    """The proposal as the page posts it: ``p<i>-*`` per point (the last may be a new one, kept when
    named), ``s<j>-*`` per grid slot with the point it goes to (``s<j>-point``). A removed point's
    grids must go elsewhere. Times are HH:MM on ``day``."""
    errors: list[ApplicationError] = []
    points: list[ProposedPoint | None] = []
    count = _int(post.get("points"), 0) or 0
    for i in range(min(count, 200)):
        key = f"p{i}-"
        node_id = _int(post.get(key + "node"))
        name = post.get(key + "name", "").strip()
        if post.get(key + "new") and not name:
            points.append(None)
            continue
        if post.get(key + "remove"):
            points.append(None)
            continue
        k = sum(1 for p in points if p is not None)  # its index in the proposal sent to the service
        opens, closes = _at(day, post.get(key + "opens", "")), _at(day, post.get(key + "closes", ""))
        stations = _int(post.get(key + "stations"), 1)
        if opens is None or closes is None:
            errors.append(ApplicationError("bad_time", _("请填写时间，如 07:00"), field=f"points.{k}.closes_at"))
        if stations is None:
            errors.append(ApplicationError("bad_stations", _("采样台数应为整数"), field=f"points.{k}.stations"))
        if not node_id:
            errors.append(ApplicationError("required", _("请选择位置"), field=f"points.{k}.node"))
        points.append(ProposedPoint(
            node_id=node_id or 0, name=name, address=post.get(key + "address", "").strip(), stations=stations or 1,
            opens_at=opens or timezone.make_aware(dt.datetime.combine(day, dt.time(7))),
            closes_at=closes or timezone.make_aware(dt.datetime.combine(day, dt.time(19))),
        ))
    slots = _int(post.get("slots"), 0) or 0
    for j in range(min(slots, 2000)):
        key = f"s{j}-"
        target = _int(post.get(key + "point"))
        grid_id = _int(post.get(key + "grid"))
        if grid_id is None:
            continue
        grid_name = post.get(key + "grid_name", "")
        if target is None or not 0 <= target < len(points) or points[target] is None:
            errors.append(ApplicationError(
                "no_point", _("网格“{grid}”没有采样点：请改派到其他采样点").format(grid=grid_name),
                field=f"slots.{j}.point"))
            continue
        point = points[target]
        assert point is not None
        starts, ends = _at(day, post.get(key + "start", "")), _at(day, post.get(key + "end", ""))
        if starts is None or ends is None:
            errors.append(ApplicationError("bad_time", _("请填写时间，如 07:00"), field=f"slots.{j}.start"))
            starts, ends = point.opens_at, point.closes_at
        point.slots.append(ProposedSlot(grid_id=grid_id, grid_name=grid_name,
                                        persons=_int(post.get(key + "persons")) or 0, starts_at=starts, ends_at=ends))
    return Proposal(points=[p for p in points if p is not None], rate=_int(post.get("rate")) or 0), errors
