from __future__ import annotations

from django.conf import settings
from django.db import models
from treebeard.mp_tree import MP_Node

from gridguard.core.paths import BinaryCharField


class Level(models.Model):
    """A level of the tree (区, 街道/镇, 社区/村, 网格, 微网格, 小区/自然村, 楼栋, 单元). Data, not code."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=30)
    rank = models.PositiveSmallIntegerField("层级序号", help_text="越小越高，如 区=10、街道=20")
    is_grid = models.BooleanField("是网格（须有网格长）", default=False)
    is_address = models.BooleanField("是地址层级（小区/楼栋/单元）", default=False)

    class Meta:
        ordering = ["rank"]
        verbose_name = "网格层级"
        verbose_name_plural = "网格层级"

    def __str__(self) -> str:
        return self.name


class GridNode(MP_Node):
    path = BinaryCharField(max_length=255, unique=True)
    name = models.CharField("名称", max_length=80)
    level = models.ForeignKey(Level, verbose_name="层级", on_delete=models.PROTECT)
    code = models.CharField("编码", max_length=40, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    node_order_by = None

    class Meta:
        verbose_name = "网格节点"
        verbose_name_plural = "网格节点"

    def __str__(self) -> str:
        return self.name


class Duty(models.TextChoices):
    GRID_CHIEF = "grid_chief", "网格长"
    GRID_WORKER = "grid_worker", "网格员"
    BUILDING_CHIEF = "building_chief", "楼栋长"
    LIAISON_CADRE = "liaison_cadre", "联点干部"
    COMMITTEE = "committee", "两委干部"
    MEDIC = "medic", "医务人员"
    POLICE = "police", "民警"
    VOLUNTEER = "volunteer", "志愿者"
    PARTY_HOUSEHOLD = "party_household", "党员中心户"
    HEAD = "head", "总负责人"


class StaffAssignment(models.Model):
    """A named person responsible for a node with a duty. A login is optional."""

    node = models.ForeignKey(GridNode, verbose_name="网格", on_delete=models.CASCADE, related_name="staff")
    duty = models.CharField("职责", max_length=20, choices=Duty.choices)
    name = models.CharField("姓名", max_length=40)
    phone = models.CharField("电话", max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登录账号", null=True, blank=True, on_delete=models.SET_NULL
    )
    since = models.DateField("起始日期", null=True, blank=True)
    until = models.DateField("结束日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["node_id", "duty", "id"]
        indexes = [models.Index(fields=["node", "duty"])]
        verbose_name = "网格人员"
        verbose_name_plural = "网格人员"

    def __str__(self) -> str:
        return f"{self.node} {self.get_duty_display()} {self.name}"


class NodeEvent(models.Model):
    """History of the tree itself: created, renamed, moved, merged, split."""

    class Kind(models.TextChoices):
        CREATE = "create", "新建"
        RENAME = "rename", "更名"
        MOVE = "move", "移动"
        MERGE = "merge", "合并"
        SPLIT = "split", "拆分"
        ARCHIVE = "archive", "停用"

    node = models.ForeignKey(GridNode, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    detail = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "网格变更"
        verbose_name_plural = "网格变更"

    def __str__(self) -> str:
        return f"{self.node} {self.get_kind_display()}"
