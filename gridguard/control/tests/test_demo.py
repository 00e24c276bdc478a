"""The demo town comes with key-person control under way around the demo grid worker's grid."""

import pytest
from django.core.management import call_command

from gridguard.accounts.models import User
from gridguard.control import selectors
from gridguard.control.models import Alert, ArrivalReport, ControlOrder, NeedRequest, OrderStatus

pytestmark = pytest.mark.django_db


def test_the_demo_town_has_orders_alerts_arrivals_and_needs(capsys):
    call_command("generate_demo", "--persons", "3000")

    assert "重点人员管控：13 条管控" in capsys.readouterr().out
    assert ControlOrder.objects.filter(status=OrderStatus.ACTIVE).count() == 12
    released = ControlOrder.objects.get(status=OrderStatus.RELEASED)
    assert released.notice_no
    assert Alert.objects.filter(is_open=True, kind="fever").count() == 1
    assert ControlOrder.objects.filter(status=OrderStatus.ACTIVE, team_complete=False).count() == 0
    worker = User.objects.get(username="wanggeyuan01")
    grid = worker.nodes.get()
    assert ArrivalReport.objects.filter(status="pending", node_path__startswith=grid.path).count() == 3
    assert len(selectors.my_persons_today(user=worker)) == 12
    assert NeedRequest.objects.count() == 2
