"""The proposal's sizing rules on generated counts: points of 2,000–3,000 persons (one per compound
where the ledger allows), stations of 600–800 persons, slots that make each point's load per hour
even; and the counts read from the ledger with the round's exemption rules."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest

from gridguard.screening.models import Mode
from gridguard.screening.services.plan import (
    POINT_MAX,
    POINT_MIN,
    SLOT_STEP,
    STATION_MAX,
    STATION_MIN,
    STATION_RATE,
    Cell,
    propose,
    scope_counts,
)
from gridguard.screening.tests.conftest import DAY, SHANGHAI

OPENS = dt.datetime(2026, 12, 1, 7, tzinfo=SHANGHAI)
CLOSES = dt.datetime(2026, 12, 1, 19, tzinfo=SHANGHAI)


def town_cells(seed: int, compounds: int = 12) -> list[Cell]:
    """Compounds of 300–9,000 persons over 1–4 grids each, in 3 communities, plus a few grids with
    persons outside any compound."""
    rnd = random.Random(seed)
    cells = []
    grid = 1000
    for c in range(compounds):
        community = c % 3
        total = rnd.choice([rnd.randint(300, 1900), rnd.randint(2000, 3000), rnd.randint(3001, 9000)])
        grids = rnd.randint(1, 4)
        shares = [rnd.randint(1, 5) for _ in range(grids)]
        left = total
        for g, share in enumerate(shares):
            persons = left if g == grids - 1 else max(1, total * share // sum(shares))
            left -= persons
            grid += 1
            cells.append(Cell(grid, f"网格{grid}", c + 1, f"小区{c + 1}", community, persons, f"{community:02d}{c:03d}{g}"))
    for g in range(3):
        grid += 1
        cells.append(Cell(grid, f"网格{grid}", grid, f"网格{grid}", g, rnd.randint(100, 1500), f"{g:02d}999{g}"))
    return sorted(cells, key=lambda c: c.path)


@pytest.mark.parametrize("seed", range(20))
def test_every_person_has_one_place_and_points_are_sized_by_the_national_rule(seed):
    cells = town_cells(seed)
    proposal = propose(cells, opens_at=OPENS, closes_at=CLOSES, mode=Mode.POOL10)
    assert proposal.persons == sum(c.persons for c in cells)
    per_grid: dict[int, int] = {}
    for point in proposal.points:
        for slot in point.slots:
            per_grid[slot.grid_id] = per_grid.get(slot.grid_id, 0) + slot.persons
    assert per_grid == {c.grid_id: sum(x.persons for x in cells if x.grid_id == c.grid_id) for c in cells}
    for point in proposal.points:
        assert point.persons <= POINT_MAX, point
    # Points under the lower bound only where the community had no more small sites to merge.
    total = proposal.persons
    assert len(proposal.points) >= math.ceil(total / POINT_MAX)
    big_sites = {c.site_id for c in cells if sum(x.persons for x in cells if x.site_id == c.site_id) >= POINT_MIN}
    for site in big_sites:  # a compound of 2,000 persons or more has its own point(s), not shared
        at = [p for p in proposal.points if any(s.grid_id in {c.grid_id for c in cells if c.site_id == site}
                                                 for s in p.slots)]
        assert all(p.node_id == site for p in at)


def test_a_compound_of_2500_is_one_point_and_one_of_7000_is_three():
    cells = [Cell(1, "一网格", 10, "甲小区", 1, 2500, "a1"), Cell(2, "二网格", 20, "乙小区", 1, 4000, "b1"),
             Cell(3, "三网格", 20, "乙小区", 1, 3000, "b2")]
    proposal = propose(cells, opens_at=OPENS, closes_at=CLOSES, mode=Mode.POOL10)
    sizes = sorted((p.node_id, p.persons) for p in proposal.points)
    assert sizes == [(10, 2500), (20, 2333), (20, 2333), (20, 2334)]


def test_small_compounds_of_a_community_are_merged_up_to_the_rule():
    cells = [Cell(i, f"网格{i}", 100 + i, f"小区{i}", 1, 700, f"c{i}") for i in range(6)]
    proposal = propose(cells, opens_at=OPENS, closes_at=CLOSES, mode=Mode.POOL10)
    assert [p.persons for p in proposal.points] == [2100, 2100]
    # …but never across communities
    cells = [Cell(1, "甲", 1, "甲", 1, 700, "a"), Cell(2, "乙", 2, "乙", 2, 700, "b")]
    assert len(propose(cells, opens_at=OPENS, closes_at=CLOSES, mode=Mode.POOL10).points) == 2


@pytest.mark.parametrize("persons", [2000, 2300, 2400, 2401, 2800, 3000])
def test_stations_serve_600_to_800_persons_each(persons):
    point = propose([Cell(1, "网格", 1, "小区", 1, persons, "a")], opens_at=OPENS, closes_at=CLOSES,
                    mode=Mode.POOL10).points[0]
    assert STATION_MIN <= persons / point.stations <= STATION_MAX


def test_short_hours_raise_the_stations_to_the_assumed_throughput():
    point = propose([Cell(1, "网格", 1, "小区", 1, 3000, "a")], opens_at=OPENS, closes_at=OPENS + dt.timedelta(hours=2),
                    mode=Mode.SINGLE).points[0]
    assert point.stations * STATION_RATE[Mode.SINGLE] * 2 >= 3000
    assert point.stations == math.ceil(3000 / (STATION_RATE[Mode.SINGLE] * 2))


@pytest.mark.parametrize("seed", range(10))
def test_slots_follow_each_other_and_make_the_load_per_hour_even(seed):
    proposal = propose(town_cells(seed), opens_at=OPENS, closes_at=CLOSES, mode=Mode.POOL10)
    for point in proposal.points:
        slots = point.slots
        assert slots[0].starts_at == point.opens_at and slots[-1].ends_at == point.closes_at
        for a, b in zip(slots, slots[1:], strict=False):
            assert a.ends_at == b.starts_at
        for s in slots:
            assert s.ends_at - s.starts_at >= SLOT_STEP
            assert (s.starts_at - OPENS) % SLOT_STEP == dt.timedelta(0)
        hours = int((point.closes_at - point.opens_at).total_seconds() // 3600)
        even = point.persons / hours
        for h in range(hours):
            start, end = point.opens_at + dt.timedelta(hours=h), point.opens_at + dt.timedelta(hours=h + 1)
            load = sum(s.persons * max(0.0, (min(end, s.ends_at) - max(start, s.starts_at)).total_seconds())
                       / (s.ends_at - s.starts_at).total_seconds() for s in slots)
            # rounding to 5 minutes moves at most one step's worth of arrivals at each of two boundaries
            tolerance = 2 * max(s.persons / ((s.ends_at - s.starts_at) / SLOT_STEP) for s in slots)
            assert abs(load - even) <= tolerance + 1e-6, (h, load, even)


@pytest.mark.django_db
def test_counts_from_the_ledger_leave_out_who_the_rules_exempt(town, street_official, residents):
    from gridguard.people import services as people
    from gridguard.people.models import Person
    from gridguard.screening.services import rounds

    r = rounds.round_create(actor=street_official, node=town.town, name="计数", starts_on=DAY, ends_on=DAY,
                            exempt_away=True)
    counts = {c.grid_id: c.persons for c in scope_counts(r)}
    assert counts == {town.a1.pk: 12, town.b1.pk: 2}
    away = residents.east[0]
    people.person_update(actor=street_official, person=Person.objects.get(pk=away.pk), data={"residency": "away"})
    counts = {c.grid_id: c.persons for c in scope_counts(r)}
    assert counts == {town.a1.pk: 11, town.b1.pk: 2}
    r.exempt_away = False
    assert {c.grid_id: c.persons for c in scope_counts(r)} == {town.a1.pk: 12, town.b1.pk: 2}


@pytest.mark.django_db
def test_a_compound_in_the_ledger_gets_the_point_of_its_grids(town, street_official, levels, admin_user):
    """Persons living in 幸福小区 (a compound over 东城第二网格) count for the compound: the proposed
    point stands at the compound, not at the grid."""
    from conftest import idno
    from gridguard.grids.services import node_create
    from gridguard.people import services as people
    from gridguard.screening.services import rounds
    from gridguard.screening.services.plan import round_proposal

    compound = node_create(actor=admin_user, parent=town.a2, name="幸福小区", level=levels["compound"])
    building = node_create(actor=admin_user, parent=compound, name="3号楼", level=levels["building"])
    for n in range(5):
        hh = people.household_create(actor=street_official, node=building, room=f"{201 + n}")
        people.person_register(actor=street_official, household=hh,
                               data={"name": f"幸福{n}", "id_number": idno(1970, 300 + n), "relation": "户主"})
    r = rounds.round_create(actor=street_official, node=town.east, name="东城", starts_on=DAY, ends_on=DAY)
    cells = scope_counts(r)
    assert [(c.grid_id, c.site_id, c.site_name, c.persons) for c in cells] == [(town.a2.pk, compound.pk, "幸福小区", 5)]
    proposal = round_proposal(r, opens_at=OPENS, closes_at=CLOSES)
    assert [(p.node_id, p.name, p.persons) for p in proposal.points] == [(compound.pk, "幸福小区采样点", 5)]


@pytest.mark.django_db
def test_the_plan_counts_exactly_whom_opening_the_round_draws(town, street_official, residents):
    """One definition of the scope: the plan's persons per grid are the persons opening the round
    finds due, with every rule on (away, infants, central isolation) and persons each rule exempts."""
    from django.db.models import Count

    from gridguard.control.services import order_create
    from gridguard.people import services as people
    from gridguard.people.models import Person
    from gridguard.screening.models import Enrollment
    from gridguard.screening.services import rounds
    from gridguard.screening.tests.conftest import at, idno

    east = residents.east
    people.person_update(actor=street_official, person=Person.objects.get(pk=east[0].pk), data={"residency": "away"})
    order_create(actor=street_official, person=Person.objects.get(pk=east[1].pk), category="secondary_contact",
                 measure="central", start_date=DAY)
    order_create(actor=street_official, person=Person.objects.get(pk=east[2].pk), category="secondary_contact",
                 measure="home", start_date=DAY)  # at home: in scope, sampled at the door
    hh = people.household_create(actor=street_official, node=town.b1_b1, room="910")
    people.person_register(actor=street_official, household=hh,
                           data={"name": "婴儿", "id_number": idno(2026, 300, month=6), "relation": "户主"})
    r = rounds.round_create(actor=street_official, node=town.town, name="同一口径", starts_on=DAY, ends_on=DAY,
                            exempt_away=True, exempt_under_months=12, exempt_central=True)
    planned = {c.grid_id: c.persons for c in scope_counts(r)}
    rounds.round_open(actor=street_official, rnd=r, now=at(7))
    drawn = {}
    for path, n in Enrollment.objects.filter(round=r, state="due").values_list("node_path").annotate(n=Count("id")):
        grid = town.a1 if path.startswith(town.a1.path) else town.b1
        drawn[grid.pk] = drawn.get(grid.pk, 0) + n
    assert planned == drawn == {town.a1.pk: 10, town.b1.pk: 2}
    reasons = dict(Enrollment.objects.filter(round=r, state="exempt").values_list("person_id", "exempt_reason"))
    assert sorted(reasons.values()) == ["away", "central", "infant"]
