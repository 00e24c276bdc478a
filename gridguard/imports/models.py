from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridguard.imports.kinds import kind_label


class ImportJob(models.Model):
    """A file imported by the worker. ``kind`` is a kind registered in ``imports.kinds`` (imports'
    own below; other apps register theirs), so the field has no fixed choices."""

    class Kind(models.TextChoices):  # imports' own kinds (imports/plug.py)
        PEOPLE = "people", _("户与人员")
        ORGANIZATIONS = "organizations", _("单位/场所")
        TREE = "tree", _("网格结构")

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("处理中")
        DONE = "done", _("已完成")
        REFUSED = "refused", _("有错误，未导入")
        FAILED = "failed", _("处理失败")

    kind = models.CharField(_("类型"), max_length=20)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    filename = models.CharField(_("文件名"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    good_rows_only = models.BooleanField(_("仅导入正确行"), default=False)
    root = models.ForeignKey(
        "grids.GridNode", verbose_name=_("导入到"), null=True, blank=True, on_delete=models.SET_NULL
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已校验行数"), default=0)
    imported_rows = models.PositiveIntegerField(_("已导入行数"), default=0)
    error_rows = models.PositiveIntegerField(_("错误行数"), default=0)
    errors = models.JSONField(_("错误报告"), default=list, blank=True)
    summary = models.JSONField(_("结果"), default=dict, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    language = models.CharField(max_length=10, blank=True)  # the uploader's: the report is written in it
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Set whenever the worker reports progress: a job with none for IMPORT_STALE_MINUTES is swept.
    heartbeat_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return f"{self.kind_label} {self.filename}"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0 if self.status in (self.Status.PENDING, self.Status.RUNNING) else 100
        return min(100, int(self.processed_rows * 100 / self.total_rows))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REFUSED, self.Status.FAILED)


class ExportJob(models.Model):
    """A ledger list written to .xlsx by the worker: lists too long to write inside a web request.
    ``query`` is the list page's query string; the worker parses it again for ``created_by`` (so
    the filters and the jurisdiction are those of the list page, checked when the file is made)."""

    class Kind(models.TextChoices):
        PERSONS = "persons", _("人员台账")
        HOUSEHOLDS = "households", _("住户台账")
        ORGANIZATIONS = "organizations", _("单位场所台账")

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("生成失败")
        EXPIRED = "expired", _("已过期")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    query = models.CharField(_("筛选条件"), max_length=2000, blank=True)
    node = models.ForeignKey(
        "grids.GridNode", verbose_name=_("范围"), null=True, blank=True, on_delete=models.SET_NULL
    )
    masked = models.BooleanField(_("证件号码和电话已脱敏"), default=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已写入行数"), default=0)
    filename = models.CharField(_("文件名"), max_length=255, blank=True)
    stored_path = models.CharField(max_length=500, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    language = models.CharField(max_length=10, blank=True)  # the requester's: messages are written in it
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近进展"), null=True, blank=True)  # as ImportJob's
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        indexes = [models.Index(fields=["created_by", "-id"], name="exportjob_user_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def progress_percent(self) -> int:
        if self.status in (self.Status.DONE, self.Status.EXPIRED):
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)
