"""The audit page reads in words (issue 9, E21)."""

from __future__ import annotations

import re

from django.apps import apps

from gridguard.accounts.models import AuditLog
from gridguard.accounts.scope import scope_for
from gridguard.accounts.selectors import audit_log_list, detail_text
from gridguard.people import services


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


def test_a_reveal_names_the_fields_in_words(data, alice):
    services.person_reveal(actor=alice, person=data["zs"])
    (log,) = logged(data["zs"], AuditLog.Action.REVEAL)
    assert read(alice, log) == "字段：证件号码、联系电话"


def test_fields_of_a_reveal_that_are_no_field_of_the_record_show_as_written():
    order = apps.get_model("control", "ControlOrder")  # control's reveal of a phone for the care team
    text = detail_text({"fields": ["联系电话"], "reason": "三包一成员联系管控对象"}, order)
    assert text == "字段：联系电话；原因：三包一成员联系管控对象"
