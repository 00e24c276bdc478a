import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import _user, idno
from gridguard.accounts.scope import scope_for
from gridguard.control import selectors, services
from gridguard.control.models import (
    Alert,
    AlertKind,
    ArrivalReport,
    ArrivalStatus,
    Category,
    ControlOrder,
    HealthCheck,
    Measure,
    NeedStatus,
    OrderStatus,
    OrderStep,
    Policy,
    PolicyChange,
    PolicySet,
    ScheduledTest,
    Symptom,
    TeamMember,
    TeamRole,
)
from gridguard.control.models import (
    TestResult as Result,
)
from gridguard.control.tests.conftest import local, utc
from gridguard.core.errors import ApplicationError, NotFound, PermissionDenied
from gridguard.people.models import Person

TWICE = "06:00-12:00,12:00-20:00"
GAPPED = "06:00-12:00,18:00-24:00"
START = local(2026, 3, 1, 9, 0)


def _order(
    actor, person, category=Category.CLOSE_CONTACT, measure=Measure.CENTRAL_ISOLATION, now=START, **kw
):
    return services.order_create(
        actor=actor, person=person, category=category, measure=measure, now=now, **kw
    )


def _tests(order, **filters):
    return list(
        ScheduledTest.objects.filter(order=order, **filters)
        .order_by("date", "id")
        .values_list("day_no", "date", "result")
    )


def _negative(actor, order, now, **filters):
    for test in ScheduledTest.objects.filter(order=order, result=Result.PENDING, **filters):
        services.test_record(actor=actor, test=test, result=Result.NEGATIVE, now=now)


def _reasons(actor, order, now):
    with pytest.raises(ApplicationError) as err:
        services.order_release(actor=actor, order=order, now=now)
    assert err.value.code == "release_blocked"
    assert err.value.message.startswith("尚不能解除：")
    return err.value.extra["reasons"]


def _steps(order):
    return list(OrderStep.objects.filter(order=order).order_by("at", "id").values_list("kind", flat=True))


# --- policies -------------------------------------------------------------------------------


def test_national_9_is_the_current_policy_set(db):
    assert services.current_policy_set().code == "national_9"
    policy = services.policy_for(Category.CLOSE_CONTACT, Measure.CENTRAL_ISOLATION)
    assert (policy.category, policy.days, policy.test_days) == ("close_contact", 7, [1, 2, 3, 5, 7])
    assert policy.next_policy.measure == Measure.HOME_MONITORING and policy.next_policy.days == 3
    # the follow-up stage is reached only through next_policy, never chosen directly
    direct = services.policy_for(Category.CLOSE_CONTACT, Measure.HOME_MONITORING)
    assert direct.category == "" and direct.days == 7


def test_only_the_policy_right_switches_the_policy_set(persons, admin_user, street_official, bob):
    seeds = PolicySet.objects.get(code="seeds_14d")
    with pytest.raises(PermissionDenied):
        services.policy_set_choose(actor=bob, policy_set=seeds)
    services.policy_set_choose(actor=street_official, policy_set=seeds, now=START)
    change = PolicyChange.objects.get()
    assert (change.kind, change.policy_set, change.actor, change.at) == ("choose", seeds, street_official, START)
    services.policy_set_choose(actor=admin_user, policy_set=seeds)
    assert list(PolicySet.objects.filter(is_current=True).values_list("code", flat=True)) == ["seeds_14d"]
    order = _order(bob, persons.zs)
    assert order.policy.policy_set == seeds
    assert (order.stage_end, order.end_date) == (dt.date(2026, 3, 14), dt.date(2026, 3, 14))
    assert [n for n, _d, _r in _tests(order)] == [1, 14]


def _close_contact_policy():
    return Policy.objects.get(policy_set__code="national_9", category=Category.CLOSE_CONTACT, measure="central")


def test_a_policy_is_edited_with_history_and_running_orders_keep_their_stage(persons, street_official, bob):
    order = _order(bob, persons.zs)
    policy = _close_contact_policy()
    services.policy_update(
        actor=street_official,
        policy=policy,
        days="10",
        check_slots="08:00-20:00,20:00-08:00",
        test_days="1, 4, 7，10",
        next_policy=policy.next_policy,
        note="按上级通知调整",
        now=local(2026, 3, 2, 9),
    )
    policy.refresh_from_db()
    assert (policy.days, policy.check_slots, policy.test_days) == (10, "08:00-20:00,20:00-08:00", [1, 4, 7, 10])
    change = PolicyChange.objects.get(kind="edit")
    assert change.policy == policy and change.actor == street_official and change.applied_orders == 0
    assert change.changes == {
        "days": [7, 10],
        "check_slots": ["06:00-12:00,12:00-20:00", "08:00-20:00,20:00-08:00"],
        "test_days": [[1, 2, 3, 5, 7], [1, 4, 7, 10]],
        "note": ["", "按上级通知调整"],
    }
    # the running order keeps what it was ordered with
    order.refresh_from_db()
    assert (order.stage_end, order.end_date, order.check_slots) == (
        dt.date(2026, 3, 7),
        dt.date(2026, 3, 10),
        "06:00-12:00,12:00-20:00",
    )
    assert [n for n, _d, _r in _tests(order)] == [1, 2, 3, 5, 7]
    # a new order follows the new policy
    new = _order(street_official, persons.ww, now=local(2026, 3, 2, 10))
    assert (new.stage_end, new.end_date, new.check_slots) == (
        dt.date(2026, 3, 11),
        dt.date(2026, 3, 14),
        "08:00-20:00,20:00-08:00",
    )
    assert [n for n, _d, _r in _tests(new)] == [1, 4, 7, 10]


def test_an_edit_applied_to_running_orders_moves_their_stage_and_tests(persons, street_official, bob):
    order = _order(bob, persons.zs)
    _negative(bob, order, local(2026, 3, 2, 10), day_no__lte=2)
    services.order_extend(actor=bob, order=order, days=2, now=local(2026, 3, 2, 11))  # to 3-9, test moved
    policy = _close_contact_policy()
    services.policy_update(
        actor=street_official,
        policy=policy,
        days=10,
        check_slots="07:00-19:00",
        test_days=[1, 4, 10],
        next_policy=policy.next_policy,
        apply_running=True,
        now=local(2026, 3, 3, 9),
    )
    order.refresh_from_db()
    # three more days on top of the two of the extension; the last-day test on the new last day
    assert (order.stage_end, order.end_date, order.check_slots) == (
        dt.date(2026, 3, 12),
        dt.date(2026, 3, 15),
        "07:00-19:00",
    )
    assert _tests(order) == [
        (1, dt.date(2026, 3, 1), "negative"),
        (2, dt.date(2026, 3, 2), "negative"),  # done: kept
        (3, dt.date(2026, 3, 3), "cancelled"),
        (4, dt.date(2026, 3, 4), "pending"),
        (5, dt.date(2026, 3, 5), "cancelled"),
        (9, dt.date(2026, 3, 9), "cancelled"),  # the extension's last day: no longer the last
        (12, dt.date(2026, 3, 12), "pending"),
    ]
    assert PolicyChange.objects.get(kind="edit").applied_orders == 1
    assert _steps(order)[-1] == OrderStep.Kind.POLICY


def test_a_policy_edit_is_checked_naming_every_wrong_field(street_official):
    policy = _close_contact_policy()
    with pytest.raises(ApplicationError) as err:
        services.policy_update(
            actor=street_official,
            policy=policy,
            days="0",
            check_slots="8点到12点",
            test_days="1, 9",
            next_policy=policy,
        )
    assert {e.field for e in err.value.errors} == {"days", "check_slots", "next_policy"}  # type: ignore[attr-defined]
    with pytest.raises(ApplicationError) as err:
        services.policy_update(actor=street_official, policy=policy, days=7, check_slots="", test_days="8")
    assert {e.field for e in err.value.errors} == {"check_slots", "test_days"}  # type: ignore[attr-defined]
    # a next stage that leads back here, or one of another set, is refused
    following = policy.next_policy
    with pytest.raises(ApplicationError) as err:
        services.policy_update(
            actor=street_official, policy=following, days=3, check_slots=TWICE, test_days=[3], next_policy=policy
        )
    assert err.value.field == "next_policy"
    other = Policy.objects.filter(policy_set__code="seeds_14d").first()
    with pytest.raises(ApplicationError) as err:
        services.policy_update(
            actor=street_official, policy=policy, days=7, check_slots=TWICE, test_days=[7], next_policy=other
        )
    assert err.value.field == "next_policy"
    assert not PolicyChange.objects.exists()


def test_only_the_policy_right_edits_a_policy(bob, alice):
    policy = _close_contact_policy()
    for user in (bob, alice):
        with pytest.raises(PermissionDenied):
            services.policy_update(actor=user, policy=policy, days=8, check_slots=TWICE, test_days=[1])
    policy.refresh_from_db()
    assert policy.days == 7


# --- orders ---------------------------------------------------------------------------------


def test_close_contact_is_seven_days_central_then_three_days_home_monitoring(persons, bob):
    order = _order(bob, persons.zs, source="协查名单")
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE and order.measure == Measure.CENTRAL_ISOLATION
    assert order.policy.category == Category.CLOSE_CONTACT and order.policy.policy_set.code == "national_9"
    assert (order.start_date, order.stage_start) == (dt.date(2026, 3, 1), dt.date(2026, 3, 1))
    assert order.stage_end == dt.date(2026, 3, 7)
    assert order.end_date == dt.date(2026, 3, 10) and order.days == 10
    assert order.check_slots == TWICE and order.place == ""
    assert order.node_path == persons.zs.node_path and order.household_id == persons.east.pk
    assert order.created_by == bob and order.source == "协查名单"
    assert _tests(order) == [
        (1, dt.date(2026, 3, 1), "pending"),
        (2, dt.date(2026, 3, 2), "pending"),
        (3, dt.date(2026, 3, 3), "pending"),
        (5, dt.date(2026, 3, 5), "pending"),
        (7, dt.date(2026, 3, 7), "pending"),
    ]
    step = OrderStep.objects.get(order=order)
    assert step.kind == OrderStep.Kind.CREATE and step.actor == bob and step.date == dt.date(2026, 3, 1)
    assert step.detail["end_date"] == "2026-03-10"


def test_home_isolation_takes_the_household_address(persons, bob):
    order = _order(bob, persons.zs, category=Category.SECONDARY_CONTACT, measure=Measure.HOME_ISOLATION)
    assert order.place == persons.east.address and order.place
    assert (order.stage_end, order.end_date) == (dt.date(2026, 3, 7), dt.date(2026, 3, 7))
    assert [n for n, _d, _r in _tests(order)] == [1, 4, 7]
    assert selectors.household_isolation(persons.east.pk) == order
    assert selectors.household_isolation(persons.west.pk) is None


def test_a_category_without_its_own_policy_takes_the_measures_default(persons, bob):
    order = _order(bob, persons.zs, category=Category.FEVER, measure=Measure.CENTRAL_ISOLATION)
    assert order.policy.category == "" and order.policy.next_policy is None
    assert order.end_date == order.stage_end == dt.date(2026, 3, 7)


def test_a_second_active_order_is_refused(persons, bob):
    first = _order(bob, persons.zs)
    with pytest.raises(ApplicationError) as err:
        _order(bob, persons.zs, category=Category.FEVER, measure=Measure.HOME_ISOLATION)
    assert err.value.code == "order_exists" and err.value.field == "person"
    assert err.value.extra == {"order_id": first.pk}
    assert ControlOrder.objects.filter(person=persons.zs).count() == 1
    # once the first is withdrawn a new one may be made
    services.order_cancel(actor=bob, order=first, reason="录入错误", now=START)
    second = _order(bob, persons.zs, now=local(2026, 3, 2))
    assert second.pk != first.pk and _tests(first) == [(n, d, "cancelled") for n, d, _r in _tests(first)]


def test_a_grid_worker_cannot_order_a_person_of_another_grid(persons, charlie):
    with pytest.raises(NotFound):
        _order(charlie, persons.zs)
    assert not ControlOrder.objects.exists()
    assert _order(charlie, persons.ww).node_path == persons.ww.node_path


def test_a_role_without_control_rights_is_refused(persons, town):
    chief = _user("lou", "building_chief", town.a1_b1)
    with pytest.raises(PermissionDenied):
        _order(chief, persons.zs)


def test_order_input_is_checked(persons, bob):
    with pytest.raises(ApplicationError) as err:
        _order(bob, persons.zs, start_date=dt.date(2026, 3, 2))
    assert err.value.code == "start_future" and err.value.field == "start_date"
    with pytest.raises(ApplicationError) as err:
        _order(bob, persons.zs, measure="hotel")
    assert err.value.code == "bad_choice" and err.value.field == "measure"
    with pytest.raises(ApplicationError) as err:
        _order(bob, persons.zs, category="tourist")
    assert err.value.field == "category"
    assert not ControlOrder.objects.exists()


# --- three-to-one teams ---------------------------------------------------------------------


def test_a_full_team_is_suggested_from_the_staff_above_the_person(persons, staff, bob, doctor):
    order = _order(bob, persons.zs)
    team = {(m.role, m.name) for m in TeamMember.objects.filter(order=order)}
    assert team == {
        (TeamRole.TOWN_CADRE, "镇干部甲"),
        (TeamRole.VILLAGE_CADRE, "两委甲"),
        (TeamRole.VILLAGE_CADRE, "两委乙"),
        (TeamRole.MEDIC, "孙医生"),
    }
    assert TeamMember.objects.get(order=order, role=TeamRole.MEDIC).user == doctor
    assert order.team_complete is True
    order.refresh_from_db()
    assert order.team_complete is True and selectors.team_missing(order) == []


def test_without_staff_the_team_is_incomplete(persons, bob):
    order = _order(bob, persons.zs)
    order.refresh_from_db()
    assert order.team_complete is False and not TeamMember.objects.filter(order=order).exists()
    assert selectors.team_missing(order) == [
        "镇干部 还差 1 人",
        "村（社区）干部 还差 2 人",
        "医务人员 还差 1 人",
    ]


def test_team_set_takes_only_candidates(persons, staff, town, bob):
    from gridguard.grids.models import Duty, StaffAssignment

    order = _order(bob, persons.zs)
    west = StaffAssignment.objects.create(node=town.west, duty=Duty.COMMITTEE, name="西城两委")
    with pytest.raises(ApplicationError) as err:
        services.team_set(actor=bob, order=order, members=[(TeamRole.VILLAGE_CADRE, west.pk)])
    assert err.value.code == "bad_member"
    with pytest.raises(ApplicationError) as err:
        services.team_set(actor=bob, order=order, members=[(TeamRole.VILLAGE_CADRE, staff.gone.pk)])
    assert err.value.code == "bad_member"
    with pytest.raises(ApplicationError) as err:
        services.team_set(
            actor=bob,
            order=order,
            members=[
                (TeamRole.VILLAGE_CADRE, staff.committee1.pk),
                (TeamRole.VILLAGE_CADRE, staff.committee1.pk),
            ],
        )
    assert err.value.code == "duplicate_member"
    services.team_set(
        actor=bob,
        order=order,
        members=[(TeamRole.TOWN_CADRE, staff.cadre.pk), (TeamRole.MEDIC, staff.medic.pk)],
    )
    order.refresh_from_db()
    assert order.team_complete is False
    assert selectors.team_missing(order) == ["村（社区）干部 还差 2 人"]
    assert _steps(order)[-1] == OrderStep.Kind.TEAM


def test_a_team_member_without_jurisdiction_sees_the_order(persons, staff, bob, doctor, charlie):
    order = _order(bob, persons.zs)
    assert selectors.order_get(user=doctor, pk=order.pk) == order
    with pytest.raises(NotFound):
        selectors.order_get(user=charlie, pk=order.pk)
    rows = selectors.my_persons_today(user=doctor, now=local(2026, 3, 1, 13))
    assert [r.order for r in rows] == [order]
    assert rows[0].day_no == 1 and [t.day_no for t in rows[0].tests_due] == [1]


# --- the team's phone -------------------------------------------------------------------------


def test_the_team_sees_the_persons_phone_once_audited_per_day(persons, staff, bob, charlie, town):
    from gridguard.accounts.models import AuditLog
    from gridguard.grids.models import Duty, StaffAssignment

    order = _order(bob, persons.zs)
    mine = StaffAssignment.objects.create(node=town.a1, duty=Duty.GRID_WORKER, name="鲍勃", user=bob)
    services.team_set(
        actor=bob,
        order=order,
        members=[
            ("town_cadre", staff.cadre.pk),
            ("village_cadre", staff.committee1.pk),
            ("village_cadre", mine.pk),
            ("medic", staff.medic.pk),
        ],
    )
    assert not scope_for(bob).has("people.reveal")  # a grid worker's role may not reveal
    assert services.team_phones(actor=bob, orders=[order]) == {order.pk: "13812345678"}
    reveals = AuditLog.objects.filter(action=AuditLog.Action.REVEAL, actor=bob)
    assert reveals.count() == 1
    record = reveals.get()
    assert (record.object_type, record.object_id, record.node_path) == (
        "control.controlorder",
        str(order.pk),
        order.node_path,
    )
    assert record.detail == {"fields": ["联系电话"], "reason": "三包一成员联系管控对象"}
    # the same day: no second record; the next day: one more
    services.team_phones(actor=bob, orders=[order])
    assert reveals.count() == 1
    reveals.update(at=timezone.now() - dt.timedelta(days=1))
    services.team_phones(actor=bob, orders=[order])
    assert reveals.count() == 2
    # not on the team (charlie), or a person without a phone: nothing shown, nothing recorded
    assert services.team_phones(actor=charlie, orders=[order]) == {}
    assert not AuditLog.objects.filter(action=AuditLog.Action.REVEAL, actor=charlie).exists()


# --- release --------------------------------------------------------------------------------


def test_release_waits_for_the_days_the_tests_and_the_alerts(persons, bob):
    order = _order(bob, persons.zs)
    assert _reasons(bob, order, local(2026, 3, 4, 10)) == [
        "管控期未满：2026-03-07 为最后一天，当天最后一次核酸检测（第 7 天）阴性后方可解除",
        "第 1 天（2026-03-01）核酸检测：待检测",
        "第 2 天（2026-03-02）核酸检测：待检测",
        "第 3 天（2026-03-03）核酸检测：待检测",
        "第 5 天（2026-03-05）核酸检测：待检测",
        "第 7 天（2026-03-07）核酸检测：待检测",
    ]
    # the last day counts once its last test is negative
    _negative(bob, order, local(2026, 3, 6, 10), day_no__lt=7)
    assert _reasons(bob, order, local(2026, 3, 7, 8)) == [
        "管控期未满：2026-03-07 为最后一天，当天最后一次核酸检测（第 7 天）阴性后方可解除",
        "第 7 天（2026-03-07）核酸检测：待检测",
    ]


def test_close_contact_release_moves_to_home_monitoring_then_ends(persons, bob):
    order = _order(bob, persons.zs)
    day8 = local(2026, 3, 8, 10)
    # a test not yet due cannot be recorded
    day7 = ScheduledTest.objects.get(order=order, day_no=7)
    with pytest.raises(ApplicationError) as err:
        services.test_record(actor=bob, test=day7, result=Result.NEGATIVE, now=local(2026, 3, 6, 10))
    assert err.value.code == "test_future"
    _negative(bob, order, local(2026, 3, 7, 10), day_no__lt=7)

    # a pending test
    assert _reasons(bob, order, day8) == ["第 7 天（2026-03-07）核酸检测：待检测"]
    services.test_record(actor=bob, test=day7, result=Result.SAMPLED, now=local(2026, 3, 7, 10))
    assert _reasons(bob, order, day8) == ["第 7 天（2026-03-07）核酸检测：已采样"]
    day7.refresh_from_db()
    services.test_record(actor=bob, test=day7, result=Result.NEGATIVE, now=local(2026, 3, 8, 8))

    # an open alert
    result = services.check_record(order=order, temperature="38.1", actor=bob, now=local(2026, 3, 8, 9))
    assert _reasons(bob, order, day8) == ["未处置的预警：发热 2026-03-08 38.1℃"]
    services.alert_resolve(actor=bob, alert=result.alerts[0], resolution="复测 36.8℃", now=day8)

    # the central stage ends: the order moves on to home health monitoring
    released = services.order_release(actor=bob, order=order, now=day8)
    order.refresh_from_db()
    for o in (released, order):
        assert o.status == OrderStatus.ACTIVE and o.measure == Measure.HOME_MONITORING
        assert o.policy.category == Category.CLOSE_CONTACT and o.policy.days == 3
        assert (o.stage_start, o.stage_end, o.end_date) == (
            dt.date(2026, 3, 8),
            dt.date(2026, 3, 10),
            dt.date(2026, 3, 10),
        )
        assert o.place == persons.east.address and o.notice_no == ""
    assert _tests(order, policy=order.policy) == [(3, dt.date(2026, 3, 10), "pending")]
    assert _steps(order) == [OrderStep.Kind.CREATE, OrderStep.Kind.NEXT_STAGE]
    assert selectors.household_isolation(persons.east.pk) == order

    # the home stage has its own days and test; the central stage's tests no longer count
    assert _reasons(bob, order, local(2026, 3, 10, 21)) == [
        "管控期未满：2026-03-10 为最后一天，当天最后一次核酸检测（第 3 天）阴性后方可解除",
        "第 3 天（2026-03-10）核酸检测：待检测",
    ]
    link, key = services.link_issue(actor=bob, order=order, now=day8)
    _negative(bob, order, local(2026, 3, 11, 9))
    done = services.order_release(actor=bob, order=order, note="期满", now=local(2026, 3, 11, 10))
    order.refresh_from_db()
    assert order.status == done.status == OrderStatus.RELEASED
    assert order.notice_no == f"JC20260311-{order.pk:06d}"
    assert order.released_by == bob and order.released_at == local(2026, 3, 11, 10)
    assert _steps(order)[-1] == OrderStep.Kind.RELEASE
    link.refresh_from_db()
    assert link.revoked_at is not None
    with pytest.raises(NotFound):
        services.link_order(key)
    with pytest.raises(ApplicationError) as err:
        services.order_release(actor=bob, order=order, now=local(2026, 3, 12))
    assert err.value.code == "order_closed"
    assert selectors.household_isolation(persons.east.pk) is None


def test_a_close_contact_is_released_on_day_10_when_every_test_is_negative(persons, bob):
    """9th edition: 7 days central isolation (tests on days 1, 2, 3, 5, 7), then 3 days of home
    health monitoring (a test on its day 3). Day 10 is the last day: with every test negative the
    person is released that day, not the next."""
    order = _order(bob, persons.zs)
    _negative(bob, order, local(2026, 3, 7, 10))
    # day 7: its test is negative, so the central stage ends today; the home stage is days 8 to 10
    services.order_release(actor=bob, order=order, now=local(2026, 3, 7, 16))
    order.refresh_from_db()
    assert order.measure == Measure.HOME_MONITORING
    assert (order.stage_start, order.stage_end, order.end_date) == (
        dt.date(2026, 3, 8),
        dt.date(2026, 3, 10),
        dt.date(2026, 3, 10),
    )
    assert _tests(order, policy=order.policy) == [(3, dt.date(2026, 3, 10), "pending")]
    # a check on the evening of day 7, after the move home, still counts
    services.check_record(order=order, temperature="36.6", actor=bob, now=local(2026, 3, 7, 19))
    # day 9: not yet
    assert _reasons(bob, order, local(2026, 3, 9, 20)) == [
        "管控期未满：2026-03-10 为最后一天，当天最后一次核酸检测（第 3 天）阴性后方可解除",
        "第 3 天（2026-03-10）核酸检测：待检测",
    ]
    # day 10, the test negative: released on day 10
    _negative(bob, order, local(2026, 3, 10, 12))
    services.order_release(actor=bob, order=order, now=local(2026, 3, 10, 15))
    order.refresh_from_db()
    assert order.status == OrderStatus.RELEASED and order.notice_no == f"JC20260310-{order.pk:06d}"


def test_a_positive_test_raises_an_alert_and_blocks_release(persons, bob):
    order = _order(bob, persons.zs, category=Category.SECONDARY_CONTACT, measure=Measure.HOME_ISOLATION)
    _negative(bob, order, local(2026, 3, 7, 10), day_no__lt=7)
    services.test_record(
        actor=bob,
        test=ScheduledTest.objects.get(order=order, day_no=7),
        result=Result.POSITIVE,
        now=local(2026, 3, 7, 18),
    )
    alert = Alert.objects.get(order=order)
    assert alert.kind == AlertKind.POSITIVE and alert.detail == "第 7 天核酸检测阳性"
    assert _reasons(bob, order, local(2026, 3, 8)) == [
        "第 7 天（2026-03-07）核酸检测：阳性",
        "未处置的预警：核酸阳性 2026-03-07 第 7 天核酸检测阳性",
    ]


def test_others_cannot_release(persons, bob, charlie):
    order = _order(bob, persons.zs)
    with pytest.raises(NotFound):
        services.order_release(actor=charlie, order=order, now=local(2026, 3, 20))


# --- health checks --------------------------------------------------------------------------


def test_a_fever_raises_an_alert(persons, bob):
    order = _order(bob, persons.zs)
    result = services.check_record(order=order, temperature="38.1", actor=bob, now=local(2026, 3, 1, 13))
    check = result.check
    assert (check.slot_date, check.slot, check.temperature) == (dt.date(2026, 3, 1), 1, Decimal("38.1"))
    assert check.by == bob and not check.self_reported
    [alert] = result.alerts
    assert alert.kind == AlertKind.FEVER and alert.detail == "38.1℃" and alert.is_open
    assert alert.check_ref == check and (alert.slot_date, alert.slot) == (dt.date(2026, 3, 1), 1)
    assert alert.node_path == order.node_path
    assert list(Alert.objects.filter(order=order)) == [alert]


def test_a_symptom_without_fever_raises_a_symptom_alert(persons, bob):
    order = _order(bob, persons.zs)
    result = services.check_record(
        order=order, temperature=36.5, symptoms=[Symptom.COUGH], actor=bob, now=local(2026, 3, 1, 10)
    )
    assert result.check.symptoms == Symptom.COUGH and result.check.symptom_names == ["咳嗽"]
    [alert] = result.alerts
    assert alert.kind == AlertKind.SYMPTOM and alert.detail == "36.5℃ 咳嗽"


def test_a_fever_with_symptoms_is_a_fever_alert(persons, bob):
    order = _order(bob, persons.zs)
    result = services.check_record(
        order=order, temperature="38.5℃", symptoms=["2", 4], actor=bob, now=local(2026, 3, 1, 10)
    )
    [alert] = result.alerts
    assert alert.kind == AlertKind.FEVER and alert.detail == "38.5℃ 咳嗽、咽痛"


def test_a_normal_check_raises_nothing(persons, bob):
    order = _order(bob, persons.zs)
    result = services.check_record(order=order, temperature=36.5, actor=bob, now=local(2026, 3, 1, 10))
    assert result.alerts == [] and not Alert.objects.exists()
    assert HealthCheck.objects.get(order=order).temperature == Decimal("36.5")


def test_check_input_is_checked(persons, bob):
    order = _order(bob, persons.zs)
    now = local(2026, 3, 2, 10)
    with pytest.raises(ApplicationError) as err:
        services.check_record(order=order, temperature=45, actor=bob, now=now)
    assert err.value.field == "temperature"
    with pytest.raises(ApplicationError) as err:
        services.check_record(order=order, temperature=36.5, symptoms=[3], actor=bob, now=now)
    assert err.value.code == "bad_symptom"
    with pytest.raises(ApplicationError) as err:
        services.check_record(order=order, temperature=36.5, actor=bob, at=local(2026, 3, 2, 11), now=now)
    assert err.value.code == "at_future"
    with pytest.raises(ApplicationError) as err:  # before the order began
        services.check_record(order=order, temperature=36.5, actor=bob, at=local(2026, 2, 28, 10), now=now)
    assert err.value.code == "out_of_order"
    assert not HealthCheck.objects.exists()


def test_who_may_record_a_check(persons, staff, bob, charlie, doctor):
    order = _order(bob, persons.zs)
    now = local(2026, 3, 1, 10)
    with pytest.raises(NotFound):
        services.check_record(order=order, temperature=36.5, actor=charlie, now=now)
    with pytest.raises(PermissionDenied):
        services.check_record(order=order, temperature=36.5, actor=None, now=now)
    # a team member outside the jurisdiction, and the person themselves through a link
    assert services.check_record(order=order, temperature=36.5, actor=doctor, now=now).check.by == doctor
    own = services.check_record(order=order, temperature=36.6, self_reported=True, now=now).check
    assert own.self_reported and own.by is None


# --- missed checks --------------------------------------------------------------------------


def _missed(order=None):
    qs = Alert.objects.filter(kind=AlertKind.MISSED)
    if order is not None:
        qs = qs.filter(order=order)
    return sorted(qs.values_list("order_id", "slot_date", "slot"))


def test_missed_checks_one_alert_per_order_and_slot_and_idempotent(persons, bob, charlie):
    zs = _order(bob, persons.zs, now=local(2026, 3, 1, 5))
    ww = _order(charlie, persons.ww, now=local(2026, 3, 1, 5))
    now = local(2026, 3, 1, 20, 5)
    assert services.missed_checks_detect(now=now) == 4
    day = dt.date(2026, 3, 1)
    assert _missed() == sorted([(zs.pk, day, 0), (zs.pk, day, 1), (ww.pk, day, 0), (ww.pk, day, 1)])
    alert = Alert.objects.get(order=zs, kind=AlertKind.MISSED, slot=1)
    assert (
        alert.is_open
        and alert.node_path == zs.node_path
        and alert.detail == "2026-03-01 12:00-20:00 未测体温"
    )
    assert alert.raised_at == now
    # run twice: nothing new
    assert services.missed_checks_detect(now=now) == 0
    assert services.missed_checks_detect(now=local(2026, 3, 1, 23)) == 0
    assert Alert.objects.count() == 4


def test_missed_checks_run_one_statement_per_slot_not_per_order(persons, bob, charlie):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _order(bob, persons.zs, now=local(2026, 3, 1, 5))
    _order(charlie, persons.ww, now=local(2026, 3, 1, 5))
    with CaptureQueriesContext(connection) as queries:
        services.missed_checks_detect(now=local(2026, 3, 1, 20, 5), days_back=0)
    inserts = [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 2  # two ended slots, one shared layout: not one statement per order


def test_no_missed_alert_for_a_slot_with_a_check(persons, bob):
    order = _order(bob, persons.zs, now=local(2026, 3, 1, 5))
    services.check_record(order=order, temperature=36.5, actor=bob, now=local(2026, 3, 1, 7))
    assert services.missed_checks_detect(now=local(2026, 3, 1, 20, 1)) == 1
    assert _missed(order) == [(order.pk, dt.date(2026, 3, 1), 1)]


def test_no_missed_alert_before_the_slot_ends(persons, bob):
    _order(bob, persons.zs, now=local(2026, 3, 1, 5))
    assert services.missed_checks_detect(now=local(2026, 3, 1, 11, 59)) == 0
    assert services.missed_checks_detect(now=local(2026, 3, 1, 12, 0)) == 1


def test_no_missed_alert_for_an_order_made_after_the_slot_began(persons, bob):
    order = _order(bob, persons.zs, now=local(2026, 3, 1, 13))
    # 06-12 and 12-20 both began before the order was made
    assert services.missed_checks_detect(now=local(2026, 3, 1, 20, 5)) == 0
    # the next day's slots are asked for
    assert services.missed_checks_detect(now=local(2026, 3, 2, 12, 5)) == 1
    assert _missed(order) == [(order.pk, dt.date(2026, 3, 2), 0)]


def test_an_order_made_in_the_past_is_not_asked_for_past_slots(persons, bob):
    order = _order(bob, persons.zs, start_date=dt.date(2026, 2, 27), now=local(2026, 3, 1, 5))
    assert order.stage_start == dt.date(2026, 2, 27)
    assert services.missed_checks_detect(now=local(2026, 3, 1, 12, 5)) == 1
    assert _missed(order) == [(order.pk, dt.date(2026, 3, 1), 0)]


def test_no_missed_alert_for_ended_orders(persons, bob, charlie):
    zs = _order(bob, persons.zs, now=local(2026, 3, 1, 5))
    ww = _order(charlie, persons.ww, now=local(2026, 3, 1, 5))
    services.order_cancel(actor=charlie, order=ww, reason="重复", now=local(2026, 3, 1, 6))
    assert services.missed_checks_detect(now=local(2026, 3, 1, 12, 5)) == 1
    assert _missed() == [(zs.pk, dt.date(2026, 3, 1), 0)]


def test_missed_checks_across_midnight_in_shanghai(persons, bob):
    # made at 05:00 on the 24th in Shanghai (21:00 UTC on the 23rd)
    order = _order(bob, persons.zs, now=utc(2026, 11, 23, 21, 0))
    assert order.start_date == dt.date(2026, 11, 24)
    ControlOrder.objects.filter(pk=order.pk).update(check_slots=GAPPED)
    # 15:55 UTC is 23:55 in Shanghai: only the morning slot has ended
    assert services.missed_checks_detect(now=utc(2026, 11, 24, 15, 55)) == 1
    assert _missed(order) == [(order.pk, dt.date(2026, 11, 24), 0)]
    # 16:05 UTC is 00:05 on the 25th: the 24th's evening slot has ended, counted for the 24th
    assert services.missed_checks_detect(now=utc(2026, 11, 24, 16, 5)) == 1
    assert _missed(order) == [(order.pk, dt.date(2026, 11, 24), 0), (order.pk, dt.date(2026, 11, 24), 1)]
    assert services.missed_checks_detect(now=utc(2026, 11, 24, 16, 5)) == 0


NIGHT = "08:00-20:00,20:00-08:00"


def test_a_slot_across_midnight_is_missed_only_once_it_ends_the_next_morning(persons, bob, charlie):
    zs = _order(bob, persons.zs, now=local(2026, 3, 1, 7))
    ww = _order(charlie, persons.ww, now=local(2026, 3, 1, 7))
    ControlOrder.objects.filter(pk__in=[zs.pk, ww.pk]).update(check_slots=NIGHT)
    zs.refresh_from_db()
    services.check_record(order=zs, temperature="36.5", actor=bob, now=local(2026, 3, 1, 10))
    # 张三 is checked at 03:00: that counts for the night slot that began on the 1st
    result = services.check_record(order=zs, temperature="36.6", actor=bob, now=local(2026, 3, 2, 3))
    assert (result.check.slot_date, result.check.slot) == (dt.date(2026, 3, 1), 1)
    day = dt.date(2026, 3, 1)
    # at 23:00 on the 1st the night slot is still running; 王五 has missed the day slot only
    assert services.missed_checks_detect(now=local(2026, 3, 1, 23)) == 1
    assert _missed() == [(ww.pk, day, 0)]
    # 07:59 on the 2nd: still running
    assert services.missed_checks_detect(now=local(2026, 3, 2, 7, 59)) == 0
    # 08:00 on the 2nd: it has ended; 王五 missed it, 张三 did not
    assert services.missed_checks_detect(now=local(2026, 3, 2, 8)) == 1
    assert _missed() == [(ww.pk, day, 0), (ww.pk, day, 1)]
    assert Alert.objects.get(order=ww, slot=1).detail == "2026-03-01 20:00-08:00 未测体温"


def test_the_today_list_shows_last_nights_slot_until_it_ends(persons, staff, bob, doctor):
    order = _order(bob, persons.zs, now=local(2026, 3, 1, 7))
    ControlOrder.objects.filter(pk=order.pk).update(check_slots=NIGHT)
    order.refresh_from_db()
    services.check_record(order=order, temperature="36.6", actor=doctor, now=local(2026, 3, 2, 3))
    [row] = selectors.my_persons_today(user=doctor, now=local(2026, 3, 2, 3, 30))
    assert row.slots == [("昨日 20:00-08:00", True), ("08:00-20:00", False), ("20:00-08:00", False)]
    [row] = selectors.my_persons_today(user=doctor, now=local(2026, 3, 2, 9))
    assert row.slots == [("08:00-20:00", False), ("20:00-08:00", False)]


def test_a_late_check_closes_the_missed_alert(persons, bob):
    order = _order(bob, persons.zs, now=local(2026, 3, 1, 5))
    assert services.missed_checks_detect(now=local(2026, 3, 1, 20, 5)) == 2
    result = services.check_record(order=order, temperature="36.7", actor=bob, now=local(2026, 3, 1, 20, 30))
    assert (result.check.slot_date, result.check.slot) == (dt.date(2026, 3, 1), 1)
    evening = Alert.objects.get(order=order, kind=AlertKind.MISSED, slot=1)
    assert not evening.is_open and evening.resolved_by == bob and evening.resolution == "已补测 36.7℃"
    assert evening.resolved_at == local(2026, 3, 1, 20, 30)
    assert Alert.objects.get(order=order, kind=AlertKind.MISSED, slot=0).is_open
    # the evening slot now has a check: it is not raised again
    assert services.missed_checks_detect(now=local(2026, 3, 1, 21)) == 0
    assert Alert.objects.filter(order=order, is_open=True).count() == 1


# --- self-report links ----------------------------------------------------------------------


def test_links_issue_replace_and_revoke(persons, bob, charlie):
    order = _order(bob, persons.zs)
    with pytest.raises(NotFound):
        services.link_issue(actor=charlie, order=order)
    first, key1 = services.link_issue(actor=bob, order=order, now=START)
    assert first.key_hash != key1 and len(first.key_hash) == 64
    assert services.link_order(key1) == order
    _second, key2 = services.link_issue(actor=bob, order=order, now=START)
    with pytest.raises(NotFound):  # the earlier link stopped working
        services.link_order(key1)
    assert services.link_order(key2) == order
    assert services.link_revoke(actor=bob, order=order, now=START) == 1
    with pytest.raises(NotFound):
        services.link_order(key2)
    assert services.link_revoke(actor=bob, order=order, now=START) == 0
    for unknown in ("", "nonsense", key2 + "x"):
        with pytest.raises(NotFound):
            services.link_order(unknown)
    assert _steps(order).count(OrderStep.Kind.LINK) == 3


def test_a_link_of_an_ended_order_is_refused(persons, bob):
    order = _order(bob, persons.zs)
    _link, key = services.link_issue(actor=bob, order=order, now=START)
    ControlOrder.objects.filter(pk=order.pk).update(status=OrderStatus.RELEASED)
    with pytest.raises(NotFound):
        services.link_order(key)


# --- arrivals -------------------------------------------------------------------------------

ARRIVED = local(2026, 3, 2, 10)


def _arrival(**kw):
    data = {
        "name": "李四",
        "id_number": idno(1990, 5),
        "phone": "13900001111",
        "from_place": "上海市浦东新区",
        "arrival_date": "2026-03-01",
        "address": "1号楼 502",
    }
    data.update(kw)
    return data


def test_an_arrival_with_a_building_lands_in_the_grids_queue(town):
    report = services.arrival_submit(
        poster=town.east, data=_arrival(address_node=str(town.a1_b1.pk)), now=ARRIVED
    )
    assert report.node == town.a1 and report.node_path == town.a1.path
    assert report.address_node == town.a1_b1 and report.poster_node == town.east
    assert report.status == ArrivalStatus.PENDING and report.times == 1 and report.submitted_at == ARRIVED
    assert report.arrival_date == dt.date(2026, 3, 1)


def test_an_arrival_without_a_building_lands_in_the_communitys_queue(town):
    report = services.arrival_submit(poster=town.east, data=_arrival(address="东门外老街"), now=ARRIVED)
    assert report.node == town.east and report.address_node is None
    # a grid poster still queues to its community when the building is unknown
    other = services.arrival_submit(
        poster=town.b1, data=_arrival(id_number=idno(1991, 7), address="东门外老街"), now=ARRIVED
    )
    assert other.node == town.west
    # a typed address the tree knows is enough to find the grid
    typed = services.arrival_submit(poster=town.east, data=_arrival(id_number=idno(1991, 8)), now=ARRIVED)
    assert typed.matched_node == town.a1_b1 and typed.room == "502" and typed.node == town.a1


def test_a_building_outside_the_poster_is_ignored(town):
    report = services.arrival_submit(
        poster=town.east, data=_arrival(address="9号楼 909", address_node=str(town.b1_b1.pk)), now=ARRIVED
    )
    assert report.node == town.east and report.address_node is None and report.matched_node is None


def test_a_second_report_of_the_same_identity_number_is_attached_to_the_first(town):
    first = services.arrival_submit(poster=town.east, data=_arrival(address="东门外老街"), now=ARRIVED)
    later = local(2026, 3, 2, 18)
    second = services.arrival_submit(
        poster=town.east,
        data=_arrival(phone="13900002222", address_node=str(town.a1_b1.pk)),
        now=later,
    )
    assert second.pk != first.pk and second.repeat_of == first
    assert second.status == ArrivalStatus.REPEAT and second.submitted_at == later
    assert (second.phone, second.address_node) == ("13900002222", town.a1_b1)
    # the first keeps what it said, and its place in the queue; the repeat is in the same queue
    first.refresh_from_db()
    assert (first.phone, first.address_node, first.submitted_at, first.times) == ("13900001111", None, ARRIVED, 1)
    assert first.status == ArrivalStatus.PENDING and first.node == town.east
    assert second.node == town.east and second.node_path == town.east.path


def test_a_report_from_another_grid_cannot_take_over_a_pending_one(town, bob, charlie):
    """The attack: the public form of grid B, posted with the identity number of a report waiting
    in grid A's queue, used to overwrite that report and move it into B's queue."""
    from gridguard.accounts.scope import scope_for

    victim = services.arrival_submit(
        poster=town.a1, data=_arrival(address_node=str(town.a1_b1.pk)), now=ARRIVED
    )
    before = ArrivalReport.objects.filter(pk=victim.pk).values().get()
    attack = services.arrival_submit(
        poster=town.b1,
        data=_arrival(
            name="冒充者",
            phone="13700009999",
            from_place="某地",
            address="9号楼 909",
            address_node=str(town.b1_b1.pk),
        ),
        now=local(2026, 3, 2, 11),
    )
    assert ArrivalReport.objects.filter(pk=victim.pk).values().get() == before
    assert attack.pk != victim.pk and attack.repeat_of_id == victim.pk
    # the repeat stays with the original, in grid A's queue: grid B sees nothing of either
    assert attack.node == town.a1 and attack.node_path == town.a1.path
    assert selectors.arrival_page(scope=scope_for(charlie)).items == []
    page = selectors.arrival_page(scope=scope_for(bob))
    assert [r.pk for r in page.items] == [victim.pk] and page.items[0].repeat_count == 1
    # the verifier sees the repeat on the original, with what differs
    repeats = selectors.arrival_repeats(victim)
    assert [r.report.pk for r in repeats] == [attack.pk]
    assert repeats[0].differs == {"name", "phone", "from_place", "address", "address_node", "poster_node"}
    # a repeat is not verified on its own
    with pytest.raises(ApplicationError) as err:
        services.arrival_verify(actor=bob, report=attack, measure="none", now=local(2026, 3, 2, 12))
    assert err.value.code == "arrival_repeat"


@pytest.fixture
def estate(town, levels, admin_user):
    """建设小区 split over two micro-grids of 东城第一网格 (a compound node under each), as the demo
    lays out a large compound: 1栋 and 2栋 under the first, 3栋 (units 1 and 2) under the second."""
    from types import SimpleNamespace

    from gridguard.grids.services import node_create

    def add(parent, name, level):
        return node_create(actor=admin_user, parent=parent, name=name, level=levels[level])

    mg1, mg2 = add(town.a1, "第一微网格", "micro_grid"), add(town.a1, "第二微网格", "micro_grid")
    c1, c2 = add(mg1, "建设小区", "compound"), add(mg2, "建设小区", "compound")
    b1, b2, b3 = add(c1, "1栋", "building"), add(c1, "2栋", "building"), add(c2, "3栋", "building")
    u1, u2 = add(b3, "1单元", "unit"), add(b3, "2单元", "unit")
    return SimpleNamespace(mg1=mg1, mg2=mg2, c1=c1, c2=c2, b1=b1, b2=b2, b3=b3, u1=u1, u2=u2)


def test_the_typed_address_is_kept_and_matched_to_the_tree(town, estate, bob):
    report = services.arrival_submit(
        poster=town.east,
        data=_arrival(address="建设小区3栋1单元1201", address_node=str(estate.b1.pk)),
        now=ARRIVED,
    )
    assert report.address == "建设小区3栋1单元1201" and report.address_node == estate.b1
    assert report.matched_node == estate.u1 and report.room == "1201"
    assert report.node == town.a1  # the grid of the address
    # what was typed wins over the building picked, and the verifier is told they differ
    match = selectors.arrival_address(report)
    assert match.label == "东城社区 东城第一网格 第二微网格 建设小区 3栋 1单元" and match.room == "1201"
    assert match.conflict and match.household is None

    # verified: the person lives in that room (a household is registered there) and the order says so
    services.arrival_verify(
        actor=bob, report=report, measure=Measure.HOME_ISOLATION, now=local(2026, 3, 2, 11)
    )
    report.refresh_from_db()
    person, order = report.person, report.order
    assert person.household.node == estate.u1 and person.household.room == "1201"
    assert order.household == person.household and order.reported_address == "建设小区3栋1单元1201"
    assert order.place == person.household.address


def test_a_second_person_of_the_room_joins_its_household(town, estate, bob):
    first = services.arrival_submit(poster=town.east, data=_arrival(address="建设小区3栋2单元502"), now=ARRIVED)
    services.arrival_verify(actor=bob, report=first, measure="none", now=local(2026, 3, 2, 11))
    second = services.arrival_submit(
        poster=town.east,
        data=_arrival(name="李五", id_number=idno(1992, 9), address="建设小区 3-2-502"),
        now=ARRIVED,
    )
    first.refresh_from_db()
    assert selectors.arrival_address(second).household == first.person.household
    services.arrival_verify(actor=bob, report=second, measure="none", now=local(2026, 3, 2, 11))
    second.refresh_from_db()
    assert second.person.household == first.person.household


def test_an_address_that_matches_nothing_is_kept_as_typed(town, estate, alice):
    report = services.arrival_submit(poster=town.east, data=_arrival(address="城关镇东门外老街"), now=ARRIVED)
    assert report.matched_node is None and report.room == "" and report.node == town.east
    services.arrival_verify(actor=alice, report=report, measure=Measure.HOME_ISOLATION, now=local(2026, 3, 2, 11))
    report.refresh_from_db()
    order = report.order
    assert order.household is None and order.reported_address == "城关镇东门外老街"
    assert order.place == "城关镇东门外老街"  # at home: where the person said they live


def test_a_bad_arrival_is_refused(town):
    good = idno(1990, 5)
    with pytest.raises(ApplicationError) as err:
        services.arrival_submit(
            poster=town.east,
            data=_arrival(id_number=good[:17] + ("0" if good[17] != "0" else "1")),
            now=ARRIVED,
        )
    assert err.value.field == "id_number"
    with pytest.raises(ApplicationError) as err:
        services.arrival_submit(poster=town.east, data=_arrival(arrival_date="2026-03-03"), now=ARRIVED)
    assert err.value.field == "arrival_date"
    assert not ArrivalReport.objects.exists()


def test_verifying_an_arrival_registers_the_person_and_orders_the_measure(persons, town, bob):
    report = services.arrival_submit(
        poster=town.east, data=_arrival(address_node=str(town.a1_b1.pk)), now=ARRIVED
    )
    before = Person.objects.count()
    done = services.arrival_verify(
        actor=bob, report=report, measure=Measure.HOME_ISOLATION, note="核实无误", now=local(2026, 3, 2, 11)
    )
    assert Person.objects.count() == before + 1
    person = Person.objects.get(id_number=idno(1990, 5))
    assert person.name == "李四" and person.node == town.a1_b1 and person.residency == "floating"
    report.refresh_from_db()
    assert report.status == done.status == ArrivalStatus.ORDERED
    assert report.person == person and report.verified_by == bob and report.decision_note == "核实无误"
    order = report.order
    assert order.person == person and order.measure == Measure.HOME_ISOLATION
    assert order.category == Category.MEDIUM_RISK_ARRIVAL and order.source == "自主报备"
    assert (order.start_date, order.stage_end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 7))
    assert order.node_path == town.a1_b1.path
    with pytest.raises(ApplicationError) as err:
        services.arrival_verify(actor=bob, report=report, now=local(2026, 3, 2, 12))
    assert err.value.code == "already_verified"


def test_verifying_an_arrival_of_a_known_person_without_measure(persons, town, bob):
    report = services.arrival_submit(
        poster=town.east,
        data=_arrival(name="张三", id_number=persons.zs.id_number, address_node=str(town.a1_b1.pk)),
        now=ARRIVED,
    )
    before = Person.objects.count()
    services.arrival_verify(actor=bob, report=report, measure="none", now=local(2026, 3, 2, 11))
    report.refresh_from_db()
    assert report.status == ArrivalStatus.NO_MEASURE and report.person == persons.zs and report.order is None
    assert Person.objects.count() == before and not ControlOrder.objects.exists()


def test_verifying_needs_a_decision(persons, town, bob):
    report = services.arrival_submit(
        poster=town.east, data=_arrival(address_node=str(town.a1_b1.pk)), now=ARRIVED
    )
    for measure in ("", "quarantine"):
        with pytest.raises(ApplicationError) as err:
            services.arrival_verify(actor=bob, report=report, measure=measure, now=local(2026, 3, 2, 11))
        assert err.value.field == "measure"
    assert err.value.code == "bad_choice"
    with pytest.raises(ApplicationError) as err:
        services.arrival_verify(actor=bob, report=report, now=local(2026, 3, 2, 11))
    assert err.value.code == "decision_required" and "请选择处理决定" in err.value.message
    report.refresh_from_db()
    assert report.status == ArrivalStatus.PENDING and report.person is None


def test_verifying_with_central_isolation_for_a_high_risk_arrival(persons, town, alice):
    report = services.arrival_submit(poster=town.east, data=_arrival(address="东门外老街"), now=ARRIVED)
    services.arrival_verify(
        actor=alice,
        report=report,
        measure=Measure.CENTRAL_ISOLATION,
        category=Category.HIGH_RISK_ARRIVAL,
        place="城关宾馆",
        now=local(2026, 3, 2, 11),
    )
    order = ArrivalReport.objects.get().order
    assert order.measure == Measure.CENTRAL_ISOLATION and order.policy.category == Category.HIGH_RISK_ARRIVAL
    assert order.place == "城关宾馆" and order.person.node == town.east


def test_an_arrival_outside_the_jurisdiction_cannot_be_verified(persons, town, charlie):
    report = services.arrival_submit(
        poster=town.east, data=_arrival(address_node=str(town.a1_b1.pk)), now=ARRIVED
    )
    with pytest.raises(NotFound):
        services.arrival_verify(actor=charlie, report=report, measure="none", now=local(2026, 3, 2, 11))
    report.refresh_from_db()
    assert (
        report.status == ArrivalStatus.PENDING
        and not Person.objects.filter(id_number=report.id_number).exists()
    )


def test_a_new_report_after_verification_is_a_new_row(persons, town, bob):
    report = services.arrival_submit(
        poster=town.east, data=_arrival(address_node=str(town.a1_b1.pk)), now=ARRIVED
    )
    services.arrival_verify(actor=bob, report=report, measure="none", now=local(2026, 3, 2, 11))
    again = services.arrival_submit(poster=town.east, data=_arrival(), now=local(2026, 3, 3, 9))
    assert again.pk != report.pk and again.times == 1 and ArrivalReport.objects.count() == 2


# --- needs ----------------------------------------------------------------------------------


def test_needs_are_tracked_to_done(persons, bob, alice, charlie):
    order = _order(bob, persons.zs)
    need = services.need_create(order=order, kind="medicine", detail=" 降压药 ", actor=bob, now=START)
    assert need.status == NeedStatus.OPEN and need.detail == "降压药" and need.node_path == order.node_path
    assert need.created_by == bob and not need.self_reported
    with pytest.raises(NotFound):
        services.need_update(actor=charlie, need=need, status=NeedStatus.IN_PROGRESS)
    services.need_update(actor=alice, need=need, status=NeedStatus.IN_PROGRESS, now=START)
    need.refresh_from_db()
    assert need.status == NeedStatus.IN_PROGRESS and need.owner == alice
    with pytest.raises(ApplicationError) as err:
        services.need_update(actor=alice, need=need, status=NeedStatus.DONE, result="  ")
    assert err.value.code == "result_required" and err.value.field == "result"
    need.refresh_from_db()
    assert need.status == NeedStatus.IN_PROGRESS
    services.need_update(actor=bob, need=need, status=NeedStatus.DONE, result="已送达", now=START)
    need.refresh_from_db()
    assert need.status == NeedStatus.DONE and need.result == "已送达" and need.owner == alice


def test_need_input_is_checked(persons, bob):
    order = _order(bob, persons.zs)
    with pytest.raises(ApplicationError) as err:
        services.need_create(order=order, kind="taxi", detail="x", actor=bob)
    assert err.value.field == "kind"
    with pytest.raises(ApplicationError) as err:
        services.need_create(order=order, kind="shopping", detail="  ", actor=bob)
    assert err.value.code == "detail_required"
    with pytest.raises(ApplicationError) as err:
        services.need_create(order=order, kind="shopping", detail="菜" * 301, actor=bob)
    assert err.value.code == "detail_too_long"
    own = services.need_create(order=order, kind="shopping", detail="买菜", self_reported=True)
    assert own.self_reported and own.created_by is None
    services.order_cancel(actor=bob, order=order, reason="错误", now=START)
    with pytest.raises(ApplicationError) as err:
        services.need_create(order=order, kind="shopping", detail="买菜", self_reported=True)
    assert err.value.code == "order_closed"


# --- changes --------------------------------------------------------------------------------


def test_changing_the_measure_cancels_pending_tests_and_starts_a_new_stage(persons, bob):
    order = _order(bob, persons.zs)
    _negative(bob, order, local(2026, 3, 1, 10), day_no=1)
    with pytest.raises(ApplicationError) as err:
        services.order_change_measure(actor=bob, order=order, measure=Measure.CENTRAL_ISOLATION)
    assert err.value.code == "same_measure"
    services.order_change_measure(
        actor=bob, order=order, measure=Measure.HOME_ISOLATION, note="转居家", now=local(2026, 3, 3, 9)
    )
    order.refresh_from_db()
    assert order.measure == Measure.HOME_ISOLATION and order.policy.category == ""
    assert (order.stage_start, order.stage_end, order.end_date) == (
        dt.date(2026, 3, 3),
        dt.date(2026, 3, 9),
        dt.date(2026, 3, 9),
    )
    assert order.place == persons.east.address and order.check_slots == TWICE
    assert _tests(order) == [
        (1, dt.date(2026, 3, 1), "negative"),
        (2, dt.date(2026, 3, 2), "cancelled"),
        (3, dt.date(2026, 3, 3), "cancelled"),
        (1, dt.date(2026, 3, 3), "pending"),
        (5, dt.date(2026, 3, 5), "cancelled"),
        (4, dt.date(2026, 3, 6), "pending"),
        (7, dt.date(2026, 3, 7), "cancelled"),
        (7, dt.date(2026, 3, 9), "pending"),
    ]
    step = OrderStep.objects.get(order=order, kind=OrderStep.Kind.CHANGE)
    assert step.detail["from"]["measure"] == "central" and step.detail["to"]["stage_end"] == "2026-03-09"
    assert _reasons(bob, order, local(2026, 3, 10)) == [
        "第 1 天（2026-03-03）核酸检测：待检测",
        "第 4 天（2026-03-06）核酸检测：待检测",
        "第 7 天（2026-03-09）核酸检测：待检测",
    ]


def test_extending_moves_the_last_day_test(persons, bob):
    order = _order(bob, persons.zs)
    services.order_extend(actor=bob, order=order, days=3, note="复查", now=local(2026, 3, 5, 9))
    order.refresh_from_db()
    assert (order.stage_end, order.end_date) == (dt.date(2026, 3, 10), dt.date(2026, 3, 13))
    assert _tests(order) == [
        (1, dt.date(2026, 3, 1), "pending"),
        (2, dt.date(2026, 3, 2), "pending"),
        (3, dt.date(2026, 3, 3), "pending"),
        (5, dt.date(2026, 3, 5), "pending"),
        (10, dt.date(2026, 3, 10), "pending"),
    ]
    step = OrderStep.objects.get(order=order, kind=OrderStep.Kind.EXTEND)
    assert step.detail == {"days": 3, "from": "2026-03-07", "to": "2026-03-10"}


def test_extending_after_the_last_test_adds_one(persons, bob):
    order = _order(bob, persons.zs)
    _negative(bob, order, local(2026, 3, 7, 10))
    services.order_extend(actor=bob, order=order, days=2, now=local(2026, 3, 7, 11))
    order.refresh_from_db()
    assert order.stage_end == dt.date(2026, 3, 9)
    assert _tests(order)[-2:] == [(7, dt.date(2026, 3, 7), "negative"), (9, dt.date(2026, 3, 9), "pending")]
    assert _reasons(bob, order, local(2026, 3, 10)) == ["第 9 天（2026-03-09）核酸检测：待检测"]


def test_extend_days_are_bounded(persons, bob):
    order = _order(bob, persons.zs)
    for days in (0, 61):
        with pytest.raises(ApplicationError) as err:
            services.order_extend(actor=bob, order=order, days=days)
        assert err.value.code == "bad_days"
    order.refresh_from_db()
    assert order.stage_end == dt.date(2026, 3, 7)


def test_moving_the_place_is_recorded(persons, bob):
    order = _order(bob, persons.zs, place="城关宾馆")
    with pytest.raises(ApplicationError) as err:
        services.order_move_place(actor=bob, order=order, place=" ")
    assert err.value.code == "place_required"
    services.order_move_place(actor=bob, order=order, place="县人民医院", now=START)
    order.refresh_from_db()
    assert order.place == "县人民医院"
    assert OrderStep.objects.get(order=order, kind=OrderStep.Kind.PLACE).detail == {
        "from": "城关宾馆",
        "to": "县人民医院",
    }


def test_a_transfer_resolves_the_fever_alert(persons, bob):
    order = _order(bob, persons.zs)
    alert = services.check_record(order=order, temperature=38.6, actor=bob, now=local(2026, 3, 2, 9)).alerts[
        0
    ]
    services.transfer_record(
        actor=bob,
        order=order,
        at=local(2026, 3, 2, 9, 30),
        vehicle="120急救车",
        destination="县人民医院发热门诊",
        handover="李医生",
        alert=alert,
        now=local(2026, 3, 2, 10),
    )
    order.refresh_from_db()
    alert.refresh_from_db()
    assert order.place == "县人民医院发热门诊"
    assert not alert.is_open and alert.resolution == "已转运至 县人民医院发热门诊"


def test_policies_seeded(db):
    assert Policy.objects.filter(policy_set__code="national_9").count() == 11


def test_the_home_stage_after_a_hotel_is_carried_out_at_home(persons, bob):
    order = _order(bob, persons.zs, place="城关宾馆 305")
    assert order.place == "城关宾馆 305"
    _negative(bob, order, local(2026, 3, 7, 10))
    services.order_release(actor=bob, order=order, now=local(2026, 3, 8, 10))
    order.refresh_from_db()
    assert order.measure == Measure.HOME_MONITORING and order.place == persons.east.address


def test_changing_to_central_isolation_does_not_keep_the_home_address(persons, bob):
    order = _order(bob, persons.zs, category=Category.SECONDARY_CONTACT, measure=Measure.HOME_ISOLATION)
    assert order.place == persons.east.address
    services.order_change_measure(
        actor=bob, order=order, measure=Measure.CENTRAL_ISOLATION, now=local(2026, 3, 2, 9)
    )
    order.refresh_from_db()
    assert order.measure == Measure.CENTRAL_ISOLATION and order.place == ""
    services.order_change_measure(
        actor=bob, order=order, measure=Measure.HOME_ISOLATION, now=local(2026, 3, 3, 9)
    )
    order.refresh_from_db()
    assert order.place == persons.east.address
    services.order_change_measure(
        actor=bob, order=order, measure=Measure.CENTRAL_ISOLATION, place="城关宾馆", now=local(2026, 3, 4, 9)
    )
    order.refresh_from_db()
    assert order.place == "城关宾馆"
