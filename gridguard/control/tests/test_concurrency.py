"""Two people at once on PostgreSQL, each on a connection of their own (threads)."""

import threading
import time
from typing import Any

import pytest
from django.db import connection

from gridguard.control import services
from gridguard.control.models import ArrivalReport, ArrivalStatus, ControlOrder, Measure
from gridguard.control.tests.conftest import local
from gridguard.control.tests.test_services import ARRIVED, _arrival
from gridguard.core.errors import ApplicationError
from gridguard.people.models import Person

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_verifiers_of_one_arrival_make_one_order(town, bob, alice, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite has one writer at a time)")
    report = services.arrival_submit(poster=town.east, data=_arrival(address_node=str(town.a1_b1.pk)), now=ARRIVED)
    from gridguard.people import services as people_services

    slow = people_services.person_register

    def person_register_slowly(**kw: Any) -> Any:  # the first verifier is still at work when the second comes
        time.sleep(0.5)
        return slow(**kw)

    monkeypatch.setattr(people_services, "person_register", person_register_slowly)
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def verify(user: Any) -> None:
        try:
            start.wait()
            services.arrival_verify(actor=user, report=report, measure=Measure.HOME_ISOLATION, now=local(2026, 3, 2, 11))
            outcomes.append("ordered")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=verify, args=(u,)) for u in (bob, alice)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["already_verified", "ordered"]
    assert ControlOrder.objects.count() == 1
    assert Person.objects.filter(id_number=report.id_number).count() == 1
    assert ArrivalReport.objects.get(pk=report.pk).status == ArrivalStatus.ORDERED
