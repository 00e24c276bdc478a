"""Import of households and persons from one .xlsx/.csv file.

1. Read the file (``readers``), map its headers (``columns``).
2. A cheap first pass per chunk of rows: each row's address → grid node (``addresses``), its room,
   and the identity number it will have; then two set-based lookups in the ledger — active persons
   with those numbers, active households at those (node, room) addresses.
3. One validation loop (plain row functions, no ORM object per row). Because everything a row's
   verdict depends on is known by then (the ledger lookups, and the rows before it), each row is
   final when the loop reaches it: good rows go straight to the sink.
4. The sink inserts households and persons with explicit ids (``core.bulk``) in one transaction:
   on PostgreSQL the loop runs inside that transaction and streams rows into a binary COPY, so the
   server indexes them while Python validates the next rows, and the lookups of the next chunk
   run meanwhile on a second connection; on SQLite (one writer at a time) the lookups are made for
   the whole file first, the rows are collected and inserted after the loop, so the write lock is
   held only for the insert.
   Either way nothing is written unless the file is accepted; a refused file is rolled back.

Attribution without an event per row: every row carries created_at/created_by and
``import_job_id``; the job has one AuditLog IMPORT record. (``with_events=True`` writes one
PersonEvent "register" per person and one HouseholdEvent per new household as well, at about
a quarter more time.)

Where the time goes (summary["seconds"]), per 100,000 rows into a ledger of a million persons on
2 cores: read 0.3; SQLite: lookup 0.6, validate 0.7, then the inserts — persons 2.0 (seven b-trees
per row), households 0.45, commit 0.7 (of which the WAL checkpoint 0.45); PostgreSQL: lookup 0.2
(the first chunk), the COPY of the persons 2.3-2.7 (the server's indexing; validation runs beside
it), households 0.5, commit 1.3-1.5 (the deferred foreign-key checks of every new row: person →
household and grid node, household → grid node and head).
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.accounts.models import User
from gridguard.accounts.scope import Scope
from gridguard.core.bulk import allocate_ids, copy_rows, db_datetime, insert_rows
from gridguard.core.errors import ApplicationError, each_error
from gridguard.core.normalize import clean_text
from gridguard.grids.models import GridNode
from gridguard.imports.addresses import AddressError, AddressIndex
from gridguard.imports.columns import ADDRESS_KEYS, PEOPLE_SPEC, ColumnMap, normalize_header
from gridguard.imports.lookups import (
    active_households_at,
    active_id_numbers,
    active_person_ids,
    existing_ids,
    unnumbered_members,
)
from gridguard.imports.models import ImportJob
from gridguard.imports.rows import (
    HouseholdCells,
    display,
    likely_id_number,
    politics_to_party,
    validate_household_cells,
    validate_person_row,
)
from gridguard.imports.services.common import (
    PROGRESS_EVERY,
    ImportResult,
    RowError,
    audit_import_done,
    job_finish,
    job_progress,
    read_rows,
    run_import,
)
from gridguard.people.models import Household, HouseholdEvent, Person, PersonEvent, PersonStatus, Relation
from gridguard.people.rules import (
    PERSON_CELL_KEYS,
    RELATION_BY_WORD,
    PersonData,
    clean_person_cells,
    parse_room,
    tag_table,
)

KIND = ImportJob.Kind.PEOPLE
SQLITE_IMPORT_CACHE_KB = 256 * 1024  # page cache while loading: random index inserts stay in memory
PG_CHUNK = 5_000  # rows per lookup on PostgreSQL: the next chunk's lookups run while this one is validated

PERSON_INSERT_FIELDS = (
    "id", "created_at", "updated_at", "created_by_id", "updated_by_id", "node_id", "node_path", "household_id",
    "name", "name_initials", "id_type", "id_number", "sex", "birth_date", "phone", "relation", "residency",
    "tags", "is_party_member", "employer", "status", "note", "import_job_id",
)
HOUSEHOLD_INSERT_FIELDS = (
    "id", "created_at", "updated_at", "created_by_id", "updated_by_id", "node_id", "node_path", "room", "address",
    "head_id", "is_rental", "landlord_name", "landlord_phone", "is_active", "import_job_id",
)
PERSON_EVENT_FIELDS = ("person_id", "kind", "date", "household_to_id", "changes", "note", "at", "actor_id")
HOUSEHOLD_EVENT_FIELDS = ("household_id", "kind", "date", "changes", "at", "actor_id")

__all__ = ["people_import_file", "validate_household_cells", "validate_person_row"]


@dataclass(eq=False, slots=True)
class _Household:
    node_id: int
    node_path: str
    room: str
    existing_id: int | None = None
    existing_head: bool = False  # the ledger's household has an active head
    head_claim: int | None = None  # first row (position) saying 户主, good or not
    head: int | None = None  # that row, when it is imported
    cells: HouseholdCells | None = None
    good: int = 0  # rows imported into it
    id: int | None = None  # its id: existing, or allocated for a new one

    @property
    def is_new(self) -> bool:
        return self.existing_id is None


class _Report:
    def __init__(self, cmap: ColumnMap, row_numbers: list[int]):
        self.cmap = cmap
        self.row_numbers = row_numbers
        self.errors: list[RowError] = []
        self.bad: set[int] = set()

    def add(self, pos: int, key: str, value: object, message: str, code: str = "") -> None:
        self.bad.add(pos)
        self.errors.append(
            RowError(self.row_numbers[pos], self.cmap.header_of(key, PEOPLE_SPEC), display(value), message, code)
        )


class _Clock:
    """Seconds per phase, kept in the summary (the benchmark reads them)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


@dataclass
class _Stamp:
    actor: User | None
    actor_id: int | None
    job_id: int | None
    at: Any  # created_at/updated_at: the datetime (PostgreSQL), the stored text (SQLite)
    today: str
    filename: str
    text_dates: bool  # SQLite: dates as ISO text
    rows: int = 0  # the file's rows, for the audit record
    good_rows_only: bool = False
    error_rows: int = 0  # known once every row is checked


def people_import_file(
    *,
    actor: User | None,
    root: GridNode,
    path: str | Path,
    good_rows_only: bool = False,
    job: ImportJob | None = None,
    with_events: bool = False,
) -> ImportResult:
    """Import households and persons from ``path`` (.xlsx/.csv) under the grid node ``root``.

    By default a file with any bad row imports nothing (status "refused", with the row-by-row
    report); ``good_rows_only`` imports the good rows and reports the others. ``actor`` None is
    the system (command line). Progress and the result are written to ``job`` when given.
    Raises PermissionDenied/NotFound when the actor may not import under ``root``.
    """
    def body(scope: Scope) -> ImportResult:
        with _no_cycle_collection():
            return _import(actor, root, Path(path), good_rows_only, job, with_events)

    return run_import(KIND, body, actor=actor, root=root, path=path, good_rows_only=good_rows_only, job=job)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused for the import. A file of 100,000 rows keeps a few hundred
    thousand lists and objects alive at once, and each full collection walks all of them: a tenth
    of the import's time, to find nothing (the import makes no reference cycles; its objects are
    freed by reference counting as usual). Restored afterwards, also when an import fails."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import(
    actor: User | None, root: GridNode, path: Path, good_rows_only: bool, job: ImportJob | None, with_events: bool
) -> ImportResult:
    clock = _Clock()
    read = read_rows(job, KIND, path, PEOPLE_SPEC, ("name",))
    if isinstance(read, ImportResult):
        return read
    table, cmap, result = read.table, read.cmap, read.result
    rows = table.rows
    n = len(rows)
    clock.lap("read")

    pg = connection.vendor == "postgresql"
    report = _Report(cmap, table.row_numbers)
    addresses = AddressIndex(root)
    resolver = _Households(rows, cmap.index, root, addresses, report)
    now = timezone.now()
    stamp = _Stamp(
        actor=actor,
        actor_id=actor.pk if actor is not None else None,
        job_id=job.pk if job is not None else None,
        at=now if pg else db_datetime(now),
        today=timezone.localdate(now).isoformat(),
        filename=job.filename if job else path.name,
        text_dates=not pg,
        rows=n,
        good_rows_only=good_rows_only,
    )
    loop = _RowLoop(rows, cmap, report, resolver.hh_of, good_rows_only)
    tag_table()  # load the rules' cached tables now: the PostgreSQL loop cannot query mid-COPY
    if pg:
        # Lookups beside the COPY read what is committed: inside a caller's transaction (whose rows
        # they could not see) they are all made first, on the import's own connection.
        beside = not connection.in_atomic_block
        with transaction.atomic(), _Progress(job, side=True) as progress, _SideLookups() as side:
            sink = _CopySink(n, stamp)
            chunks = (_Chunks(rows, cmap.index, resolver, loop, side.submit, PG_CHUNK, allocate=True) if beside
                      else _Chunks(rows, cmap.index, resolver, loop, _run_now, n, allocate=True))
            chunks.start()
            clock.lap("lookup")
            with sink:
                chunks.run(sink, progress)
                accepted = _accepted(report, good_rows_only, n)
                stamp.error_rows = len(report.bad)
                live = resolver.live() if accepted else []
                # built while the server still indexes the last rows sent (closing the COPY waits for it)
                new_households = list(_household_rows(live, sink.person_ids, stamp, addresses))
            clock.lap("validate+persons")
            if accepted:
                summary = _finish_households(
                    live, sink.person_ids, resolver.hh_of, stamp, addresses, with_events, root, new_households
                )
                clock.lap("households")
            else:
                transaction.set_rollback(True)
        clock.lap("commit")
    else:
        chunks = _Chunks(rows, cmap.index, resolver, loop, _run_now, n, allocate=False)
        chunks.start()
        clock.lap("lookup")
        with _Progress(job, side=False) as progress:
            list_sink = _ListSink()
            chunks.run(list_sink, progress)
        clock.lap("validate")
        accepted = _accepted(report, good_rows_only, n)
        stamp.error_rows = len(report.bad)
        if accepted:
            summary = _insert_collected(
                list_sink.positions, resolver.hh_of, loop.persons, resolver.live(), stamp, addresses, with_events,
                root, clock,
            )

    report.errors.sort(key=lambda e: e.row)
    result.errors = report.errors
    result.error_rows = len(report.bad)
    result.valid_rows = n - result.error_rows
    if not accepted:
        result.status = ImportJob.Status.REFUSED
        if result.valid_rows == 0:
            result.message = _("文件共 {n} 行，全部有错误，没有可导入的数据。").format(n=n)
        else:
            result.message = _(
                "文件共 {n} 行，其中 {bad} 行有错误，未导入任何数据。请按报告修改后重新上传，或选择“仅导入正确行”。"
            ).format(n=n, bad=result.error_rows)
        result.summary = {"seconds": clock.laps}
        job_finish(job, result)
        return result
    result.imported_rows = summary["persons"]
    result.summary = {**summary, "seconds": clock.laps}
    if summary["households_without_head"]:
        result.warnings.append(_(
            "新建的住户中有 {n} 户没有户主（同一地址没有一行的“与户主关系”为“户主”）；请在住户页面把其中一人改为户主。"
        ).format(n=summary["households_without_head"]))
    skipped = _("，跳过有错误的 {n} 行").format(n=result.error_rows) if result.error_rows else ""
    result.message = _("已导入 {persons} 人，新建 {created} 户，加入已有的 {joined} 户{skipped}。").format(
        persons=summary["persons"], created=summary["households_created"], joined=summary["households_joined"],
        skipped=skipped,
    )
    job_finish(job, result)
    return result


def _accepted(report: _Report, good_rows_only: bool, n: int) -> bool:
    if report.bad and not good_rows_only:
        return False
    return len(report.bad) < n


# --- pass 1: households ----------------------------------------------------------------------------

_AddressFault = tuple[str, object, str, str]  # (column key, cell, message, code) every row with it gets


class _Households:
    """Each row's household (one per node and room), or None when its address is wrong.

    Rows of one household repeat the same address and room cells: each distinct combination is
    looked up once (its household, or the error every row with it gets), from the node of its
    address cells and its parsed room, each found once as well."""

    def __init__(self, rows: list[Any], idx: dict[str, int], root: GridNode, addresses: AddressIndex, report: _Report):
        self.rows = rows
        self.root = root
        self.addresses = addresses
        self.report = report
        self.hh_of: list[_Household | None] = []
        self.all: list[_Household] = []
        self._present = [(slot, idx[k]) for slot, k in enumerate(ADDRESS_KEYS) if k in idx]
        self._room_i = idx.get("room")
        columns = [i for _, i in self._present] + ([self._room_i] if self._room_i is not None else [])
        self._cells_of = itemgetter(*columns) if columns else None
        self._single = len(columns) == 1
        self._cell_of_key = {ADDRESS_KEYS[slot]: n for n, (slot, _i) in enumerate(self._present)}
        self._nodes: dict[tuple, tuple[int, str] | _AddressFault] = {}  # address cells -> (id, path), or the fault
        self._rooms: dict[object, str] = {}
        self._by_key: dict[tuple[int, str], _Household] = {}
        self._found: dict[Any, _Household | _AddressFault] = {}

    def resolve(self, start: int, stop: int) -> list[_Household]:
        """Resolve rows[start:stop] (after the rows before them); returns the households seen first there."""
        first = len(self.all)
        append = self.hh_of.append
        if self._cells_of is None:
            if not self.all:
                self.all.append(_Household(self.root.pk, self.root.path, ""))
            self.hh_of.extend([self.all[0]] * (stop - start))
            return self.all[first:]
        cells_of, found, single, add = self._cells_of, self._found, self._single, self.report.add
        for pos in range(start, stop):
            key = cells_of(self.rows[pos])
            hit = found.get(key)
            if hit is None:
                hit = found[key] = self._household((key,) if single else key)
            if type(hit) is _Household:
                append(hit)
            else:
                add(pos, *hit)  # type: ignore[misc]
                append(None)
        return self.all[first:]

    def live(self) -> list[_Household]:
        return [hh for hh in self.all if hh.good]

    def _household(self, cells: tuple) -> _Household | _AddressFault:
        address = cells[: len(self._present)]
        node = self._nodes.get(address)
        if node is None:
            node = self._nodes[address] = self._node(address)
        if len(node) == 4:
            return node  # type: ignore[return-value]
        room = ""
        if self._room_i is not None:
            raw = cells[-1]
            room = self._rooms.get(raw)  # type: ignore[assignment]
            if room is None:
                room = self._rooms[raw] = parse_room(raw)
        key = (node[0], room)
        hh = self._by_key.get(key)  # type: ignore[arg-type]
        if hh is None:
            hh = self._by_key[key] = _Household(node[0], node[1], room)  # type: ignore[arg-type]
            self.all.append(hh)
        return hh

    def _node(self, cells: tuple) -> tuple[int, str] | _AddressFault:
        """(node id, path) of the address cells, or the fault of the rows with them."""
        if not self._present:
            return (self.root.pk, self.root.path)
        values: list[object] = [""] * len(ADDRESS_KEYS)
        for (slot, _i), value in zip(self._present, cells, strict=True):
            values[slot] = value
        try:
            node_id = self.addresses.resolve(values)
        except AddressError as exc:
            return (exc.key, cells[self._cell_of_key[exc.key]], exc.message, "address_unknown")
        if node_id is None:
            return ("community", "", _("请填写地址（社区/村、网格、小区、楼栋等至少一项）"), "address_missing")
        return (node_id, self.addresses.node(node_id).path)


# --- pass 1: the ledger, a chunk of rows at a time --------------------------------------------------

@dataclass
class _Found:
    in_ledger: set[str]
    existing: list[tuple[int, bool] | None]  # per household asked about: (id, has an active head) or None
    new_ids: list[int] = field(default_factory=list)  # ids allocated for the others (PostgreSQL)
    unnumbered: set[tuple[int, str]] = field(default_factory=set)  # (household id, name) with no number


def _look_up(numbers: set[str], households: list[_Household], db: BaseDatabaseWrapper | None, allocate: bool,
             unnumbered: bool = False) -> _Found:
    """Active persons with ``numbers``, active households at the households' addresses, and (when
    the rows include persons without a number) the members without a number of those households
    (reads only the node and room of each household: safe in another thread)."""
    in_ledger = active_id_numbers(numbers, using=db) if numbers else set()
    found = active_households_at([(hh.node_id, hh.room) for hh in households], using=db) if households else {}
    members = unnumbered_members([hit[0] for hit in found.values()], using=db) if unnumbered and found else set()
    head_ids = {head for _, head in found.values() if head is not None}
    active_heads = active_person_ids(head_ids, using=db) if head_ids else set()
    existing: list[tuple[int, bool] | None] = []
    for hh in households:
        hit = found.get((hh.node_id, hh.room))
        existing.append((hit[0], hit[1] in active_heads) if hit is not None else None)
    new_ids = allocate_ids(Household, existing.count(None), using=db) if allocate else []
    return _Found(in_ledger, existing, new_ids, members)


def _run_now(fn: Callable[..., _Found], *args: Any) -> Future[_Found]:
    """SQLite: the lookups run at once on the import's connection (no transaction is open yet)."""
    done: Future[_Found] = Future()
    done.set_result(fn(*args))
    return done


class _SideLookups:
    """PostgreSQL: a worker thread with a connection of its own for the lookups (the import's
    connection is busy with the COPY). Lookups only read committed rows, as they would before the
    import's transaction; household ids are allocated from the sequence (not transactional)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-lookups")
        self._db: BaseDatabaseWrapper | None = None
        self._used = False

    def __enter__(self) -> _SideLookups:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._used:
                self._pool.submit(self._close).result()
        finally:
            self._pool.shutdown()

    def submit(self, fn: Callable[..., _Found], numbers: set[str], households: list[_Household], _db: Any,
               allocate: bool, unnumbered: bool) -> Future[_Found]:
        self._used = True
        return self._pool.submit(self._call, fn, numbers, households, allocate, unnumbered)

    def _call(self, fn: Callable[..., _Found], numbers: set[str], households: list[_Household], allocate: bool,
              unnumbered: bool) -> _Found:
        if self._db is None:
            self._db = connections.create_connection(DEFAULT_DB_ALIAS)  # made and used in this thread only
        return fn(numbers, households, self._db, allocate, unnumbered)

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class _Chunks:
    """Drives pass 1 and the row loop chunk by chunk: households of a chunk resolved and its lookups
    submitted one chunk ahead of the loop (on PostgreSQL they then run beside it)."""

    def __init__(self, rows: list[Any], idx: dict[str, int], resolver: _Households, loop: _RowLoop,
                 submit: Callable[..., Future[_Found]], size: int, *, allocate: bool):
        self.rows = rows
        self.n = len(rows)
        self.id_i = idx.get("id_number")
        self.resolver = resolver
        self.loop = loop
        self.submit = submit
        self.size = size
        self.allocate = allocate  # household ids with the lookups (PostgreSQL)
        self._asked: set[str] = set()
        self._pending: deque[tuple[int, int, list[_Household], Future[_Found]]] = deque()

    def start(self) -> None:
        self._plan(0)
        if self._pending:
            self._pending[0][3].result()  # the first lookups are part of the "lookup" lap

    def run(self, sink: _ListSink | _CopySink, progress: _Progress) -> None:
        while self._pending:
            start, stop, households, future = self._pending.popleft()
            if stop < self.n:
                self._plan(stop)
            self._apply(households, future.result())
            self.loop.run(start, stop, sink, progress)
        progress(self.n)

    def _plan(self, start: int) -> None:
        stop = min(start + self.size, self.n)
        households = self.resolver.resolve(start, stop)
        numbers: set[str] = set()
        unnumbered = True  # no number column: every row is a person without a number
        if self.id_i is not None:
            id_i = self.id_i
            chunk = {likely_id_number(row[id_i]) for row in self.rows[start:stop]}
            unnumbered = "" in chunk
            numbers = chunk - self._asked
            numbers.discard("")
            self._asked |= numbers
        self._pending.append((start, stop, households,
                              self.submit(_look_up, numbers, households, None, self.allocate, unnumbered)))

    def _apply(self, households: list[_Household], found: _Found) -> None:
        self.loop.in_ledger |= found.in_ledger
        self.loop.unnumbered |= found.unnumbered
        new_ids = iter(found.new_ids)
        for hh, hit in zip(households, found.existing, strict=True):
            if hit is not None:
                hh.existing_id = hh.id = hit[0]
                hh.existing_head = hit[1]
            elif self.allocate:
                hh.id = next(new_ids)


# --- the row loop -----------------------------------------------------------------------------------

class _RowLoop:
    """The row loop. A row's verdict is final here; good rows go to the sink."""

    def __init__(self, rows: list[Any], cmap: ColumnMap, report: _Report, hh_of: list[_Household | None],
                 good_rows_only: bool):
        idx = cmap.index
        self.rows = rows
        self.idx = idx
        self.report = report
        self.hh_of = hh_of
        self.good_rows_only = good_rows_only
        self.persons: list[PersonData | None] = [None] * len(rows)
        self.in_ledger: set[str] = set()
        self.unnumbered: set[tuple[int, str]] = set()  # (existing household id, name) of members with no number
        self.today = timezone.localdate()
        self.politics = "is_party_member" in idx and normalize_header(cmap.header("is_party_member")) == "政治面貌"
        self.id_i = idx.get("id_number")
        self.relation_i = idx.get("relation")
        self.hh_cols = {k: idx[k] for k in ("is_rental", "landlord_name", "landlord_phone") if k in idx}
        self.seen: dict[str, int] = {}
        self.seen_unnumbered: dict[tuple[int, str], int] = {}  # (id(household), name) -> first row
        self.emitting = True
        order = [idx.get(k) for k in PERSON_CELL_KEYS]
        if all(i is not None for i in order):
            self.cells_of: Callable[[Any], tuple] = itemgetter(*order)
        else:  # a column the file lacks reads as "" (clean_person treats a missing key the same)
            getter = itemgetter(*[-1 if i is None else i for i in order])
            self.cells_of = lambda row: getter([*row, ""])

    def run(self, start: int, stop: int, sink: _ListSink | _CopySink, progress: _Progress) -> None:
        rows, idx, report, hh_of, persons = self.rows, self.idx, self.report, self.hh_of, self.persons
        row_numbers, bad, seen, in_ledger = report.row_numbers, report.bad, self.seen, self.in_ledger
        today, politics, cells_of, id_i, relation_i, hh_cols = (
            self.today, self.politics, self.cells_of, self.id_i, self.relation_i, self.hh_cols)
        head = Relation.HEAD
        for pos in range(start, stop):
            if pos % PROGRESS_EVERY == 0 and pos:
                progress(pos)
            row = rows[pos]
            cells = cells_of(row)
            if politics:
                cells = (*cells[:9], politics_to_party(cells[9]), *cells[10:])
            person = clean_person_cells(cells, today)
            if person is None:
                try:
                    person = validate_person_row(dict(zip(PERSON_CELL_KEYS, cells, strict=True)), today=today)
                except ApplicationError as exc:
                    for error in each_error(exc):  # every wrong cell of the row, not only the first
                        key = error.field if error.field in idx else "name"
                        report.add(pos, key, row[idx[key]] if key in idx else "", error.message, error.code)
                    person = None
            if person is None:
                raw = clean_text(row[relation_i]) if relation_i is not None else ""
                relation = RELATION_BY_WORD.get(raw) or RELATION_BY_WORD.get(raw.lower())
            else:
                persons[pos] = person
                relation = person.relation  # type: ignore[assignment]
                number = person.id_number
                if number:
                    first = seen.get(number)
                    if first is not None:
                        report.add(pos, "id_number", row[id_i],  # type: ignore[index]
                                   _("证件号码与第 {row} 行重复").format(row=row_numbers[first]), "id_duplicate_file")
                    else:
                        seen[number] = pos
                        if number in in_ledger:
                            report.add(pos, "id_number", row[id_i],  # type: ignore[index]
                                       _("该证件号码已在台账中登记（在册人员），不能重复导入"), "id_duplicate_ledger")
                elif hh_of[pos] is not None:
                    self._check_unnumbered(pos, person.name, hh_of[pos])  # type: ignore[arg-type]
            hh_cells = None
            if hh_cols:
                try:
                    hh_cells = validate_household_cells(row, hh_cols)
                except ApplicationError as exc:
                    key = exc.field or "is_rental"
                    report.add(pos, key, row[idx[key]], exc.message, exc.code)
            hh = hh_of[pos]
            if hh is not None and relation == head:
                value = row[relation_i] if relation_i is not None else ""
                if hh.existing_head:
                    report.add(pos, "relation", value, _("该户在台账中已有户主；同一户只能有一个户主"), "head_exists")
                elif hh.head_claim is not None:
                    report.add(pos, "relation", value,
                               _("同一地址已有户主（第 {row} 行）；如为不同的户，请填写房号/门牌号").format(
                                   row=row_numbers[hh.head_claim]),
                               "head_twice")
                else:
                    hh.head_claim = pos
            if pos in bad:
                if not self.good_rows_only:
                    self.emitting = False  # the file will be refused: validate on for the report, write nothing
                continue
            assert hh is not None and person is not None
            if hh.head_claim == pos:
                hh.head = pos
            if hh_cells is not None and hh.cells is None:
                hh.cells = hh_cells
            hh.good += 1
            if self.emitting:
                sink.add(pos, person, hh)


    def _check_unnumbered(self, pos: int, name: str, hh: _Household) -> None:
        """A person without a document number is told apart by the household and the name: a second
        row of that name at that address, or a member of that name in the ledger, is the same person."""
        report = self.report
        key = (id(hh), name)
        first = self.seen_unnumbered.get(key)
        if first is not None:
            report.add(pos, "name", name, _("与第 {row} 行重复：同一住户中同名，且都没有证件号码").format(
                row=report.row_numbers[first]), "name_duplicate_file")
            return
        self.seen_unnumbered[key] = pos
        if hh.existing_id is not None and (hh.existing_id, name) in self.unnumbered:
            report.add(pos, "name", name, _("该户中已有同名且没有证件号码的在册人员，不能重复导入"), "name_duplicate_ledger")


# --- progress ---------------------------------------------------------------------------------

class _Progress:
    """Writes ImportJob.processed_rows every PROGRESS_EVERY rows, each a short write of its own.

    On PostgreSQL the loop runs inside the insert transaction, so progress goes through a second
    connection (autocommit) and shows on the page while the import runs.
    """

    def __init__(self, job: ImportJob | None, *, side: bool):
        self.job = job
        self.side = side and job is not None
        self._conn: Any = None

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __call__(self, processed: int) -> None:
        if self.job is None:
            return
        if not self.side:
            job_progress(self.job, processed)
            return
        self.job.processed_rows = processed
        try:
            if self._conn is None:
                self._conn = connections.create_connection(DEFAULT_DB_ALIAS)
            with self._conn.cursor() as cur:
                cur.execute("UPDATE imports_importjob SET processed_rows = %s, heartbeat_at = %s WHERE id = %s",
                            [processed, timezone.now(), self.job.pk])
        except Exception:  # progress is a courtesy: never fail an import for it (nor write it mid-COPY)
            self.job = None


# --- sinks --------------------------------------------------------------------------------------

class _ListSink:
    """SQLite: collect the good rows; they are inserted after the loop."""

    def __init__(self) -> None:
        self.positions: list[int] = []

    def add(self, pos: int, person: PersonData, hh: _Household) -> None:
        self.positions.append(pos)


def _person_row(pk: int, p: PersonData, hh: _Household, stamp: _Stamp) -> tuple:
    birth: dt.date | str | None = p.birth_date
    if stamp.text_dates and birth is not None:
        birth = birth.isoformat()  # type: ignore[union-attr]
    return (
        pk, stamp.at, stamp.at, stamp.actor_id, stamp.actor_id, hh.node_id, hh.node_path, hh.id,
        p.name, p.name_initials, p.id_type, p.id_number, p.sex, birth,
        p.phone, p.relation, p.residency, p.tags, p.is_party_member, p.employer, PersonStatus.ACTIVE.value,
        p.note, stamp.job_id,
    )


class _CopySink:
    """PostgreSQL: person ids allocated up front (one per row; unused ones are gaps in the sequence),
    good rows streamed into a binary COPY while the loop goes on."""

    def __init__(self, n: int, stamp: _Stamp):
        self.stamp = stamp
        self.ids = allocate_ids(Person, n)
        self.person_ids: dict[int, int] = {}
        self._copy: Any = None
        self._cm: Any = None

    def __enter__(self) -> _CopySink:
        self._cm = copy_rows(Person, PERSON_INSERT_FIELDS, binary=True)
        self._copy = self._cm.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._cm.__exit__(*exc)

    def add(self, pos: int, person: PersonData, hh: _Household) -> None:
        pk = self.ids[pos]
        self.person_ids[pos] = pk
        self._copy.write_row(_person_row(pk, person, hh, self.stamp))


# --- writes -------------------------------------------------------------------------------------

def _household_rows(
    live: list[_Household], person_ids: dict[int, int], stamp: _Stamp, addresses: AddressIndex
) -> Iterator[tuple]:
    empty = HouseholdCells()
    for hh in live:
        if not hh.is_new:
            continue
        cells = hh.cells or empty
        head = person_ids.get(hh.head) if hh.head is not None else None
        label = addresses.label(hh.node_path)
        address = (label + " " + hh.room).strip() or label
        yield (
            hh.id, stamp.at, stamp.at, stamp.actor_id, stamp.actor_id, hh.node_id, hh.node_path, hh.room,
            address[:255], head, cells.is_rental, cells.landlord_name, cells.landlord_phone, True, stamp.job_id,
        )


def _finish_households(
    live: list[_Household],
    person_ids: dict[int, int],
    hh_of: list[_Household | None],
    stamp: _Stamp,
    addresses: AddressIndex,
    with_events: bool,
    root: GridNode,
    new_households: list[tuple] | None = None,
) -> dict[str, Any]:
    """After the persons: new households (with their heads), heads of existing ones, events, audit.
    ``new_households``: the rows of the new ones when already built."""
    if new_households is None:
        new_households = list(_household_rows(live, person_ids, stamp, addresses))
    insert_rows(Household, HOUSEHOLD_INSERT_FIELDS, new_households, binary=True)
    for hh in live:
        # An existing household gets the file's 户主 when it has none (or its head moved out/died).
        if not hh.is_new and hh.head is not None:
            Household.objects.filter(pk=hh.id).exclude(head__status=PersonStatus.ACTIVE).update(  # type: ignore[misc]
                head_id=person_ids[hh.head], updated_at=timezone.now(), updated_by_id=stamp.actor_id
            )
    if with_events:
        note = f"批量导入：{stamp.filename}"[:200]
        insert_rows(
            PersonEvent,
            PERSON_EVENT_FIELDS,
            ((pk, PersonEvent.Kind.REGISTER.value, stamp.today, hh_of[pos].id, "{}", note, stamp.at,  # type: ignore[union-attr]
              stamp.actor_id) for pos, pk in person_ids.items()),
        )
        insert_rows(
            HouseholdEvent,
            HOUSEHOLD_EVENT_FIELDS,
            ((hh.id, HouseholdEvent.Kind.REGISTER.value, stamp.today, "{}", stamp.at, stamp.actor_id)
             for hh in live if hh.is_new),
        )
    summary = {
        "persons": len(person_ids),
        "households_created": sum(1 for hh in live if hh.is_new),
        "households_joined": sum(1 for hh in live if not hh.is_new),
        "heads": sum(1 for hh in live if hh.head is not None),
        "households_without_head": sum(1 for hh in live if hh.is_new and hh.head is None),
    }
    audit_import_done(
        actor=stamp.actor, kind=KIND, filename=stamp.filename, job_id=stamp.job_id, root=root, rows=stamp.rows,
        imported=summary["persons"], error_rows=stamp.error_rows, good_rows_only=stamp.good_rows_only, counts=summary,
    )
    return summary


def _insert_collected(
    positions: list[int],
    hh_of: list[_Household | None],
    persons: list[PersonData | None],
    live: list[_Household],
    stamp: _Stamp,
    addresses: AddressIndex,
    with_events: bool,
    root: GridNode,
    clock: _Clock,
) -> dict[str, Any]:
    """SQLite: insert the collected rows in one transaction (the write lock is held only for this).
    Rows go in file order: their ids then follow it, and the rows of a household are neighbours
    (sorting them by any one indexed column measured slower)."""
    with _bulk_load() as unchecked, transaction.atomic():
        if unchecked:
            _verify_references(stamp.actor_id, live)
        person_ids = dict(zip(positions, allocate_ids(Person, len(positions)), strict=True))
        new = [hh for hh in live if hh.is_new]
        for hh, pk in zip(new, allocate_ids(Household, len(new)), strict=True):
            hh.id = pk
        insert_rows(
            Person,
            PERSON_INSERT_FIELDS,
            (_person_row(person_ids[pos], persons[pos], hh_of[pos], stamp) for pos in positions),  # type: ignore[arg-type]
        )
        clock.lap("persons")
        summary = _finish_households(live, person_ids, hh_of, stamp, addresses, with_events, root)
        clock.lap("households")
    clock.lap("commit")
    return summary


@contextmanager
def _bulk_load() -> Iterator[bool]:
    """SQLite: a larger page cache, and foreign-key checks off for the load (with them on the
    inserts take half as long again). The references are verified once inside the transaction
    instead (``_verify_references``): the ids written are ones this job allocated or read, and
    SQLite holds the write lock from the transaction's start, so nothing can remove them before
    the commit. Inside an outer transaction SQLite cannot change the setting: checks stay on."""
    disabled = False
    with connection.cursor() as cur:
        cache_size = cur.execute("PRAGMA cache_size").fetchone()[0]
        cur.execute(f"PRAGMA cache_size = {-SQLITE_IMPORT_CACHE_KB}")
    if not connection.in_atomic_block:
        disabled = connection.disable_constraint_checking()
    try:
        yield disabled
    finally:
        if disabled:
            connection.enable_constraint_checking()
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {int(cache_size)}")


def _verify_references(actor_id: int | None, live: list[_Household]) -> None:
    node_ids = {hh.node_id for hh in live}
    household_ids = {hh.existing_id for hh in live if hh.existing_id is not None}
    ok = (
        len(existing_ids("grids_gridnode", node_ids)) == len(node_ids)
        and len(existing_ids("people_household", household_ids)) == len(household_ids)
        and (actor_id is None or bool(existing_ids("accounts_user", [actor_id])))
    )
    if not ok:
        raise ApplicationError("concurrent_change", _("导入期间网格节点、住户或账号被删除，请重新导入该文件"))
