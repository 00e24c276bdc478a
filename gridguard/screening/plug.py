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

# 核酸码 on the person and household pages (the QR, reissue, the personal link, the label sheets).
from gridguard.screening import public_codes  # noqa: E402

plug.person_section(30, "screening/codes/_person_section.html", key="screening",
                    api=public_codes.person_summary)(public_codes.person_section)
plug.household_section(30, "screening/codes/_household_section.html")(public_codes.household_section)

# Lab results as an import kind, and the mark of a household with a member in a recall (issue 10, 6–7).
from gridguard.imports.kinds import ImportKind, register  # noqa: E402
from gridguard.screening import lab_demo, lab_import  # noqa: E402
from gridguard.screening.selectors import lab as lab_selectors  # noqa: E402

register(ImportKind(
    code=lab_import.KIND, label=_("核酸检测结果"), run=lab_import.results_import_file,
    template=lab_import.results_template, right="screening.lab", refusal=lab_import.results_refusal,
    describe=lab_import.results_summary, link=("screening:lab_home", _("检测与复核")), order=50,
))
plug.household_section(20, "screening/lab/_household_section.html")(lab_selectors.household_section)
plug.demo_step(210, "核酸转运与检测")(lab_demo.demo_step)
