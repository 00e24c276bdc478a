"""Forms of key-person control. They only shape input; the rules are in services and rules."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridguard.control.models import NO_MEASURE, Category, Measure, NeedKind, NeedStatus, Symptom, TestResult
from gridguard.core.identity import ID_TYPE_CHOICES
from gridguard.grids.models import GridNode
from gridguard.imports.forms import NodeChoiceField


class OrderForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    measure = forms.ChoiceField(label=_("措施"), choices=Measure.choices)
    start_date = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.CharField(
        label=_("来源"), max_length=60, required=False, help_text=_("如 协查名单、自主报备、排查发现")
    )
    place = forms.CharField(
        label=_("隔离地点"), max_length=120, required=False, help_text=_("居家隔离可留空（默认为住址）")
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class KeyPersonForm(OrderForm):
    """A key person added by hand (协查、排查发现): who, where, and the order, in one step."""

    id_type = forms.ChoiceField(label=_("证件类型"), choices=ID_TYPE_CHOICES, required=False)
    id_number = forms.CharField(
        label=_("证件号码"), max_length=40, help_text=_("台账中已有此人时直接对其下达管控（姓名须一致）")
    )
    name = forms.CharField(label=_("姓名"), max_length=60)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    node = NodeChoiceField(
        label=_("所在网格"),
        queryset=GridNode.objects.none(),
        required=False,
        help_text=_("台账中没有此人时登记到这里"),
    )

    field_order = ["id_type", "id_number", "name", "phone", "node", "category", "measure", "start_date"]

    def __init__(self, *args, nodes: list[GridNode], **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = (  # type: ignore[attr-defined]
            GridNode.objects.filter(pk__in=[n.pk for n in nodes]).select_related("level").order_by("path")
        )

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["person_data"] = {key: data.pop(key) for key in ("id_type", "id_number", "name", "phone")}
        return data


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=60)
    note = forms.CharField(label=_("原因"), max_length=200, required=False)


class ChangeForm(forms.Form):
    measure = forms.ChoiceField(label=_("新措施"), choices=Measure.choices)
    place = forms.CharField(label=_("隔离地点"), max_length=120, required=False)
    note = forms.CharField(label=_("原因"), max_length=200, required=False)


class PlaceForm(forms.Form):
    place = forms.CharField(label=_("新的隔离地点"), max_length=120, help_text=_("如 某宾馆 305 房、某医院"))
    note = forms.CharField(label=_("原因"), max_length=200, required=False)


class TransferForm(forms.Form):
    at = forms.DateTimeField(
        label=_("转运时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    vehicle = forms.CharField(label=_("车辆"), max_length=40, help_text=_("如 120 急救车 京A12345"))
    destination = forms.CharField(label=_("目的地"), max_length=120, initial=_("发热门诊"))
    handover = forms.CharField(label=_("交接人"), max_length=60)
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class ReleaseForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=200)


class CheckForm(forms.Form):
    temperature = forms.CharField(
        label=_("体温(℃)"),
        max_length=6,
        error_messages={"required": _("请填写体温")},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "36.5"}),
    )
    symptoms = forms.TypedMultipleChoiceField(
        label=_("症状"),
        choices=Symptom.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class TestResultForm(forms.Form):
    result = forms.ChoiceField(
        label=_("结果"),
        choices=[(c, label) for c, label in TestResult.choices if c not in ("pending", "cancelled")],
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("处置情况"), max_length=200)


class NeedForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("需求类型"), choices=NeedKind.choices, error_messages={"required": _("请选择需求类型")}
    )
    detail = forms.CharField(
        label=_("需求内容"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写需求内容")},
    )


class NeedUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=NeedStatus.choices)
    result = forms.CharField(label=_("办理情况"), max_length=200, required=False)


class VerifyForm(forms.Form):
    # No default: "无需管控" is a decision like any measure, chosen on purpose.
    measure = forms.ChoiceField(
        label=_("处理决定"),
        choices=[("", _("请选择")), (NO_MEASURE, _("无需管控"))] + list(Measure.choices),
        required=False,
    )
    category = forms.ChoiceField(
        label=_("类别"), choices=Category.choices, initial=Category.MEDIUM_RISK_ARRIVAL
    )
    place = forms.CharField(label=_("隔离地点"), max_length=120, required=False)
    note = forms.CharField(label=_("核实说明"), max_length=200, required=False)


class ArrivalForm(forms.Form):
    """The public self-report. Its checks are in rules.clean_arrival, which names every wrong field
    at once; the fields here only shape the page (nothing is "required" twice, in two wordings)."""

    name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=ID_TYPE_CHOICES, required=False)
    id_number = forms.CharField(
        label=_("证件号码"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label=_("手机号"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    from_place = forms.CharField(
        label=_("从何处来"), max_length=100, required=False, help_text=_("省、市、县（区）")
    )
    arrival_date = forms.CharField(
        label=_("抵达日期"), max_length=20, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    address_node = forms.ChoiceField(label=_("住址楼栋"), required=False)
    address = forms.CharField(
        label=_("本地住址"), max_length=200, required=False, help_text=_("小区、楼栋、单元、房号")
    )
    transport = forms.CharField(
        label=_("交通方式"), max_length=60, required=False, help_text=_("如 自驾 京A12345、G123 次列车")
    )

    def __init__(self, *args, address_choices=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        choices = [("", _("不清楚 / 其他"))] + list(address_choices)
        self.fields["address_node"].choices = choices
        self.fields["address_node"].help_text = _("住址填写完整时可不选")
        if len(choices) <= 1:
            del self.fields["address_node"]


class SelfCheckForm(CheckForm):
    """The team's check form, asked of the person through their link, without the team's note."""

    note = None  # type: ignore[assignment]

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["symptoms"].label = _("今天有以下症状吗？")


class PolicyForm(forms.Form):
    """A policy's values as typed; checked by rules.clean_policy (every wrong field at once)."""

    days = forms.CharField(
        label=_("天数"), max_length=4, required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    check_slots = forms.CharField(
        label=_("每日检测时段"),
        max_length=120,
        required=False,
        help_text=_("如 06:00-12:00,12:00-20:00；跨午夜的时段放在最后，如 08:00-20:00,20:00-08:00"),
    )
    test_days = forms.CharField(
        label=_("核酸检测日"), max_length=200, required=False, help_text=_("第几天，逗号分隔，如 1, 4, 7；可留空")
    )
    next_policy = forms.ChoiceField(label=_("下一阶段"), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    apply_running = forms.BooleanField(label=_("同时应用到正在执行的管控"), required=False)

    def __init__(self, *args, policies=(), running: int = 0, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["next_policy"].choices = [("", _("无（本阶段结束即解除）"))] + [  # type: ignore[attr-defined]
            (str(p.pk), str(p)) for p in policies
        ]
        self.fields["apply_running"].help_text = _(
            "不勾选：正在执行的 {n} 人仍按下达时的天数、时段和检测日执行，新下达或新进入本阶段的按新规定。"
            "勾选：他们的本阶段结束日按天数的增减顺延或提前，改用新的检测时段，未做的核酸检测按新检测日重排。"
        ).format(n=running)
