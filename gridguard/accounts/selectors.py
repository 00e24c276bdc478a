"""Reads for accounts."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gridguard.accounts.models import AuditLog
from gridguard.accounts.scope import Scope
from gridguard.core.errors import PermissionDenied


def audit_log_list(
    *, scope: Scope, action: str = "", before_id: int | None = None, limit: int = 50
) -> list[AuditLog]:
    if not scope.can_read_audit:
        raise PermissionDenied(_("您的角色不能查阅审计日志"))
    qs: QuerySet[AuditLog] = scope.filter(AuditLog.objects.select_related("actor"))
    if action:
        qs = qs.filter(action=action)
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return list(qs.order_by("-id")[:limit])
