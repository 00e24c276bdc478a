"""Names of the data the migrations create (levels, roles, special groups, policy sets), marked for the
translation catalogue. They stay data — an admin may rename them — and templates show them
through {% translate %}, so the shipped names appear in English in the English UI."""

from django.utils.translation import gettext_noop

# Each name is a literal gettext_noop("…") call: the catalogue tool (xgettext) extracts only literals.
LEVEL_NAMES = [
    gettext_noop("区"),
    gettext_noop("街道/镇"),
    gettext_noop("社区/村"),
    gettext_noop("网格"),
    gettext_noop("微网格"),
    gettext_noop("小区/自然村"),
    gettext_noop("楼栋"),
    gettext_noop("单元"),
]
ROLE_NAMES = [
    gettext_noop("系统管理员"),
    gettext_noop("镇/街道干部"),
    gettext_noop("社区/村两委"),
    gettext_noop("网格长"),
    gettext_noop("网格员"),
    gettext_noop("楼栋长"),
    gettext_noop("医务人员"),
    gettext_noop("卡口值守"),
    gettext_noop("采样员"),
    gettext_noop("检测机构"),
    gettext_noop("居民"),
]
TAG_NAMES = [
    gettext_noop("空巢老人"),
    gettext_noop("独居"),
    gettext_noop("残疾人"),
    gettext_noop("低保"),
    gettext_noop("孕产妇"),
    gettext_noop("婴幼儿"),
    gettext_noop("慢性病"),
    gettext_noop("卧床/行动不便"),
    gettext_noop("4050人员"),
    gettext_noop("社区矫正"),
    gettext_noop("退役军人"),
    gettext_noop("留守儿童"),
    gettext_noop("严重精神障碍"),
]
# The policy sets control's data migration ships (names, descriptions, the note of a following stage).
POLICY_NAMES = [
    gettext_noop("14天隔离（2020年镇村方案）"),
    gettext_noop("各类措施均为14天，每天两次体温检测，首日和末日核酸检测。"),
    gettext_noop("国家防控方案第九版（2022）"),
    gettext_noop("密接7天集中隔离+3天居家健康监测；次密接7天居家隔离；高风险区来返7天集中隔离；中风险区来返7天居家隔离。"),
    gettext_noop("后续阶段"),
]
