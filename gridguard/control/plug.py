"""What key-person control adds to shared places: its rights, its sections on the person and
household pages (and the person API), its part of the demo town."""

from django.utils.translation import gettext_lazy as _

from gridguard.control import demo, selectors
from gridguard.core import plug

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
