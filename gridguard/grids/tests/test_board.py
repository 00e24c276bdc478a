"""The public board (网格公示牌) keeps sensitive groups off (issue 9, point 22) and prints on A4."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import idno
from gridguard.accounts.scope import scope_for
from gridguard.grids import selectors, services
from gridguard.people.models import Tag
from gridguard.people.services import household_create, person_register


@pytest.fixture
def grid(town, alice):
    h = household_create(actor=alice, node=town.a1_b1, room="101")
    person_register(
        actor=alice,
        household=h,
        data={"name": "张三", "id_number": idno(1960, 1), "relation": "户主", "tags": "社区矫正,空巢老人"},
    )
    person_register(
        actor=alice,
        household=h,
        data={"name": "李四", "id_number": idno(1962, 2), "relation": "配偶", "tags": "严重精神障碍,低保"},
    )
    services.staff_assign(actor=alice, node=town.a1, duty="grid_chief", name="王网格", phone="13800138000")
    return town.a1


def test_the_migration_marks_correction_and_mental_illness_sensitive(db):
    sensitive = set(Tag.objects.filter(is_sensitive=True).values_list("code", flat=True))
    assert sensitive == {"correction", "mental"}


def test_the_board_counts_no_sensitive_group(grid, alice):
    board = selectors.grid_board(scope=scope_for(alice), node=grid)
    groups = dict(board.groups)
    assert groups["空巢老人"] == 1 and groups["低保"] == 1
    assert "社区矫正" not in groups and "严重精神障碍" not in groups
    assert board.persons == 2  # the persons themselves are counted, only the group is not named


def test_a_group_an_official_marks_sensitive_leaves_the_board(grid, alice):
    Tag.objects.filter(code="low_income").update(is_sensitive=True)
    assert "低保" not in dict(selectors.grid_board(scope=scope_for(alice), node=grid).groups)


def test_the_board_page_and_its_print_view_show_no_sensitive_group(client, grid, alice):
    client.force_login(alice)
    for url in (reverse("grids:board", args=[grid.pk]), reverse("grids:board_print", args=[grid.pk])):
        body = client.get(url).content.decode()
        assert "空巢老人" in body and "王网格" in body and "13800138000" in body
        assert "社区矫正" not in body and "严重精神障碍" not in body


def test_the_print_view_is_an_a4_page_without_the_site_header(client, grid, alice):
    client.force_login(alice)
    body = client.get(reverse("grids:board_print", args=[grid.pk])).content.decode()
    assert "size: A4" in body or "print.css" in body
    assert 'class="topbar"' not in body
    assert "东城第一网格" in body
    board_page = client.get(reverse("grids:board", args=[grid.pk])).content.decode()
    assert reverse("grids:board_print", args=[grid.pk]) in board_page


def test_charlie_cannot_print_the_board_of_another_grid(client, grid, charlie):
    client.force_login(charlie)
    assert client.get(reverse("grids:board_print", args=[grid.pk])).status_code == 404
