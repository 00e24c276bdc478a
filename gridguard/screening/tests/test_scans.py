import pytest
from django.db.models import Sum

from gridguard.screening.models import Enrollment, Sample, Scan, ScanConflict, Tube, TubeStatus
from gridguard.screening.services.scans import Outcome, sample_move, scans_submit, tube_close
from gridguard.screening.tests.conftest import at, code, item

pytestmark = pytest.mark.django_db


def submit(sampler, rnd, point, items, device="phone-1"):
    return scans_submit(actor=sampler, rnd=rnd, point=point, items=items, device=device, now=at(10))


def test_ten_in_one_tube_takes_ten_and_refuses_the_eleventh(sampler, rnd, point, residents):
    answers = submit(sampler, rnd, point, [item("T0000001", code(p)) for p in residents.east[:11]])
    assert [a.outcome for a in answers] == [Outcome.ACCEPTED] * 10 + [Outcome.TUBE_FULL]
    tube = Tube.objects.get(code="T0000001")
    assert (tube.used, tube.capacity, tube.status) == (10, 10, TubeStatus.CLOSED)
    assert Sample.objects.filter(tube=tube).count() == 10
    assert Enrollment.objects.filter(round=rnd, sampled_at__isnull=False).count() == 10
    assert "已满" in answers[-1].message


def test_a_batch_sent_twice_is_counted_once(sampler, rnd, point, residents):
    batch = [item("T0000002", code(p)) for p in residents.east[:5]]
    first = submit(sampler, rnd, point, batch)
    again = submit(sampler, rnd, point, batch)
    assert [a.outcome for a in again] == [a.outcome for a in first] == [Outcome.ACCEPTED] * 5
    assert all(a.replay for a in again)
    assert Sample.objects.count() == 5
    assert Tube.objects.get(code="T0000002").used == 5
    assert Scan.objects.count() == 5


def test_same_person_same_tube_is_a_harmless_repeat(sampler, rnd, point, residents):
    p = residents.east[0]
    answers = submit(sampler, rnd, point, [item("T0000003", code(p)), item("T0000003", code(p))])
    assert [a.outcome for a in answers] == [Outcome.ACCEPTED, Outcome.REPEAT]
    assert answers[1].ok
    assert Tube.objects.get(code="T0000003").used == 1


def test_person_already_sampled_in_another_tube_is_refused_with_where(sampler, rnd, point, residents):
    p = residents.east[0]
    submit(sampler, rnd, point, [item("T0000004", code(p))])
    answer = submit(sampler, rnd, point, [item("T0000005", code(p))])[0]
    assert answer.outcome == Outcome.ALREADY_SAMPLED
    assert "T0000004" in answer.message


def test_two_devices_in_conflict_keep_the_first_and_list_it(sampler, rnd, point, residents):
    p = residents.east[0]
    submit(sampler, rnd, point, [item("T0000006", code(p))], device="phone-1")
    answer = submit(sampler, rnd, point, [item("T0000007", code(p))], device="phone-2")[0]
    assert answer.outcome == Outcome.ALREADY_SAMPLED
    conflict = ScanConflict.objects.get()
    assert conflict.kept.tube.code == "T0000006"
    assert conflict.refused.tube_code == "T0000007"


def test_tube_code_of_another_round_is_refused(sampler, rnd, point, residents, town, street_official):
    from gridguard.screening.services import points, rounds
    from gridguard.screening.tests.conftest import DAY

    submit(sampler, rnd, point, [item("T0000008", code(residents.east[0]))])
    other = rounds.round_create(actor=street_official, node=town.town, name="第二轮", starts_on=DAY, ends_on=DAY)
    rounds.round_open(actor=street_official, rnd=other, now=at(7))
    other_point = points.point_create(actor=street_official, rnd=other, node=town.a1, name="二号点",
                                      address="东城路2号", opens_at=at(7), closes_at=at(19))
    points.point_staff_add(actor=street_official, point=other_point, user=sampler)
    answer = scans_submit(actor=sampler, rnd=other, point=other_point,
                          items=[item("T0000008", code(residents.east[1]))], now=at(10))[0]
    assert answer.outcome == Outcome.TUBE_OTHER_ROUND


def test_forged_and_reissued_codes_are_refused(sampler, rnd, point, residents):
    from gridguard.screening.services.codes import person_code_reissue

    p = residents.east[0]
    old = code(p)
    person_code_reissue(actor=sampler.__class__.objects.get(username="street"), person=p)
    forged = old[:-1] + ("A" if old[-1] != "A" else "B")
    answers = submit(sampler, rnd, point, [item("T0000009", old), item("T0000009", forged)])
    assert [a.outcome for a in answers] == [Outcome.CODE_REISSUED, Outcome.UNKNOWN_CODE]


def test_outside_scope_needs_confirmation_then_counts_as_cross_area(sampler, rnd, point, residents, town,
                                                                    street_official):
    from gridguard.screening.services import rounds
    from gridguard.screening.tests.conftest import DAY

    small = rounds.round_create(actor=street_official, node=town.east, name="东城专轮", starts_on=DAY, ends_on=DAY)
    rounds.round_open(actor=street_official, rnd=small, now=at(7))
    from gridguard.screening.services import points

    p = points.point_create(actor=street_official, rnd=small, node=town.a1, name="东点", address="东城路",
                            opens_at=at(7), closes_at=at(19))
    outsider = residents.west[0]
    first = scans_submit(actor=street_official, rnd=small, point=p, items=[item("T0000010", code(outsider))],
                         now=at(10))[0]
    assert first.outcome == Outcome.NEEDS_CONFIRM
    again = scans_submit(actor=street_official, rnd=small, point=p,
                         items=[item("T0000010", code(outsider), confirm=True)], now=at(10))[0]
    assert again.outcome == Outcome.CROSS_AREA
    assert Sample.objects.get(person=outsider).cross_area


def test_walk_in_by_identity_number_and_unknown_number(sampler, rnd, point, residents):
    from conftest import idno

    known = residents.east[3]
    answers = submit(sampler, rnd, point, [
        item("T0000011", known.id_number),
        item("T0000011", idno(1990, 555)),
        item("T0000011", idno(1990, 556), name="新来的"),
        item("T0000011", "110101199001010000"),
    ])
    assert [a.outcome for a in answers] == [Outcome.ACCEPTED, Outcome.ID_UNKNOWN, Outcome.ACCEPTED, Outcome.BAD_ID]
    new = Enrollment.objects.get(round=rnd, is_new=True)
    assert new.person.name == "新来的" and new.person.node_id == point.node_id


def test_sampler_sees_masked_names(sampler, rnd, point, residents):
    answer = submit(sampler, rnd, point, [item("T0000012", code(residents.east[0]))])[0]
    assert answer.person == "东**号"


def test_move_between_tubes_is_one_recorded_step(sampler, rnd, point, residents):
    submit(sampler, rnd, point, [item("T0000013", code(p)) for p in residents.east[:3]])
    submit(sampler, rnd, point, [item("T0000014", code(residents.east[3]))])
    sample = Sample.objects.get(person=residents.east[0])
    sample_move(actor=sampler, sample=sample, to_code="T0000014", reason="扫错管")
    used = dict(Tube.objects.values_list("code", "used"))
    assert used == {"T0000013": 2, "T0000014": 2}
    assert sample.moves.get().from_tube.code == "T0000013"
    assert Tube.objects.aggregate(s=Sum("used"))["s"] == Sample.objects.count()


def test_close_by_hand_then_scans_are_refused(sampler, rnd, point, residents):
    submit(sampler, rnd, point, [item("T0000015", code(residents.east[0]))])
    tube_close(actor=sampler, tube=Tube.objects.get(code="T0000015"))
    answer = submit(sampler, rnd, point, [item("T0000015", code(residents.east[1]))])[0]
    assert answer.outcome == Outcome.TUBE_CLOSED


def test_bad_items_are_answered_and_not_stored(sampler, rnd, point, residents):
    answers = submit(sampler, rnd, point, [item("x", code(residents.east[0])), item("T0000016", "", client_id="short")])
    assert [a.outcome for a in answers] == [Outcome.BAD_ITEM, Outcome.BAD_ITEM]
    assert "管码" in answers[0].message and "client_id" in answers[1].message
    assert Scan.objects.count() == 0


def test_grid_worker_of_another_grid_cannot_sample_here(charlie, rnd, point, residents):
    from gridguard.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        scans_submit(actor=charlie, rnd=rnd, point=point, items=[item("T0000017", code(residents.east[0]))])


def test_a_refused_scan_leaves_no_empty_tube_behind(sampler, rnd, point, residents):
    answer = submit(sampler, rnd, point, [item("T0000018", "not-a-code")])[0]
    assert not answer.ok
    assert not Tube.objects.filter(code="T0000018").exists()
    submit(sampler, rnd, point, [item("T0000018", code(residents.east[0]))])
    assert Tube.objects.get(code="T0000018").used == 1
