import pytest

from gridguard.accounts.scope import minimal_paths, scope_for
from gridguard.core.errors import NotFound


def test_minimal_paths_drops_nested_paths():
    assert minimal_paths(["0001", "00010002", "0002", "00020001", "0001"]) == ("0001", "0002")


def test_grid_worker_scope_covers_only_own_grid(town, bob):
    scope = scope_for(bob)
    assert scope.covers(town.a1.path)
    assert scope.covers(town.a1_b1.path)
    assert not scope.covers(town.a2.path)
    assert not scope.covers(town.east.path)
    assert not scope.covers(town.b1.path)
    with pytest.raises(NotFound):
        scope.check(town.b1.path)


def test_community_official_covers_all_its_grids(town, alice):
    scope = scope_for(alice)
    assert scope.covers(town.a1.path) and scope.covers(town.a2.path)
    assert not scope.covers(town.west.path)
    assert scope.has("people.reveal") and scope.has("imports.export")


def test_admin_sees_everything(admin_user, town):
    assert scope_for(admin_user).everything


def test_anonymous_sees_nothing(town):
    from django.contrib.auth.models import AnonymousUser

    scope = scope_for(AnonymousUser())
    assert not scope.covers(town.town.path)
