"""What can be imported: a registry of import kinds that the apps fill.

``imports`` runs any kind the same way (upload, job, worker, report, template, command line) and
knows no app by name. Each app registers its kinds from its ``plug.py`` (imports' own ledgers in
``imports/plug.py``; key-person lists in ``control/plug.py``), loaded by its AppConfig.ready(), so
a new app (the lab results of mass screening) adds a kind without touching ``imports``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from gridguard.core.errors import ApplicationError

if TYPE_CHECKING:
    from gridguard.accounts.scope import Scope
    from gridguard.imports.columns import Column
    from gridguard.imports.services.common import ImportResult


@dataclass(frozen=True)
class Template:
    """The .xlsx template of a kind: its columns in order, one example row and the notes sheet."""

    name: str  # the file's name, without ".xlsx"
    columns: Sequence[Column]
    example: Sequence[Any]
    notes: Sequence[str]


@dataclass(frozen=True)
class ImportKind:
    code: str  # ImportJob.kind
    label: Any  # a (lazy) text: 户与人员, 协查名单（重点人员）…
    run: Callable[..., ImportResult]  # (*, actor, root, path, good_rows_only, job) -> ImportResult
    template: Callable[[], Template]
    # The right that lets a user import this kind: "imports.import" (the ledgers' officials) unless the
    # kind names its own (a lab's results: "screening.lab", held by labs that import nothing else).
    right: str = "imports.import"
    # Beyond that right: the message when ``scope`` may not import this kind, else "".
    refusal: Callable[[Scope], str] = lambda scope: ""
    describe: Callable[[dict[str, Any]], str] | None = None  # a finished job's summary, in words
    link: tuple[str, Any] | None = None  # (url name, label): where the imported rows are seen
    order: int = 100


_KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    """Add a kind (from an app's plug.py). Registering the same code twice is a mistake."""
    known = _KINDS.get(kind.code)
    if known is not None and known != kind:
        raise ImproperlyConfigured(f"import kind {kind.code!r} is registered twice")
    if len(kind.code) > 20:
        raise ImproperlyConfigured(f"import kind {kind.code!r}: at most 20 characters (ImportJob.kind)")
    _KINDS[kind.code] = kind
    return kind


def all_kinds() -> list[ImportKind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.code))


def kinds_for(scope: Scope) -> list[ImportKind]:
    """The kinds ``scope`` may import: those whose right it holds and that do not refuse it."""
    return [kind for kind in all_kinds() if scope.has(kind.right) and not kind.refusal(scope)]


def find_kind(code: str) -> ImportKind | None:
    return _KINDS.get(code)


def kind_get(code: str) -> ImportKind:
    """The registered kind, or ApplicationError ``kind_invalid``."""
    kind = _KINDS.get(code)
    if kind is None:
        raise ApplicationError("kind_invalid", _("请选择导入类型"), field="kind")
    return kind


def kind_label(code: str) -> str:
    kind = _KINDS.get(code)
    return str(kind.label) if kind is not None else code
