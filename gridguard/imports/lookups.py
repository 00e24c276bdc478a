"""Set-based lookups against the ledger for a whole file: one statement per batch, no ORM objects.

PostgreSQL gets arrays (``= ANY(%s)``, ``unnest``); SQLite gets ``IN (…)`` batches of at most 900
parameters (its historical limit is 999).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection

SQLITE_BATCH = 900
PG_BATCH = 200_000  # one statement per file: cheaper than many batches at 100k ids


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _pg() -> bool:
    return connection.vendor == "postgresql"


def active_id_numbers(numbers: Iterable[str]) -> set[str]:
    """Which of ``numbers`` belong to an active (在册) person."""
    numbers = sorted(numbers)  # probes in index order touch each index page once
    found: set[str] = set()
    with connection.cursor() as cur:
        if _pg():
            for chunk in _chunks(numbers, PG_BATCH):
                cur.execute(
                    "SELECT id_number FROM people_person WHERE id_number = ANY(%s) AND status = 'active'", [list(chunk)]
                )
                found.update(r[0] for r in cur.fetchall())
        else:
            for chunk in _chunks(numbers, SQLITE_BATCH):
                marks = ",".join(["%s"] * len(chunk))
                cur.execute(
                    f"SELECT id_number FROM people_person WHERE id_number IN ({marks}) AND status = 'active'",  # noqa: S608
                    list(chunk),
                )
                found.update(r[0] for r in cur.fetchall())
    return found


def active_households_at(keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, int | None]]:
    """The active household at each (node id, room), as (household id, head id); the oldest if several."""
    keys = list(keys)
    found: dict[tuple[int, str], tuple[int, int | None]] = {}
    with connection.cursor() as cur:
        for chunk in _chunks(keys, PG_BATCH if _pg() else SQLITE_BATCH // 2):
            if _pg():
                cur.execute(
                    "SELECT h.id, h.node_id, h.room, h.head_id FROM people_household h "
                    "JOIN unnest(%s::bigint[], %s::text[]) AS k(node_id, room) "
                    "ON h.node_id = k.node_id AND h.room = k.room WHERE h.is_active",
                    [[k[0] for k in chunk], [k[1] for k in chunk]],
                )
            else:
                # A correlated lookup per key: a plain join lets SQLite build a Bloom filter by
                # scanning the whole household table for every batch (60 ms each at 300k rows).
                values = ",".join(["(%s, %s)"] * len(chunk))
                params: list[Any] = []
                for node_id, room in chunk:
                    params += [node_id, room]
                cur.execute(
                    f"WITH k(node_id, room) AS (VALUES {values}) "  # noqa: S608 - placeholders only
                    "SELECT h.id, h.node_id, h.room, h.head_id FROM k JOIN people_household h ON h.id = ("
                    "SELECT h2.id FROM people_household h2 WHERE h2.node_id = k.node_id AND h2.room = k.room "
                    "AND h2.is_active ORDER BY h2.id LIMIT 1)",
                    params,
                )
            for pk, node_id, room, head_id in cur.fetchall():
                key = (node_id, room)
                if key not in found or pk < found[key][0]:
                    found[key] = (pk, head_id)
    return found


def active_person_ids(ids: Iterable[int]) -> set[int]:
    ids = list(ids)
    found: set[int] = set()
    with connection.cursor() as cur:
        for chunk in _chunks(ids, PG_BATCH if _pg() else SQLITE_BATCH):
            if _pg():
                cur.execute("SELECT id FROM people_person WHERE id = ANY(%s) AND status = 'active'", [list(chunk)])
            else:
                marks = ",".join(["%s"] * len(chunk))
                cur.execute(
                    f"SELECT id FROM people_person WHERE id IN ({marks}) AND status = 'active'", list(chunk)  # noqa: S608
                )
            found.update(r[0] for r in cur.fetchall())
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
