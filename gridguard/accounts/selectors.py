"""Reads for accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridguard.accounts.models import AuditLog
from gridguard.accounts.scope import Scope
from gridguard.core.errors import PermissionDenied


def audit_log_filtered(*, scope: Scope, action: str = "") -> QuerySet[AuditLog]:
    """The audit entries a user may read, of one action or all (the list's filter, for its total)."""
    if not scope.has("accounts.audit"):
        raise PermissionDenied(_("您的角色不能查阅审计日志"))
    qs: QuerySet[AuditLog] = scope.filter(AuditLog.objects.all())
    return qs.filter(action=action) if action else qs


def audit_log_list(
    *, scope: Scope, action: str = "", before_id: int | None = None, limit: int = 50
) -> list[AuditLog]:
    qs = audit_log_filtered(scope=scope, action=action).select_related("actor")
    if before_id:
        qs = qs.filter(id__lt=before_id)
    entries = list(qs.order_by("-id")[:limit])
    names = _names_in([entry.detail for entry in entries])
    for entry in entries:
        entry.detail_text = detail_text(entry.detail, _model_of(entry.object_type), names)  # type: ignore[attr-defined]
    return entries


def _model_of(object_type: str) -> Any:
    try:
        return apps.get_model(object_type) if "." in object_type else None
    except (LookupError, ValueError):
        return None


_ID_KEYS = {"node": "grids.GridNode", "node_ids": "grids.GridNode", "user": settings.AUTH_USER_MODEL}


def _names_in(details: list[Any]) -> dict[tuple[str, int], str]:
    """Names of the nodes and accounts the details name by id: one query per kind."""
    wanted: dict[str, set[int]] = {}

    def collect(detail: Any) -> None:
        if isinstance(detail, dict):
            for key, value in detail.items():
                if key in _ID_KEYS:
                    ids = value if isinstance(value, list) else [value]
                    wanted.setdefault(_ID_KEYS[key], set()).update(v for v in ids if isinstance(v, int))
                else:
                    collect(value)

    for detail in details:
        collect(detail)
    names: dict[tuple[str, int], str] = {}
    for label, ids in wanted.items():
        model = apps.get_model(label)
        for pk, obj in model.objects.in_bulk(list(ids)).items():
            names[(label, pk)] = str(obj)
    return names


# Keys of AuditLog.detail that the services write, by name (others are shown as they are).
DETAIL_LABELS = {
    # an import, whatever became of it (imports.services.common.audit_import)
    "outcome": gettext_lazy("结果"), "kind": gettext_lazy("类型"), "rows": gettext_lazy("行数"),
    "imported": gettext_lazy("已导入"), "error_rows": gettext_lazy("错误行数"),
    "good_rows_only": gettext_lazy("仅导入正确行"),
    # the rest
    "masked": gettext_lazy("已脱敏"), "filters": gettext_lazy("筛选条件"),
    "file": gettext_lazy("文件"), "job": gettext_lazy("任务"), "fields": gettext_lazy("字段"),
    "persons": gettext_lazy("人数"), "households_created": gettext_lazy("新建户数"),
    "households_joined": gettext_lazy("加入已有户数"), "heads": gettext_lazy("户主数"),
    "households_without_head": gettext_lazy("无户主户数"), "organizations": gettext_lazy("单位数"),
    "created": gettext_lazy("新建"), "orders": gettext_lazy("管控数"), "new_persons": gettext_lazy("新登记人数"),
    "from": gettext_lazy("原"), "to": gettext_lazy("新"), "rename": gettext_lazy("改名"),
    "move": gettext_lazy("移动"), "merge": gettext_lazy("合并"), "split": gettext_lazy("拆分"),
    "reason": gettext_lazy("原因"), "event": gettext_lazy("事件"), "user": gettext_lazy("账号"),
    "category": gettext_lazy("类别"), "measure": gettext_lazy("措施"), "days": gettext_lazy("天数"),
    "team": gettext_lazy("人员"), "notice_no": gettext_lazy("通知书编号"), "released": gettext_lazy("解除"),
    # the list filters of an export
    "node": gettext_lazy("节点"), "search": gettext_lazy("查找"), "status": gettext_lazy("状态"),
    "tag_bit": gettext_lazy("特殊人群"), "residency": gettext_lazy("居住类型"), "party": gettext_lazy("党员"),
    "no_household": gettext_lazy("无户"), "rental": gettext_lazy("出租房"),
    "key_place": gettext_lazy("重点场所"), "node_ids": gettext_lazy("节点"),
    "tag": gettext_lazy("特殊人群"), "ungridded": gettext_lazy("仅未划入网格"),
    "team_incomplete": gettext_lazy("三包一未配齐"), "with_alerts": gettext_lazy("有未处理预警"),
    # a ledger record registered, moved or closed (people.services); its edits are changes of its fields
    "grid": gettext_lazy("所属网格"), "address_from": gettext_lazy("原住址"), "address_to": gettext_lazy("新住址"),
    "date": gettext_lazy("日期"),
}


def detail_text(detail: Any, model: Any = None, names: dict[tuple[str, int], str] | None = None) -> str:
    """An audit record's detail as a line a person reads ("行数：120；已脱敏：是；文件：…"). A key that
    is a field of the record's ``model`` is a change of that field ([old, new]), named by its label;
    coded values read as their choice labels, ids of nodes and accounts as names (``names``)."""
    if not isinstance(detail, dict):
        return str(detail)
    fields = {f.name: f for f in model._meta.get_fields() if hasattr(f, "verbose_name")} if model else {}
    return _DetailText(fields, names or {}).line(detail)


_DETAIL_ORDER = {key: i for i, key in enumerate(DETAIL_LABELS)}  # PostgreSQL's jsonb keeps no key order
_CHANGES = {"rename", "move"}  # [old, new]
_EVENTS = {
    "create": gettext_lazy("生成"), "revoke": gettext_lazy("停用"),  # a device token
    # a person's or a household's dated event (people.services)
    "register": gettext_lazy("登记"), "birth": gettext_lazy("出生"), "move_in": gettext_lazy("迁入"),
    "transfer": gettext_lazy("转户"), "move_out": gettext_lazy("迁出"), "return": gettext_lazy("迁回"),
    "death": gettext_lazy("死亡"), "regrid": gettext_lazy("网格调整"),
}


class _DetailText:
    def __init__(self, fields: dict[str, Any], names: dict[tuple[str, int], str]):
        self.fields = fields
        self.names = names
        self.order = {name: i for i, name in enumerate(fields)}

    def line(self, detail: dict[str, Any], sep: str = "；", colon: str = "：", top: bool = True) -> str:
        items = []
        for key, value in detail.items():
            if value in (None, "", [], {}):
                continue
            field = self.fields.get(key)
            # a field of the record: a change; so is a field that shares a name with a key of an export's
            # filters ("kind", "status") when the record holds its [old, new]
            pair = top and isinstance(value, list) and len(value) == 2
            own = field is not None and (key not in DETAIL_LABELS or pair)
            # the services' keys in their order, then the record's fields in the model's
            order = len(_DETAIL_ORDER) + self.order[key] if own else _DETAIL_ORDER.get(key, len(_DETAIL_ORDER))
            label = str(field.verbose_name) if own and field is not None else DETAIL_LABELS.get(key, key)
            items.append((order, key, f"{label}{colon}{self.value(key, value, key in _CHANGES or own)}"))
        return sep.join(part for _order, _key, part in sorted(items))

    def value(self, key: str, value: Any, change: bool = False, item: bool = False) -> str:
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if isinstance(value, dict):
            return self.line(value, "，", " ", top=False)
        if isinstance(value, list | tuple):
            if change:  # [old, new]: an empty side reads as such, not as nothing
                return " → ".join(self.value(key, v) if v not in (None, "", []) else "—" for v in value)
            return "、".join(self.value(key, v, item=True) for v in value)
        if key in _ID_KEYS and isinstance(value, int):
            return self.names.get((_ID_KEYS[key], value), str(value))
        if key == "event" and value in _EVENTS:
            return str(_EVENTS[value])
        if key == "fields" and value in self.fields:  # the fields a reveal showed, named by their labels
            return str(self.fields[value].verbose_name)
        field = self.fields.get(key)
        choices = getattr(field, "choices", None)
        if choices:
            return str(dict(choices).get(value, value))
        if item and isinstance(value, str) and value:  # a list of names (special groups): the shipped
            return _(value)  # ones are in the catalogue, the others read as written
        return str(value)


def audit_flags(*, scope: Scope, days: int = 7, limit: int = 5) -> list[AuditLog]:
    """The latest flags (异常提醒, e.g. a user past the full-number look-up limit) under the user's
    nodes in the last ``days``, for an official's home page; none for a role that may not read the log."""
    if not scope.has("accounts.audit"):
        return []
    since = timezone.now() - dt.timedelta(days=days)
    qs = scope.filter(AuditLog.objects.filter(action=AuditLog.Action.FLAG, at__gte=since))
    return list(qs.select_related("actor").order_by("-id")[:limit])
