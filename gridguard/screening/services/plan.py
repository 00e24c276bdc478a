"""The proposed plan of a round (采样点、采样台、分时段): read how many persons are in scope per grid and
compound in one query, propose points by the national sizing rules with a pure function, and apply
an (edited) proposal in one transaction.

The sizing rules (全员核酸检测实施指南, 国务院联防联控机制, 2nd edition 2022):
- one sampling point per 2,000–3,000 persons in scope, normally one per compound (小区);
- one sampling station (采样台) per 600–800 persons;
- persons are called by grid in time slots (分时段错峰), so that a point's queue is even.

How the proposal reads them: a *site* is a compound (the highest address-level node above a person's
home: 小区/自然村), or the grid for persons living outside any compound. A site of more than
``POINT_MAX`` persons is split into ``ceil(n / POINT_MAX)`` points; sites under ``POINT_MIN`` are
merged with their neighbours in the same community (in tree order) while the merged point stays at
or under ``POINT_MAX``, so a point serves 2,000–3,000 persons wherever the ledger allows it (a
community of 800 persons still gets its one point). A point's stations: ``ceil(n / STATION_MAX)``,
raised when the opening hours are too short for the stations' throughput. Each grid (within a
compound) gets one slot at its point, its length proportional to its persons, so the expected
arrivals per hour are the same over the opening hours.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from gridguard.accounts.services import audit_record
from gridguard.core.errors import ApplicationError, FieldErrors
from gridguard.screening.models import Mode, PointStaff, RoundStatus, SamplingPoint, ScreeningRound
from gridguard.screening.services import points as point_services
from gridguard.screening.services.common import scope_with
from gridguard.screening.services.rounds import scope_sql

if TYPE_CHECKING:
    from gridguard.accounts.models import User
    from gridguard.accounts.scope import Scope

POINT_MIN = 2000  # persons per sampling point, lower bound of the national rule
POINT_MAX = 3000  # … upper bound
STATION_MIN = 600  # persons per station, lower bound
STATION_MAX = 800  # … upper bound
MAX_STATIONS = 50  # what point_create accepts
SLOT_STEP = dt.timedelta(minutes=5)  # slot boundaries fall on 5 minutes
# Persons sampled per station and hour, by mode. ASSUMPTION, not a national figure: a throat swab
# takes 10–15 s, so one sampler swabs 240–360 persons an hour with the codes scanned in between; a
# pooled tube (10合1/20合1/一户一管) is labelled and scanned once per 10–20 persons, so 240/h is the
# rate we plan pooled stations at (the middle of the 200–300/h reported for 10合1 stations in 2022).
# A single tube (单采) is labelled and scanned per person, about twice the work: 120/h.
STATION_RATE = {Mode.POOL10: 240, Mode.POOL20: 240, Mode.HOUSEHOLD: 240, Mode.SINGLE: 120}

COMPOUND_LEVEL = "compound"
COMMUNITY_LEVEL = "community"


# --- the counts (one query) -------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """The persons in scope of one grid within one compound (or of a grid outside compounds)."""

    grid_id: int
    grid_name: str
    site_id: int  # the compound, else the grid itself: where the point normally stands
    site_name: str
    community_id: int  # sites are merged only within one community
    persons: int
    path: str  # tree order of the cell (the site's path, then the grid's)


def scope_counts(rnd: ScreeningRound, *, today: dt.date | None = None) -> list[Cell]:
    """Persons in scope of ``rnd`` (active, living in its subtree, not exempt by its rules) per grid
    and compound: one grouped query over the ledger, then the subtree's nodes (one query) to place
    each home node under its grid, compound and community."""
    from gridguard.grids.models import GridNode

    scope = scope_sql(rnd, today or rnd.starts_on)  # ages on the round's first day
    end = rnd.node_path + "~"
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT p.node_path, COUNT(*) {scope.source} AND ({scope.reason}) = '' GROUP BY p.node_path",  # noqa: S608
            [*scope.source_params, *scope.reason_params],
        )
        per_path = dict(cur.fetchall())
    nodes = list(
        GridNode.objects.filter(path__gte=rnd.node_path, path__lt=end)
        .values_list("id", "path", "name", "level__code", "level__is_grid", "level__is_address")
    )
    by_path = {n[1]: n for n in nodes}
    step = GridNode.steplen
    cells: dict[tuple[int, int], dict[str, Any]] = {}
    for path, persons in per_path.items():
        grid = compound = community = None
        for i in range(len(path), 0, -step):
            node = by_path.get(path[:i])
            if node is None:
                continue
            if grid is None and node[4]:
                grid = node
            if node[3] == COMPOUND_LEVEL:
                compound = node  # going up: the highest compound above the home wins
            if community is None and node[3] == COMMUNITY_LEVEL:
                community = node
        home = by_path.get(path)
        grid = grid or home or by_path[rnd.node_path]
        site = compound or grid
        community = community or by_path[rnd.node_path]
        key = (grid[0], site[0])
        cell = cells.setdefault(key, {
            "grid_id": grid[0], "grid_name": grid[2], "site_id": site[0], "site_name": site[2],
            "community_id": community[0], "persons": 0, "path": f"{site[1]}|{grid[1]}",
        })
        cell["persons"] += persons
    return sorted((Cell(**c) for c in cells.values()), key=lambda c: c.path)


# --- the proposal (a pure function) ---------------------------------------------------------------


@dataclass
class ProposedSlot:
    grid_id: int
    grid_name: str
    persons: int
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass
class ProposedPoint:
    node_id: int  # the site: compound or grid
    name: str
    address: str
    stations: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    slots: list[ProposedSlot] = field(default_factory=list)

    @property
    def persons(self) -> int:
        return sum(s.persons for s in self.slots)

    @property
    def per_station(self) -> int:
        return math.ceil(self.persons / self.stations) if self.stations else 0


@dataclass
class Proposal:
    points: list[ProposedPoint]
    rate: int  # the persons per station and hour assumed (STATION_RATE of the mode)

    @property
    def persons(self) -> int:
        return sum(p.persons for p in self.points)

    def as_dict(self) -> dict[str, Any]:
        return {"rate": self.rate, "persons": self.persons, "points": [
            {**{k: v for k, v in asdict(p).items() if k != "slots"}, "persons": p.persons,
             "slots": [asdict(s) for s in p.slots]} for p in self.points]}


def stations_for(persons: int, hours: float, rate: int) -> int:
    """One station per 600–800 persons (ceil(n/800): every station at most 800), more when the hours
    are too short for the stations' throughput."""
    by_rule = math.ceil(persons / STATION_MAX) if persons else 1
    by_rate = math.ceil(persons / (rate * hours)) if hours > 0 else by_rule
    return max(1, min(MAX_STATIONS, max(by_rule, by_rate)))


def spread_slots(parts: list[tuple[int, str, int]], opens_at: dt.datetime, closes_at: dt.datetime) -> list[ProposedSlot]:
    """Slots for ``(grid_id, grid_name, persons)`` one after another over the opening hours, each as
    long as its share of the persons (boundaries on SLOT_STEP, at least one step each), so that the
    expected arrivals per hour are even."""
    total = sum(p for _g, _n, p in parts) or 1
    steps = int((closes_at - opens_at) / SLOT_STEP)
    if steps < len(parts):
        raise ApplicationError("hours_too_short", _("开放时间太短，无法为每个网格安排时段"), field="closes_at")
    bounds = [0]
    cum = 0
    for _g, _n, persons in parts:
        cum += persons
        bounds.append(round(cum * steps / total))
    bounds[-1] = steps
    for i in range(1, len(bounds)):  # at least one step each, then back from the end
        bounds[i] = max(bounds[i], bounds[i - 1] + 1)
    bounds[-1] = steps
    for i in range(len(bounds) - 2, 0, -1):
        bounds[i] = min(bounds[i], bounds[i + 1] - 1)
    return [
        ProposedSlot(grid_id=g, grid_name=n, persons=p, starts_at=opens_at + SLOT_STEP * bounds[i],
                     ends_at=opens_at + SLOT_STEP * bounds[i + 1])
        for i, (g, n, p) in enumerate(parts)
    ]


def _groups(cells: list[Cell]) -> list[list[Cell]]:
    """Cells grouped into points: one group per site; a site over POINT_MAX split; small sites of one
    community merged (in tree order) while the group stays at or under POINT_MAX."""
    sites: dict[int, list[Cell]] = {}
    for cell in cells:
        if cell.persons > 0:
            sites.setdefault(cell.site_id, []).append(cell)
    groups: list[list[Cell]] = []
    small: list[Cell] = []  # the open group of small sites

    def flush() -> None:
        if small:
            groups.append(list(small))
            small.clear()

    for site_cells in sites.values():
        persons = sum(c.persons for c in site_cells)
        if persons > POINT_MAX:
            flush()
            groups.extend(_split(site_cells, math.ceil(persons / POINT_MAX)))
        elif persons >= POINT_MIN:
            flush()
            groups.append(site_cells)
        else:
            open_persons = sum(c.persons for c in small)
            if small and (small[0].community_id != site_cells[0].community_id
                          or open_persons >= POINT_MIN or open_persons + persons > POINT_MAX):
                flush()
            small.extend(site_cells)
    flush()
    return groups


def _split(site_cells: list[Cell], k: int) -> list[list[Cell]]:
    """A big site's cells in ``k`` points of even size; a grid larger than a point's share is cut
    (the grid then has a slot at two points, each for its part of the persons)."""
    total = sum(c.persons for c in site_cells)
    target = [total * (i + 1) // k - total * i // k for i in range(k)]
    groups: list[list[Cell]] = [[] for _ in range(k)]
    i, room = 0, target[0]
    for cell in site_cells:
        left = cell.persons
        while left > 0:
            take = min(left, room)
            groups[i].append(Cell(**{**asdict(cell), "persons": take}))
            left -= take
            room -= take
            if room == 0 and i < k - 1:
                i += 1
                room = target[i]
    return [g for g in groups if g]


def propose(cells: Iterable[Cell], *, opens_at: dt.datetime, closes_at: dt.datetime, mode: str) -> Proposal:
    """The proposed points, stations and slots for the counts ``cells`` (pure: no database)."""
    rate = STATION_RATE[Mode(mode)]
    hours = (closes_at - opens_at).total_seconds() / 3600
    proposal = Proposal(points=[], rate=rate)
    names: dict[str, int] = {}
    for group in _groups(list(cells)):
        site = max(group, key=lambda c: c.persons)
        base = _("{site}采样点").format(site=site.site_name)
        names[base] = names.get(base, 0) + 1
        name = base if names[base] == 1 else f"{base}{names[base]}"
        merged: dict[int, tuple[int, str, int]] = {}
        for c in group:
            g = merged.get(c.grid_id)
            merged[c.grid_id] = (c.grid_id, c.grid_name, (g[2] if g else 0) + c.persons)
        parts = list(merged.values())
        persons = sum(p for _g, _n, p in parts)
        proposal.points.append(ProposedPoint(
            node_id=site.site_id, name=name, address=site.site_name,
            stations=stations_for(persons, hours, rate), opens_at=opens_at, closes_at=closes_at,
            slots=spread_slots(parts, opens_at, closes_at),
        ))
    return proposal


def round_proposal(rnd: ScreeningRound, *, opens_at: dt.datetime, closes_at: dt.datetime,
                   today: dt.date | None = None) -> Proposal:
    """The proposal for a round, from the ledger (the caller checked the scope)."""
    if closes_at <= opens_at:
        raise ApplicationError("bad_hours", _("关闭时间须晚于开放时间"), field="closes_at")
    return propose(scope_counts(rnd, today=today), opens_at=opens_at, closes_at=closes_at, mode=rnd.mode)


# --- applying a proposal ----------------------------------------------------------------------------


def plan_apply(
    *, actor: User | None, rnd: ScreeningRound, proposal: Proposal, scope: Scope | None = None,
) -> list[SamplingPoint]:
    """Make the (edited) proposal the round's plan in one transaction: the draft's points are
    replaced (their samplers and leaders stay with the point of the same name). Every wrong field
    of every point is named at once (``points.<i>.<field>``, ``points.<i>.slots.<j>.<field>``)."""
    from gridguard.grids.models import GridNode

    scope = scope_with(actor, "screening.plan", scope)
    scope.check(rnd.node_path)
    if rnd.status != RoundStatus.DRAFT:
        raise ApplicationError("round_not_draft", _("只有筹备中的轮次可以按方案重排采样点"))
    errors: list[ApplicationError] = []
    if not proposal.points:
        errors.append(ApplicationError("no_points", _("方案中没有采样点"), field="points"))
    ids = {p.node_id for p in proposal.points} | {s.grid_id for p in proposal.points for s in p.slots}
    nodes = GridNode.objects.in_bulk(ids)
    seen_names: set[str] = set()
    for i, proposed in enumerate(proposal.points):
        name = proposed.name.strip()
        if name in seen_names:
            errors.append(ApplicationError("duplicate_name", _("采样点名称重复：{name}").format(name=name),
                                           field=f"points.{i}.name"))
        seen_names.add(name)
        if proposed.node_id not in nodes:
            errors.append(ApplicationError("node_outside", _("采样点须在本轮次范围内"), field=f"points.{i}.node"))
        grids: set[int] = set()
        for j, slot in enumerate(proposed.slots):
            if slot.grid_id not in nodes:
                errors.append(ApplicationError("node_outside", _("网格须在本轮次范围内"),
                                               field=f"points.{i}.slots.{j}.grid"))
            if slot.grid_id in grids:
                errors.append(ApplicationError("duplicate_grid", _("同一网格在一个采样点只能有一个时段"),
                                               field=f"points.{i}.slots.{j}.grid"))
            grids.add(slot.grid_id)
    with transaction.atomic():
        locked = ScreeningRound.objects.select_for_update().get(pk=rnd.pk)
        if locked.status != RoundStatus.DRAFT:
            raise ApplicationError("round_not_draft", _("只有筹备中的轮次可以按方案重排采样点"))
        staff = {(name, user_id): duty for name, user_id, duty in
                 PointStaff.objects.filter(point__round=rnd).values_list("point__name", "user_id", "duty")}
        SamplingPoint.objects.filter(round=rnd).delete()
        made: list[SamplingPoint] = []
        for i, proposed in enumerate(proposal.points):
            node = nodes.get(proposed.node_id)
            if node is None:
                continue
            try:
                point = point_services.point_create(
                    actor=actor, rnd=rnd, node=node, name=proposed.name, address=proposed.address,
                    opens_at=proposed.opens_at, closes_at=proposed.closes_at, stations=proposed.stations,
                    scope=scope,
                )
            except ApplicationError as exc:
                errors.extend(_prefixed(exc, f"points.{i}."))
                continue
            made.append(point)
            for j, slot in enumerate(proposed.slots):
                grid = nodes.get(slot.grid_id)
                if grid is None:
                    continue
                try:
                    point_services.point_slot_set(
                        actor=actor, point=point, grid=grid, starts_at=slot.starts_at, ends_at=slot.ends_at,
                        expected=slot.persons, scope=scope,
                    )
                except ApplicationError as exc:
                    errors.extend(_prefixed(exc, f"points.{i}.slots.{j}."))
        if errors:
            transaction.set_rollback(True)
            raise FieldErrors(errors)
        by_name = {p.name: p for p in made}
        PointStaff.objects.bulk_create([
            PointStaff(point=by_name[name], user_id=user_id, duty=duty)
            for (name, user_id), duty in staff.items() if name in by_name
        ])
        audit_record(actor=actor, action="change", obj=rnd, node_path=rnd.node_path,
                     detail={"plan_applied": len(made), "persons": proposal.persons})
    return made


def _prefixed(exc: ApplicationError, prefix: str) -> list[ApplicationError]:
    from gridguard.core.errors import each_error

    return [ApplicationError(e.code, e.message, field=prefix + (e.field or "point"), extra=e.extra)
            for e in each_error(exc)]


def plan_from_dict(data: dict[str, Any]) -> Proposal:
    """A proposal sent back (the API's body, the page's form): the shape of ``Proposal.as_dict``."""
    points = []
    for p in data.get("points", []):
        points.append(ProposedPoint(
            node_id=int(p["node_id"]), name=str(p.get("name", "")), address=str(p.get("address", "")),
            stations=int(p.get("stations", 1)), opens_at=p["opens_at"], closes_at=p["closes_at"],
            slots=[ProposedSlot(grid_id=int(s["grid_id"]), grid_name=str(s.get("grid_name", "")),
                                persons=int(s.get("persons", 0)), starts_at=s["starts_at"], ends_at=s["ends_at"])
                   for s in p.get("slots", [])],
        ))
    return Proposal(points=points, rate=int(data.get("rate", 0)))
