from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gridguard.grids.models import Duty, GridNode, Level


class NodeCreateForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=80)
    level = forms.ModelChoiceField(label=_("层级"), queryset=Level.objects.all())
    code = forms.CharField(label=_("编码"), max_length=40, required=False)


class RenameForm(forms.Form):
    name = forms.CharField(label=_("新名称"), max_length=80)


class NodeChoiceForm(forms.Form):
    """Pick another node by id (the page offers the nodes of the user's scope)."""

    target = forms.ModelChoiceField(label=_("目标节点"), queryset=GridNode.objects.none())

    def __init__(self, *args, nodes=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = nodes if nodes is not None else GridNode.objects.none()  # type: ignore[attr-defined]
        self.fields["target"].label_from_instance = lambda n: (  # type: ignore[attr-defined]
            "\u3000" * (n.depth - 1) + gettext("{name}（{level}）").format(name=n.name, level=n.level)
        )


class SplitForm(forms.Form):
    new_name = forms.CharField(label=_("新网格名称"), max_length=80)
    children = forms.ModelMultipleChoiceField(
        label=_("移入新网格的下级"), queryset=GridNode.objects.none(), required=False
    )
    households = forms.CharField(
        label=_("移入新网格的住户编号（逗号分隔）"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "12,13,14"}),
    )

    def __init__(self, *args, node=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if node is not None:
            self.fields["children"].queryset = GridNode.objects.get_children(node).filter(is_active=True)  # type: ignore[attr-defined]

    def clean_households(self) -> list[int]:
        raw = self.cleaned_data.get("households", "")
        ids = []
        for part in raw.replace("，", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise forms.ValidationError(gettext("“{value}”不是住户编号").format(value=part))
            ids.append(int(part))
        return ids


class StaffForm(forms.Form):
    duty = forms.ChoiceField(label=_("职责"), choices=Duty.choices)
    name = forms.CharField(label=_("姓名"), max_length=40)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)
