from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models

from gridguard.core.paths import BinaryCharField


class Role(models.Model):
    """A role is data: a system admin edits what each role may do."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40)
    sees_everything = models.BooleanField("全域可见（系统管理员）", default=False)
    can_reveal = models.BooleanField("可查看完整身份证号与电话", default=False)
    can_export = models.BooleanField("可导出", default=False)
    can_import = models.BooleanField("可导入", default=False)
    can_edit_ledger = models.BooleanField("可维护台账", default=False)
    can_manage_tree = models.BooleanField("可调整网格", default=False)
    can_manage_staff = models.BooleanField("可分配人员", default=False)
    can_read_audit = models.BooleanField("可查阅审计日志", default=False)
    sort = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort", "id"]
        verbose_name = "角色"
        verbose_name_plural = "角色"

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=40, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    role = models.ForeignKey(Role, verbose_name="角色", null=True, blank=True, on_delete=models.PROTECT)
    nodes = models.ManyToManyField(
        "grids.GridNode", verbose_name="管辖网格", blank=True, through="Jurisdiction", related_name="users"
    )

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username


class Jurisdiction(models.Model):
    """A user's binding to a node: the user sees the subtree under it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    node = models.ForeignKey("grids.GridNode", on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "node"], name="uniq_jurisdiction")]
        verbose_name = "管辖范围"
        verbose_name_plural = "管辖范围"

    def __str__(self) -> str:
        return f"{self.user} @ {self.node}"


class DeviceToken(models.Model):
    """A per-device API token (scanner, lab system). Only the hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="device_tokens")
    name = models.CharField("设备名称", max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "设备令牌"
        verbose_name_plural = "设备令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class AuditLog(models.Model):
    class Action(models.TextChoices):
        REVEAL = "reveal", "查看敏感信息"
        EXPORT = "export", "导出"
        IMPORT = "import", "导入"
        CREATE = "create", "新增"
        CHANGE = "change", "修改"
        DELETE = "delete", "删除"
        TREE = "tree", "调整网格"
        TOKEN = "token", "设备令牌"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, verbose_name="操作人", null=True, on_delete=models.SET_NULL)
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    object_type = models.CharField("对象类型", max_length=40, blank=True)
    object_id = models.CharField("对象", max_length=40, blank=True)
    object_repr = models.CharField("对象说明", max_length=200, blank=True)
    node_path = BinaryCharField("所属网格路径", max_length=255, blank=True, db_index=True)
    detail = models.JSONField("详情", default=dict, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()} {self.object_repr}"
