"""What key-person control adds to shared places (core.plug, imports.kinds): its rights, its
sections on the person and household pages (and the person API), its part of the demo town and
the 协查名单 import kind."""

from django.utils.translation import gettext_lazy as _

from gridguard.control import demo, selectors
from gridguard.control.list_import import (
    KIND,
    control_list_import_file,
    control_list_refusal,
    control_list_summary,
    control_list_template,
)
from gridguard.core import plug
from gridguard.imports.kinds import ImportKind, register

plug.permission(
    "control.order",
    _("下达、变更、解除管控"),
    roles=("admin", "street_official", "community_official", "grid_chief", "grid_worker", "medic"),
)
plug.permission("control.policy", _("选择和修改管控政策方案"), roles=("admin", "street_official"))

plug.person_section(10, "control/_person_section.html", key="control", api=selectors.person_summary)(
    selectors.person_section
)
plug.household_section(10, "control/_household_section.html")(selectors.household_section)
plug.demo_step(100, "重点人员管控")(demo.demo_step)

register(ImportKind(
    code=KIND, label=_("协查名单（重点人员）"), run=control_list_import_file, template=control_list_template,
    refusal=control_list_refusal, describe=control_list_summary, link=("control:orders", _("管控台账")),
    order=40,
))
