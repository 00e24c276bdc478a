"""core.bulk: the set-based inserts of the hot paths."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridguard.core.bulk import SMALL_INSERT, allocate_ids, db_datetime, insert_rows
from gridguard.grids.models import GridNode, NodeEvent

pytestmark = pytest.mark.django_db


def _rows(node: GridNode, n: int) -> list[tuple[object, ...]]:
    from django.utils import timezone

    at = db_datetime(timezone.now())
    return [(node.pk, "rename", json.dumps({"n": f"第{i}条"}), at, None) for i in range(n)]


FIELDS = ("node_id", "kind", "detail", "at", "actor_id")


def test_a_few_rows_are_one_insert_statement(town):
    """On PostgreSQL a COPY of one row costs over a millisecond (the sampler's single scans paid two);
    a few rows go as one INSERT … VALUES (SQLite: one executemany either way)."""
    node = town.a1
    with CaptureQueriesContext(connection) as queries:
        assert insert_rows(NodeEvent, FIELDS, _rows(node, 3)) == 3
    if connection.vendor == "postgresql":
        inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "grids_nodeevent"')]
        assert len(inserts) == 1
    assert list(NodeEvent.objects.filter(node=node, kind="rename").order_by("id").values_list("detail", flat=True)) == [
        {"n": "第0条"}, {"n": "第1条"}, {"n": "第2条"}]


def test_many_rows_and_none_are_inserted_whole(town):
    node = town.a1
    assert insert_rows(NodeEvent, FIELDS, _rows(node, SMALL_INSERT + 7)) == SMALL_INSERT + 7
    assert insert_rows(NodeEvent, FIELDS, []) == 0
    assert insert_rows(NodeEvent, FIELDS, iter(_rows(node, 2))) == 2  # a generator: streamed
    assert NodeEvent.objects.filter(node=node, kind="rename").count() == SMALL_INSERT + 9


def test_allocated_ids_are_fresh():
    ids = allocate_ids(NodeEvent, 3)
    assert len(set(ids)) == 3 and ids == sorted(ids)
