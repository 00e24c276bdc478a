"""Reads of the rounds part: the rounds a user sees, a round's plan (points, slots, staff), who may be
assigned to sample, the slots of a grid, and the persons whose codes a household or building prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet

from gridguard.core.errors import NotFound
from gridguard.core.paths import PATH_END, subtree_q
from gridguard.screening.models import (
    Enrollment,
    EnrollmentState,
    PersonCode,
    PointSlot,
    PointStaff,
    SamplingPoint,
    ScreeningRound,
)

if TYPE_CHECKING:
    from gridguard.accounts.models import User
    from gridguard.accounts.scope import Scope
    from gridguard.grids.models import GridNode
    from gridguard.people.models import Household, Person


def _ancestor_paths(scope: Scope) -> list[str]:
    from gridguard.grids.models import GridNode

    step = GridNode.steplen
    return sorted({p[:i] for p in scope.paths for i in range(step, len(p), step)})


def round_visible_q(scope: Scope) -> Q:
    """Rounds over a subtree in the user's jurisdiction, or over a node above it (a street's round
    seen by one of its communities)."""
    if scope.everything:
        return Q()
    return scope.q("node_path") | Q(node_path__in=_ancestor_paths(scope))


def round_list(scope: Scope) -> QuerySet[ScreeningRound]:
    return (ScreeningRound.objects.filter(round_visible_q(scope)).select_related("node")
            .annotate(point_count=Count("points")).order_by("-starts_on", "-id"))


def round_get(*, scope: Scope, pk: int) -> ScreeningRound:
    rnd = ScreeningRound.objects.filter(round_visible_q(scope), pk=pk).select_related("node", "created_by").first()
    if rnd is None:
        raise NotFound()
    return rnd


def may_plan(scope: Scope, rnd: ScreeningRound) -> bool:
    return scope.has("screening.plan") and scope.covers(rnd.node_path)


def round_points(rnd: ScreeningRound) -> list[SamplingPoint]:
    """The round's points with their slots (and grids) and staff (and users): three queries."""
    return list(
        SamplingPoint.objects.filter(round=rnd).select_related("node")
        .prefetch_related(
            _prefetch("slots", PointSlot.objects.select_related("grid").order_by("starts_at", "id")),
            _prefetch("staff", PointStaff.objects.select_related("user").order_by("duty", "id")),
        )
    )


def _prefetch(name: str, qs: QuerySet) -> Any:
    from django.db.models import Prefetch

    return Prefetch(name, queryset=qs)


def point_get(*, scope: Scope, rnd: ScreeningRound, pk: int) -> SamplingPoint:
    point = SamplingPoint.objects.filter(round=rnd, pk=pk).select_related("round", "node").first()
    if point is None:
        raise NotFound()
    return point


@dataclass(frozen=True)
class RoundFigures:
    in_scope: int
    exempt: int
    points: int
    stations: int
    expected: int  # the sum of the slots' expected persons


def round_figures(rnd: ScreeningRound, points: list[SamplingPoint]) -> RoundFigures:
    counts = dict(Enrollment.objects.filter(round=rnd).values_list("state").annotate(n=Count("id")))
    return RoundFigures(
        in_scope=counts.get(EnrollmentState.DUE, 0), exempt=counts.get(EnrollmentState.EXEMPT, 0),
        points=len(points), stations=sum(p.stations for p in points),
        expected=sum(s.expected for p in points for s in p.slots.all()),
    )


def sampler_choices(rnd: ScreeningRound) -> list[User]:
    """Who may be assigned to a point: active users whose role holds screening.sample, with a node in
    the round's subtree or above it — and samplers with no node (medical staff sent in from outside,
    whose jurisdiction is the points they are assigned to)."""
    from gridguard.accounts.models import RolePermission, User
    from gridguard.grids.models import GridNode

    step = GridNode.steplen
    above = [rnd.node_path[:i] for i in range(step, len(rnd.node_path) + 1, step)]
    roles = RolePermission.objects.filter(code="screening.sample").values("role_id")
    return list(
        User.objects.filter(is_active=True, role__in=roles)
        .filter(subtree_q(rnd.node_path, "nodes__path") | Q(nodes__path__in=above)
                | Q(nodes__isnull=True, role__code="sampler"))
        .select_related("role").distinct().order_by("role__sort", "full_name", "id")[:300]
    )


def round_grids(rnd: ScreeningRound) -> list[GridNode]:
    """The grids (and compounds) of the round's subtree, for the forms' choices."""
    from gridguard.grids.models import GridNode

    return list(
        GridNode.objects.filter(subtree_q(rnd.node_path, "path"), is_active=True)
        .filter(Q(level__is_grid=True) | Q(level__code="compound") | Q(pk=rnd.node_id))
        .select_related("level").order_by("path")[:1000]
    )


def grid_slots(rnd: ScreeningRound, grid: GridNode) -> list[PointSlot]:
    return list(PointSlot.objects.filter(point__round=rnd, grid=grid).select_related("point").order_by("starts_at"))


def slot_grids(rnd: ScreeningRound, scope: Scope) -> list[GridNode]:
    """The grids that have a slot in the round, within the user's jurisdiction."""
    from gridguard.grids.models import GridNode

    ids = PointSlot.objects.filter(point__round=rnd).filter(scope.q("grid_path")).values("grid_id")
    return list(GridNode.objects.filter(pk__in=ids).order_by("path"))


def slot_rows(rnd: ScreeningRound, scope: Scope) -> QuerySet[PointSlot]:
    return (PointSlot.objects.filter(point__round=rnd).filter(scope.q("grid_path"))
            .select_related("point", "grid").order_by("grid_path", "starts_at", "id"))


def enrollment_search(*, scope: Scope, rnd: ScreeningRound, text: str, limit: int = 20) -> list[Enrollment]:
    """Enrollments of the round whose person matches ``text`` (name, identity number or its tail)."""
    from gridguard.people.selectors import person_search_q

    text = (text or "").strip()
    if not text:
        return list(Enrollment.objects.filter(round=rnd, state=EnrollmentState.EXEMPT).filter(scope.q())
                    .select_related("person", "person__household").order_by("node_path", "id")[:limit])
    persons = person_search_q(text, scope)
    return list(
        Enrollment.objects.filter(round=rnd).filter(scope.q())
        .filter(person__in=_person_ids(persons, scope, rnd))
        .select_related("person", "person__household").order_by("node_path", "id")[:limit]
    )


def _person_ids(q: Q, scope: Scope, rnd: ScreeningRound) -> QuerySet:
    from gridguard.people.models import Person

    return scope.filter(Person.objects.filter(q).filter(subtree_q(rnd.node_path))).values("id")[:200]


# --- codes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeRow:
    person_id: int
    name: str
    room: str
    version: int


def code_rows(persons: list[Person]) -> list[CodeRow]:
    """The persons with their code versions (one query) and rooms, in the order given."""
    versions = dict(PersonCode.objects.filter(person_id__in=[p.pk for p in persons])
                    .values_list("person_id", "version"))
    return [
        CodeRow(p.pk, p.name, (p.household.room if p.household_id and p.household else ""), versions.get(p.pk, 0))
        for p in persons
    ]


def household_code_persons(household: Household) -> list[Person]:
    from gridguard.people.models import PersonStatus

    return list(household.members.filter(status=PersonStatus.ACTIVE).select_related("household")
                .order_by("-relation", "birth_date", "id"))


MAX_SHEET_PERSONS = 2400  # 100 A4 pages of 24 labels


def building_code_persons(*, scope: Scope, node: GridNode) -> list[Person]:
    """Active persons living under ``node`` (a building, a compound), by room."""
    from gridguard.people.models import Person, PersonStatus

    scope.check(node.path)
    return list(
        Person.objects.filter(node_path__gte=node.path, node_path__lt=node.path + PATH_END,
                              status=PersonStatus.ACTIVE)
        .select_related("household").order_by("node_path", "household__room", "household_id", "id")
        [:MAX_SHEET_PERSONS]
    )


SHEET_LEVELS = ("grid", "micro_grid", "compound", "building", "unit")


def sheet_nodes(scope: Scope, limit: int = 500) -> list[GridNode]:
    """The nodes of the user's jurisdiction whose residents' codes print as one sheet (a building, a
    compound, a grid), in tree order."""
    from gridguard.grids.models import GridNode

    nodes = scope.filter(GridNode.objects.filter(is_active=True, level__code__in=SHEET_LEVELS), "path")
    return list(nodes.select_related("level").order_by("path")[:limit])
