"""The staff and public pages render, act through the services and stay inside the jurisdiction."""

import pytest
from django.urls import reverse

from conftest import idno
from gridguard.control import services
from gridguard.control.models import Alert, ArrivalReport, ControlOrder
from gridguard.control.public import poster_url
from gridguard.people.services import person_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def person_a1(town, admin_user):
    return person_register(actor=admin_user, data={"name": "张三", "id_number": idno(1980, 11)}, node=town.a1)


@pytest.fixture
def order_a1(person_a1, admin_user):
    return services.order_create(
        actor=admin_user, person=person_a1, category="secondary_contact", measure="home"
    )


def test_grid_worker_orders_home_isolation_from_the_person_page(client, bob, person_a1):
    client.force_login(bob)
    url = reverse("control:order_create") + f"?person={person_a1.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"category": "secondary_contact", "measure": "home", "start_date": ""})
    order = ControlOrder.objects.get(person=person_a1)
    assert response.status_code == 302 and response["Location"] == reverse("control:order", args=[order.pk])
    page = client.get(reverse("control:order", args=[order.pk])).content.decode()
    assert "居家隔离" in page and "张三" in page
    again = client.post(url, {"category": "secondary_contact", "measure": "home"})
    assert "已在管控中" in again.content.decode()


def test_a_key_person_is_added_by_hand_in_one_step(client, bob, person_a1, town):
    client.force_login(bob)
    url = reverse("control:order_create")
    page = client.get(url).content.decode()
    assert "登记重点人员" in page and "西城" not in page  # only bob's nodes to register at
    common = {"id_type": "id", "category": "close_contact", "measure": "central", "start_date": ""}

    missing = client.post(url, {**common, "id_number": idno(1990, 21), "name": "新人"})
    assert "请选择其所在网格" in missing.content.decode()
    mismatch = client.post(url, {**common, "id_number": idno(1980, 11), "name": "张叁"})
    assert "不一致" in mismatch.content.decode() and not ControlOrder.objects.exists()

    known = client.post(url, {**common, "id_number": idno(1980, 11), "name": "张三"})
    assert known.status_code == 302
    assert ControlOrder.objects.get().person == person_a1
    new = client.post(url, {**common, "id_number": idno(1990, 21), "name": "新人", "node": town.a1.pk})
    order = ControlOrder.objects.get(person__name="新人")
    assert new["Location"] == reverse("control:order", args=[order.pk])
    assert order.person.node_id == town.a1.pk and order.person.residency == "floating"


def test_a_person_of_another_grid_cannot_be_added_by_hand(client, charlie, person_a1, town):
    client.force_login(charlie)
    response = client.post(
        reverse("control:order_create"),
        {"id_type": "id", "id_number": idno(1980, 11), "name": "张三", "category": "close_contact",
         "measure": "central", "node": town.b1.pk},
    )
    assert "管辖范围以外" in response.content.decode()
    assert not ControlOrder.objects.exists()


def test_pages_of_another_grid_are_404(client, charlie, order_a1):
    client.force_login(charlie)
    for name in ("control:order", "control:order_team"):
        assert client.get(reverse(name, args=[order_a1.pk])).status_code == 404
    assert (
        client.post(reverse("control:order_check", args=[order_a1.pk]), {"temperature": "36.5"}).status_code
        == 404
    )
    assert "张三" not in client.get(reverse("control:orders")).content.decode()
    assert "张三" not in client.get(reverse("control:alerts")).content.decode()


def test_fever_check_shows_on_alert_list_and_its_htmx_rows(client, bob, order_a1):
    client.force_login(bob)
    client.post(reverse("control:order_check", args=[order_a1.pk]), {"temperature": "38.1"})
    assert Alert.objects.filter(order=order_a1, kind="fever", is_open=True).exists()
    rows = client.get(reverse("control:alert_rows")).content.decode()
    assert "张三" in rows and "38.1" in rows
    full = client.get(reverse("control:alerts")).content.decode()
    assert 'hx-trigger="every 15s"' in full


def test_bad_temperature_is_reported_not_saved(client, bob, order_a1):
    client.force_login(bob)
    response = client.post(
        reverse("control:order_check", args=[order_a1.pk]), {"temperature": "45"}, follow=True
    )
    assert "不在" in response.content.decode()
    assert not order_a1.checks.exists()


def test_release_page_says_what_is_missing(client, alice, order_a1):
    client.force_login(alice)
    page = client.get(reverse("control:order_action", args=[order_a1.pk, "release"])).content.decode()
    assert "管控期未满" in page and "核酸检测" in page
    response = client.post(reverse("control:order_action", args=[order_a1.pk, "release"]), {"note": ""})
    assert response.status_code == 200 and "尚不能解除" in response.content.decode()
    order_a1.refresh_from_db()
    assert order_a1.status == "active"


def test_ledger_export_is_masked_for_a_role_that_cannot_reveal(client, alice, order_a1):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(alice)
    response = client.get(reverse("control:orders_export"))
    assert response.status_code == 200
    wb = load_workbook(BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.values)
    assert rows[0][:2] == ("姓名", "身份证号") and rows[1][0] == "张三"


def test_public_arrival_confirms_without_echoing_and_refuses_bad_input(client, town):
    url = poster_url(town.a1)
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {
            "name": "李四",
            "id_number": idno(1990, 3)[:-1] + "0",
            "phone": "13800000000",
            "from_place": "湖北武汉",
            "arrival_date": "2099-01-01",
            "address": "1号楼101",
        },
    )
    text = bad.content.decode()
    assert bad.status_code == 200 and "校验位" in text
    good = client.post(
        url,
        {
            "name": "李四",
            "id_number": idno(1990, 3),
            "phone": "13800000000",
            "from_place": "湖北武汉",
            "arrival_date": "2020-01-01",
            "address": "1号楼101",
        },
    )
    assert "晚于今天" not in good.content.decode()
    assert client.get(url.replace(url.split("-")[-1], "0000000000/")).status_code == 404


def test_public_arrival_lands_in_queue(client, town, bob):
    from django.utils import timezone

    url = poster_url(town.a1)
    today = timezone.localdate().isoformat()
    response = client.post(
        url,
        {
            "name": "李四",
            "id_number": idno(1990, 3),
            "phone": "13800000000",
            "from_place": "湖北武汉",
            "arrival_date": today,
            "address": "1号楼101",
            "address_node": str(town.a1_b1.pk),
        },
    )
    page = response.content.decode()
    assert "报备已收到" in page and "李四" not in page and "13800000000" not in page
    report = ArrivalReport.objects.get()
    client.force_login(bob)
    assert "李四" in client.get(reverse("control:arrivals")).content.decode()
    response = client.post(
        reverse("control:arrival", args=[report.pk]),
        {"measure": "home", "category": "medium_risk_arrival", "person": ""},
    )
    report.refresh_from_db()
    assert report.status == "ordered" and report.order.measure == "home"


def test_a_passport_holder_reports_and_is_registered_with_the_passport(client, town, bob):
    from django.utils import timezone

    client.post(
        poster_url(town.a1),
        {
            "name": "JOHN SMITH",
            "id_type": "passport",
            "id_number": "E12345678",
            "phone": "13800000000",
            "from_place": "入境：首都机场",
            "arrival_date": timezone.localdate().isoformat(),
            "address": "1号楼101",
            "address_node": str(town.a1_b1.pk),
        },
    )
    report = ArrivalReport.objects.get()
    assert (report.id_type, report.id_number) == ("passport", "E12345678")
    client.force_login(bob)
    client.post(
        reverse("control:arrival", args=[report.pk]),
        {"measure": "central", "category": "inbound", "person": ""},
    )
    report.refresh_from_db()
    assert report.person.id_type == "passport" and report.person.id_number == "E12345678"
    assert report.order.category == "inbound"


def test_self_report_link_and_revocation(client, alice, order_a1):
    _link, key = services.link_issue(actor=alice, order=order_a1)
    url = reverse("public:self_report", args=[key])
    page = client.get(url).content.decode()
    assert "张三" not in page
    client.post(url, {"form": "check", "temperature": "38.4"})
    assert Alert.objects.filter(order=order_a1, kind="fever").exists()
    services.link_revoke(actor=alice, order=order_a1)
    assert client.get(url).status_code == 404


def test_today_list_shows_team_persons(client, town, order_a1, admin_user):
    from gridguard.control.models import TeamMember

    TeamMember.objects.create(order=order_a1, role="village_cadre", user=admin_user, name="管理员")
    client.force_login(admin_user)
    page = client.get(reverse("control:today")).content.decode()
    assert "张三" in page and "未测" in page


def _public_arrival(**kw):
    from django.utils import timezone

    data = {
        "name": "李四",
        "id_number": idno(1990, 3),
        "phone": "13800000000",
        "from_place": "湖北武汉",
        "arrival_date": timezone.localdate().isoformat(),
        "address": "1号楼101",
    }
    data.update(kw)
    return data


def test_a_repeat_posted_at_another_grid_is_shown_to_the_first_reports_verifier(client, town, bob, charlie):
    client.post(poster_url(town.a1), _public_arrival(address_node=str(town.a1_b1.pk)))
    client.post(
        poster_url(town.b1),
        _public_arrival(name="冒充者", phone="13700009999", address="9号楼909", address_node=str(town.b1_b1.pk)),
    )
    first = ArrivalReport.objects.get(repeat_of=None)
    repeat = ArrivalReport.objects.get(repeat_of=first)
    assert (first.name, first.phone, first.node) == ("李四", "13800000000", town.a1)

    client.force_login(charlie)
    assert "冒充者" not in client.get(reverse("control:arrivals") + "?status=").content.decode()
    assert client.get(reverse("control:arrival", args=[first.pk])).status_code == 404

    client.force_login(bob)
    listing = client.get(reverse("control:arrivals")).content.decode()
    assert "李四" in listing and "冒充者" not in listing and "×2" in listing
    page = client.get(reverse("control:arrival", args=[first.pk])).content.decode()
    assert 'id="repeats"' in page and "冒充者" in page
    assert '<td class="differs" data-label="姓名">冒充者</td>' in page
    assert '<td data-label="证件号码">' in page  # the same number is not marked
    # the repeat's own address opens the first report
    assert client.get(reverse("control:arrival", args=[repeat.pk]), follow=False).status_code == 302


def test_the_public_arrival_form_names_every_wrong_field_at_once(client, town):
    good = idno(1990, 3)
    page = client.post(
        poster_url(town.a1),
        _public_arrival(
            name="",
            id_number=good[:17] + ("0" if good[17] != "0" else "1"),
            phone="12345",
            arrival_date="2099-01-01",
            transport="=HYPERLINK(1)",
        ),
    ).content.decode()
    assert "请填写姓名" in page and "校验位" in page and "格式不正确" in page and "晚于今天" in page
    assert "交通方式不能以" in page
    assert not ArrivalReport.objects.exists()


def test_the_self_report_names_every_wrong_field_at_once(client, alice, order_a1):
    _link, key = services.link_issue(actor=alice, order=order_a1)
    url = reverse("public:self_report", args=[key])
    page = client.post(url, {"form": "check", "temperature": "abc", "symptoms": ["99"]}).content.decode()
    assert "体温须为数字" in page and "99" in page
    page = client.post(url, {"form": "need", "kind": "", "detail": ""}).content.decode()
    assert page.count('class="errorlist"') == 2
    page = client.post(url, {"form": "need", "kind": "shopping", "detail": "=cmd"}).content.decode()
    assert "需求内容不能以" in page
    assert not order_a1.needs.exists()


def test_the_building_list_names_each_building_once_grouped_by_compound(client, town, levels, admin_user):
    from gridguard.grids.services import node_create

    def add(parent, name, level):
        return node_create(actor=admin_user, parent=parent, name=name, level=levels[level])

    for mg_name, buildings in (("第一微网格", ["1栋", "2栋"]), ("第二微网格", ["3栋"])):
        compound = add(add(town.a1, mg_name, "micro_grid"), "建设小区", "compound")
        for b in buildings:
            add(compound, b, "building")
    page = client.get(poster_url(town.a1)).content.decode()
    assert page.count('<optgroup label="建设小区">') == 1
    assert page.count(">建设小区 1栋</option>") == page.count(">建设小区 3栋</option>") == 1
    assert ">建设小区</option>" not in page
    assert ">1号楼</option>" in page  # a building outside any compound keeps its own name


def test_the_order_and_the_team_card_show_the_typed_address(client, town, alice, bob):
    from django.utils import timezone

    from gridguard.control.models import TeamMember

    client.post(poster_url(town.a1), _public_arrival(address="东门外老街 12号院"))
    report = ArrivalReport.objects.get()
    client.force_login(alice)  # an address the tree does not know: the community's queue
    page = client.get(reverse("control:arrival", args=[report.pk])).content.decode()
    assert "东门外老街 12号院" in page
    client.post(reverse("control:arrival", args=[report.pk]), {"measure": "home", "category": "medium_risk_arrival", "person": ""})
    report.refresh_from_db()
    order = report.order
    assert order is not None and order.start_date == timezone.localdate()
    page = client.get(reverse("control:order", args=[order.pk])).content.decode()
    assert '<dd id="order-address">东门外老街 12号院' in page
    TeamMember.objects.create(order=order, role="village_cadre", user=bob, name="鲍勃")
    client.force_login(bob)
    card = client.get(reverse("control:today")).content.decode()
    assert "东门外老街 12号院" in card


def test_the_policy_page_is_for_the_policy_right(client, bob, street_official):
    client.force_login(bob)
    assert reverse("control:policies") not in client.get(reverse("control:orders")).content.decode()
    assert client.get(reverse("control:policies")).status_code == 403
    client.force_login(street_official)
    assert reverse("control:policies") in client.get(reverse("control:orders")).content.decode()
    page = client.get(reverse("control:policies")).content.decode()
    assert "国家防控方案第九版（2022）" in page and "14天隔离（2020年镇村方案）" in page


def test_an_official_chooses_the_policy_set_and_edits_a_policy(client, street_official):
    from gridguard.control.models import Policy, PolicySet

    client.force_login(street_official)
    seeds = PolicySet.objects.get(code="seeds_14d")
    response = client.post(reverse("control:policies"), {"policy_set": seeds.pk})
    assert response.status_code == 302
    assert PolicySet.objects.get(is_current=True) == seeds

    policy = Policy.objects.get(policy_set__code="national_9", category="close_contact", measure="central")
    url = reverse("control:policy_edit", args=[policy.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"days": "0", "check_slots": "早上", "test_days": "1,x", "next_policy": ""})
    text = bad.content.decode()
    assert bad.status_code == 200 and "天数" in text and "检测时段格式" in text and "核酸检测日" in text
    good = client.post(
        url,
        {
            "days": "8",
            "check_slots": "08:00-20:00,20:00-08:00",
            "test_days": "1,2,3,5,8",
            "next_policy": str(policy.next_policy_id),
            "note": "",
        },
    )
    assert good.status_code == 302
    policy.refresh_from_db()
    assert (policy.days, policy.test_days) == (8, [1, 2, 3, 5, 8])
    page = client.get(reverse("control:policies") + f"?set={policy.policy_set_id}").content.decode()
    assert 'id="policy-history"' in page and "镇干部" in page and "7 → 8" in page and "20:00-08:00" in page


def test_the_admin_saves_the_9th_edition_unchanged(client, admin_user):
    import json

    from gridguard.control.models import PolicyChange, PolicySet

    client.force_login(admin_user)
    national = PolicySet.objects.get(code="national_9")
    url = reverse("admin:control_policyset_change", args=[national.pk])
    assert client.get(url).status_code == 200
    policies = list(national.policies.order_by("id"))
    data = {
        "code": national.code,
        "name": national.name,
        "description": national.description,
        "policies-TOTAL_FORMS": str(len(policies)),
        "policies-INITIAL_FORMS": str(len(policies)),
        "policies-MIN_NUM_FORMS": "0",
        "policies-MAX_NUM_FORMS": "1000",
    }
    for i, p in enumerate(policies):
        data.update(
            {
                f"policies-{i}-id": str(p.pk),
                f"policies-{i}-policy_set": str(national.pk),
                f"policies-{i}-category": p.category,
                f"policies-{i}-measure": p.measure,
                f"policies-{i}-days": str(p.days),
                f"policies-{i}-check_slots": p.check_slots,
                f"policies-{i}-test_days": json.dumps(p.test_days),
                f"policies-{i}-next_policy": str(p.next_policy_id or ""),
                f"policies-{i}-note": p.note,
            }
        )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not PolicyChange.objects.exists()
    # a change through the admin is checked by the same rules, and recorded
    daily = next(i for i, p in enumerate(policies) if p.measure == "daily_monitoring")
    bad = client.post(url, {**data, f"policies-{daily}-test_days": "9", f"policies-{daily}-check_slots": "x"})
    assert bad.status_code == 200 and "核酸检测日" in bad.content.decode()
    foreign = PolicySet.objects.get(code="seeds_14d").policies.first()
    looped = client.post(url, {**data, f"policies-{daily}-next_policy": str(foreign.pk)})
    assert looped.status_code == 200 and "下一阶段须是同一方案中的政策" in looped.content.decode()
    good = client.post(url, {**data, f"policies-{daily}-test_days": "7", f"policies-{daily}-days": "14"})
    assert good.status_code == 302
    change = PolicyChange.objects.get()
    assert change.actor == admin_user and change.changes == {"days": [7, 14], "test_days": [[], [7]]}


def test_the_team_calls_the_person_from_its_cards(client, town, bob, charlie, alice):
    from gridguard.accounts.models import AuditLog
    from gridguard.control.models import TeamMember

    person = person_register(
        actor=alice, data={"name": "赵六", "id_number": idno(1985, 7), "phone": "13712345678"}, node=town.a1
    )
    order = services.order_create(actor=alice, person=person, category="secondary_contact", measure="home")
    TeamMember.objects.create(order=order, role="village_cadre", user=bob, name="鲍勃")
    client.force_login(bob)
    for url in (reverse("control:today"), reverse("control:order", args=[order.pk])):
        page = client.get(url).content.decode()
        assert 'href="tel:13712345678"' in page
    assert AuditLog.objects.filter(action="reveal", actor=bob, object_id=str(order.pk)).count() == 1
    api = client.get("/api/control/my-persons").json()
    assert api[0]["phone"] == "13712345678"
    # an official of the community who is not on the team sees the mask, as before
    client.force_login(alice)
    page = client.get(reverse("control:order", args=[order.pk])).content.decode()
    assert "tel:" not in page and "137****5678" in page


def test_the_verify_form_has_no_default_decision(client, town, bob):
    client.post(poster_url(town.a1), _public_arrival(address_node=str(town.a1_b1.pk)))
    report = ArrivalReport.objects.get()
    client.force_login(bob)
    url = reverse("control:arrival", args=[report.pk])
    page = client.get(url).content.decode()
    assert '<option value="" selected>请选择</option>' in page
    refused = client.post(url, {"category": "medium_risk_arrival", "person": ""}).content.decode()
    assert "请选择处理决定" in refused
    report.refresh_from_db()
    assert report.status == "pending"
    client.post(url, {"measure": "none", "category": "medium_risk_arrival", "person": ""})
    report.refresh_from_db()
    assert report.status == "no_measure"


def test_the_team_card_shows_the_hotel_and_marks_an_order_ending_today(client, town, alice, bob):
    import datetime as dt

    from django.utils import timezone

    from gridguard.control.models import TeamMember
    from gridguard.people.services import household_create

    home = household_create(actor=alice, node=town.a1_b1, room="302")
    person = person_register(
        actor=alice, data={"name": "孙七", "id_number": idno(1970, 9), "relation": "户主"}, household=home
    )
    start = timezone.localdate() - dt.timedelta(days=6)  # 7 days: today is the last
    order = services.order_create(
        actor=alice, person=person, category="high_risk_arrival", measure="central",
        place="城关宾馆 305 房", start_date=start,
    )
    assert order.end_date == timezone.localdate()
    TeamMember.objects.create(order=order, role="village_cadre", user=bob, name="鲍勃")
    client.force_login(bob)
    card = client.get(reverse("control:today")).content.decode()
    assert "城关宾馆 305 房" in card and home.address not in card
    assert "今日期满" in card
    client.force_login(alice)
    assert "今日期满" in client.get(reverse("control:orders")).content.decode()


def test_alerts_list_newest_first(client, alice, order_a1):
    from gridguard.control.models import Alert

    first = services.check_record(order=order_a1, temperature="38.0", actor=alice).alerts[0]
    second = services.check_record(order=order_a1, temperature="38.5", actor=alice).alerts[0]
    Alert.objects.filter(pk=first.pk).update(raised_at=second.raised_at.replace(year=2020))
    client.force_login(alice)
    page = client.get(reverse("control:alerts")).content.decode()
    assert page.index("38.5") < page.index("38.0")
    from gridguard.accounts.scope import scope_for
    from gridguard.control import selectors

    one = selectors.alert_page(scope=scope_for(alice), limit=1)
    assert [a.pk for a in one.items] == [second.pk]
    assert [a.pk for a in selectors.alert_page(scope=scope_for(alice), limit=1, cursor=one.next_cursor).items] == [
        first.pk
    ]


def test_a_bad_temperature_on_the_today_list_names_the_person_and_keeps_the_card(client, order_a1, bob):
    from gridguard.control.models import TeamMember

    TeamMember.objects.create(order=order_a1, role="village_cadre", user=bob, name="鲍勃")
    client.force_login(bob)
    url = reverse("control:order_check", args=[order_a1.pk])
    swapped = client.post(url, {"temperature": "abc", "card": "1"}, headers={"HX-Request": "true"})
    html = swapped.content.decode()
    assert swapped.status_code == 200 and html.lstrip().startswith(f'<div class="card today-card" id="order-{order_a1.pk}"')
    assert "张三：体温须为数字，如 36.5" in html and "体温(℃) 体温须为数字" not in html
    ok = client.post(url, {"temperature": "36.6", "card": "1"}, headers={"HX-Request": "true"}).content.decode()
    assert "已记录体温 36.6℃" in ok and "✓" in ok
    # without JavaScript: back to the card's anchor, the message naming the person
    page = client.post(
        url, {"temperature": "", "next": reverse("control:today") + f"#order-{order_a1.pk}"}, follow=True
    )
    assert "张三：请填写体温" in page.content.decode()
    assert page.redirect_chain[-1][0].endswith(f"#order-{order_a1.pk}")


def test_the_qr_posters_are_linked_from_the_arrivals_list_and_the_nav(client, town, bob):
    client.force_login(bob)
    index = reverse("control:posters")
    assert f'href="{index}"' in client.get(reverse("control:arrivals")).content.decode()
    assert f'href="{index}"' in client.get(reverse("control:orders")).content.decode()
    filtered = client.get(reverse("control:arrivals") + f"?node={town.a1.pk}").content.decode()
    assert f'href="{reverse("control:poster", args=[town.a1.pk])}"' in filtered
    page = client.get(index).content.decode()
    assert f'href="{reverse("control:poster", args=[town.a1.pk])}"' in page
    assert f'href="{reverse("control:poster", args=[town.b1.pk])}"' not in page  # charlie's grid
    assert "1号楼" not in page  # posters hang at gates of grids and compounds, not buildings
    assert client.get(reverse("control:poster", args=[town.a1.pk])).status_code == 200


def test_the_control_lists_show_a_bounded_total(client, town, alice, order_a1, monkeypatch):
    from gridguard.control import selectors

    person = person_register(actor=alice, data={"name": "李四", "id_number": idno(1981, 5)}, node=town.a1)
    other = services.order_create(actor=alice, person=person, category="close_contact", measure="home")
    for order in (order_a1, other):
        services.check_record(order=order, temperature="38.2", actor=alice)
        services.need_create(order=order, kind="shopping", detail="大米", actor=alice)
    client.post(poster_url(town.a1), _public_arrival(address_node=str(town.a1_b1.pk)))
    client.post(poster_url(town.a1), _public_arrival(id_number=idno(1991, 4), address_node=str(town.a1_b1.pk)))
    client.force_login(alice)
    lists = ("control:orders", "control:arrivals", "control:alerts", "control:needs")
    for name in lists:
        page = client.get(reverse(name)).content.decode()
        assert '<p class="total">共 2 条</p>' in page, name
    monkeypatch.setattr(selectors, "LIST_TOTAL_CAP", 1)
    for name in lists:
        page = client.get(reverse(name)).content.decode()
        assert '<p class="total">共 1+ 条</p>' in page, name


def test_every_cell_of_a_card_table_is_labelled(client, town, alice, order_a1, street_official):
    """On a phone a control table becomes cards: each cell needs its data-label (the column name)."""
    from html.parser import HTMLParser

    class Cells(HTMLParser):
        def __init__(self):
            super().__init__()
            self.depth, self.unlabelled, self.cards = 0, [], 0

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "table" and "cards" in (attrs.get("class") or "").split():
                self.depth, self.cards = self.depth + 1, self.cards + 1
            elif tag == "td" and self.depth and "data-label" not in attrs and "colspan" not in attrs:
                self.unlabelled.append(self.getpos())

        def handle_endtag(self, tag):
            if tag == "table" and self.depth:
                self.depth -= 1

    services.check_record(order=order_a1, temperature="38.2", actor=alice)
    services.need_create(order=order_a1, kind="shopping", detail="大米", actor=alice)
    client.post(poster_url(town.a1), _public_arrival(address_node=str(town.a1_b1.pk)))
    client.post(poster_url(town.b1), _public_arrival(name="另一人"))
    report = ArrivalReport.objects.get(repeat_of=None)
    pages = {
        "orders": (alice, reverse("control:orders")),
        "arrivals": (alice, reverse("control:arrivals")),
        "arrival": (street_official, reverse("control:arrival", args=[report.pk])),
        "alerts": (alice, reverse("control:alerts")),
        "needs": (alice, reverse("control:needs")),
        "order": (alice, reverse("control:order", args=[order_a1.pk])),
        "policies": (street_official, reverse("control:policies")),
    }
    for name, (user, url) in pages.items():
        client.force_login(user)
        parser = Cells()
        parser.feed(client.get(url).content.decode())
        assert parser.cards and not parser.unlabelled, (name, parser.unlabelled)
