"""The organizations page can add a place without a node chosen first (issue 9, point 17)."""

from __future__ import annotations

import re

from django.urls import reverse


def _add_form(body: str) -> str:
    match = re.search(r'<form[^>]*id="org-add"[^>]*>.*?</form>', body, re.S)
    assert match, "no add form on the organizations page"
    return match.group(0)


def test_add_asks_for_the_node_and_defaults_to_the_users_node(client, town, alice):
    client.force_login(alice)
    form = _add_form(client.get(reverse("people:organizations")).content.decode())
    assert f'action="{reverse("people:organization_create")}"' in form
    options = dict(re.findall(r'<option value="(\d+)"([^>]*)>', form))
    assert str(town.east.pk) in options and str(town.a1.pk) in options  # the community and its grids
    assert str(town.b1.pk) not in options  # not another community's grid
    assert "selected" in options[str(town.east.pk)]  # the user's own node first
    assert str(town.a1_b1.pk) not in options  # buildings are addresses, not where a place is kept


def test_the_chosen_node_opens_the_form(client, town, alice):
    client.force_login(alice)
    response = client.get(reverse("people:organization_create") + f"?node={town.a1.pk}")
    assert response.status_code == 200 and "东城第一网格" in response.content.decode()


def test_no_add_button_for_a_role_that_does_not_keep_the_ledger(client, town, db):
    from gridguard.accounts.models import Role
    from gridguard.accounts.services import user_create

    medic = user_create(
        actor=None, username="medic", password="medic-pass-123", full_name="医生",
        role=Role.objects.get(code="medic"), nodes=[town.east],
    )
    client.force_login(medic)
    assert 'id="org-add"' not in client.get(reverse("people:organizations")).content.decode()
