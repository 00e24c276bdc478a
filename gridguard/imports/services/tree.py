"""Import of the grid tree itself: one row per address ((区/县, 街道/镇,) 社区/村, 网格, 微网格,
小区/自然村, 楼栋, 单元).

Missing levels are left blank. Nodes that do not exist under the root are created with the Level
of their column; existing nodes are matched by name (formatting ignored), so importing the same
file twice creates nothing the second time.

An install without any node (a town starting empty) first gets its top node: ``tree_root_create``,
named on the command line (``import_tree --root 城关镇 --root-level street``) or taken from the first
column of the file (``tree_top_of_file``: every row names the same 镇 or 社区).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from gridguard.accounts.models import AuditLog, User
from gridguard.accounts.services import audit_record
from gridguard.core.errors import ApplicationError
from gridguard.grids.models import GridNode, Level
from gridguard.grids.services import node_create
from gridguard.imports.addresses import AddressIndex, address_levels, canon_name, cell_text
from gridguard.imports.columns import TREE_KEYS, TREE_SPEC, map_headers
from gridguard.imports.models import ImportJob
from gridguard.imports.readers import FileRefused, read_table
from gridguard.imports.rows import display
from gridguard.imports.services.common import (
    ImportResult,
    RowError,
    audit_import_done,
    job_finish,
    job_progress,
    job_start,
    refuse,
    refused,
    run_import,
    warnings_for_columns,
)

KIND = ImportJob.Kind.TREE
LABELS = {c.key: c.header for c in TREE_SPEC}


@dataclass
class _Planned:
    """A node to create: its parent is an existing node (path) or another planned node."""

    name: str
    level: Level
    parent_path: str | None = None
    parent_plan: _Planned | None = None
    rank: int = 0
    needed: bool = False
    node: GridNode | None = None
    children: dict[str, str | _Planned] = field(default_factory=dict)


def tree_import_file(
    *,
    actor: User | None,
    root: GridNode,
    path: str | Path,
    good_rows_only: bool = False,
    job: ImportJob | None = None,
) -> ImportResult:
    """Create the nodes a tree file names under ``root``; idempotent."""
    return run_import(KIND, lambda scope: _import(actor, root, Path(path), good_rows_only, job), actor=actor,
                      root=root, path=path, good_rows_only=good_rows_only, job=job)


def _import(actor: User | None, root: GridNode, path: Path, good_rows_only: bool, job: ImportJob | None) -> ImportResult:
    job_start(job)
    try:
        table, cmap = read_table(path, TREE_SPEC, TREE_KEYS)
    except FileRefused as exc:
        result = refused(KIND, exc, row=exc.row, column=exc.column)
        job_finish(job, result)
        return result
    rows = table.rows
    n = len(rows)
    job_start(job, n)
    result = ImportResult(kind=KIND, total_rows=n, warnings=warnings_for_columns(cmap))
    levels = address_levels(TREE_SPEC)
    missing = [LABELS[k] for k in TREE_KEYS if cmap.has(k) and k not in levels]
    if missing:
        return refuse(job, result, _("网格层级未定义：{levels}，请先在系统中设置网格层级").format(levels="、".join(missing)))

    index = AddressIndex(root, levels)
    root_info = index.nodes[root.path]
    # Names of the root and its ancestors, by level: a file may repeat them ("东城社区" in every row).
    above = {code: name for code, name in index.chains[root.path]}
    # Children of every existing node under the root, by normalised name.
    children: dict[str, dict[str, str | _Planned]] = {}
    for node_path in index.nodes:
        if node_path.startswith(root.path) and node_path != root.path:
            info = index.nodes[node_path]
            children.setdefault(node_path[: -GridNode.steplen], {}).setdefault(canon_name(info.name), node_path)
    ranks = {path_: info.level_rank for path_, info in index.nodes.items()}
    level_names = {lv.rank: lv.name for lv in Level.objects.all()}

    errors: list[RowError] = []
    bad: set[int] = set()
    plans: list[_Planned] = []
    row_plans: list[list[_Planned]] = [[] for _ in range(n)]
    cols = [(k, cmap.index[k]) for k in TREE_KEYS if cmap.has(k)]

    def add(pos: int, key: str, value: object, message: str, code: str) -> None:
        bad.add(pos)
        errors.append(RowError(table.row_numbers[pos], cmap.header_of(key, TREE_SPEC), display(value), message, code))

    for pos, row in enumerate(rows):
        current: str | _Planned = root.path
        for key, i in cols:
            value = row[i]
            name = cell_text(value)
            if not name:
                continue
            level = levels[key]
            if level.rank <= root_info.level_rank:
                if above.get(key) != canon_name(name):
                    add(pos, key, value, _("{label}“{name}”不在本次导入的范围“{root}”之内").format(label=LABELS[key], name=name, root=root.name), "outside_root")
                    break
                continue
            if len(name) > 80:
                add(pos, key, value, _("名称不能超过 80 个字"), "name_too_long")
                break
            siblings = children.setdefault(current, {}) if isinstance(current, str) else current.children
            found = siblings.get(canon_name(name))
            if found is not None:
                current = found
                if isinstance(found, _Planned):
                    row_plans[pos].append(found)
                continue
            parent_rank = ranks[current] if isinstance(current, str) else current.rank
            if level.rank <= parent_rank:
                parent_name = index.nodes[current].name if isinstance(current, str) else current.name
                add(pos, key, value,
                    _("{label}“{name}”不能建在“{parent}”（{level}）之下，层级须逐级向下").format(
                        label=LABELS[key], name=name, parent=parent_name, level=level_names.get(parent_rank, "")
                    ),
                    "level_order")
                break
            plan = _Planned(
                name=name,
                level=level,
                parent_path=current if isinstance(current, str) else None,
                parent_plan=current if isinstance(current, _Planned) else None,
                rank=level.rank,
            )
            siblings[canon_name(name)] = plan
            plans.append(plan)
            row_plans[pos].append(plan)
            current = plan
    job_progress(job, n)

    errors.sort(key=lambda e: e.row)
    result.errors = errors
    result.error_rows = len(bad)
    result.valid_rows = n - len(bad)
    if bad and not good_rows_only:
        return refuse(job, result, (
            _("文件共 {n} 行，其中 {bad} 行有错误，未建立任何节点。请按报告修改后重新上传，或选择“仅导入正确行”。").format(
                n=n, bad=len(bad)
            )
        ))
    for pos in range(n):
        if pos not in bad:
            for plan in row_plans[pos]:
                plan.needed = True
    todo = [p for p in plans if p.needed]
    created: dict[str, int] = {}
    with transaction.atomic():
        parents: dict[str, GridNode] = {}
        for plan in todo:
            if plan.parent_plan is not None:
                parent = plan.parent_plan.node
            else:
                assert plan.parent_path is not None
                parent = parents.get(plan.parent_path)
                if parent is None:
                    parent = parents[plan.parent_path] = GridNode.objects.get(path=plan.parent_path)
            plan.node = node_create(actor=actor, parent=parent, name=plan.name, level=plan.level, check_scope=False)
            created[plan.level.name] = created.get(plan.level.name, 0) + 1
        audit_import_done(
            actor=actor, kind=KIND, filename=job.filename if job else path.name, job_id=job.pk if job else None,
            root=root, rows=n, imported=n - len(bad), error_rows=len(bad), good_rows_only=good_rows_only,
            counts={"created": created},
        )
    result.imported_rows = result.valid_rows
    result.summary = {"nodes_created": len(todo), "created_by_level": created}
    detail = "，".join(_("{level} {n} 个").format(level=name, n=count) for name, count in created.items())
    skipped = _("，跳过有错误的 {n} 行").format(n=result.error_rows) if result.error_rows else ""
    result.message = _("新建 {n} 个节点{detail}，其余已存在{skipped}。").format(
        n=len(todo), detail=f"（{detail}）" if detail else "", skipped=skipped
    )
    job_finish(job, result)
    return result


# --- the top node of an empty install ---------------------------------------------------------------

def level_find(value: str) -> Level:
    """A Level by its code ("street"), its name ("街道/镇") or a word of its column ("镇", "乡镇")."""
    text = value.strip()
    level = Level.objects.filter(code=text).first() or Level.objects.filter(name=text).first()
    if level is None:
        cmap = map_headers([text], TREE_SPEC)
        key = next(iter(cmap.index), None)
        level = address_levels(TREE_SPEC).get(key) if key else None
    if level is None:
        raise ApplicationError(
            "level_unknown",
            _("没有“{value}”这一层级。可用的层级：{levels}").format(value=text, levels=levels_text()),
            field="root_level",
        )
    return level


def levels_text() -> str:
    return "、".join(f"{lv.code}（{lv.name}）" for lv in Level.objects.order_by("rank"))


def tree_top_of_file(path: str | Path) -> tuple[str, Level]:
    """The top node a tree file names: every row's first column holds the same name (a 镇, a 社区).
    ApplicationError saying what to give instead when it does not."""
    try:
        table, cmap = read_table(Path(path), TREE_SPEC, TREE_KEYS)
    except FileRefused as exc:
        raise ApplicationError(exc.code, exc.message) from None
    first = min(cmap.index.items(), key=lambda item: item[1], default=None)
    hint = _("请用 --root 名称 --root-level 层级 指定要建立的顶级节点（如 --root 城关镇 --root-level street）。")
    if first is None or first[1] != 0:
        raise ApplicationError("root_unknown", _("系统中还没有任何网格节点，文件第一列也不是网格层级。") + hint)
    key, column = first
    names: dict[str, str] = {}
    for row in table.rows:
        name = cell_text(row[column])
        if name:
            names.setdefault(canon_name(name), name)
    if len(names) != 1:
        shown = "、".join(list(names.values())[:5]) + ("等" if len(names) > 5 else "")
        raise ApplicationError("root_unknown", _(
            "系统中还没有任何网格节点。文件第一列“{column}”{what}，不能作为唯一的顶级节点。"
        ).format(column=cmap.header(key), what=_("有多个名称：{names}").format(names=shown) if names else _("是空的"))
            + hint)
    level = address_levels(TREE_SPEC).get(key)
    if level is None:
        raise ApplicationError("root_unknown", _("网格层级未定义：{level}。").format(level=LABELS[key]) + hint)
    return next(iter(names.values())), level


@transaction.atomic
def tree_root_create(*, actor: User | None, name: str, level: Level) -> GridNode:
    """The first node of an empty install (the town the tree is imported under). Refused once any
    node exists: the tree then has its top, and a file is imported under a node of it."""
    if GridNode.objects.exists():
        raise ApplicationError("root_exists", _("系统中已有网格节点，请导入到已有的节点下"))
    node = node_create(actor=actor, parent=None, name=name, level=level, check_scope=actor is not None)
    audit_record(actor=actor, action=AuditLog.Action.TREE, obj=node, object_repr=f"建立顶级节点：{node.name}",
                 detail={"created": {level.name: 1}})
    return node
