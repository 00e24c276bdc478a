"""Writes for the grid tree: create, rename, move, merge, split, staff assignment.

Records under a node carry the node's path (``node_path``) so that a subtree is one range
scan. When paths change (move, merge, split) the records are re-pathed set-based, and every
household gets a dated regrid event so its history survives.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.accounts.models import AuditLog, User
from gridguard.accounts.scope import Scope, scope_for
from gridguard.accounts.services import audit_record
from gridguard.core.errors import ApplicationError, PermissionDenied
from gridguard.core.paths import PATH_END
from gridguard.grids.models import Duty, GridNode, Level, NodeEvent, StaffAssignment

PATHED_TABLES = ("people_household", "people_person", "people_organization")


def _require_tree_rights(scope: Scope, *nodes: GridNode) -> None:
    if not scope.has("grids.manage_tree"):
        raise PermissionDenied(_("您的角色不能调整网格"))
    for node in nodes:
        scope.check(node.path)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError("name_required", _("请填写名称"), field="name")
    if len(name) > 80:
        raise ApplicationError("name_too_long", _("名称不能超过 80 个字"), field="name")
    return name


def _check_sibling_name(parent: GridNode | None, name: str, exclude_pk: int | None = None) -> None:
    siblings = GridNode.objects.get_children(parent) if parent else GridNode.objects.get_root_nodes()
    if siblings.filter(name=name, is_active=True).exclude(pk=exclude_pk).exists():
        raise ApplicationError(
            "name_taken", _("同级下已有名为“{name}”的节点").format(name=name), field="name"
        )


def _check_level(parent: GridNode | None, level: Level) -> None:
    if parent is not None and level.rank <= parent.level.rank:
        raise ApplicationError(
            "level_order",
            _("“{level}”不能建在“{parent}”之下（层级须逐级向下）").format(
                level=level.name, parent=parent.level.name
            ),
            field="level",
        )


@transaction.atomic
def node_create(
    *,
    actor: User | None,
    parent: GridNode | None,
    name: str,
    level: Level,
    code: str = "",
    check_scope: bool = True,
) -> GridNode:
    name = _clean_name(name)
    if check_scope:
        scope = scope_for(actor)
        if parent is None:
            if not scope.everything or not scope.has("grids.manage_tree"):
                raise PermissionDenied(_("只有系统管理员可以建立顶级节点"))
        else:
            _require_tree_rights(scope, parent)
    _check_level(parent, level)
    _check_sibling_name(parent, name)
    if parent is None:
        node = GridNode.objects.add_root(dict(name=name, level=level, code=code))
    else:
        parent.refresh_from_db()
        node = GridNode.objects.add_child(parent, dict(name=name, level=level, code=code))
    NodeEvent.objects.create(node=node, kind=NodeEvent.Kind.CREATE, actor=actor, detail={"name": name})
    return node


@transaction.atomic
def node_rename(*, actor: User, node: GridNode, name: str) -> GridNode:
    _require_tree_rights(scope_for(actor), node)
    name = _clean_name(name)
    _check_sibling_name(GridNode.objects.get_parent(node), name, exclude_pk=node.pk)
    old = node.name
    node.name = name
    node.save(update_fields=["name", "updated_at"])
    NodeEvent.objects.create(
        node=node, kind=NodeEvent.Kind.RENAME, actor=actor, detail={"from": old, "to": name}
    )
    audit_record(actor=actor, action=AuditLog.Action.TREE, obj=node, detail={"rename": [old, name]})
    _refresh_addresses(node.path)
    return node


def _refresh_addresses(prefix: str) -> None:
    """Rebuild the denormalised address text of households under ``prefix`` (after rename/move)."""
    from gridguard.people.models import Household
    from gridguard.people.selectors import address_prefix_map

    prefixes = address_prefix_map(prefix)
    batch = []
    for household in Household.objects.filter(node_path__gte=prefix, node_path__lt=prefix + PATH_END).only(
        "id", "node_path", "room"
    ):
        household.address = (prefixes.get(household.node_path, "") + " " + household.room).strip()
        batch.append(household)
        if len(batch) >= 2000:
            Household.objects.bulk_update(batch, ["address"])
            batch = []
    if batch:
        Household.objects.bulk_update(batch, ["address"])


def _repath_records(old_prefix: str, new_prefix: str) -> None:
    """Rewrite node_path of every record under old_prefix to lie under new_prefix."""
    with connection.cursor() as cur:
        for table in PATHED_TABLES:
            cur.execute(
                f"UPDATE {table} SET node_path = %s || substr(node_path, %s) "  # noqa: S608 - fixed table names
                "WHERE node_path >= %s AND node_path < %s",
                [new_prefix, len(old_prefix) + 1, old_prefix, old_prefix + PATH_END],
            )


def _household_regrid_events(*, where_sql: str, params: list[Any], changes: dict, actor: User | None) -> None:
    """One dated regrid event per household matched by ``where_sql``, written set-based."""
    payload = json.dumps(changes, ensure_ascii=False)
    cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO people_householdevent (household_id, kind, date, changes, at, actor_id) "  # noqa: S608
            f"SELECT id, 'regrid', %s, {cast}, %s, %s FROM people_household WHERE {where_sql}",
            [timezone.localdate(now), payload, now, actor.pk if actor else None, *params],
        )


def _node_label(node: GridNode) -> str:
    return " / ".join(n.name for n in [*GridNode.objects.get_ancestors(node), node])


@transaction.atomic
def node_move(*, actor: User, node: GridNode, new_parent: GridNode) -> GridNode:
    """Move a subtree under another parent. Records keep their node; paths follow."""
    scope = scope_for(actor)
    _require_tree_rights(scope, node, new_parent)
    if new_parent.pk == node.pk or new_parent.path.startswith(node.path):
        raise ApplicationError("move_into_self", _("不能把节点移动到它自己或它的下级之下"), field="parent")
    _check_level(new_parent, node.level)
    _check_sibling_name(new_parent, node.name)
    old_label = _node_label(node)
    old_path = node.path
    GridNode.objects.move(node, new_parent, "last-child")
    node.refresh_from_db()
    _repath_records(old_path, node.path)
    _household_regrid_events(
        where_sql="node_path >= %s AND node_path < %s",
        params=[node.path, node.path + PATH_END],
        changes={"from": old_label, "to": _node_label(node), "reason": "move"},
        actor=actor,
    )
    NodeEvent.objects.create(
        node=node, kind=NodeEvent.Kind.MOVE, actor=actor, detail={"from": old_label, "to": _node_label(node)}
    )
    audit_record(
        actor=actor, action=AuditLog.Action.TREE, obj=node, detail={"move": [old_label, _node_label(node)]}
    )
    _refresh_addresses(node.path)
    return node


@transaction.atomic
def node_merge(*, actor: User, source: GridNode, target: GridNode) -> GridNode:
    """Merge ``source`` into ``target``: its children and records go to target; source is archived."""
    scope = scope_for(actor)
    _require_tree_rights(scope, source, target)
    if source.pk == target.pk or target.path.startswith(source.path) or source.path.startswith(target.path):
        raise ApplicationError("merge_related", _("只能合并互不包含的两个节点"), field="target")
    if source.level_id != target.level_id:
        raise ApplicationError("merge_levels", _("只能合并同一层级的节点"), field="target")
    source_label, target_label = _node_label(source), _node_label(target)
    changes = {"from": source_label, "to": target_label, "reason": "merge"}
    for child in list(GridNode.objects.get_children(source)):
        child.refresh_from_db()
        target.refresh_from_db()
        if GridNode.objects.get_children(target).filter(name=child.name, is_active=True).exists():
            child.name = f"{child.name}（{source.name}）"
            child.save(update_fields=["name"])
        old = child.path
        GridNode.objects.move(child, target, "last-child")
        child.refresh_from_db()
        _repath_records(old, child.path)
        _household_regrid_events(
            where_sql="node_path >= %s AND node_path < %s",
            params=[child.path, child.path + PATH_END],
            changes=changes,
            actor=actor,
        )
    source.refresh_from_db()
    target.refresh_from_db()
    _household_regrid_events(where_sql="node_id = %s", params=[source.pk], changes=changes, actor=actor)
    with connection.cursor() as cur:
        for table in PATHED_TABLES:
            cur.execute(
                f"UPDATE {table} SET node_id = %s, node_path = %s WHERE node_id = %s",  # noqa: S608
                [target.pk, target.path, source.pk],
            )
    StaffAssignment.objects.filter(node=source).update(node=target)
    source.is_active = False
    source.save(update_fields=["is_active", "updated_at"])
    NodeEvent.objects.create(node=target, kind=NodeEvent.Kind.MERGE, actor=actor, detail=changes)
    NodeEvent.objects.create(node=source, kind=NodeEvent.Kind.ARCHIVE, actor=actor, detail=changes)
    audit_record(actor=actor, action=AuditLog.Action.TREE, obj=target, detail={"merge": changes})
    _refresh_addresses(target.path)
    return target


@transaction.atomic
def node_split(
    *,
    actor: User,
    node: GridNode,
    new_name: str,
    child_ids: list[int] | None = None,
    household_ids: list[int] | None = None,
) -> GridNode:
    """Split ``node``: a new sibling of the same level takes the chosen children and households."""
    from gridguard.people.models import Household, Person

    scope = scope_for(actor)
    _require_tree_rights(scope, node)
    child_ids = child_ids or []
    household_ids = household_ids or []
    if not child_ids and not household_ids:
        raise ApplicationError("split_empty", _("请选择要拆分出去的下级节点或住户"), field="children")
    parent = GridNode.objects.get_parent(node)
    new_node = node_create(
        actor=actor, parent=parent, name=new_name, level=node.level, check_scope=parent is not None
    )
    changes = {"from": _node_label(node), "to": _node_label(new_node), "reason": "split"}
    children = list(GridNode.objects.get_children(node).filter(pk__in=child_ids))
    if len(children) != len(set(child_ids)):
        raise ApplicationError("split_children", _("所选下级节点不属于该节点"), field="children")
    for child in children:
        child.refresh_from_db()
        new_node.refresh_from_db()
        old = child.path
        GridNode.objects.move(child, new_node, "last-child")
        child.refresh_from_db()
        _repath_records(old, child.path)
        _household_regrid_events(
            where_sql="node_path >= %s AND node_path < %s",
            params=[child.path, child.path + PATH_END],
            changes=changes,
            actor=actor,
        )
    if household_ids:
        households = Household.objects.filter(pk__in=household_ids, node=node)
        found = list(households.values_list("pk", flat=True))
        if len(found) != len(set(household_ids)):
            raise ApplicationError("split_households", _("所选住户不直接属于该节点"), field="households")
        placeholders = ",".join(["%s"] * len(found))
        _household_regrid_events(
            where_sql=f"id IN ({placeholders})", params=found, changes=changes, actor=actor
        )
        new_node.refresh_from_db()
        Household.objects.filter(pk__in=found).update(node=new_node, node_path=new_node.path)
        Person.objects.filter(household_id__in=found).update(node=new_node, node_path=new_node.path)
    NodeEvent.objects.create(node=node, kind=NodeEvent.Kind.SPLIT, actor=actor, detail=changes)
    audit_record(actor=actor, action=AuditLog.Action.TREE, obj=node, detail={"split": changes})
    new_node.refresh_from_db()
    _refresh_addresses(new_node.path)
    return new_node


@transaction.atomic
def staff_assign(
    *,
    actor: User,
    node: GridNode,
    duty: str,
    name: str,
    phone: str = "",
    user: User | None = None,
    since: dt.date | None = None,
) -> StaffAssignment:
    from gridguard.core.normalize import clean_phone, validate_phone

    scope = scope_for(actor)
    if not scope.has("grids.manage_staff"):
        raise PermissionDenied(_("您的角色不能分配网格人员"))
    scope.check(node.path)
    if duty not in Duty.values:
        raise ApplicationError("duty_unknown", _("未知职责“{duty}”").format(duty=duty), field="duty")
    name = (name or (user.full_name if user else "")).strip()
    if not name:
        raise ApplicationError("name_required", _("请填写姓名"), field="name")
    phone = validate_phone(clean_phone(phone or (user.phone if user else "")))
    assignment = StaffAssignment.objects.create(
        node=node,
        duty=duty,
        name=name,
        phone=phone,
        user=user,
        since=since or timezone.localdate(),
        created_by=actor,
    )
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=assignment, node_path=node.path)
    return assignment


@transaction.atomic
def staff_remove(*, actor: User, assignment: StaffAssignment) -> None:
    scope = scope_for(actor)
    if not scope.has("grids.manage_staff"):
        raise PermissionDenied(_("您的角色不能分配网格人员"))
    scope.check(assignment.node.path)
    assignment.until = timezone.localdate()
    assignment.save(update_fields=["until"])
    audit_record(actor=actor, action=AuditLog.Action.DELETE, obj=assignment, node_path=assignment.node.path)


# --- a real town, started empty -----------------------------------------------------------


def _top_level(level: str) -> Level:
    """A level for the top node, by code ("street") or name ("街道/镇", "镇", "街道")."""
    text = (level or "").strip()
    levels = list(Level.objects.order_by("rank"))
    for lv in levels:
        if text in (lv.code, lv.name) or text in lv.name.split("/"):
            return lv
    raise ApplicationError(
        "level_unknown",
        _("没有层级“{level}”，可选：{choices}").format(
            level=text, choices="、".join(f"{lv.name}（{lv.code}）" for lv in levels)
        ),
        field="level",
    )


@transaction.atomic
def town_start(
    *,
    name: str,
    level: str,
    admin_username: str,
    admin_password: str,
    admin_full_name: str = "",
    level_names: dict[str, str] | None = None,
) -> tuple[GridNode, User]:
    """Start an empty platform for one's own town: the system administrator and the top node,
    with the level names the town uses (e.g. 社区/村 shown as 村). The tree and the ledgers are then
    imported (import_tree, import_people). Every wrong value is named at once; nothing is written
    unless all are right. Refused when the tree is not empty."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from gridguard.accounts.models import Role
    from gridguard.accounts.services import user_create
    from gridguard.core.errors import FieldErrors

    if GridNode.objects.exists():
        raise ApplicationError("not_empty", _("数据库中已有网格数据：不能再建立新的镇/街道，请登录后在“网格”页面调整"))
    errors: list[ApplicationError] = []
    top: Level | None = None
    try:
        name = _clean_name(name)
    except ApplicationError as exc:
        errors.append(exc)
    try:
        top = _top_level(level)
    except ApplicationError as exc:
        errors.append(exc)
    username = (admin_username or "").strip()
    if not username:
        errors.append(ApplicationError("username_required", _("请填写管理员用户名"), field="admin_username"))
    elif User.objects.filter(username=username).exists():
        errors.append(ApplicationError(
            "username_taken", _("用户名“{username}”已存在").format(username=username), field="admin_username"
        ))
    try:
        validate_password(admin_password or "", User(username=username))
    except ValidationError as exc:
        errors.append(ApplicationError(
            "password_weak", _("管理员密码不合格：{reasons}").format(reasons="；".join(exc.messages)),
            field="admin_password",
        ))
    renames: list[tuple[Level, str]] = []
    for code, label in (level_names or {}).items():
        lv = Level.objects.filter(code=code.strip()).first()
        label = (label or "").strip()
        if lv is None or not label or len(label) > 30:
            errors.append(ApplicationError(
                "level_name_invalid",
                _("层级名称“{code}={label}”不对：代码须是已有层级，名称 1–30 个字").format(code=code, label=label),
                field="level_names",
            ))
        else:
            renames.append((lv, label))
    if errors:
        raise FieldErrors(errors)
    for lv, label in renames:
        Level.objects.filter(pk=lv.pk).update(name=label)
    admin = user_create(
        actor=None, username=username, password=admin_password, full_name=admin_full_name or _("系统管理员"),
        role=Role.objects.filter(code="admin").first(), is_superuser=True,
    )
    assert top is not None
    town = node_create(actor=admin, parent=None, name=name, level=top, check_scope=False)
    return town, admin
