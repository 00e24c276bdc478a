"""Reads for the grid tree: children, the public board, coverage."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Aggregate, Count, F, Q, QuerySet, Sum

from gridguard.accounts.scope import Scope
from gridguard.core.errors import NotFound
from gridguard.core.paths import PATH_END, subtree_q
from gridguard.grids.models import Duty, GridNode, Level, StaffAssignment


def node_get(*, scope: Scope, node_id: int) -> GridNode:
    node = GridNode.objects.select_related("level").filter(pk=node_id).first()
    if node is None:
        raise NotFound()
    scope.check(node.path)
    return node


def visible_roots(*, scope: Scope) -> list[GridNode]:
    """The top nodes a user may open: all roots for an admin, else the user's own nodes."""
    qs = GridNode.objects.select_related("level").filter(is_active=True)
    if scope.everything:
        return list(qs.filter(depth=1).order_by("path"))
    return list(qs.filter(path__in=scope.paths).order_by("path"))


def node_children(*, scope: Scope, node: GridNode) -> list[GridNode]:
    scope.check(node.path)
    return list(
        GridNode.objects.get_children(node).select_related("level").filter(is_active=True).order_by("path")
    )


def node_ancestors_visible(*, scope: Scope, node: GridNode) -> list[GridNode]:
    """Breadcrumb: ancestors the user may open."""
    return [a for a in GridNode.objects.get_ancestors(node) if scope.covers(a.path)]


def node_ancestor_names(node: GridNode) -> list[str]:
    """The names above a node, top first (public: a printed board names its town and community)."""
    return [a.name for a in GridNode.objects.get_ancestors(node)]


def subtree_nodes(*, scope: Scope, node: GridNode) -> QuerySet[GridNode]:
    scope.check(node.path)
    return GridNode.objects.filter(subtree_q(node.path, "path"), is_active=True)


def active_staff(node: GridNode) -> list[StaffAssignment]:
    return list(
        StaffAssignment.objects.filter(node=node, until__isnull=True)
        .select_related("user")
        .order_by("duty", "id")
    )


@dataclass
class Board:
    node: GridNode
    staff: list[StaffAssignment]
    households: int
    persons: int
    party_members: int
    groups: list[tuple[str, int]]


def grid_board(*, scope: Scope, node: GridNode) -> Board:
    """网格公示牌: responsible people and phones, household/person/party/special-group counts.

    The board is made to be posted in public: a sensitive group (``Tag.is_sensitive``: community
    correction, severe mental disorder) is not counted on it at all."""
    from gridguard.people.models import Household, Person, PersonStatus, Tag

    scope.check(node.path)
    tags = list(Tag.objects.filter(is_sensitive=False))
    persons = Person.objects.filter(subtree_q(node.path), status=PersonStatus.ACTIVE)
    aggregates: dict[str, Aggregate] = {
        "n": Count("id"),
        "party": Count("id", filter=Q(is_party_member=True)),
    }
    for tag in tags:
        aggregates[f"t{tag.bit}"] = Sum(F("tags").bitrightshift(tag.bit).bitand(1))
    row = persons.aggregate(**aggregates)
    households = Household.objects.filter(subtree_q(node.path), is_active=True).count()
    return Board(
        node=node,
        staff=active_staff(node),
        households=households,
        persons=row["n"] or 0,
        party_members=int(row["party"] or 0),
        groups=[(tag.name, int(row[f"t{tag.bit}"] or 0)) for tag in tags],
    )


@dataclass
class Coverage:
    node: GridNode
    ungridded_households: int
    ungridded_node_ids: list[int]
    grids_without_chief: list[GridNode]
    units_without_grid: list[GridNode]
    persons_without_household: int
    grid_count: int


def _grid_paths(node: GridNode) -> list[str]:
    return list(
        GridNode.objects.filter(subtree_q(node.path, "path"), is_active=True, level__is_grid=True)
        .order_by("path")
        .values_list("path", flat=True)
    )


def ungridded_node_ids(node: GridNode) -> list[int]:
    """Nodes of the subtree that lie under no grid-level node (their households are under no grid)."""
    grid_paths = _grid_paths(node)
    ancestors_grid = (
        [a.path for a in GridNode.objects.get_ancestors(node).filter(level__is_grid=True)]
        if node.depth > 1
        else []
    )
    if ancestors_grid or node.level.is_grid:
        return []
    ids = []
    for pk, path in GridNode.objects.filter(subtree_q(node.path, "path")).values_list("pk", "path"):
        if not any(path.startswith(g) for g in grid_paths):
            ids.append(pk)
    return ids


def coverage(*, scope: Scope, node: GridNode) -> Coverage:
    """镇不漏村、村不漏户、户不漏人, as numbers."""
    from gridguard.people.models import Household, Person, PersonStatus

    scope.check(node.path)
    ungridded = ungridded_node_ids(node)
    grid_nodes = GridNode.objects.filter(subtree_q(node.path, "path"), is_active=True, level__is_grid=True)
    chiefs = StaffAssignment.objects.filter(duty=Duty.GRID_CHIEF, until__isnull=True).values("node_id")
    without_chief = list(grid_nodes.exclude(pk__in=chiefs).select_related("level").order_by("path"))
    grid_rank = Level.objects.filter(is_grid=True).order_by("rank").values_list("rank", flat=True).first()
    units_without_grid: list[GridNode] = []
    if grid_rank is not None:
        grid_paths = _grid_paths(node)
        candidates = GridNode.objects.filter(
            subtree_q(node.path, "path"), is_active=True, level__rank__lt=grid_rank, level__is_address=False
        ).select_related("level")
        # The lowest non-grid units (村/社区) must each hold a grid.
        for unit in candidates:
            below = (
                GridNode.objects.get_children(unit).filter(is_active=True, level__rank__lt=grid_rank).exists()
            )
            if not below and not any(g.startswith(unit.path) for g in grid_paths):
                units_without_grid.append(unit)
    return Coverage(
        node=node,
        ungridded_households=Household.objects.filter(node_id__in=ungridded, is_active=True).count()
        if ungridded
        else 0,
        ungridded_node_ids=ungridded,
        grids_without_chief=without_chief,
        units_without_grid=units_without_grid,
        persons_without_household=Person.objects.filter(
            subtree_q(node.path), household__isnull=True, status=PersonStatus.ACTIVE
        ).count(),
        grid_count=grid_nodes.count(),
    )


def unit_choices(*, scope: Scope, limit: int = 500) -> list[GridNode]:
    """Nodes a record such as a place can be kept under: the user's nodes and the levels below them
    that are not addresses (community, grid, micro-grid — not every building and unit), tree order."""
    qs = scope.filter(GridNode.objects.filter(is_active=True), "path")
    qs = qs.filter(Q(level__is_address=False) | Q(path__in=list(scope.paths)))
    return list(qs.select_related("level").order_by("path")[:limit])


def level_choices() -> list[Level]:
    return list(Level.objects.all())


def node_search(*, scope: Scope, text: str, limit: int = 30) -> list[GridNode]:
    qs = GridNode.objects.select_related("level").filter(is_active=True, name__contains=text)
    if not scope.everything:
        qs = qs.filter(scope.q("path"))
    return list(qs.order_by("path")[:limit])


def path_end(path: str) -> str:
    return path + PATH_END
