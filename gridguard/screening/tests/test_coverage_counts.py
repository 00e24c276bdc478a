"""Coverage figures checked against a brute-force count: a generated town of a few hundred persons
over several grids and buildings (and some living at a grid node itself), exemptions by rule and by
hand, walk-ins, random sampling through the scan service, lab results, reasons recorded. Every
node's figures and every child row are compared with Python loops over all enrollments, samples and
tubes."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from types import SimpleNamespace

import pytest

from conftest import idno
from gridguard.accounts.scope import scope_for, system_scope
from gridguard.grids.models import GridNode
from gridguard.grids.services import node_create
from gridguard.people import services as people
from gridguard.people.models import Person, PersonStatus
from gridguard.screening.models import Enrollment, MissingReason, Sample, Tube, TubeStatus
from gridguard.screening.selectors import coverage as sel
from gridguard.screening.services import points, rounds
from gridguard.screening.services.scans import Outcome, ScanItem, scans_submit
from gridguard.screening.tests.conftest import DAY, SHANGHAI, at, code

pytestmark = pytest.mark.django_db

FIGURES = ("in_scope", "sampled", "results", "positive", "exempt", "new", "door", "missing")


def lab_result(tube: Tube, result: str, when: dt.datetime) -> None:
    """What the lab's result service does to a tube and its persons (not on main yet): the tube's
    result, and the result on each of its persons' enrollments."""
    Tube.objects.filter(pk=tube.pk).update(result=result, status=TubeStatus.RESULTED, result_at=when)
    pids = list(Sample.objects.filter(tube=tube, is_retest=False).values_list("person_id", flat=True))
    Enrollment.objects.filter(round_id=tube.round_id, person_id__in=pids).update(result=result)


@pytest.fixture
def gen(town, levels, admin_user, street_official, sampler):
    """About 300 persons in 7 buildings of 3 grids and at grid 东城第二网格 itself."""
    rng = random.Random(20261201)
    a = admin_user
    buildings = [
        town.a1_b1,
        node_create(actor=a, parent=town.a1, name="2号楼", level=levels["building"]),
        node_create(actor=a, parent=town.a2, name="5号楼", level=levels["building"]),
        node_create(actor=a, parent=town.a2, name="6号楼", level=levels["building"]),
        town.b1_b1,
        node_create(actor=a, parent=town.b1, name="10号楼", level=levels["building"]),
    ]
    homes = [*buildings, town.a2]  # some households registered at the grid node itself
    seq = 0
    for h in range(110):
        node = rng.choice(homes)
        hh = people.household_create(actor=street_official, node=node, room=f"{100 + h}")
        for m in range(rng.randint(1, 4)):
            seq += 1
            infant = rng.random() < 0.05
            data = {
                "name": f"居民{seq:03d}",
                "id_number": idno(2025 if infant else rng.randint(1940, 2010), seq, month=6 if infant else 1),
                "relation": "户主" if m == 0 else "其他",
                "phone": f"139{seq:08d}" if rng.random() < 0.8 else "",
                "residency": "外出" if rng.random() < 0.06 else "常住",
                "tags": "卧床" if rng.random() < 0.06 else "",
            }
            people.person_register(actor=street_official, household=hh, data=data)
    rnd = rounds.round_create(actor=street_official, node=town.town, name="生成镇全员核酸", starts_on=DAY,
                              ends_on=DAY, exempt_under_months=36)
    rounds.round_open(actor=street_official, rnd=rnd, now=at(7))
    rnd.refresh_from_db()
    due = list(Enrollment.objects.filter(round=rnd, state="due").order_by("id"))
    for e in rng.sample(due, 4):
        rounds.enrollment_exempt(actor=street_official, enrollment=e, reason="manual", note="长期住院")
    point = points.point_create(actor=street_official, rnd=rnd, node=town.a1, name="东城广场", address="东城路1号",
                                opens_at=at(7), closes_at=at(19), stations=3)
    points.point_staff_add(actor=street_official, point=point, user=sampler)

    enrolled = list(Enrollment.objects.filter(round=rnd).select_related("person").order_by("id"))
    come = [e.person for e in enrolled if (e.state == "due" and rng.random() < 0.7) or
            (e.state == "exempt" and rng.random() < 0.3)]
    rng.shuffle(come)
    items = []
    for i, person in enumerate(come):
        device_time = dt.datetime(2026, 12, 1, 8 + i * 5 // len(come), rng.randint(0, 59), tzinfo=SHANGHAI)
        items.append(ScanItem(client_id=f"gen-{i:06d}", tube_code=f"G{i // 10:07d}", code=code(person),
                              device_time=device_time))
    for n in range(3):  # walk-ins unknown to the ledger, registered at the point
        items.append(ScanItem(client_id=f"walk-{n:04d}", tube_code="GWALK001", code=idno(1975, 900 + n),
                              name=f"路人{n}", device_time=at(11, 30 + n)))
    answers = []
    for start in range(0, len(items), 40):
        answers += scans_submit(actor=sampler, rnd=rnd, point=point, items=items[start:start + 40], now=at(13))
    assert all(a.outcome in Outcome.COUNTED for a in answers), Counter(a.outcome for a in answers)

    tubes = list(Tube.objects.filter(round=rnd).order_by("code"))
    for n, tube in enumerate(tubes):
        if n % 3 != 2:
            lab_result(tube, "positive" if n == 4 else "negative", at(15))
    missing = list(Enrollment.objects.filter(round=rnd, state="due", sampled_at__isnull=True).order_by("id"))
    for e, reason in zip(rng.sample(missing, 8), [*MissingReason.values, "door", "away", "door"], strict=False):
        rounds.missing_reason_record(actor=street_official, enrollment=e, reason=reason,
                                     note="在外地检测 12-01" if reason in ("elsewhere", "other") else "")
    return SimpleNamespace(rnd=rnd, point=point, buildings=buildings)


def brute(rnd) -> dict[str, dict[str, int]]:
    """Figures of every node path by loops over every enrollment, sample and tube of the round."""
    sampled = {s.person_id: s.tube_id for s in Sample.objects.filter(round=rnd, is_retest=False)}
    tube_result = {t.pk: t.result for t in Tube.objects.filter(round=rnd)}
    nodes = list(GridNode.objects.values_list("path", flat=True))
    figures: dict[str, dict[str, int]] = {p: dict.fromkeys(FIGURES, 0) for p in nodes}
    for e in Enrollment.objects.filter(round=rnd):
        result = tube_result[sampled[e.person_id]] if e.person_id in sampled else ""
        due = e.state == "due"
        done = e.person_id in sampled
        add = {
            "in_scope": due, "sampled": due and done, "results": result != "", "positive": result == "positive",
            "exempt": e.state == "exempt", "new": e.is_new, "door": due and not done and e.needs_door,
            "missing": due and not done,
        }
        for path in nodes:
            if e.node_path.startswith(path):
                for key, value in add.items():
                    figures[path][key] += int(value)
    return figures


def as_dict(f: sel.Figures) -> dict[str, int]:
    return {k: getattr(f, k) for k in FIGURES}


def test_every_node_and_child_row_matches_the_brute_force_count(gen, street_official):
    expected = brute(gen.rnd)
    scope = scope_for(street_official)
    town_figures = expected[gen.rnd.node_path]
    assert town_figures["sampled"] > 100 and town_figures["missing"] > 20 and town_figures["exempt"] > 4
    assert town_figures["positive"] > 0 and town_figures["new"] == 3 and town_figures["door"] > 0
    checked = 0
    for node in GridNode.objects.filter(path__startswith=gen.rnd.node_path).order_by("path"):
        data = sel.node_coverage(scope=scope, rnd=gen.rnd, node=node)
        assert as_dict(data.total) == expected[node.path], node.name
        own = dict(expected[node.path])
        for row in data.rows:
            if row.node is None:
                continue
            assert as_dict(row.figures) == expected[row.node.path], row.name
            for key in FIGURES:
                own[key] -= expected[row.node.path][key]
            checked += 1
        direct = [row for row in data.rows if row.node is None]
        if any(own.values()):  # persons registered at the node itself: one row of their own
            assert len(direct) == 1 and as_dict(direct[0].figures) == own, node.name
        else:
            assert not direct
    assert checked >= 9


def test_the_node_coverage_is_one_query(gen, street_official, django_assert_max_num_queries):
    scope = scope_for(street_official)
    scope.has("screening.view")  # the role's rights are read once per request, before
    with django_assert_max_num_queries(3):  # the figures, the children, the trail
        sel.node_coverage(scope=scope, rnd=gen.rnd, node=gen.rnd.node)


def test_the_whole_round_by_node_matches_the_brute_force_count(gen, street_official):
    expected = brute(gen.rnd)
    tree = sel.round_coverage_tree(scope=scope_for(street_official), rnd=gen.rnd)
    assert set(tree.figures) == {p for p in expected if p.startswith(gen.rnd.node_path)}
    for path, figures in tree.figures.items():
        assert as_dict(figures) == expected[path], tree.nodes[path][1]


def test_every_active_person_of_the_town_is_enrolled_once(gen):
    active = set(Person.objects.filter(status=PersonStatus.ACTIVE).values_list("id", flat=True))
    enrolled = list(Enrollment.objects.filter(round=gen.rnd).values_list("person_id", flat=True))
    assert len(enrolled) == len(set(enrolled)) and set(enrolled) == active


def test_missing_and_door_lists_are_exactly_the_brute_force_persons(gen, street_official):
    sampled = set(Sample.objects.filter(round=gen.rnd, is_retest=False).values_list("person_id", flat=True))
    everyone = list(Enrollment.objects.filter(round=gen.rnd))
    scope = scope_for(street_official)
    for node in [gen.rnd.node, *gen.buildings[:3]]:
        want = sorted((e.node_path, e.pk) for e in everyone
                       if e.node_path.startswith(node.path) and e.state == "due" and e.person_id not in sampled)
        want_door = [(p, pk) for p, pk in want if Enrollment.objects.get(pk=pk).needs_door]
        for door, expected in ((False, want), (True, want_door)):
            got: list[tuple[str, int]] = []
            cursor = None
            while True:
                page = sel.missing_page(scope=scope, rnd=gen.rnd, node=node, cursor=cursor, limit=7, door=door)
                got += [(row.e.node_path, row.e.pk) for row in page.items]
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
            assert got == expected, (node.name, door)


def test_progress_by_hour_counts_every_sample_in_its_local_hour(gen, street_official):
    want = Counter(s.sampled_at.astimezone(SHANGHAI).hour
                   for s in Sample.objects.filter(round=gen.rnd, is_retest=False))
    got = sel.progress_by_hour(scope=scope_for(street_official), rnd=gen.rnd, node=gen.rnd.node)
    assert {h.astimezone(SHANGHAI).hour: n for h, n in got} == want
    assert [h for h, _n in got] == sorted(h for h, _n in got)


def test_a_grid_worker_of_another_grid_counts_only_their_grid(gen, charlie, town):
    expected = brute(gen.rnd)
    scope = scope_for(charlie)
    assert [n.pk for n in sel.round_roots(scope, gen.rnd)] == [town.b1.pk]
    node = sel.coverage_node(scope=scope, rnd=gen.rnd, node_id=None)
    assert node.pk == town.b1.pk
    assert as_dict(sel.node_coverage(scope=scope, rnd=gen.rnd, node=node).total) == expected[town.b1.path]
    tree = sel.round_coverage_tree(scope=scope, rnd=gen.rnd)
    assert all(p.startswith(town.b1.path) for p in tree.figures)
    from gridguard.core.errors import NotFound

    for other in (town.a1, town.east, town.town):
        with pytest.raises(NotFound):
            sel.coverage_node(scope=scope, rnd=gen.rnd, node_id=other.pk)
        with pytest.raises(NotFound):
            sel.node_coverage(scope=scope, rnd=gen.rnd, node=other)
        with pytest.raises(NotFound):
            sel.missing_page(scope=scope, rnd=gen.rnd, node=other)


def test_system_scope_sees_the_same_as_the_street(gen, street_official):
    a = sel.node_coverage(scope=scope_for(street_official), rnd=gen.rnd, node=gen.rnd.node)
    b = sel.node_coverage(scope=system_scope(), rnd=gen.rnd, node=gen.rnd.node)
    assert as_dict(a.total) == as_dict(b.total)
