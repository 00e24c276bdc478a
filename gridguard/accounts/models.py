from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gridguard.core.paths import BinaryCharField


class Role(models.Model):
    """A role is data: a system admin edits what each role may do."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    sees_everything = models.BooleanField(_("全域可见（系统管理员）"), default=False)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort", "id"]
        verbose_name = _("角色")
        verbose_name_plural = _("角色")

    def __str__(self) -> str:
        return gettext(self.name)  # the shipped role names are in the catalogue; others show as typed


class RolePermission(models.Model):
    """A named right (declared by an app in its plug.py, e.g. "control.order") held by a role."""

    role = models.ForeignKey(Role, verbose_name=_("角色"), on_delete=models.CASCADE, related_name="grants")
    code = models.CharField(_("权限"), max_length=80)

    class Meta:
        ordering = ["role_id", "code"]
        constraints = [models.UniqueConstraint(fields=["role", "code"], name="uniq_role_permission")]
        verbose_name = _("角色权限")
        verbose_name_plural = _("角色权限")

    def __str__(self) -> str:
        return f"{self.role} · {self.code}"


class DeclaredPermission(models.Model):
    """A right that the platform has seen declared: its default roles were granted it once, when it
    first appeared. An administrator's later changes to the roles are then left alone."""

    code = models.CharField(max_length=80, primary_key=True)
    first_seen = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("已登记权限")
        verbose_name_plural = _("已登记权限")

    def __str__(self) -> str:
        return self.code


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=40, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    role = models.ForeignKey(Role, verbose_name=_("角色"), null=True, blank=True, on_delete=models.PROTECT)
    nodes = models.ManyToManyField(
        "grids.GridNode", verbose_name=_("管辖网格"), blank=True, through="Jurisdiction", related_name="users"
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username


class Jurisdiction(models.Model):
    """A user's binding to a node: the user sees the subtree under it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    node = models.ForeignKey("grids.GridNode", on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "node"], name="uniq_jurisdiction")]
        verbose_name = _("管辖范围")
        verbose_name_plural = _("管辖范围")

    def __str__(self) -> str:
        return f"{self.user} @ {self.node}"


class DeviceToken(models.Model):
    """A per-device API token (scanner, lab system). Only the hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="device_tokens")
    name = models.CharField(_("设备名称"), max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("设备令牌")
        verbose_name_plural = _("设备令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class AuditLog(models.Model):
    class Action(models.TextChoices):
        REVEAL = "reveal", _("查看敏感信息")
        EXPORT = "export", _("导出")
        IMPORT = "import", _("导入")
        CREATE = "create", _("新增")
        CHANGE = "change", _("修改")
        DELETE = "delete", _("删除")
        TREE = "tree", _("调整网格")
        TOKEN = "token", _("设备令牌")
        LOOKUP = "lookup", _("查号")  # a full number searched by a role that may not reveal
        FLAG = "flag", _("异常提醒")  # something the officials above should look at

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL)
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("对象类型"), max_length=40, blank=True)
    object_id = models.CharField(_("对象"), max_length=40, blank=True)
    object_repr = models.CharField(_("对象说明"), max_length=200, blank=True)
    node_path = BinaryCharField(_("所属网格路径"), max_length=255, blank=True, db_index=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        # people.lookups counts a user's look-ups of the last hour on every search by number
        indexes = [models.Index(fields=["actor", "action", "at"], name="audit_lookup_idx")]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()} {self.object_repr}"
