from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gridguard.grids.models import GridNode
from gridguard.imports.readers import EXTENSIONS


class NodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: GridNode) -> str:  # type: ignore[override]
        return "　" * (obj.depth - 1) + f"{obj.name}（{obj.level}）"


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入内容"), choices=())  # the registered kinds the user may import
    root = NodeChoiceField(label=_("导入到"), queryset=GridNode.objects.none(), empty_label=None)
    file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel（.xlsx）或 CSV（.csv，UTF-8 或 GBK 编码）"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )
    good_rows_only = forms.BooleanField(
        label=_("仅导入正确行（有错误的行跳过，并在报告中列出）"), required=False
    )

    def __init__(self, *args, roots: list[GridNode], kinds: list[tuple[str, str]] | None = None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        field = self.fields["root"]
        field.queryset = (  # type: ignore[attr-defined]
            GridNode.objects.filter(pk__in=[n.pk for n in roots]).select_related("level").order_by("path")
        )
        self.fields["file"].help_text = _(
            "Excel（.xlsx）或 CSV（.csv，UTF-8 或 GBK 编码），不超过 {mb} MB"
        ).format(mb=settings.IMPORT_MAX_BYTES // 1048576)
