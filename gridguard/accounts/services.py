"""Writes for accounts: users, jurisdictions, device tokens, the audit log."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.accounts.models import AuditLog, DeviceToken, Jurisdiction, Role, User
from gridguard.core.bulk import read_datetime
from gridguard.core.errors import ApplicationError


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    node_path: str = "",
    detail: dict | None = None,
    ip: str | None = None,
) -> AuditLog:
    """One audit record. ``node_path`` places it in the tree (officials read the records under their
    nodes): the object's, else the actor's jurisdiction — so an export of "all my grids" or a
    token made by a grid worker is read by the officials above that worker, not only by admins."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        node_path = node_path or getattr(obj, "node_path", "") or getattr(obj, "path", "")
    if not node_path and actor is not None:
        node_path = jurisdiction_path(actor)
    return AuditLog.objects.create(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        node_path=node_path,
        detail=detail or {},
        ip=ip,
    )


def audit_many(
    *, actor: User | None, action: str, objs: Iterable[Any], detail: dict | None = None, ip: str | None = None
) -> list[AuditLog]:
    """One audit record per object (as ``audit_record`` with ``obj``), written in one statement."""
    rows = [
        AuditLog(
            actor=actor, action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk),
            object_repr=str(obj)[:200], node_path=getattr(obj, "node_path", "") or getattr(obj, "path", ""),
            detail=detail or {}, ip=ip,
        )
        for obj in objs
    ]
    return AuditLog.objects.bulk_create(rows) if rows else []


def jurisdiction_path(user: User) -> str:
    """The deepest node whose subtree holds all of the user's nodes ("" for everything)."""
    from gridguard.accounts.scope import scope_for

    return scope_path(scope_for(user))


def scope_path(scope: Any) -> str:
    """The deepest node whose subtree holds all of a scope's nodes ("" for everything)."""
    from gridguard.grids.models import GridNode

    if scope.everything or not scope.paths:
        return ""
    common = os.path.commonprefix(list(scope.paths))
    return common[: len(common) - len(common) % GridNode.steplen]


def client_ip(request: Any) -> str | None:
    """The address a request comes from, for the audit log and login throttling. Behind
    ``TRUSTED_PROXY_COUNT`` reverse proxies, each of which appends the address it saw to
    X-Forwarded-For, the client is the entry that many places from the right (what the client wrote
    itself stands further left and is not believed); else REMOTE_ADDR."""
    if request is None:
        return None
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    full_name: str = "",
    phone: str = "",
    role: Role | None = None,
    nodes: Iterable[Any] = (),
    is_superuser: bool = False,
) -> User:
    if User.objects.filter(username=username).exists():
        raise ApplicationError(
            "username_taken", _("用户名“{username}”已存在").format(username=username), field="username"
        )
    user = User(
        username=username,
        full_name=full_name,
        phone=phone,
        role=role,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    user.set_password(password)
    user.save()
    Jurisdiction.objects.bulk_create([Jurisdiction(user=user, node=node) for node in nodes])
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=user, object_repr=f"用户 {username}")
    return user


@transaction.atomic
def device_token_create(*, actor: User, user: User, name: str) -> tuple[DeviceToken, str]:
    """Create a token; the clear key is returned once and never stored."""
    if not name.strip():
        raise ApplicationError("name_required", _("请填写设备名称"), field="name")
    key = "gg_" + secrets.token_urlsafe(32)
    token = DeviceToken.objects.create(
        user=user, name=name.strip(), key_hash=DeviceToken.hash_key(key), prefix=key[:8]
    )
    audit_record(
        actor=actor, action=AuditLog.Action.TOKEN, obj=token, detail={"event": "create", "user": user.pk}
    )
    return token, key


@transaction.atomic
def device_token_revoke(*, actor: User, token: DeviceToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action=AuditLog.Action.TOKEN, obj=token, detail={"event": "revoke"})


def device_token_authenticate(key: str) -> User | None:
    """The active user of a valid, unrevoked token, in one raw query: a scanner sends a request per
    scan, and building the ORM's join costs more than running it."""
    found = list(User.objects.raw(
        f"SELECT u.*, t.id AS token_id, t.last_used_at AS token_used_at FROM {User._meta.db_table} u"  # noqa: S608
        f" JOIN {DeviceToken._meta.db_table} t ON t.user_id = u.id"
        " WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active = %s",
        [DeviceToken.hash_key(key), True],
    ))
    if not found:
        return None
    user = found[0]
    used = read_datetime(user.token_used_at)  # type: ignore[attr-defined]  # not a field: as the driver reads it
    now = timezone.now()
    # "last used" to the minute: a scanner's every request need not be a write
    if used is None or now - used > dt.timedelta(minutes=1):
        DeviceToken.objects.filter(pk=user.token_id).update(last_used_at=now)  # type: ignore[attr-defined]
    return user


# --- roles and their rights -------------------------------------------------------------------


def permissions_sync(*, using: str = "default") -> list[str]:
    """Grant each right declared for the first time (core.plug) to its default roles, and remember
    it as declared, so an administrator's later changes are never undone. Returns the new codes."""
    from gridguard.accounts.models import DeclaredPermission, RolePermission
    from gridguard.core.plug import registry

    seen = set(DeclaredPermission.objects.using(using).values_list("code", flat=True))
    new = [perm for code, perm in registry.permissions.items() if code not in seen]
    if not new:
        return []
    with transaction.atomic(using=using):
        roles = {r.code: r for r in Role.objects.using(using).all()}
        RolePermission.objects.using(using).bulk_create(
            [RolePermission(role=roles[rc], code=perm.code) for perm in new for rc in perm.roles if rc in roles],
            ignore_conflicts=True,
        )
        DeclaredPermission.objects.using(using).bulk_create(
            [DeclaredPermission(code=perm.code) for perm in new], ignore_conflicts=True
        )
    return [perm.code for perm in new]


def _clean_permissions(codes: Iterable[str]) -> list[str]:
    from gridguard.core.plug import registry

    codes = sorted(set(codes))
    unknown = [c for c in codes if c not in registry.permissions]
    if unknown:
        raise ApplicationError(
            "permission_unknown", _("没有这些权限：{codes}").format(codes="、".join(unknown)), field="permissions"
        )
    return codes


@transaction.atomic
def role_create(
    *, actor: User | None, code: str, name: str, permissions: Iterable[str] = (), sees_everything: bool = False
) -> Role:
    from gridguard.accounts.models import RolePermission

    codes = _clean_permissions(permissions)
    if Role.objects.filter(code=code).exists():
        raise ApplicationError("role_code_taken", _("角色代码“{code}”已存在").format(code=code), field="code")
    role = Role.objects.create(code=code, name=name, sees_everything=sees_everything)
    RolePermission.objects.bulk_create([RolePermission(role=role, code=c) for c in codes])
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=role, detail={"permissions": codes})
    return role


@transaction.atomic
def role_permissions_set(*, actor: User | None, role: Role, permissions: Iterable[str]) -> list[str]:
    """Give ``role`` exactly ``permissions``; the change (added, removed) is audited."""
    from gridguard.accounts.models import RolePermission

    codes = _clean_permissions(permissions)
    before = set(RolePermission.objects.filter(role=role).values_list("code", flat=True))
    added, removed = sorted(set(codes) - before), sorted(before - set(codes))
    if added or removed:
        RolePermission.objects.filter(role=role, code__in=removed).delete()
        RolePermission.objects.bulk_create([RolePermission(role=role, code=c) for c in added])
        audit_record(
            actor=actor, action=AuditLog.Action.CHANGE, obj=role,
            detail={"permissions_added": added, "permissions_removed": removed},
        )
    return codes
