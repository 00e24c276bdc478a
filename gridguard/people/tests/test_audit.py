"""Every write of a ledger row is one audit record, read in words on the audit page (issue 9, E21):
no field names, no codes, no bit masks, identity numbers and phones masked."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from conftest import idno
from gridguard.accounts.models import AuditLog
from gridguard.accounts.scope import scope_for
from gridguard.accounts.selectors import audit_log_list, detail_text
from gridguard.people import services
from gridguard.people.models import Person


def logged(obj, action=None):
    qs = AuditLog.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return list((qs.filter(action=action) if action else qs).order_by("id"))


def read(reader, log):
    """The detail as the audit page shows it to ``reader``."""
    return next(e for e in audit_log_list(scope=scope_for(reader), limit=500) if e.pk == log.pk).detail_text


def in_words(text):
    """No field name, code or English word (latin letters are left only in masked passports)."""
    assert not re.search(r"[a-z]{2,}|True|False|None", text), text
    return text


def masked_id(number):
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def test_registering_a_person_is_one_record_in_words(data, alice, town, street_official):
    zs, east = data["zs"], data["east"]
    (log,) = logged(zs)
    assert log.action == AuditLog.Action.CREATE and log.actor == street_official
    assert log.node_path == town.a1_b1.path and log.object_repr == "张三"
    text = in_words(read(alice, log))
    today = timezone.localdate().isoformat()
    assert text == f"事件：登记；日期：{today}；所在户：{east.address}；证件号码：{masked_id(zs.id_number)}"
    assert zs.id_number not in str(log.detail)


def test_a_birth_at_a_node_names_the_grid(town, alice):
    born = timezone.localdate() - dt.timedelta(days=10)
    baby = services.person_register(actor=alice, node=town.a1, birth=True, data={"name": "小明", "birth_date": born})
    (log,) = logged(baby)
    assert log.node_path == town.a1.path
    assert in_words(read(alice, log)) == f"事件：出生；所属网格：东城社区 东城第一网格；日期：{born.isoformat()}"


def test_an_edit_names_each_changed_field_in_words(data, alice):
    zs = data["zs"]
    services.person_update(actor=alice, person=zs, data={
        "name": "张叁", "phone": "13900001111", "tags": "独居、低保", "is_party_member": True, "residency": "流动",
        "employer": "县医院", "sex": "",
    })
    (log,) = logged(zs, AuditLog.Action.CHANGE)
    assert log.node_path == zs.node_path
    text = in_words(read(alice, log))
    for part in ("姓名：张三 → 张叁", "联系电话：138****5678 → 139****1111", "特殊人群：— → 独居、低保", "党员：否 → 是",
                 "居住类型：户籍 → 流动", "工作单位：— → 县医院"):
        assert part in text, text
    assert "13900001111" not in str(log.detail) and "拼音" not in text and "性别" not in text

    services.person_update(actor=alice, person=zs, data={"tags": "低保", "phone": ""})
    text = in_words(read(alice, logged(zs, AuditLog.Action.CHANGE)[-1]))
    assert text == "联系电话：139****1111 → —；特殊人群：独居、低保 → 低保"


def test_an_edit_that_changes_nothing_is_not_logged(data, alice):
    services.person_update(actor=alice, person=data["zs"], data={"name": "张三"})
    assert logged(data["zs"], AuditLog.Action.CHANGE) == []


def test_moves_read_as_moves_with_both_addresses(data, alice, town):
    zs, east = data["zs"], data["east"]
    other = services.household_create(actor=alice, node=town.a2, room="5")
    day = timezone.localdate()
    services.person_move(actor=alice, person=zs, household=other, date=day, note="工作调动")
    services.person_move(actor=alice, person=zs, household=None, date=day)
    services.person_move(actor=alice, person=zs, household=east, date=day, relation="配偶")
    transfer, move_out, back = logged(zs, AuditLog.Action.CHANGE)
    assert transfer.node_path == town.a2.path and move_out.node_path == town.a2.path
    assert back.node_path == town.a1_b1.path
    d = day.isoformat()
    assert in_words(read(alice, transfer)) == (
        f"事件：转户；原住址：{east.address}；新住址：{other.address}；日期：{d}；备注：工作调动"
    )
    assert in_words(read(alice, move_out)) == f"事件：迁出；原住址：{other.address}；日期：{d}"
    assert in_words(read(alice, back)) == f"事件：迁回；新住址：{east.address}；日期：{d}；与户主关系：户主 → 配偶"


def test_a_death_is_logged(data, alice):
    zs = data["zs"]
    day = timezone.localdate()
    services.person_death(actor=alice, person=zs, date=day, note="病故")
    (log,) = logged(zs, AuditLog.Action.CHANGE)
    assert in_words(read(alice, log)) == f"事件：死亡；日期：{day.isoformat()}；所在户：{data['east'].address}；备注：病故"


def test_households_are_logged_when_registered_edited_and_regridded(town, alice):
    household = services.household_create(actor=alice, node=town.a1_b1, room="201", is_rental=True,
                                          landlord_name="李房东", landlord_phone="13900002222")
    services.household_update(actor=alice, household=household, data={"landlord_phone": "13900003333", "room": "202"})
    old = household.address
    services.household_move(actor=alice, household=household, node=town.a2)
    create, edit, regrid = logged(household)
    assert create.action == AuditLog.Action.CREATE and edit.action == regrid.action == AuditLog.Action.CHANGE
    assert create.node_path == edit.node_path == town.a1_b1.path and regrid.node_path == town.a2.path
    d = timezone.localdate().isoformat()
    assert in_words(read(alice, create)) == f"事件：登记；日期：{d}；出租房：是；房东姓名：李房东；房东电话：139****2222"
    assert in_words(read(alice, edit)) == "房号：201 → 202；房东电话：139****2222 → 139****3333"
    assert in_words(read(alice, regrid)) == (
        f"事件：网格调整；原住址：{old}；新住址：{household.address}；日期：{d}"
    )
    assert "13900002222" not in str(create.detail)


def test_an_organization_edit_reads_in_words(town, alice):
    org = services.organization_create(actor=alice, node=town.a1, data={"name": "东城超市", "kind": "shop"})
    services.organization_update(actor=alice, organization=org, data={
        "kind": "超市", "employees": "5", "is_key_place": "是", "contact_phone": "13900004444",
    })
    create, edit = logged(org)
    assert create.action == AuditLog.Action.CREATE and create.node_path == town.a1.path
    text = in_words(read(alice, edit))
    assert text == "类型：商户 → 商超；联系电话：— → 139****4444；从业人数：— → 5；重点场所：否 → 是", text


def test_a_reveal_names_the_fields_in_words(data, alice):
    services.person_reveal(actor=alice, person=data["zs"])
    (log,) = logged(data["zs"], AuditLog.Action.REVEAL)
    assert read(alice, log) == "字段：证件号码、联系电话"


def test_fields_of_a_reveal_that_are_no_field_of_the_record_show_as_written():
    order = apps.get_model("control", "ControlOrder")  # control's reveal of a phone for the care team
    text = detail_text({"fields": ["联系电话"], "reason": "三包一成员联系管控对象"}, order)
    assert text == "字段：联系电话；原因：三包一成员联系管控对象"


def test_an_official_reads_only_the_records_of_the_persons_under_her(data, alice):
    ids = {e.object_id for e in audit_log_list(scope=scope_for(alice), limit=500) if e.object_type == "people.person"}
    assert str(data["zs"].pk) in ids and str(data["ww"].pk) not in ids


@pytest.mark.parametrize("write", ["person", "household"])
def test_a_write_and_its_record_are_one_transaction(town, alice, monkeypatch, write):
    def refuse(**kw):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "audit_record", refuse)
    with pytest.raises(RuntimeError):
        if write == "person":
            services.person_register(actor=alice, node=town.a1, data={"name": "李四"})
        else:
            services.household_create(actor=alice, node=town.a1_b1, room="301")
    assert not Person.objects.exists() and not town.a1_b1.household_set.exists()


def test_a_people_import_is_one_record_not_one_per_row(town, alice, tmp_path):
    from gridguard.imports.services import people_import_file

    path = tmp_path / "村民.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["姓名", "身份证号", "社区/村", "网格", "楼栋", "房号", "与户主关系"]] + [
            [f"村民{i}", idno(1980, i), "东城社区", "东城第一网格", "1号楼", f"30{i}", "户主"] for i in range(1, 4)
        ])
    result = people_import_file(actor=alice, root=town.east, path=path)
    assert result.status == "done" and Person.objects.count() == 3
    assert not AuditLog.objects.filter(object_type__in=["people.person", "people.household"]).exists()
    assert AuditLog.objects.filter(action=AuditLog.Action.IMPORT).count() == 1


def test_the_audit_page_shows_a_person_edit_in_words(client, bob, alice, data):
    zs = data["zs"]
    client.force_login(bob)  # a grid worker keeps the ledger; the form sends the numbers masked back
    response = client.post(reverse("people:person_edit", args=[zs.pk]), {
        "name": zs.name, "id_type": zs.id_type, "id_number": masked_id(zs.id_number), "sex": zs.sex,
        "birth_date": zs.birth_date.isoformat(), "phone": "13900001111", "relation": zs.relation,
        "residency": zs.residency, "tags": ["1"], "employer": "县医院", "note": "",
    })
    assert response.status_code == 302
    client.force_login(alice)
    body = client.get(reverse("accounts:audit")).content.decode()
    assert "联系电话：138****5678 → 139****1111" in body and "工作单位：— → 县医院" in body
    assert "特殊人群：— → 独居" in body
    assert "13900001111" not in body and zs.id_number not in body
    assert "phone" not in body.split('id="audit-table"')[1] and "id_number" not in body


def test_the_record_reads_in_english_with_the_special_groups_named_in_english(data, alice):
    from django.utils import translation

    services.person_update(actor=alice, person=data["zs"], data={"tags": "独居", "residency": "流动"})
    (log,) = logged(data["zs"], AuditLog.Action.CHANGE)
    with translation.override("en"):
        text = read(alice, log)
    assert text == "Residency：Registered → Floating；Special groups：— → Living alone", text
