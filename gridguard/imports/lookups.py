"""Set-based lookups against the ledger for a whole file: one index probe per value, no ORM objects.

PostgreSQL gets the values as one array literal per batch (psycopg adapts a Python list of 100,000
strings element by element, several times slower than the text) and probes the index once per
value through ``LATERAL (… LIMIT 1)``: the planner would otherwise scan the whole table, which is
slower at a million rows and grows with the ledger. Batches stay small enough that the query is
never JIT-compiled (compiling costs more than the query). SQLite gets ``IN (…)`` batches of at most
900 parameters (its historical limit is 999) on the raw connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

SQLITE_BATCH = 900
PG_BATCH = 5_000  # values per statement: planned in well under a millisecond, below jit_above_cost


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _sqlite_rows(db: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> list[tuple]:
    """Run a read on the raw sqlite3 connection (``?`` placeholders): no per-statement wrapping."""
    db.ensure_connection()
    return db.connection.execute(sql, params).fetchall()


def text_array(values: Iterable[str]) -> str:
    """A PostgreSQL text[] literal: every element quoted, so any text is safe in it."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def int_array(values: Iterable[int]) -> str:
    return "{" + ",".join(str(int(v)) for v in values) + "}"


def active_id_numbers(numbers: Iterable[str], using: BaseDatabaseWrapper | None = None) -> set[str]:
    """Which of ``numbers`` belong to an active (在册) person. ``using``: another connection than
    the default one (the import looks up on a second connection while the first is in a COPY)."""
    db = using or connection
    numbers = list(numbers)
    found: set[str] = set()
    if db.vendor == "postgresql":
        with db.cursor() as cur:
            for chunk in _chunks(numbers, PG_BATCH):
                cur.execute(
                    "SELECT k.n FROM unnest(%s::text[]) AS k(n) CROSS JOIN LATERAL ("
                    "SELECT 1 FROM people_person p WHERE p.id_number = k.n AND p.status = 'active' LIMIT 1) AS x",
                    [text_array(chunk)],
                )
                found.update(r[0] for r in cur.fetchall())
        return found
    for chunk in _chunks(numbers, SQLITE_BATCH):
        marks = ",".join("?" * len(chunk))
        rows = _sqlite_rows(
            db,
            f"SELECT id_number FROM people_person WHERE id_number IN ({marks}) AND status = 'active'",  # noqa: S608
            chunk,
        )
        found.update(r[0] for r in rows)
    return found


def active_households_at(
    keys: Iterable[tuple[int, str]], using: BaseDatabaseWrapper | None = None
) -> dict[tuple[int, str], tuple[int, int | None]]:
    """The active household at each (node id, room), as (household id, head id); the oldest if several."""
    db = using or connection
    keys = list(keys)
    found: dict[tuple[int, str], tuple[int, int | None]] = {}
    if db.vendor == "postgresql":
        with db.cursor() as cur:
            for chunk in _chunks(keys, PG_BATCH):
                cur.execute(
                    "SELECT h.id, k.node_id, k.room, h.head_id "
                    "FROM unnest(%s::bigint[], %s::text[]) AS k(node_id, room) CROSS JOIN LATERAL ("
                    "SELECT h.id, h.head_id FROM people_household h WHERE h.node_id = k.node_id AND h.room = k.room "
                    "AND h.is_active ORDER BY h.id LIMIT 1) AS h",
                    [int_array(k[0] for k in chunk), text_array(k[1] for k in chunk)],
                )
                for pk, node_id, room, head_id in cur.fetchall():
                    found[(node_id, room)] = (pk, head_id)
        return found
    for chunk in _chunks(keys, SQLITE_BATCH // 2):
        # A correlated lookup per key: a plain join lets SQLite build a Bloom filter by
        # scanning the whole household table for every batch (60 ms each at 300k rows).
        values = ",".join(["(?, ?)"] * len(chunk))
        params: list[Any] = []
        for node_id, room in chunk:
            params += [node_id, room]
        rows = _sqlite_rows(
            db,
            f"WITH k(node_id, room) AS (VALUES {values}) "  # noqa: S608 - placeholders only
            "SELECT h.id, h.node_id, h.room, h.head_id FROM k JOIN people_household h ON h.id = ("
            "SELECT h2.id FROM people_household h2 WHERE h2.node_id = k.node_id AND h2.room = k.room "
            "AND h2.is_active ORDER BY h2.id LIMIT 1)",
            params,
        )
        for pk, node_id, room, head_id in rows:
            found[(node_id, room)] = (pk, head_id)
    return found


def active_person_ids(ids: Iterable[int], using: BaseDatabaseWrapper | None = None) -> set[int]:
    db = using or connection
    ids = list(ids)
    found: set[int] = set()
    if db.vendor == "postgresql":
        with db.cursor() as cur:
            for chunk in _chunks(ids, PG_BATCH):
                cur.execute("SELECT id FROM people_person WHERE id = ANY(%s::bigint[]) AND status = 'active'",
                            [int_array(chunk)])
                found.update(r[0] for r in cur.fetchall())
        return found
    for chunk in _chunks(ids, SQLITE_BATCH):
        marks = ",".join("?" * len(chunk))
        rows = _sqlite_rows(db, f"SELECT id FROM people_person WHERE id IN ({marks}) AND status = 'active'", chunk)  # noqa: S608
        found.update(r[0] for r in rows)
    return found


def existing_ids(table: str, ids: Iterable[int]) -> set[int]:
    """Which ``ids`` exist in ``table`` (a fixed table name from the code, never user input)."""
    ids = list(ids)
    found: set[int] = set()
    with connection.cursor() as cur:
        for chunk in _chunks(ids, SQLITE_BATCH):
            marks = ",".join(["%s"] * len(chunk))
            cur.execute(f'SELECT id FROM "{table}" WHERE id IN ({marks})', list(chunk))  # noqa: S608
            found.update(r[0] for r in cur.fetchall())
    return found


def unnumbered_members(household_ids: Iterable[int], using: BaseDatabaseWrapper | None = None) -> set[tuple[int, str]]:
    """(household id, name) of the active persons without a document number in those households:
    a person with no number is told apart by the household and the name."""
    db = using or connection
    ids = list(household_ids)
    found: set[tuple[int, str]] = set()
    if db.vendor == "postgresql":
        with db.cursor() as cur:
            for chunk in _chunks(ids, PG_BATCH):
                cur.execute(
                    "SELECT household_id, name FROM people_person WHERE household_id = ANY(%s::bigint[]) "
                    "AND status = 'active' AND id_number = ''",
                    [int_array(chunk)],
                )
                found.update(cur.fetchall())
        return found
    for chunk in _chunks(ids, SQLITE_BATCH):
        marks = ",".join("?" * len(chunk))
        rows = _sqlite_rows(
            db,
            f"SELECT household_id, name FROM people_person WHERE household_id IN ({marks}) "  # noqa: S608
            "AND status = 'active' AND id_number = ''",
            chunk,
        )
        found.update((r[0], r[1]) for r in rows)
    return found
