"""Jurisdiction (属地): what a user may see and change is the subtree under their nodes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext as _

from gridguard.core.errors import NotFound, PermissionDenied
from gridguard.core.paths import PATH_END, any_subtree_q
from gridguard.core.plug import known_permission, permission_codes

if TYPE_CHECKING:
    from gridguard.accounts.models import User


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    everything: bool
    paths: tuple[str, ...]
    perms: frozenset[str] = frozenset()  # the named rights of the user's role (core.plug)
    role_code: str = ""

    def has(self, code: str) -> bool:
        """Whether the user's role holds the right ``code`` ("control.order"); an undeclared code
        is a programming error (KeyError), not a silent no."""
        known_permission(code)
        return code in self.perms

    def require(self, code: str, message: str | None = None) -> None:
        """Raise PermissionDenied (with ``message``, else a message naming the right) unless held."""
        if not self.has(code):
            label = known_permission(code).label
            raise PermissionDenied(message or _("无权操作：您的角色没有“{right}”权限").format(right=label))

    def q(self, field: str = "node_path") -> models.Q:
        if self.everything:
            return models.Q()
        return any_subtree_q(list(self.paths), field)

    def covers(self, path: str) -> bool:
        if self.everything:
            return True
        return any(path >= p and path < p + PATH_END for p in self.paths)

    def check(self, path: str) -> None:
        """Raise NotFound (not 403: do not confirm the record exists) when outside the scope."""
        if not self.covers(path):
            raise NotFound()

    def filter(self, qs: models.QuerySet, field: str = "node_path") -> models.QuerySet:
        return qs if self.everything else qs.filter(self.q(field))


def minimal_paths(paths: list[str]) -> tuple[str, ...]:
    """Drop paths that lie under another path of the list."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if kept and path.startswith(kept[-1]):
            continue
        kept.append(path)
    return tuple(kept)


NO_ACCESS = Scope(user_id=None, everything=False, paths=())


def system_scope() -> Scope:
    """The command line acts as the system: everything, every right. Views and the API always pass
    a real (or anonymous) user, whose scope comes from the user's role and nodes."""
    return Scope(user_id=None, everything=True, paths=(), perms=permission_codes(), role_code="system")


def scope_for(user) -> Scope:  # type: ignore[no-untyped-def]
    """The user's scope, computed once per request and cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_gg_scope", None)
    if cached is not None:
        return cached
    from django.apps import apps
    from django.db import connection

    from gridguard.accounts.models import Jurisdiction, Role, RolePermission

    node_table = apps.get_model("grids", "GridNode")._meta.db_table  # accounts imports nothing of grids

    # Two raw queries (a scanner's every request computes a scope; the ORM's would cost more to build
    # than to run): the role with its rights, and the paths of the user's nodes.
    role_code, everything, codes = "", user.is_superuser, set()
    with connection.cursor() as cur:
        if user.role_id is not None:
            cur.execute(
                f"SELECT r.code, r.sees_everything, p.code FROM {Role._meta.db_table} r"  # noqa: S608
                f" LEFT JOIN {RolePermission._meta.db_table} p ON p.role_id = r.id WHERE r.id = %s",
                [user.role_id],
            )
            for code, sees_everything, perm in cur.fetchall():
                role_code, everything = code, everything or bool(sees_everything)
                if perm is not None:
                    codes.add(perm)
        paths: tuple[str, ...] = ()
        if not everything:
            cur.execute(
                f"SELECT n.path FROM {node_table} n"  # noqa: S608
                f" JOIN {Jurisdiction._meta.db_table} j ON j.node_id = n.id WHERE j.user_id = %s",
                [user.pk],
            )
            paths = minimal_paths([row[0] for row in cur.fetchall()])
    perms = permission_codes() if user.is_superuser else frozenset(codes)
    scope = Scope(user_id=user.pk, everything=everything, paths=paths, perms=perms, role_code=role_code)
    user._gg_scope = scope
    return scope


def current_user(request: Any) -> User:
    """The logged-in user of a request that passed login_required or API auth."""
    from gridguard.accounts.models import User

    user = request.user
    if not isinstance(user, User):
        raise NotFound()
    return user
