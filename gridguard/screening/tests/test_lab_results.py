import pytest

from gridguard.control.models import Alert, AlertKind, ControlOrder, ScheduledTest
from gridguard.control.models import TestResult as ControlTestResult
from gridguard.control.services import order_create
from gridguard.core.errors import ApplicationError, PermissionDenied
from gridguard.screening.models import (
    Enrollment,
    HouseholdMark,
    Recall,
    RecallStatus,
    Result,
    Tube,
    TubeStatus,
)
from gridguard.screening.selectors.lab import recall_list, turnaround
from gridguard.screening.services.lab import result_record
from gridguard.screening.services.recall import recalls_open
from gridguard.screening.services.scans import Outcome, scans_submit
from gridguard.screening.tests.conftest import at, code, item
from gridguard.screening.tests.lab_support import apply, fill, make_lab

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(town):
    return make_lab(town)


def retest(sampler, rnd, point, person, tube_code, now=None):
    """A recalled person sampled again in a single tube, closed (full at one)."""
    answer = scans_submit(actor=sampler, rnd=rnd, point=point, device="door-1", now=now or at(16),
                          items=[item(tube_code, code(person), mode="single", device_time=now or at(16))])[0]
    assert answer.outcome == Outcome.RETEST, answer.message
    return Tube.objects.get(code=tube_code)


def test_results_are_recorded_and_enrollments_follow(sampler, rnd, point, residents, lab):
    fill(sampler, rnd, point, "P0000001", residents.east[:10])
    fill(sampler, rnd, point, "P0000002", residents.east[10:12])
    done = apply(lab, rnd, [("P0000001", Result.NEGATIVE), ("P0000002", Result.INVALID)])
    assert (done.applied, done.problems) == (2, [])
    tube = Tube.objects.get(code="P0000001")
    assert (tube.result, tube.status, tube.lab, tube.tested_at) == (Result.NEGATIVE, TubeStatus.RESULTED,
                                                                   "一院检验科", at(14))
    # written as the ORM writes datetimes, so its lookups find them
    assert Tube.objects.filter(tested_at=at(14), result_at=at(15)).count() == 2
    results = dict(Enrollment.objects.filter(round=rnd).values_list("person_id", "result"))
    assert {results[p.pk] for p in residents.east[:10]} == {Result.NEGATIVE}
    assert {results[p.pk] for p in residents.east[10:12]} == {Result.INVALID}
    assert {results[p.pk] for p in residents.west} == {""}


def test_bad_rows_are_each_reported_and_nothing_is_dropped(sampler, rnd, point, residents, lab):
    fill(sampler, rnd, point, "P0000001", residents.east[:5])
    fill(sampler, rnd, point, "P0000002", residents.east[5:7])
    scans_submit(actor=sampler, rnd=rnd, point=point, items=[item("P0000003", code(residents.east[7]))], now=at(10))
    apply(lab, rnd, [("P0000002", Result.NEGATIVE)])

    done = apply(lab, rnd, [
        ("NOSUCH01", Result.NEGATIVE),  # unknown
        ("P0000002", Result.POSITIVE),  # a second, different result
        ("P0000002", Result.NEGATIVE),  # the same result again: a harmless repeat
        ("P0000003", Result.NEGATIVE),  # still open
        ("P0000001", Result.NEGATIVE),
        ("P0000001", Result.POSITIVE),  # differs from the file's own earlier row
    ], all_or_nothing=True)
    codes = [(p.row, p.code) for p in done.problems]
    assert codes == [(2, "tube_unknown"), (3, "result_conflict"), (5, "tube_open"), (7, "result_conflict")]
    assert done.repeats == 1
    assert not done.written and Tube.objects.get(code="P0000001").result == ""  # all or nothing
    done = apply(lab, rnd, [("NOSUCH01", Result.NEGATIVE), ("P0000001", Result.NEGATIVE)])
    assert done.applied == 1 and Tube.objects.get(code="P0000001").result == Result.NEGATIVE


def test_a_tube_of_another_round_is_reported(sampler, rnd, point, residents, lab, street_official):
    from gridguard.screening.services import points, rounds

    fill(sampler, rnd, point, "P0000001", residents.east[:2])
    other = rounds.round_create(actor=street_official, node=rnd.node, name="第二轮", starts_on=rnd.starts_on,
                                ends_on=rnd.ends_on)
    rounds.round_open(actor=street_official, rnd=other, now=at(7))
    other.refresh_from_db()
    points.point_create(actor=street_official, rnd=other, node=point.node, name="二轮点", address="东城路2号",
                        opens_at=at(7), closes_at=at(19))
    done = apply(lab, other, [("P0000001", Result.NEGATIVE)])
    assert [p.code for p in done.problems] == ["tube_other_round"]
    assert "第二轮" in done.problems[0].message


def test_one_result_by_hand_names_each_bad_field(sampler, rnd, point, residents, lab):
    fill(sampler, rnd, point, "P0000001", residents.east[:2])
    with pytest.raises(ApplicationError) as exc:
        result_record(actor=lab, rnd=rnd, tube_code="=HYPERLINK(1)", result="maybe", tested_at="tomorrow",
                      now=at(15))
    assert {e.field for e in exc.value.errors} == {"tube_code", "result", "tested_at"}  # type: ignore[attr-defined]
    result_record(actor=lab, rnd=rnd, tube_code="p0000001", result="阴性", tested_at="2026-12-01 14:00", now=at(15))
    with pytest.raises(ApplicationError) as exc:
        result_record(actor=lab, rnd=rnd, tube_code="P0000001", result="阳性", now=at(15))
    assert exc.value.code == "result_conflict"
    with pytest.raises(PermissionDenied):
        result_record(actor=sampler, rnd=rnd, tube_code="P0000001", result="阴性", now=at(15))


def test_a_lab_sees_no_tube_outside_its_jurisdiction(sampler, rnd, point, residents, town):
    from conftest import _user

    west_lab = _user("lab2", "lab", town.west)
    fill(sampler, rnd, point, "P0000001", residents.east[:2])
    with pytest.raises(ApplicationError) as exc:
        result_record(actor=west_lab, rnd=rnd, tube_code="P0000001", result="阴性", now=at(15))
    assert exc.value.code == "tube_unknown"


def test_a_positive_pool_recalls_everyone_marks_households_and_alerts_after_commit(
    sampler, rnd, point, residents, lab, django_capture_on_commit_callbacks
):
    pool = residents.east[:10]
    fill(sampler, rnd, point, "P0000001", pool)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        done = apply(lab, rnd, [("P0000001", Result.POSITIVE)])
    assert done.recalls == 10
    assert Recall.objects.filter(round=rnd, status=RecallStatus.OPEN).count() == 10
    assert HouseholdMark.objects.filter(round=rnd, lifted_at__isnull=True).count() == 10
    assert not Alert.objects.exists()  # nothing alerted before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    alerts = Alert.objects.filter(kind=AlertKind.RECALL, is_open=True)
    assert alerts.count() == 10 and {a.order_id for a in alerts} == {None}
    assert {a.person_id for a in alerts} == {p.pk for p in pool}
    assert set(Enrollment.objects.filter(person_id__in=[p.pk for p in pool]).values_list("result", flat=True)) == {
        Result.POSITIVE
    }
    # the same positive again recalls no one twice
    with django_capture_on_commit_callbacks(execute=True):
        again = apply(lab, rnd, [("P0000001", Result.POSITIVE)])
    assert again.repeats == 1 and Recall.objects.count() == 10 and Alert.objects.count() == 10


def test_a_rolled_back_file_alerts_no_one(sampler, rnd, point, residents, lab, django_capture_on_commit_callbacks):
    from django.db import transaction

    fill(sampler, rnd, point, "P0000001", residents.east[:3])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            apply(lab, rnd, [("P0000001", Result.POSITIVE)])
            raise RuntimeError("the file's transaction fails after the results")
    assert not Recall.objects.exists() and not Alert.objects.exists()


def test_retests_close_the_recall_order_the_positive_and_lift_the_marks(
    sampler, rnd, point, residents, lab, django_capture_on_commit_callbacks
):
    pool = residents.east[:3]
    fill(sampler, rnd, point, "P0000001", pool)
    with django_capture_on_commit_callbacks(execute=True):
        apply(lab, rnd, [("P0000001", Result.POSITIVE)])
    assert [r.recall.person_id for r in recall_list(scope=_scope(lab), rnd=rnd)] == [p.pk for p in pool]
    for n, person in enumerate(pool):
        retest(sampler, rnd, point, person, f"S000000{n}")
    assert Recall.objects.filter(status=RecallStatus.SAMPLED).count() == 3
    done = apply(lab, rnd, [("S0000000", Result.NEGATIVE), ("S0000001", Result.NEGATIVE),
                            ("S0000002", Result.POSITIVE)], now=at(18))
    assert done.orders == 1
    status = dict(Recall.objects.values_list("person_id", "status"))
    assert [status[p.pk] for p in pool] == [RecallStatus.NEGATIVE, RecallStatus.NEGATIVE, RecallStatus.POSITIVE]
    order = ControlOrder.objects.get(person=pool[2])
    assert (order.category, order.measure, order.status) == ("screen_positive", "central", "active")
    assert Recall.objects.get(person=pool[2]).order_id == order.pk
    marks = dict(HouseholdMark.objects.values_list("household_id", "lifted_at"))
    assert marks[pool[0].household_id] == at(18) and marks[pool[1].household_id] == at(18)
    assert marks[pool[2].household_id] is None  # a positive member: the mark stays
    assert not Alert.objects.filter(kind=AlertKind.RECALL, is_open=True, person__in=pool[:2]).exists()
    results = dict(Enrollment.objects.filter(round=rnd).values_list("person_id", "result"))
    assert [results[p.pk] for p in pool] == [Result.NEGATIVE, Result.NEGATIVE, Result.POSITIVE]
    assert recall_list(scope=_scope(lab), rnd=rnd) == []


def test_a_single_tube_positive_also_makes_a_control_order(sampler, rnd, point, residents, lab):
    fill(sampler, rnd, point, "S0000009", residents.east[:1], mode="single")
    done = apply(lab, rnd, [("S0000009", Result.POSITIVE)])
    assert done.orders == 1 and done.recalls == 0
    assert ControlOrder.objects.get(person=residents.east[0]).category == "screen_positive"


def test_results_of_persons_under_control_fill_their_test_of_the_day(
    sampler, rnd, point, residents, lab, street_official
):
    person = residents.east[0]
    order = order_create(actor=street_official, person=person, category="close_contact", measure="home",
                         start_date=at(8).date(), now=at(8))
    test = ScheduledTest.objects.filter(order=order, date=at(8).date()).first()
    assert test is not None, "the home-isolation policy tests on its first day"
    fill(sampler, rnd, point, "P0000001", [person, *residents.east[1:3]])
    done = apply(lab, rnd, [("P0000001", Result.NEGATIVE)])
    assert done.tests_filled == 1
    test.refresh_from_db()
    assert (test.result, test.result_at) == (ControlTestResult.NEGATIVE, at(14))


def test_turnaround_against_the_target(sampler, rnd, point, residents, lab):
    fill(sampler, rnd, point, "P0000001", residents.east[:2])  # sampled at 09:00:xx
    fill(sampler, rnd, point, "P0000002", residents.east[2:4])
    apply(lab, rnd, [("P0000001", Result.NEGATIVE)])  # tested at 14:00: about 5 h
    table = turnaround(scope=_scope(lab), rnd=rnd, now=at(12) + _days(1))
    assert (table.resulted, table.within, table.over, table.total) == (1, 1, 0, 2)
    assert table.pending_over == 1  # P0000002 has waited more than 24 h by the next noon
    assert table.rows[0].hours == pytest.approx(5.0, abs=0.1)
    rnd.target_hours = 4
    assert turnaround(scope=_scope(lab), rnd=rnd, now=at(15)).over == 1


def test_charlie_sees_no_recall_of_another_grid(sampler, rnd, point, residents, lab, charlie):
    fill(sampler, rnd, point, "P0000001", residents.east[:3])
    recalls_open(rnd=rnd, pool_ids=[Tube.objects.get(code="P0000001").pk], now=at(15))
    assert len(recall_list(scope=_scope(lab), rnd=rnd)) == 3
    assert recall_list(scope=_scope(charlie), rnd=rnd) == []


def _scope(user):
    from gridguard.accounts.scope import scope_for

    return scope_for(user)


def _days(n):
    import datetime as dt

    return dt.timedelta(days=n)
