"""What mass screening adds to shared places (core.plug): its rights."""

from django.utils.translation import gettext_lazy as _

from gridguard.core import plug
from gridguard.screening import demo

plug.permission("screening.plan", _("组织核酸检测轮次、采样点和时段"), roles=plug.OFFICIALS)
plug.permission(
    "screening.sample",
    _("采样（扫码录入）"),
    roles=("admin", "street_official", "community_official", "grid_chief", "sampler", "medic"),
)
plug.permission("screening.lab", _("接收转运箱、录入检测结果"), roles=("admin", "lab"))
plug.permission(
    "screening.reason",
    _("登记未检原因、需上门采样"),
    roles=("admin", "street_official", "community_official", "grid_chief", "grid_worker"),
)
plug.permission(
    "screening.view", _("查看核酸检测进度和应检未检名单"),
    roles=("admin", "street_official", "community_official", "grid_chief", "grid_worker", "sampler", "medic"),
)

plug.demo_step(200, "全员核酸检测")(demo.demo_step)
