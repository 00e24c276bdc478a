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


def _form_post(person, **changes):
    data = {
        "name": person.name, "id_type": person.id_type, "id_number": person.id_number, "sex": person.sex,
        "birth_date": person.birth_date.isoformat(), "phone": person.phone, "relation": person.relation,
        "residency": person.residency, "employer": "", "note": "",
    }
    data.update(changes)
    return data


def test_edit_form_masks_numbers_for_a_role_that_may_not_reveal(client, bob, data):
    zs = data["zs"]
    client.force_login(bob)  # 网格员: keeps the ledger, may not reveal
    url = reverse("people:person_edit", args=[zs.pk])
    body = client.get(url).content.decode()
    assert zs.id_number not in body and "13812345678" not in body
    assert "138****5678" in body and zs.id_number[:4] + "*" * 10 + zs.id_number[-4:] in body
    # sent back masked: the ledger keeps its values; the employer changes
    masked = _form_post(zs, id_number=zs.id_number[:4] + "*" * 10 + zs.id_number[-4:], phone="138****5678",
                        employer="县医院")
    assert client.post(url, masked).status_code == 302
    zs.refresh_from_db()
    assert zs.id_number == idno(1980, 1) and zs.phone == "13812345678" and zs.employer == "县医院"
    # a new phone typed in full replaces it; the history shows it masked, by the field's name
    client.post(url, _form_post(zs, id_number=masked["id_number"], phone="13900001111"))
    zs.refresh_from_db()
    assert zs.phone == "13900001111"
    detail = client.get(reverse("people:person", args=[zs.pk])).content.decode()
    assert "13812345678" not in detail and "13900001111" not in detail
    assert "联系电话：138****5678 → 139****1111" in detail and "工作单位：— → 县医院" in detail
    events = client.get(f"/api/persons/{zs.pk}/events").json()
    assert {"phone": ["138****5678", "139****1111"]}.items() <= next(e for e in events if "phone" in e["changes"])[
        "changes"].items()


def test_history_shows_full_values_to_a_role_that_may_reveal(client, alice, data):
    from gridguard.people.services import person_update

    person_update(actor=alice, person=data["zs"], data={"phone": "13900001111", "is_party_member": True})
    client.force_login(alice)
    detail = client.get(reverse("people:person", args=[data["zs"].pk])).content.decode()
    assert "联系电话：13812345678 → 13900001111" in detail and "党员：否 → 是" in detail


def test_ledger_forms_refuse_a_role_that_may_not_keep_the_ledger(client, town, data):
    from gridguard.accounts.models import Role
    from gridguard.accounts.services import user_create

    lead = user_create(actor=None, username="lead", password="lead-pass-123", full_name="楼长",
                       role=Role.objects.get(code="building_chief"), nodes=[town.a1_b1])
    client.force_login(lead)
    zs, east = data["zs"], data["east"]
    for url in (
        reverse("people:person_edit", args=[zs.pk]),
        reverse("people:person_move", args=[zs.pk]),
        reverse("people:person_death", args=[zs.pk]),
        reverse("people:household_edit", args=[east.pk]),
        reverse("people:person_create") + f"?household={east.pk}",
        reverse("people:household_create") + f"?node={town.a1_b1.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "您的角色不能维护台账" in response.content.decode()
        assert zs.id_number not in response.content.decode()


def test_person_form_shows_every_wrong_field_at_once(client, bob, data):
    client.force_login(bob)
    url = reverse("people:person_create") + f"?household={data['east'].pk}"
    body = client.post(url, {"name": "李四", "id_type": "id", "id_number": "110105194912310021", "phone": "123",
                             "relation": "spouse", "residency": "registered"}).content.decode()
    assert "校验位错误" in body and "电话" in body and "格式不正确" in body


def test_a_refused_edit_form_shows_what_was_sent_not_the_stored_numbers(client, bob, data):
    zs = data["zs"]
    client.force_login(bob)
    masked_id = zs.id_number[:4] + "*" * 10 + zs.id_number[-4:]
    body = client.post(reverse("people:person_edit", args=[zs.pk]),
                       _form_post(zs, name="", id_number=masked_id, phone="138****5678")).content.decode()
    assert "这个字段是必填项" in body or "required" in body
    assert zs.id_number not in body and "13812345678" not in body


def test_a_required_field_left_empty_does_not_hide_the_other_wrong_fields(client, bob, data):
    client.force_login(bob)
    url = reverse("people:person_create") + f"?household={data['east'].pk}"
    body = client.post(url, {"name": "", "id_type": "id", "id_number": "", "phone": "123", "birth_date": "abc",
                             "relation": "spouse", "residency": "registered"}).content.decode()
    assert "这个字段是必填项" in body and "电话号码“123”格式不正确" in body and "“abc”不是有效日期" in body
