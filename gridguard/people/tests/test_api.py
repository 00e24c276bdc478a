
from conftest import idno
from gridguard.accounts.services import device_token_create


def test_openapi_schema_is_served(client, db):
    schema = client.get("/api/openapi.json").json()
    assert "/api/persons" in schema["paths"] and "/api/nodes/{node_id}/board" in schema["paths"]


def test_api_needs_auth(client, db):
    assert client.get("/api/persons").status_code == 401


def test_api_lists_only_scoped_persons(client, bob, data):
    client.force_login(bob)
    body = client.get("/api/persons").json()
    assert [p["name"] for p in body["items"]] == ["张三"]
    assert body["items"][0]["phone_masked"] == "138****5678"
    assert client.get(f"/api/persons/{data['ww'].pk}").status_code == 404
    assert client.get(f"/api/households/{data['west'].pk}").status_code == 404


def test_device_token_gives_the_same_scope(client, charlie, data):
    _, key = device_token_create(actor=charlie, user=charlie, name="平板")
    headers = {"Authorization": f"Bearer {key}"}
    body = client.get("/api/persons", headers=headers).json()
    assert [p["name"] for p in body["items"]] == ["王五"]
    assert client.get("/api/persons", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_api_create_reports_field_error_in_chinese(client, bob, data):
    _, key = device_token_create(actor=bob, user=bob, name="手机")
    headers = {"Authorization": f"Bearer {key}"}
    response = client.post(
        "/api/persons",
        {"name": "李四", "id_number": "110105194912310021", "household_id": data["east"].pk},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "id_number" and "校验位" in response.json()["message"]
    response = client.post(
        "/api/persons",
        {"name": "李四", "id_number": idno(1985, 7), "household_id": data["east"].pk, "tags": ["低保"]},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201 and response.json()["tags"] == ["低保"]


def test_api_cannot_create_in_other_grid(client, charlie, data):
    _, key = device_token_create(actor=charlie, user=charlie, name="手机")
    response = client.post(
        "/api/persons",
        {"name": "李四", "household_id": data["east"].pk},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 404


def test_api_reveal_is_forbidden_for_grid_worker(client, bob, alice, data):
    client.force_login(bob)
    assert client.post(f"/api/persons/{data['zs'].pk}/reveal").status_code in (403,)
    client.force_login(alice)
    response = client.post(f"/api/persons/{data['zs'].pk}/reveal")
    assert response.status_code == 200 and response.json()["phone"] == "13812345678"


def test_api_tree_and_board(client, alice, town, data):
    client.force_login(alice)
    roots = client.get("/api/nodes").json()
    assert [n["name"] for n in roots] == ["东城社区"]
    detail = client.get(f"/api/nodes/{town.east.pk}").json()
    assert {c["name"] for c in detail["children"]} == {"东城第一网格", "东城第二网格"}
    assert client.get(f"/api/nodes/{town.west.pk}").status_code == 404
    board = client.get(f"/api/nodes/{town.a1.pk}/board").json()
    assert board["persons"] == 1 and board["households"] == 1


def test_api_patch_changes_only_what_it_names(client, alice, town, data):
    from gridguard.people.services import organization_create

    org = organization_create(actor=alice, node=town.a1, data={"name": "东城超市", "kind": "supermarket"})
    client.force_login(alice)
    response = client.patch(f"/api/organizations/{org.pk}", {"employees": 7}, content_type="application/json")
    assert response.status_code == 200, response.content
    org.refresh_from_db()
    assert org.employees == 7 and org.name == "东城超市"
    zs = data["zs"]
    response = client.patch(f"/api/persons/{zs.pk}", {"relation": None, "employer": "县医院"},
                            content_type="application/json")
    assert response.status_code == 200, response.content
    zs.refresh_from_db()
    assert zs.relation == "head" and zs.employer == "县医院"
