from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from gridguard.core.paths import BinaryCharField


class Level(models.Model):
    """A level of the tree (区, 街道/镇, 社区/村, 网格, 微网格, 小区/自然村, 楼栋, 单元). Data, not code."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30)
    rank = models.PositiveSmallIntegerField(_("层级序号"), help_text=_("越小越高，如 区=10、街道=20"))
    is_grid = models.BooleanField(_("是网格（须有网格长）"), default=False)
    is_address = models.BooleanField(_("是地址层级（小区/楼栋/单元）"), default=False)

    class Meta:
        ordering = ["rank"]
        verbose_name = _("网格层级")
        verbose_name_plural = _("网格层级")

    def __str__(self) -> str:
        return gettext(self.name)  # the shipped level names are in the catalogue; others show as typed


class GridNode(MP_Node):
    path = BinaryCharField(max_length=255, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    level = models.ForeignKey(Level, verbose_name=_("层级"), on_delete=models.PROTECT)
    code = models.CharField(_("编码"), max_length=40, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    node_order_by = None

    class Meta:
        verbose_name = _("网格节点")
        verbose_name_plural = _("网格节点")

    def __str__(self) -> str:
        return self.name


class Duty(models.TextChoices):
    GRID_CHIEF = "grid_chief", _("网格长")
    GRID_WORKER = "grid_worker", _("网格员")
    BUILDING_CHIEF = "building_chief", _("楼栋长")
    LIAISON_CADRE = "liaison_cadre", _("联点干部")
    COMMITTEE = "committee", _("两委干部")
    MEDIC = "medic", _("医务人员")
    POLICE = "police", _("民警")
    VOLUNTEER = "volunteer", _("志愿者")
    PARTY_HOUSEHOLD = "party_household", _("党员中心户")
    HEAD = "head", _("总负责人")


class StaffAssignment(models.Model):
    """A named person responsible for a node with a duty. A login is optional."""

    node = models.ForeignKey(GridNode, verbose_name=_("网格"), on_delete=models.CASCADE, related_name="staff")
    duty = models.CharField(_("职责"), max_length=20, choices=Duty.choices)
    name = models.CharField(_("姓名"), max_length=40)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登录账号"), null=True, blank=True, on_delete=models.SET_NULL
    )
    since = models.DateField(_("起始日期"), null=True, blank=True)
    until = models.DateField(_("结束日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["node_id", "duty", "id"]
        indexes = [models.Index(fields=["node", "duty"])]
        verbose_name = _("网格人员")
        verbose_name_plural = _("网格人员")

    def __str__(self) -> str:
        return f"{self.node} {self.get_duty_display()} {self.name}"


class NodeEvent(models.Model):
    """History of the tree itself: created, renamed, moved, merged, split."""

    class Kind(models.TextChoices):
        CREATE = "create", _("新建")
        RENAME = "rename", _("更名")
        MOVE = "move", _("移动")
        MERGE = "merge", _("合并")
        SPLIT = "split", _("拆分")
        ARCHIVE = "archive", _("停用")

    node = models.ForeignKey(GridNode, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    detail = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("网格变更")
        verbose_name_plural = _("网格变更")

    def __str__(self) -> str:
        return f"{self.node} {self.get_kind_display()}"
