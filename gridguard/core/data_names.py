"""Names of the data the migrations create (levels, roles, special groups), marked for the
translation catalogue. They stay data — an admin may rename them — and templates show them
through {% translate %}, so the shipped names appear in English in the English UI."""

from django.utils.translation import gettext_noop

LEVEL_NAMES = [
    gettext_noop(n) for n in ("区", "街道/镇", "社区/村", "网格", "微网格", "小区/自然村", "楼栋", "单元")
]
ROLE_NAMES = [
    gettext_noop(n)
    for n in (
        "系统管理员",
        "镇/街道干部",
        "社区/村两委",
        "网格长",
        "网格员",
        "楼栋长",
        "医务人员",
        "卡口值守",
        "采样员",
        "检测机构",
        "居民",
    )
]
TAG_NAMES = [
    gettext_noop(n)
    for n in (
        "空巢老人",
        "独居",
        "残疾人",
        "低保",
        "孕产妇",
        "婴幼儿",
        "慢性病",
        "卧床/行动不便",
        "4050人员",
        "社区矫正",
        "退役军人",
        "留守儿童",
        "严重精神障碍",
    )
]
