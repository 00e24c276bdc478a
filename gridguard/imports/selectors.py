"""Reads for imports and exports: the user's jobs, and the ledgers streamed in keyset batches.

The export streams take the same filters as the list pages' selectors (``people.selectors``) and
read plain values (no model instance per row), ``batch`` rows per query, ordered by
(node_path, id) — the index every list uses — so a 100,000-person export never holds more than
one batch in memory and never runs OFFSET or COUNT(*).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Q, QuerySet

from gridguard.accounts.models import User
from gridguard.accounts.scope import Scope
from gridguard.core.errors import NotFound
from gridguard.grids.models import GridNode, Level
from gridguard.imports.models import ExportJob, ImportJob
from gridguard.people.models import Household, Organization, Person, PersonStatus
from gridguard.people.selectors import household_filtered, organization_filtered, person_filtered

EXPORT_BATCH = 2000


# --- jobs ---------------------------------------------------------------------------------------

def job_list(*, user: User, limit: int = 50) -> list[ImportJob]:
    return list(ImportJob.objects.filter(created_by=user).select_related("root").order_by("-id")[:limit])


def job_get(*, user: User, scope: Scope, pk: int) -> ImportJob:
    """A job its creator may open (or anyone who sees everything)."""
    job = ImportJob.objects.select_related("root", "created_by").filter(pk=pk).first()
    if job is None or not (job.created_by_id == user.pk or scope.everything):
        raise NotFound()
    return job


def export_job_list(*, user: User, limit: int = 50) -> list[ExportJob]:
    return list(ExportJob.objects.filter(created_by=user).select_related("node").order_by("-id")[:limit])


def export_job_get(*, user: User, pk: int) -> ExportJob:
    """An export job, for its creator only: the file is masked (or not) for the creator's role."""
    job = ExportJob.objects.select_related("node").filter(pk=pk, created_by=user).first()
    if job is None:
        raise NotFound()
    return job


def import_roots(*, scope: Scope) -> list[GridNode]:
    """Nodes a user may import under: the user's own nodes and the non-address levels below them
    (street, community, grid, micro-grid — not every building and unit)."""
    address_levels = list(Level.objects.filter(is_address=True).values_list("pk", flat=True))
    qs = scope.filter(GridNode.objects.filter(is_active=True), "path")
    qs = qs.filter(~Q(level_id__in=address_levels) | Q(path__in=list(scope.paths)))
    return list(qs.select_related("level").order_by("path")[:2000])


# --- export streams --------------------------------------------------------------------------------

def _stream(qs: QuerySet, fields: tuple[str, ...], batch: int) -> Iterator[list[dict[str, Any]]]:
    """Keyset batches of ``qs`` as dicts, in (node_path, id) order."""
    fields = tuple(dict.fromkeys(("id", "node_path", *fields)))
    after: tuple[str, int] | None = None
    while True:
        page = qs
        if after is not None:
            page = page.filter(Q(node_path__gt=after[0]) | Q(node_path=after[0], id__gt=after[1]))
        rows = list(page.order_by("node_path", "id").values(*fields)[:batch])
        if not rows:
            return
        yield rows
        if len(rows) < batch:
            return
        after = (rows[-1]["node_path"], rows[-1]["id"])


def export_queryset(ledger: str, scope: Scope, /, **filters: Any) -> QuerySet:
    """The rows a list's export writes (``ledger``: persons, households, organizations): its list
    page's filters (``people.selectors``), all pages."""
    if ledger == "persons":
        return person_filtered(scope, Person.objects.all(), **filters)
    if ledger == "households":
        return household_filtered(scope, Household.objects.all(), **filters)
    if ledger == "organizations":
        return organization_filtered(scope, Organization.objects.all(), **filters)
    raise KeyError(ledger)


def export_is_small(ledger: str, scope: Scope, limit: int, /, **filters: Any) -> bool:
    """Whether the export has at most ``limit`` rows: counts no further than ``limit + 1``."""
    return export_queryset(ledger, scope, **filters)[: limit + 1].count() <= limit


def export_count(ledger: str, scope: Scope, /, **filters: Any) -> int:
    """All the rows of an export (a background export's progress is shown against it)."""
    return export_queryset(ledger, scope, **filters).count()


PERSON_EXPORT_FIELDS = (
    "name", "sex", "birth_date", "id_type", "id_number", "phone", "relation", "residency", "tags",
    "is_party_member", "employer", "status", "note", "node_id", "household__address", "household__room",
)


def person_export_stream(*, scope: Scope, batch: int = EXPORT_BATCH, **filters: Any) -> Iterator[list[dict[str, Any]]]:
    """The persons of ``person_page`` with the same filters, all pages, as value batches."""
    return _stream(export_queryset("persons", scope, **filters), PERSON_EXPORT_FIELDS, batch)


HOUSEHOLD_EXPORT_FIELDS = (
    "address", "room", "head__name", "head__phone", "is_rental", "landlord_name", "landlord_phone", "node_id",
)


def household_export_stream(
    *, scope: Scope, batch: int = EXPORT_BATCH, **filters: Any
) -> Iterator[list[dict[str, Any]]]:
    """The households of ``household_page`` with the same filters; each row has ``members`` (active)."""
    for rows in _stream(export_queryset("households", scope, **filters), HOUSEHOLD_EXPORT_FIELDS, batch):
        counts = dict(
            Person.objects.filter(household_id__in=[r["id"] for r in rows], status=PersonStatus.ACTIVE)
            .values("household_id")
            .annotate(n=Count("id"))
            .values_list("household_id", "n")
        )
        for row in rows:
            row["members"] = counts.get(row["id"], 0)
        yield rows


ORGANIZATION_EXPORT_FIELDS = (
    "name", "kind", "credit_code", "address", "contact_name", "contact_phone", "employees", "is_key_place", "node_id",
)


def organization_export_stream(
    *, scope: Scope, batch: int = EXPORT_BATCH, **filters: Any
) -> Iterator[list[dict[str, Any]]]:
    """The organizations of ``organization_page`` with the same filters."""
    return _stream(export_queryset("organizations", scope, **filters), ORGANIZATION_EXPORT_FIELDS, batch)
