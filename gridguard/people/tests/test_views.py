from django.urls import reverse

from conftest import idno


def test_grid_worker_sees_own_grid_persons_masked(client, bob, data):
    client.force_login(bob)
    body = client.get(reverse("people:persons")).content.decode()
    assert "张三" in body and "王五" not in body
    assert "138****5678" in body and "13812345678" not in body
    assert data["zs"].id_number not in body


def test_grid_worker_cannot_open_other_grid_by_url(client, bob, data, town):
    client.force_login(bob)
    assert client.get(reverse("people:person", args=[data["ww"].pk])).status_code == 404
    assert client.get(reverse("people:household", args=[data["west"].pk])).status_code == 404
    assert client.get(reverse("grids:node", args=[town.b1.pk])).status_code == 404
    assert client.get(reverse("grids:board", args=[town.b1.pk])).status_code == 404
    assert client.get(reverse("people:persons") + f"?node={town.b1.pk}").status_code == 404
    assert client.get(reverse("people:person_edit", args=[data["ww"].pk])).status_code == 404


def test_charlie_cannot_reveal_or_edit_east(client, charlie, data):
    client.force_login(charlie)
    assert client.post(reverse("people:person_reveal", args=[data["zs"].pk])).status_code == 404
    response = client.post(reverse("people:person_edit", args=[data["zs"].pk]), {"name": "改名"})
    assert response.status_code == 404


def test_reveal_shows_full_number_for_official(client, alice, data):
    client.force_login(alice)
    response = client.post(reverse("people:person_reveal", args=[data["zs"].pk]), HTTP_HX_REQUEST="true")
    assert data["zs"].id_number in response.content.decode()


def test_person_form_shows_chinese_field_error(client, bob, data):
    client.force_login(bob)
    url = reverse("people:person_create") + f"?household={data['east'].pk}"
    response = client.post(
        url,
        {
            "name": "李四",
            "id_type": "id",
            "id_number": "110105194912310021",
            "relation": "spouse",
            "residency": "registered",
        },
    )
    assert response.status_code == 200
    assert "校验位错误" in response.content.decode()


def test_person_create_and_history_page(client, bob, data):
    client.force_login(bob)
    url = reverse("people:person_create") + f"?household={data['east'].pk}"
    response = client.post(
        url,
        {
            "name": "李四",
            "id_type": "id",
            "id_number": idno(1982, 2),
            "relation": "spouse",
            "residency": "registered",
            "tags": ["0", "3"],
        },
    )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "李四" in detail and "空巢老人" in detail and "登记" in detail


def test_english_is_available(client, bob, data):
    client.force_login(bob)
    response = client.get(reverse("people:persons"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200


def test_board_and_coverage_pages(client, alice, town, data):
    client.force_login(alice)
    assert "网格公示牌" in client.get(reverse("grids:board", args=[town.a1.pk])).content.decode()
    assert "户不漏人" in client.get(reverse("grids:coverage", args=[town.east.pk])).content.decode()
