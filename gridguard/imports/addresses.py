"""Matching the address columns of a row (社区/村, 网格, 微网格, 小区/自然村, 楼栋, 单元) to grid nodes.

The tree under the import's root (and the root's ancestors, so a file may repeat the community's
name) is read in one query. A row gives names for some levels, top to bottom; the node is the one
whose chain of ancestors has exactly those names at those levels, and whose own level is the
deepest level given. Levels a row leaves blank are skipped, so "社区 + 楼栋" finds a building even
when the tree has a grid between them. Names are compared after normalising formatting: "3",
"3号楼", "3栋" and "３幢" are the same building; "2" and "2单元" the same unit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from django.db.models import Q
from django.utils.translation import gettext as _

from gridguard.core.normalize import clean_text
from gridguard.core.paths import subtree_q
from gridguard.grids.models import GridNode, Level
from gridguard.imports.columns import ADDRESS_COLUMNS, ADDRESS_KEYS, Column

_NUMBERED = re.compile(r"^第?(\d+)(号楼|号院|号|栋|幢|座|楼|单元|区|期)?$")
AMBIGUOUS = -1


def cell_text(value: object) -> str:
    """A cell as text: 3.0 read from a spreadsheet is "3"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value)


def canon_name(value: object) -> str:
    """What is compared: no spaces, half-width, and "3号楼"/"3栋"/"3" the same."""
    text = cell_text(value).replace(" ", "")
    match = _NUMBERED.match(text)
    if match:
        return match.group(1).lstrip("0") or "0"
    return text


LEVEL_LABELS = {c.key: c.header for c in ADDRESS_COLUMNS}


class NodeInfo(NamedTuple):
    id: int
    path: str
    name: str
    level_code: str
    level_rank: int
    depth: int


class AddressError(Exception):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key  # address column key the problem is in
        self.message = message


def address_levels(columns: Sequence[Column] = ADDRESS_COLUMNS) -> dict[str, Level]:
    """The Level for each address column, by code (or by the Level's name as a fallback)."""
    levels = list(Level.objects.all())
    by_code = {lv.code: lv for lv in levels}
    found: dict[str, Level] = {}
    for col in columns:
        level = by_code.get(col.key)
        if level is None:
            names = {col.header, *col.aliases}
            level = next((lv for lv in levels if lv.name in names), None)
        if level is not None:
            found[col.key] = level
    return found


class AddressIndex:
    """Nodes under ``root`` by the names of their address levels."""

    def __init__(self, root: GridNode, levels: dict[str, Level] | None = None):
        self.root = root
        levels = levels if levels is not None else address_levels()
        self.code_for_level_id = {lv.pk: key for key, lv in levels.items()}
        step = GridNode.steplen
        ancestors = [root.path[:i] for i in range(step, len(root.path), step)]
        ranks = dict(Level.objects.values_list("id", "rank"))
        rows = (
            GridNode.objects.filter(Q(path__in=ancestors) | subtree_q(root.path, "path"))
            .order_by("path")
            .values_list("id", "path", "name", "level_id", "depth", "is_active")
        )
        self.nodes: dict[str, NodeInfo] = {}
        self.chains: dict[str, tuple[tuple[str, str], ...]] = {}  # path -> ((level key, canon name), …)
        self.by_id: dict[int, NodeInfo] = {}
        self._names: dict[str, str] = {}  # every node's name by path, inactive ones too (for labels)
        self._labels: dict[str, str] = {}
        canons: dict[str, str] = {}  # building and unit names repeat under every compound
        for pk, path, name, level_id, depth, is_active in rows:
            self._names[path] = name
            if not is_active:
                continue
            info = NodeInfo(pk, path, name, self.code_for_level_id.get(level_id, ""), ranks.get(level_id, 0), depth)
            self.nodes[path] = info
            self.by_id[pk] = info
            parent_chain = self.chains.get(path[:-step], ())
            if info.level_code:
                canon = canons.get(name)
                if canon is None:
                    canon = canons[name] = canon_name(name)
                self.chains[path] = (*parent_chain, (info.level_code, canon))
            else:
                self.chains[path] = parent_chain
        self._indexes: dict[tuple[str, ...], dict[tuple[str, ...], int]] = {}
        self._cache: dict[tuple, int | AddressError] = {}
        self._canons: dict[object, tuple[str, str]] = {}  # cell value -> (compared name, shown name)

    def _index(self, pattern: tuple[str, ...]) -> dict[tuple[str, ...], int]:
        index = self._indexes.get(pattern)
        if index is not None:
            return index
        index = {}
        wanted = set(pattern)
        deepest = pattern[-1]
        for path, info in self.nodes.items():
            if info.level_code != deepest:
                continue
            chain = [pair for pair in self.chains[path] if pair[0] in wanted]
            if tuple(code for code, _ in chain) != pattern:
                continue
            key = tuple(name for _, name in chain)
            index[key] = AMBIGUOUS if key in index else info.id
        self._indexes[pattern] = index
        return index

    def resolve(self, values: Sequence[object]) -> int | None:
        """The node id for the address cells ``values`` (in ADDRESS_KEYS order; "" = not given).

        Returns None when no level is given; raises AddressError naming the column at fault.
        """
        key = tuple(values)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._resolve(values)
            self._cache[key] = hit
        if isinstance(hit, AddressError):
            raise hit
        return hit if hit != 0 else None

    def _resolve(self, values: Sequence[object]) -> int | AddressError:
        pattern: list[str] = []
        names: list[str] = []
        shown: list[str] = []
        canons = self._canons
        for code, value in zip(ADDRESS_KEYS, values, strict=True):
            if value is None or value == "":
                continue
            hit = canons.get(value)
            if hit is None:
                hit = canons[value] = (canon_name(value), cell_text(value))
            if not hit[0]:
                continue
            pattern.append(code)
            names.append(hit[0])
            shown.append(hit[1])
        if not pattern:
            return 0
        node_id = self._index(tuple(pattern)).get(tuple(names))
        if node_id == AMBIGUOUS:
            return AddressError(
                pattern[-1],
                _("地址“{address}”对应多个节点，请补充上级地址（如网格、小区）以区分").format(address=" ".join(shown)),
            )
        if node_id is None:
            return self._explain_missing(pattern, names, shown)
        info = self.by_id[node_id]
        if not info.path.startswith(self.root.path):
            return AddressError(
                pattern[-1],
                _("地址“{address}”不在本次导入的范围“{root}”之内").format(address=" ".join(shown), root=self.root.name),
            )
        return node_id

    def _explain_missing(self, pattern: list[str], names: list[str], shown: list[str]) -> AddressError:
        # Find the deepest prefix of the address that exists, and blame the next column.
        found_label = ""
        for k in range(len(pattern) - 1, 0, -1):
            node_id = self._index(tuple(pattern[:k])).get(tuple(names[:k]))
            if node_id is not None:  # an ambiguous prefix exists too: the next column is at fault
                found_label = " ".join(shown[:k])
                break
        else:
            k = 0
        code = pattern[k]
        label = LEVEL_LABELS[code]
        where = _("“{place}”下").format(place=found_label) if found_label else _("“{place}”范围内").format(place=self.root.name)
        return AddressError(
            code, _("{label}“{name}”在{where}不存在，请先在网格结构中建立或检查名称").format(label=label, name=shown[k], where=where)
        )

    def node(self, node_id: int) -> NodeInfo:
        return self.by_id[node_id]

    def label(self, path: str) -> str:
        """The address label of the node at ``path``: the names below the top of the tree, as
        people.selectors.address_prefix_map gives them (without a query of its own)."""
        label = self._labels.get(path)
        if label is None:
            parent = path[: -GridNode.steplen]
            if not parent or path not in self._names:
                label = ""
            else:
                above = self.label(parent) if parent in self._names else ""
                label = (above + " " + self._names[path]).strip()
            self._labels[path] = label
        return label
