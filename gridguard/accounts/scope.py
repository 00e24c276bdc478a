"""Jurisdiction (属地): what a user may see and change is the subtree under their nodes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models

from gridguard.core.errors import NotFound
from gridguard.core.paths import PATH_END, any_subtree_q

if TYPE_CHECKING:
    from gridguard.accounts.models import User


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    everything: bool
    paths: tuple[str, ...]
    can_reveal: bool = False
    can_export: bool = False
    can_import: bool = False
    can_edit_ledger: bool = False
    can_manage_tree: bool = False
    can_manage_staff: bool = False
    can_read_audit: bool = False
    can_control: bool = False
    role_code: str = ""

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


def scope_for(user) -> Scope:  # type: ignore[no-untyped-def]
    """The user's scope, computed once per request and cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_gg_scope", None)
    if cached is not None:
        return cached
    from gridguard.accounts.models import Role

    role = user.role
    everything = user.is_superuser or bool(role and role.sees_everything)
    paths = () if everything else minimal_paths(list(user.nodes.values_list("path", flat=True)))
    flags = {name: bool(user.is_superuser or (role and getattr(role, name))) for name in Role.CAPABILITIES}
    scope = Scope(
        user_id=user.pk, everything=everything, paths=paths, role_code=role.code if role else "", **flags
    )
    user._gg_scope = scope
    return scope


def current_user(request: Any) -> User:
    """The logged-in user of a request that passed login_required or API auth."""
    from gridguard.accounts.models import User

    user = request.user
    if not isinstance(user, User):
        raise NotFound()
    return user
