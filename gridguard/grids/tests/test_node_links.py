"""The node page links the arrival QR poster (issue 9, point 17), for users who may order control."""

from __future__ import annotations

from django.urls import reverse


def test_node_page_links_the_poster_for_a_role_that_orders_control(client, town, alice):
    client.force_login(alice)  # community official: holds control.order
    body = client.get(reverse("grids:node", args=[town.a1.pk])).content.decode()
    assert f'href="{reverse("control:poster", args=[town.a1.pk])}"' in body
    # and each child row links its own poster
    body = client.get(reverse("grids:node", args=[town.east.pk])).content.decode()
    assert f'href="{reverse("control:poster", args=[town.a2.pk])}"' in body


def test_no_poster_link_without_the_right(client, town):
    from gridguard.accounts.models import Role
    from gridguard.accounts.scope import scope_for
    from gridguard.accounts.services import user_create

    chief = user_create(
        actor=None, username="louzhang", password="louzhang-pass-123", full_name="楼栋长",
        role=Role.objects.get(code="building_chief"), nodes=[town.a1],
    )
    assert not scope_for(chief).has("control.order")
    client.force_login(chief)
    body = client.get(reverse("grids:node", args=[town.a1.pk])).content.decode()
    assert "/control/posters/" not in body


def test_the_linked_poster_opens(client, town, alice):
    client.force_login(alice)
    response = client.get(reverse("control:poster", args=[town.a1.pk]))
    assert response.status_code == 200 and "<svg" in response.content.decode()
