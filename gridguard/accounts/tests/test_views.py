import pytest
from django.urls import reverse

from gridguard.accounts.models import AuditLog, DeviceToken
from gridguard.accounts.services import device_token_authenticate, device_token_create, device_token_revoke


def test_login_page_is_chinese(client, db):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_login_works_with_right_password(client, bob):
    response = client.post(reverse("accounts:login"), {"username": "bob", "password": "bob-pass-123"})
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200


def test_failed_logins_are_throttled(client, bob):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "bob", "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": "bob", "password": "bob-pass-123"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_pages_require_login(client, db):
    response = client.get(reverse("people:persons"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_device_token_authenticates_until_revoked(bob):
    token, key = device_token_create(actor=bob, user=bob, name="扫码枪1")
    assert DeviceToken.objects.get().key_hash != key
    assert device_token_authenticate(key) == bob
    device_token_revoke(actor=bob, token=token)
    assert device_token_authenticate(key) is None


def test_audit_page_needs_the_right(client, bob, alice):
    client.force_login(bob)
    assert client.get(reverse("accounts:audit")).status_code == 403
    client.force_login(alice)
    assert client.get(reverse("accounts:audit")).status_code == 200


@pytest.mark.parametrize(
    "path", ["/", "/grids/", "/people/persons/", "/people/households/", "/people/organizations/"]
)
def test_main_pages_render_for_a_grid_worker(client, bob, path):
    client.force_login(bob)
    assert client.get(path).status_code in (200, 302)


def test_audit_log_lists_only_scoped_entries(client, alice, town, admin_user):
    AuditLog.objects.create(actor=admin_user, action="reveal", object_repr="东", node_path=town.a1.path)
    AuditLog.objects.create(
        actor=admin_user, action="reveal", object_repr="西城的记录", node_path=town.b1.path
    )
    client.force_login(alice)
    body = client.get(reverse("accounts:audit")).content.decode()
    assert "西城的记录" not in body


def test_audit_details_read_as_words(client, alice, town, admin_user):
    AuditLog.objects.create(actor=admin_user, action="export", object_type="people.person",
                            object_repr="导出人员台账 120 条", node_path=town.a1.path,
                            detail={"rows": 120, "masked": True, "filters": {"node": town.a1.pk, "status": "active"},
                                    "file": "人员台账.xlsx"})
    AuditLog.objects.create(actor=admin_user, action="tree", object_repr="1号楼", node_path=town.a1.path,
                            detail={"rename": ["1号楼", "一号楼"]})
    client.force_login(alice)
    body = client.get(reverse("accounts:audit")).content.decode()
    assert "行数：120；已脱敏：是；筛选条件：节点 东城第一网格，状态 在册；文件：人员台账.xlsx" in body
    assert "改名：1号楼 → 一号楼" in body and "&#x27;rows&#x27;" not in body


def test_audit_details_name_the_fields_of_the_record(client, alice, town, admin_user):
    AuditLog.objects.create(actor=admin_user, action="change", object_type="people.organization", object_repr="东城超市",
                            node_path=town.a1.path, detail={"employees": ["5", "7"]})
    client.force_login(alice)
    assert "从业人数：5 → 7" in client.get(reverse("accounts:audit")).content.decode()


def test_a_new_token_is_shown_once_and_a_reload_makes_no_second(client, bob):
    from gridguard.accounts.models import DeviceToken

    client.force_login(bob)
    response = client.post(reverse("accounts:tokens"), {"name": "门岗平板"})
    assert response.status_code == 302
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert 'id="new-key">gg_' in page
    assert 'id="new-key"' not in client.get(reverse("accounts:tokens")).content.decode()
    assert DeviceToken.objects.filter(user=bob).count() == 1
