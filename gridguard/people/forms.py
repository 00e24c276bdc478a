from django import forms
from django.utils.translation import gettext_lazy as _

from gridguard.core.errors import ApplicationError, each_error
from gridguard.core.identity import ID_TYPE_CHOICES
from gridguard.people.models import OrganizationKind, Relation, Residency, Sex, Tag
from gridguard.people.rules import clean_person


def tag_choices() -> list[tuple[int, str]]:
    return [(t.bit, str(t)) for t in Tag.objects.all()]  # str: the group's name in the UI language


class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=60)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=ID_TYPE_CHOICES)
    id_number = forms.CharField(label=_("证件号码"), max_length=40, required=False)
    sex = forms.ChoiceField(
        label=_("性别"), choices=[("", _("（按身份证号）")), *Sex.choices], required=False
    )
    birth_date = forms.CharField(
        label=_("出生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices)
    residency = forms.ChoiceField(label=_("居住类型"), choices=Residency.choices)
    tags = forms.TypedMultipleChoiceField(
        label=_("特殊人群"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    is_party_member = forms.BooleanField(label=_("党员"), required=False)
    employer = forms.CharField(label=_("工作单位"), max_length=100, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = tag_choices()  # type: ignore[attr-defined]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["tags"] = sum(1 << bit for bit in data.get("tags") or [])
        return data

    def clean(self) -> dict:
        """When a field already fails (a required one left empty, a choice not offered), the service
        is not called: the ledger's rules check the other fields here, so that every wrong field
        shows at once. (A masked number, sent back unchanged, is left to the service.)"""
        cleaned = super().clean() or {}
        if not self.errors:
            return cleaned
        raw = {name: self.data.get(self.add_prefix(name), "") for name in self.fields if name != "tags"}
        try:
            clean_person(raw)
        except ApplicationError as exc:
            for error in each_error(exc):
                field = error.field if error.field in self.fields else None
                if field is not None and field not in self.errors and "*" not in str(raw.get(field, "")):
                    self.add_error(field, error.message)
        return cleaned


class HouseholdForm(forms.Form):
    room = forms.CharField(label=_("房号"), max_length=40, required=False)
    is_rental = forms.BooleanField(label=_("出租房"), required=False)
    landlord_name = forms.CharField(label=_("房东姓名"), max_length=40, required=False)
    landlord_phone = forms.CharField(label=_("房东电话"), max_length=30, required=False)


class MoveForm(forms.Form):
    household = forms.IntegerField(label=_("迁入住户编号（留空表示迁出本辖区）"), required=False)
    relation = forms.ChoiceField(
        label=_("与新户主关系"), choices=[("", "—"), *Relation.choices], required=False
    )
    date = forms.DateField(label=_("变动日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class DeathForm(forms.Form):
    date = forms.DateField(label=_("死亡日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类型"), choices=OrganizationKind.choices)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("负责人"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    employees = forms.CharField(label=_("从业人数"), required=False)
    is_key_place = forms.BooleanField(label=_("重点场所"), required=False)
