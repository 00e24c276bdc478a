"""Coverage (应检尽检): for every node of a round's subtree, live, how many persons are in scope,
sampled, back with a result, positive, exempt, new and missing; the missing list (应检未检) and the
door-to-door list (上门采样) of a node; progress by hour; a sampling point's queue right now.

Every figure is one set-based query over ``Enrollment``'s ``(round, node_path, …)`` index: a node's
children are counted together, one range of the index for the node's subtree grouped by the
person's node and summed by the child's path prefix; never a query per node, never a count over the
table.

What the figures mean (of the persons living in the node's subtree):
- ``in_scope`` (应检): enrolled and not exempt;
- ``sampled`` (已采): in scope and sampled in this round; ``missing`` (未检) = in_scope − sampled;
- ``results`` (已出结果) and ``positive`` (阳性): every person enrolled whose result is back, exempt
  persons who came to be sampled anyway included;
- ``exempt`` (免检), ``new`` (现场新登记), ``door`` (待上门: missing and in need of sampling at home).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import CharField, Count, Func, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.accounts.scope import Scope
from gridguard.core.errors import NotFound
from gridguard.core.paths import PATH_END, subtree_q
from gridguard.grids.models import GridNode
from gridguard.people.selectors import Page, address_prefix_map, keyset_page
from gridguard.screening.models import (
    Enrollment,
    EnrollmentState,
    PointSlot,
    Result,
    Sample,
    SamplingPoint,
    ScreeningRound,
)

RIGHT = "screening.view"
QUEUE_WINDOW = dt.timedelta(minutes=15)
MAX_LIMIT = 200


@dataclass
class Figures:
    in_scope: int = 0
    sampled: int = 0
    results: int = 0
    positive: int = 0
    exempt: int = 0
    new: int = 0
    door: int = 0

    @property
    def missing(self) -> int:
        return self.in_scope - self.sampled

    @property
    def rate(self) -> float:
        """Sampled of those in scope, in per cent (100 when nobody is in scope)."""
        return round(100.0 * self.sampled / self.in_scope, 1) if self.in_scope else 100.0

    def add(self, other: Figures) -> None:
        for name in FIGURE_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        return {**{name: getattr(self, name) for name in FIGURE_NAMES}, "missing": self.missing, "rate": self.rate}


FIGURE_NAMES = ("in_scope", "sampled", "results", "positive", "exempt", "new", "door")
_DUE = Q(state=EnrollmentState.DUE)
_UNSAMPLED = Q(sampled_at__isnull=True)
# One aggregate per figure, each a COUNT … FILTER (PostgreSQL) or a SUM(CASE …) (SQLite).
_AGGREGATES = {
    "in_scope": Count("id", filter=_DUE),
    "sampled": Count("id", filter=_DUE & Q(sampled_at__isnull=False)),
    "results": Count("id", filter=~Q(result=Result.PENDING)),
    "positive": Count("id", filter=Q(result=Result.POSITIVE)),
    "exempt": Count("id", filter=Q(state=EnrollmentState.EXEMPT)),
    "new": Count("id", filter=Q(is_new=True)),
    "door": Count("id", filter=_DUE & _UNSAMPLED & Q(needs_door=True)),
}


def _figures(row: dict[str, Any]) -> Figures:
    return Figures(**{name: int(row[name] or 0) for name in FIGURE_NAMES})


# --- who may see what ---------------------------------------------------------------------------


def viewer_scope(scope: Scope) -> Scope:
    scope.require(RIGHT)
    return scope


def rounds_visible(*, scope: Scope) -> list[ScreeningRound]:
    """The rounds whose subtree meets the user's jurisdiction, newest first."""
    viewer_scope(scope)
    qs = ScreeningRound.objects.select_related("node").exclude(status="draft")
    if scope.everything:
        return list(qs[:100])
    q = scope.q("node_path")
    for path in scope.paths:  # a round over a street is seen by the grid worker of one of its grids
        q |= Q(node_path__in=[path[:i] for i in range(GridNode.steplen, len(path) + 1, GridNode.steplen)])
    return list(qs.filter(q)[:100])


def round_get(*, scope: Scope, pk: int) -> ScreeningRound:
    rnd = ScreeningRound.objects.select_related("node").filter(pk=pk).first()
    if rnd is None or not round_roots(scope, rnd):
        raise NotFound()
    return rnd


def round_roots(scope: Scope, rnd: ScreeningRound) -> list[GridNode]:
    """The highest nodes of the round's subtree the user may see: the round's own node, or the
    user's nodes that lie inside it."""
    viewer_scope(scope)
    if scope.covers(rnd.node_path):
        return [rnd.node]
    inside = [p for p in scope.paths if rnd.node_path <= p < rnd.node_path + PATH_END]
    return list(GridNode.objects.filter(path__in=inside).order_by("path"))


def coverage_node(*, scope: Scope, rnd: ScreeningRound, node_id: int | None) -> GridNode:
    """The node asked for (else the user's single root in the round), inside the round and the
    user's jurisdiction; else NotFound."""
    roots = round_roots(scope, rnd)
    if node_id is None:
        if not roots:
            raise NotFound()
        return roots[0]
    node = GridNode.objects.select_related("level").filter(pk=node_id).first()
    if node is None or not rnd.node_path <= node.path < rnd.node_path + PATH_END:
        raise NotFound()
    scope.check(node.path)
    return node


# --- figures ------------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    node: GridNode | None  # None: the persons registered at the node itself, in none of its children
    name: str
    figures: Figures
    has_children: bool = False


@dataclass
class NodeCoverage:
    round: ScreeningRound
    node: GridNode
    total: Figures
    rows: list[CoverageRow]
    trail: list[GridNode] = field(default_factory=list)  # from the user's root in the round down to the node


def _enrolled(rnd: ScreeningRound, path: str) -> QuerySet[Enrollment]:
    """The round's enrollments under ``path``: one range of the ``(round, node_path)`` index."""
    return Enrollment.objects.filter(round=rnd).filter(subtree_q(path))


def node_figures(rnd: ScreeningRound, node: GridNode) -> Figures:
    """The figures of one node's subtree, in one query (no check: the caller's)."""
    return _figures(_enrolled(rnd, node.path).aggregate(**_AGGREGATES))


def _grouped_rows(rnd: ScreeningRound, path: str) -> list[tuple[Any, ...]]:
    """``(node_path, *figures)`` per node with persons under ``path``, straight from the cursor: they
    are whole numbers, and Django's per-value converters would only cost time (a community has a few
    thousand such nodes, a town ~16,000)."""
    grouped = _enrolled(rnd, path).values("node_path").annotate(**_AGGREGATES).order_by()
    sql, params = grouped.values_list("node_path", *FIGURE_NAMES).query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [(row[0], *(int(n or 0) for n in row[1:])) for row in cur.fetchall()]


def node_coverage(*, scope: Scope, rnd: ScreeningRound, node: GridNode) -> NodeCoverage:
    """The node's figures and each of its children's, in one query over the node's subtree grouped
    by the person's node (the order of the ``(round, node_path)`` index: SQLite groups as it reads,
    with no temporary B-tree, which grouping by SUBSTR(node_path, …) needs), each group added to the
    child whose path it starts with (a community has a few thousand nodes with persons)."""
    viewer_scope(scope)
    scope.check(node.path)
    width = len(node.path) + GridNode.steplen
    sums: dict[str, list[int]] = {}
    for path, *counts in _grouped_rows(rnd, node.path):
        into = sums.get(path[:width])
        sums[path[:width]] = counts if into is None else [a + b for a, b in zip(into, counts, strict=True)]
    by_prefix = {prefix: Figures(*counts) for prefix, counts in sums.items()}
    children = list(
        GridNode.objects.filter(subtree_q(node.path, "path"), depth=node.depth + 1).order_by("path")
    )
    total = Figures()
    rows: list[CoverageRow] = []
    for child in children:
        figures = by_prefix.pop(child.path, Figures())
        if not child.is_active and not figures.in_scope and not figures.exempt:
            continue
        total.add(figures)
        rows.append(CoverageRow(child, child.name, figures, child.numchild > 0))
    own = Figures()
    for figures in by_prefix.values():  # the node's own persons (and any under a node since removed)
        own.add(figures)
    if any(getattr(own, n) for n in FIGURE_NAMES):
        total.add(own)
        rows.append(CoverageRow(None, _("直属（未分到下级）"), own))
    return NodeCoverage(rnd, node, total, rows, node_trail(scope, rnd, node))


def node_trail(scope: Scope, rnd: ScreeningRound, node: GridNode) -> list[GridNode]:
    step = GridNode.steplen
    paths = [node.path[:i] for i in range(len(rnd.node_path), len(node.path), step)]
    return [n for n in GridNode.objects.filter(path__in=paths).order_by("path") if scope.covers(n.path)]


@dataclass
class TreeCoverage:
    """Every node of the round's subtree (that the user may see) with its figures, by path, and its
    id and name."""

    round: ScreeningRound
    figures: dict[str, Figures]
    nodes: dict[str, tuple[int, str]]  # path -> (id, name)


def round_coverage_tree(*, scope: Scope, rnd: ScreeningRound) -> TreeCoverage:
    """The whole round by node: per root of the user's in the round, one query grouped by the
    person's node, then each node's sums added to its parent's, deepest first (each node once).
    (``_grouped_rows``: ~16,000 rows for a million persons.)"""
    sums: dict[str, list[int]] = {}
    nodes: dict[str, tuple[int, str]] = {}
    step = GridNode.steplen
    for root in round_roots(scope, rnd):
        for path, pk, name in GridNode.objects.filter(subtree_q(root.path, "path")).values_list("path", "id", "name"):
            nodes[path] = (pk, name)
        for path, *counts in _grouped_rows(rnd, root.path):
            while path not in nodes and len(path) > len(root.path):  # a node removed since
                path = path[:-step]
            into = sums.get(path)
            sums[path] = counts if into is None else [a + b for a, b in zip(into, counts, strict=True)]
        floor = len(root.path)
        for path in sorted((p for p in nodes if p.startswith(root.path) and len(p) > floor), key=len, reverse=True):
            own = sums.get(path)
            if own is None:
                continue
            parent = path[:-step]
            into = sums.get(parent)
            sums[parent] = own if into is None else [a + b for a, b in zip(into, own, strict=True)]
    empty = Figures()
    figures = {path: Figures(*sums[path]) if path in sums else empty for path in nodes}
    return TreeCoverage(rnd, figures, nodes)


class _UtcHour(Func):
    """A timestamp's UTC hour, worked out by the database itself: text ``YYYY-MM-DD HH`` on SQLite, a
    naive UTC timestamp on PostgreSQL (``date_trunc``: half the time of ``to_char`` over a community's
    hundred thousand samples). Django's TruncHour with a time zone calls a Python function per row on
    SQLite: a community's samples took a second."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # SQLite keeps Django's datetimes as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]"
        return self.as_sql(compiler, connection, template="substr(%(expressions)s, 1, 13)", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="date_trunc('hour', %(expressions)s AT TIME ZONE 'UTC')",
                           **extra)


def _utc_hour(value: Any) -> dt.datetime:
    hour = value if isinstance(value, dt.datetime) else dt.datetime.strptime(value, "%Y-%m-%d %H")  # noqa: DTZ007 - UTC
    return hour.replace(tzinfo=dt.UTC)


def progress_by_hour(*, scope: Scope, rnd: ScreeningRound, node: GridNode) -> list[tuple[dt.datetime, int]]:
    """Persons sampled per hour (local time, by the device's time of the scan) under the node.

    Counted per UTC hour by the database, then put in the local hour in which that UTC hour starts:
    exact in every zone whose offset is whole hours (China's, and any with daylight saving)."""
    viewer_scope(scope)
    scope.check(node.path)
    zone = ZoneInfo(settings.TIME_ZONE)
    rows = (
        Sample.objects.filter(round=rnd, is_retest=False)
        .filter(subtree_q(node.path))
        .annotate(hour=_UtcHour("sampled_at"))
        .values("hour")
        .annotate(n=Count("*"))  # not of the id: the partial index (round, node_path, sampled_at) then suffices
        .order_by("hour")
    )
    counts: dict[dt.datetime, int] = {}
    for row in rows:
        local = _utc_hour(row["hour"]).astimezone(zone).replace(minute=0, second=0, microsecond=0)
        counts[local] = counts.get(local, 0) + row["n"]
    return sorted(counts.items())


# --- the missing list and the door-to-door list -----------------------------------------------


def _missing_qs(rnd: ScreeningRound, node: GridNode, *, door: bool, reason: str | None) -> QuerySet[Enrollment]:
    qs = _enrolled(rnd, node.path).filter(_DUE & _UNSAMPLED)
    if door:
        qs = qs.filter(needs_door=True)
    if reason is not None:
        qs = qs.filter(missing_reason=reason)
    return qs.select_related("person", "person__household")


@dataclass
class MissingRow:
    e: Enrollment
    label: str  # the address label of the person's node
    why: str = ""  # why at home (the door-to-door list)


def missing_page(
    *, scope: Scope, rnd: ScreeningRound, node: GridNode, cursor: str | None = None, limit: int = 50,
    door: bool = False, reason: str | None = None,
) -> Page:
    """Who is still missing (应检未检) under the node, by address (node path, then id), a page at a
    time, as ``MissingRow``s; ``door``: only those to be sampled at home."""
    viewer_scope(scope)
    scope.check(node.path)
    page = keyset_page(_missing_qs(rnd, node, door=door, reason=reason), cursor, max(1, min(limit, MAX_LIMIT)))
    page.items = _rows(node, page.items, door)
    return page


def _rows(node: GridNode, items: list[Enrollment], door: bool) -> list[MissingRow]:
    if not items:
        return []
    labels = address_prefix_map(node.path)
    why = door_reasons(items) if door else {}
    return [MissingRow(e, labels.get(e.node_path, ""), why.get(e.pk, "")) for e in items]


def missing_stream(
    *, scope: Scope, rnd: ScreeningRound, node: GridNode, door: bool = False, batch: int = 2000,
) -> Iterator[list[MissingRow]]:
    """The whole list, batch by batch (for the export)."""
    viewer_scope(scope)
    scope.check(node.path)
    cursor = None
    while True:
        page = keyset_page(_missing_qs(rnd, node, door=door, reason=None), cursor, batch)
        if page.items:
            yield _rows(node, page.items, door)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def address_label(path: str) -> str:
    """The address label of one node ("东城社区 东城第一网格 1号楼")."""
    return address_prefix_map(path).get(path, "")


def door_reasons(items: list[Enrollment]) -> dict[int, str]:
    """Why each person is on the door-to-door list: a reason recorded by the grid worker, the
    bedridden tag, or a home isolation/monitoring order (one query for the orders of the page)."""
    from gridguard.control.models import HOME_MEASURES, ControlOrder, OrderStatus
    from gridguard.people.models import Tag

    bed = Tag.objects.filter(code="bedridden").values_list("bit", "name").first()
    homes = dict(
        ControlOrder.objects.filter(
            person_id__in=[e.person_id for e in items], status=OrderStatus.ACTIVE,
            measure__in=[m.value for m in HOME_MEASURES],
        ).values_list("person_id", "measure")
    )
    from gridguard.control.models import Measure

    measures = dict(Measure.choices)
    out: dict[int, str] = {}
    for e in items:
        why = []
        if e.missing_reason == "door":
            why.append(_("网格员登记需上门"))
        if bed is not None and e.person.tags & (1 << bed[0]):
            why.append(str(bed[1]))
        if e.person_id in homes:
            why.append(str(measures.get(homes[e.person_id], homes[e.person_id])))
        out[e.pk] = "、".join(why) or _("需上门采样")
    return out


def enrollment_get(*, scope: Scope, rnd: ScreeningRound, pk: int) -> Enrollment:
    viewer_scope(scope)
    enrollment = Enrollment.objects.select_related("person", "person__household").filter(round=rnd, pk=pk).first()
    if enrollment is None:
        raise NotFound()
    scope.check(enrollment.node_path)
    return enrollment


# --- a sampling point's queue right now (public) -------------------------------------------


@dataclass
class PointQueue:
    point: SamplingPoint
    recent: int  # persons sampled here in the last 15 minutes
    slots_now: list[PointSlot]
    expected_now: int  # persons expected in the current slot(s)
    remaining_now: int  # of those, not sampled yet
    slots: list[PointSlot]
    is_open: bool
    at: dt.datetime


def point_by_key(key: str) -> SamplingPoint:
    point = (
        SamplingPoint.objects.select_related("round").filter(public_key=key).exclude(round__status="draft").first()
        if key and len(key) <= 24 else None
    )
    if point is None:
        raise NotFound(_("采样点二维码无效或已过期"))
    return point


def point_queue(point: SamplingPoint, *, now: dt.datetime | None = None) -> PointQueue:
    """A few small queries: the samples of the point's tubes in the last 15 minutes, its slots, and
    the missing of the grids of the current slot (each a range of the enrollment index)."""
    now = now or timezone.now()
    recent = Sample.objects.filter(
        tube__point=point, is_retest=False, sampled_at__gt=now - QUEUE_WINDOW, sampled_at__lte=now
    ).count()
    slots = list(PointSlot.objects.filter(point=point).select_related("grid").order_by("starts_at", "grid__path"))
    current = [s for s in slots if s.starts_at <= now < s.ends_at]
    remaining = 0
    if current:
        q = Q(pk__in=[])
        for s in current:
            q |= subtree_q(s.grid_path)
        remaining = Enrollment.objects.filter(round_id=point.round_id).filter(q).filter(_DUE & _UNSAMPLED).count()
    return PointQueue(
        point=point, recent=recent, slots_now=current, expected_now=sum(s.expected for s in current),
        remaining_now=remaining, slots=slots, is_open=point.opens_at <= now < point.closes_at, at=now,
    )
