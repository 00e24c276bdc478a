"""Import of households and persons from one .xlsx/.csv file.

1. Read the file (``readers``), map its headers (``columns``).
2. A cheap first pass: each row's address → grid node (``addresses``), its room, and the identity
   number it will have; then two set-based lookups in the ledger — active persons with those
   numbers, active households at those (node, room) addresses.
3. One validation loop (plain row functions, no ORM object per row). Because everything a row's
   verdict depends on is known by then (the ledger lookups, and the rows before it), each row is
   final when the loop reaches it: good rows go straight to the sink.
4. The sink inserts households and persons with explicit ids (``core.bulk``) in one transaction:
   on PostgreSQL the loop runs inside that transaction and streams rows into COPY, so the server
   indexes them while Python validates the next rows; on SQLite (one writer at a time) the rows
   are collected and inserted after the loop, so the write lock is held only for the insert.
   Either way nothing is written unless the file is accepted; a refused file is rolled back.

Attribution without an event per row: every row carries created_at/created_by and
``import_job_id``; the job has one AuditLog IMPORT record. (``with_events=True`` writes one
PersonEvent "register" per person and one HouseholdEvent per new household as well, at about
a quarter more time.)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridguard.accounts.models import AuditLog, User
from gridguard.accounts.services import audit_record
from gridguard.core.bulk import allocate_ids, column_names, db_datetime, insert_rows
from gridguard.core.errors import ApplicationError
from gridguard.core.normalize import clean_text
from gridguard.grids.models import GridNode
from gridguard.imports.addresses import AddressError, AddressIndex
from gridguard.imports.columns import ADDRESS_KEYS, PEOPLE_SPEC, ColumnMap, normalize_header
from gridguard.imports.lookups import active_households_at, active_id_numbers, active_person_ids, existing_ids
from gridguard.imports.models import ImportJob
from gridguard.imports.readers import FileRefused, read_table
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
    check_import_rights,
    job_fail,
    job_finish,
    job_progress,
    job_start,
    refused,
    warnings_for_columns,
)
from gridguard.people.models import Household, HouseholdEvent, Person, PersonEvent, PersonStatus, Relation
from gridguard.people.rules import RELATION_BY_WORD, PersonData, parse_room, tag_table
from gridguard.people.selectors import address_prefix_map

KIND = ImportJob.Kind.PEOPLE
SQLITE_IMPORT_CACHE_KB = 256 * 1024  # page cache while loading: random index inserts stay in memory

PERSON_KEYS = (
    "name", "id_type", "id_number", "sex", "birth_date", "phone", "relation", "residency", "tags",
    "is_party_member", "employer", "note",
)
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
    at: str  # created_at/updated_at as the backend stores it
    today: str
    filename: str


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
    try:
        check_import_rights(actor, root)
        return _import(actor, root, Path(path), good_rows_only, job, with_events)
    except Exception as exc:
        job_fail(job, exc)
        raise


def _import(
    actor: User | None, root: GridNode, path: Path, good_rows_only: bool, job: ImportJob | None, with_events: bool
) -> ImportResult:
    clock = _Clock()
    job_start(job)
    try:
        table, cmap = read_table(path, PEOPLE_SPEC, ("name",))
    except FileRefused as exc:
        result = refused(KIND, exc, row=exc.row, column=exc.column)
        job_finish(job, result)
        return result
    rows = table.rows
    n = len(rows)
    job_start(job, n)
    result = ImportResult(kind=KIND, total_rows=n, warnings=warnings_for_columns(cmap))
    if n == 0:
        result.status = ImportJob.Status.REFUSED
        result.message = _("文件中没有数据行")
        job_finish(job, result)
        return result
    clock.lap("read")

    report = _Report(cmap, table.row_numbers)
    idx = cmap.index
    addresses = AddressIndex(root)
    prefixes = address_prefix_map(root.path)

    # Pass 1: address → household, the number each row will have; then the ledger, set-based.
    hh_of = _households(rows, idx, root, addresses, report)
    id_i = idx.get("id_number")
    in_ledger = active_id_numbers({likely_id_number(row[id_i]) for row in rows} - {""}) if id_i is not None else set()
    households = {id(hh): hh for hh in hh_of if hh is not None}
    _attach_existing(list(households.values()))
    clock.lap("lookup")

    now = timezone.now()
    stamp = _Stamp(
        actor=actor,
        actor_id=actor.pk if actor is not None else None,
        job_id=job.pk if job is not None else None,
        at=db_datetime(now),
        today=timezone.localdate(now).isoformat(),
        filename=job.filename if job else path.name,
    )
    persons: list[PersonData | None] = [None] * n
    tag_table()  # load the rules' cached tables now: the PostgreSQL loop cannot query mid-COPY
    if connection.vendor == "postgresql":
        with transaction.atomic(), _Progress(job, side=True) as progress:
            sink = _CopySink(n, list(households.values()), stamp)
            with sink:
                _validate(rows, idx, cmap, report, hh_of, in_ledger, persons, good_rows_only, progress, sink)
            clock.lap("validate+insert")
            accepted = _accepted(report, good_rows_only, n)
            if accepted:
                live = [hh for hh in households.values() if hh.good]
                summary = _finish_households(live, sink.person_ids, hh_of, stamp, prefixes, with_events, root)
            else:
                transaction.set_rollback(True)
    else:
        with _Progress(job, side=False) as progress:
            sink = _ListSink()
            _validate(rows, idx, cmap, report, hh_of, in_ledger, persons, good_rows_only, progress, sink)
        clock.lap("validate")
        accepted = _accepted(report, good_rows_only, n)
        if accepted:
            live = [hh for hh in households.values() if hh.good]
            summary = _insert_collected(sink.positions, hh_of, persons, live, stamp, prefixes, with_events, root)
    clock.lap("insert")

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


def _households(
    rows: list[Any], idx: dict[str, int], root: GridNode, addresses: AddressIndex, report: _Report
) -> list[_Household | None]:
    """Each row's household (one per node and room), or None when its address is wrong."""
    present = [(pos, idx[k]) for pos, k in enumerate(ADDRESS_KEYS) if k in idx]
    has_address = bool(present)
    cells = itemgetter(*[i for _, i in present]) if present else None
    slots = [p for p, _ in present]
    room_i = idx.get("room")
    by_key: dict[tuple[int, str], _Household] = {}
    out: list[_Household | None] = []
    rooms: dict[Any, str] = {}
    nodes: dict[Any, int | None | AddressError] = {}  # address cells -> node (or the error)
    for pos, row in enumerate(rows):
        node_id: int | None = root.pk
        if has_address:
            key = cells(row)  # type: ignore[misc]
            hit = nodes.get(key, False)
            if hit is False:
                values = [""] * len(ADDRESS_KEYS)
                for slot, value in zip(slots, key if len(slots) > 1 else (key,), strict=True):
                    values[slot] = value
                try:
                    hit = addresses.resolve(values)
                except AddressError as exc:
                    hit = exc
                nodes[key] = hit
            try:
                if isinstance(hit, AddressError):
                    raise hit
                node_id = hit  # type: ignore[assignment]
            except AddressError as exc:
                report.add(pos, exc.key, row[idx[exc.key]], exc.message, "address_unknown")
                out.append(None)
                continue
            if node_id is None:
                report.add(pos, "community", "", _("请填写地址（社区/村、网格、小区、楼栋等至少一项）"), "address_missing")
                out.append(None)
                continue
        room = ""
        if room_i is not None:
            raw = row[room_i]
            room = rooms.get(raw)  # type: ignore[assignment]
            if room is None:
                room = rooms[raw] = parse_room(raw)
        hh = by_key.get((node_id, room))
        if hh is None:
            hh = by_key[(node_id, room)] = _Household(node_id, addresses.node(node_id).path, room)
        out.append(hh)
    return out


def _attach_existing(households: list[_Household]) -> None:
    """Mark the addresses that already have an active household in the ledger (persons join it)."""
    by_key = {(hh.node_id, hh.room): hh for hh in households}
    found = active_households_at(by_key)
    head_ids = {head for _, head in found.values() if head is not None}
    active_heads = active_person_ids(head_ids) if head_ids else set()
    for key, (pk, head_id) in found.items():
        hh = by_key[key]
        hh.existing_id = hh.id = pk
        hh.existing_head = head_id in active_heads


def _validate(
    rows: list[Any],
    idx: dict[str, int],
    cmap: ColumnMap,
    report: _Report,
    hh_of: list[_Household | None],
    in_ledger: set[str],
    persons: list[PersonData | None],
    good_rows_only: bool,
    progress: _Progress,
    sink: _ListSink | _CopySink,
) -> None:
    """The row loop. A row's verdict is final here; good rows go to the sink."""
    today = timezone.localdate()
    person_cols = [(key, idx[key]) for key in PERSON_KEYS if key in idx]
    politics = "is_party_member" in idx and normalize_header(cmap.header("is_party_member")) == "政治面貌"
    id_i = idx.get("id_number")
    relation_i = idx.get("relation")
    hh_cols = {k: idx[k] for k in ("is_rental", "landlord_name", "landlord_phone") if k in idx}
    row_numbers = report.row_numbers
    bad = report.bad
    seen: dict[str, int] = {}
    head = Relation.HEAD
    emitting = True
    for pos, row in enumerate(rows):
        if pos % PROGRESS_EVERY == 0 and pos:
            progress(pos)
        data = {key: row[i] for key, i in person_cols}
        if politics:
            data["is_party_member"] = politics_to_party(data["is_party_member"])
        try:
            person = validate_person_row(data, today=today)
        except ApplicationError as exc:
            key = exc.field if exc.field in idx else "name"
            report.add(pos, key, row[idx[key]] if key in idx else "", exc.message, exc.code)
            person = None
            raw = clean_text(row[relation_i]) if relation_i is not None else ""
            relation = RELATION_BY_WORD.get(raw) or RELATION_BY_WORD.get(raw.lower())
        else:
            persons[pos] = person
            relation = person.relation
            number = person.id_number
            if number:
                first = seen.get(number)
                if first is not None:
                    report.add(pos, "id_number", row[id_i], _("证件号码与第 {row} 行重复").format(row=row_numbers[first]),  # type: ignore[index]
                               "id_duplicate_file")
                else:
                    seen[number] = pos
                    if number in in_ledger:
                        report.add(pos, "id_number", row[id_i],  # type: ignore[index]
                                   _("该证件号码已在台账中登记（在册人员），不能重复导入"), "id_duplicate_ledger")
        cells = None
        if hh_cols:
            try:
                cells = validate_household_cells(row, hh_cols)
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
                           _("同一地址已有户主（第 {row} 行）；如为不同的户，请填写房号/门牌号").format(row=row_numbers[hh.head_claim]),
                           "head_twice")
            else:
                hh.head_claim = pos
        if pos in bad:
            if not good_rows_only:
                emitting = False  # the file will be refused: validate on for the report, write nothing
            continue
        assert hh is not None and person is not None
        if hh.head_claim == pos:
            hh.head = pos
        if cells is not None and hh.cells is None:
            hh.cells = cells
        hh.good += 1
        if emitting:
            sink.add(pos, person, hh)
    progress(len(rows))


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
                cur.execute("UPDATE imports_importjob SET processed_rows = %s WHERE id = %s", [processed, self.job.pk])
        except Exception:  # progress is a courtesy: never fail an import for it
            self.side = False


# --- sinks --------------------------------------------------------------------------------------

class _ListSink:
    """SQLite: collect the good rows; they are inserted after the loop."""

    def __init__(self) -> None:
        self.positions: list[int] = []

    def add(self, pos: int, person: PersonData, hh: _Household) -> None:
        self.positions.append(pos)


def _person_row(pk: int, p: PersonData, hh: _Household, stamp: _Stamp) -> tuple:
    return (
        pk, stamp.at, stamp.at, stamp.actor_id, stamp.actor_id, hh.node_id, hh.node_path, hh.id,
        p.name, p.name_initials, p.id_type, p.id_number, p.sex,
        p.birth_date.isoformat() if p.birth_date is not None else None,
        p.phone, p.relation, p.residency, p.tags, p.is_party_member, p.employer, PersonStatus.ACTIVE.value,
        p.note, stamp.job_id,
    )


class _CopySink:
    """PostgreSQL: ids allocated up front (one per row and per new address; unused ones are gaps in
    the sequences), good rows streamed into COPY while the loop goes on."""

    def __init__(self, n: int, households: list[_Household], stamp: _Stamp):
        self.stamp = stamp
        self.ids = allocate_ids(Person, n)
        new = [hh for hh in households if hh.is_new]
        for hh, pk in zip(new, allocate_ids(Household, len(new)), strict=True):
            hh.id = pk
        self.person_ids: dict[int, int] = {}
        self._copy: Any = None
        self._cm: Any = None

    def __enter__(self) -> _CopySink:
        cols = ", ".join(f'"{c}"' for c in column_names(Person, PERSON_INSERT_FIELDS))
        self._cursor = connection.cursor()
        self._cm = self._cursor.cursor.copy(f'COPY "{Person._meta.db_table}" ({cols}) FROM STDIN')
        self._copy = self._cm.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self._cm.__exit__(*exc)
        finally:
            self._cursor.close()

    def add(self, pos: int, person: PersonData, hh: _Household) -> None:
        pk = self.ids[pos]
        self.person_ids[pos] = pk
        self._copy.write_row(_person_row(pk, person, hh, self.stamp))


# --- writes -------------------------------------------------------------------------------------

def _household_rows(live: list[_Household], person_ids: dict[int, int], stamp: _Stamp, prefixes: dict[str, str]):  # type: ignore[no-untyped-def]
    for hh in live:
        if not hh.is_new:
            continue
        cells = hh.cells or HouseholdCells()
        head = person_ids.get(hh.head) if hh.head is not None else None
        label = prefixes.get(hh.node_path, "")
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
    prefixes: dict[str, str],
    with_events: bool,
    root: GridNode,
) -> dict[str, Any]:
    """After the persons: new households (with their heads), heads of existing ones, events, audit."""
    insert_rows(Household, HOUSEHOLD_INSERT_FIELDS, _household_rows(live, person_ids, stamp, prefixes))
    for hh in live:
        # An existing household gets the file's 户主 when it has none (or its head moved out/died).
        if not hh.is_new and hh.head is not None:
            Household.objects.filter(pk=hh.id).exclude(head__status=PersonStatus.ACTIVE).update(
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
    }
    audit_record(
        actor=stamp.actor,
        action=AuditLog.Action.IMPORT,
        object_type="imports.importjob",
        object_id=str(stamp.job_id or ""),
        object_repr=f"导入户与人员：{stamp.filename}"[:200],
        node_path=root.path,
        detail={**summary, "file": stamp.filename, "job": stamp.job_id},
    )
    return summary


def _insert_collected(
    positions: list[int],
    hh_of: list[_Household | None],
    persons: list[PersonData | None],
    live: list[_Household],
    stamp: _Stamp,
    prefixes: dict[str, str],
    with_events: bool,
    root: GridNode,
) -> dict[str, Any]:
    """SQLite: insert the collected rows in one transaction (the write lock is held only for this)."""
    # Rows sorted by identity number: the id-number index then fills in order (ids follow).
    positions = sorted(positions, key=lambda pos: persons[pos].id_number)  # type: ignore[union-attr]
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
        return _finish_households(live, person_ids, hh_of, stamp, prefixes, with_events, root)


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
