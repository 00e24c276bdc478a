"""What the control app contributes to the rest of the house: the 协查名单 import kind.
Loaded once by ControlConfig.ready()."""

from django.utils.translation import gettext_lazy

from gridguard.control.list_import import (
    KIND,
    control_list_import_file,
    control_list_refusal,
    control_list_summary,
    control_list_template,
)
from gridguard.imports.kinds import ImportKind, register

register(ImportKind(
    code=KIND, label=gettext_lazy("协查名单（重点人员）"), run=control_list_import_file, template=control_list_template,
    refusal=control_list_refusal, describe=control_list_summary, link=("control:orders", gettext_lazy("管控台账")),
    order=40,
))
