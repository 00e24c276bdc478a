"""Rights are named permissions that each app declares (core.plug), held by roles as data."""

import pytest
from django.urls import reverse

from gridguard.accounts.models import AuditLog, DeclaredPermission, Role, RolePermission
from gridguard.accounts.scope import scope_for, system_scope
from gridguard.accounts.services import permissions_sync, role_create, role_permissions_set, user_create
from gridguard.core import plug
from gridguard.core.errors import ApplicationError, PermissionDenied


def _held(code: str) -> set[str]:
    return set(RolePermission.objects.filter(code=code).values_list("role__code", flat=True))


def test_the_shipped_roles_hold_the_rights_they_held_as_flags(db):
    assert _held("people.reveal") == {"admin", "street_official", "community_official", "grid_chief", "medic"}
    assert _held("people.edit") == {"admin", "street_official", "community_official", "grid_chief", "grid_worker"}
    assert _held("imports.export") == _held("imports.import") == {
        "admin", "street_official", "community_official", "grid_chief"
    }
    assert _held("grids.manage_tree") == _held("accounts.audit") == {"admin", "street_official", "community_official"}
    assert _held("control.order") == {
        "admin", "street_official", "community_official", "grid_chief", "grid_worker", "medic"
    }
    assert _held("control.policy") == {"admin", "street_official"}


def test_scope_checks_rights_through_one_call(town, alice, bob):
    assert scope_for(alice).has("people.reveal") and scope_for(alice).has("control.order")
    bob_scope = scope_for(bob)
    assert bob_scope.has("people.edit") and not bob_scope.has("people.reveal")
    with pytest.raises(PermissionDenied) as exc:
        bob_scope.require("imports.export")
    assert "导出" in exc.value.message
    with pytest.raises(KeyError):  # a typo is a programming error, never a silent "no"
        bob_scope.has("people.revael")


def test_superuser_and_system_hold_every_declared_right(admin_user):
    assert scope_for(admin_user).perms == plug.permission_codes() == system_scope().perms


def test_a_right_declared_later_is_granted_to_its_default_roles_once(db):
    perm = plug.permission("testapp.sample", "采样", roles=("sampler", "medic"))
    try:
        assert permissions_sync() == ["testapp.sample"]
        assert _held("testapp.sample") == {"sampler", "medic"}
        # the administrator takes it from the medics: the next migrate leaves that alone
        role_permissions_set(actor=None, role=Role.objects.get(code="medic"), permissions=[])
        assert permissions_sync() == []
        assert _held("testapp.sample") == {"sampler"}
        assert DeclaredPermission.objects.filter(code="testapp.sample").exists()
    finally:
        del plug.registry.permissions[perm.code]


def test_roles_take_only_declared_rights_and_changes_are_audited(town):
    role = role_create(actor=None, code="clerk", name="文员", permissions=["people.edit"])
    with pytest.raises(ApplicationError) as exc:
        role_permissions_set(actor=None, role=role, permissions=["people.edit", "nobody.nothing"])
    assert exc.value.code == "permission_unknown" and "nobody.nothing" in exc.value.message
    role_permissions_set(actor=None, role=role, permissions=["imports.export"])
    change = AuditLog.objects.filter(action=AuditLog.Action.CHANGE, object_id=str(role.pk)).get()
    assert change.detail == {"permissions_added": ["imports.export"], "permissions_removed": ["people.edit"]}
    clerk = user_create(actor=None, username="clerk", password="clerk-pass-123", role=role, nodes=[town.east])
    assert scope_for(clerk).perms == frozenset({"imports.export"})


def test_an_administrator_edits_a_roles_rights_in_the_admin(client, admin_user, town, bob):
    client.force_login(admin_user)
    role = Role.objects.get(code="grid_worker")
    page = client.get(reverse("admin:accounts_role_change", args=[role.pk])).content.decode()
    assert 'value="people.reveal"' in page and "查看完整身份证号与电话" in page
    response = client.post(
        reverse("admin:accounts_role_change", args=[role.pk]),
        {"code": role.code, "name": role.name, "sort": role.sort,
         "permissions": ["people.edit", "control.order", "people.reveal"]},
    )
    assert response.status_code == 302
    assert scope_for(type(bob).objects.get(pk=bob.pk)).has("people.reveal")
    assert AuditLog.objects.filter(
        action=AuditLog.Action.CHANGE, object_id=str(role.pk), detail__permissions_added=["people.reveal"]
    ).exists()
