"""The shape of the house: no two modules import each other (directly or round a longer circle),
function-level imports included, and the foundation does not import the capabilities above it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the gridguard package


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    return {
        _module_name(p): p
        for p in ROOT.rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts
    }


def _runtime_nodes(tree: ast.AST):  # type: ignore[no-untyped-def]
    """Every node of the tree but those under ``if TYPE_CHECKING:`` (imports for the type checker
    only, never run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The project modules a file imports anywhere in it at run time (``from a.b import c`` counts
    a.b.c when that is a module, else a.b)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in known:
                    found.add(full)
                elif base in known:
                    found.add(base)
    found.discard(name)
    return found


def _graph() -> dict[str, set[str]]:
    sources = _sources()
    known = set(sources)
    return {name: _imports(path, name, known) for name, path in sources.items()}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles():
    assert _circles(_graph()) == []


FOUNDATION = ("core", "accounts", "grids", "people", "imports")


def test_the_foundation_does_not_import_the_capabilities():
    """A capability (control, and the apps to come) plugs in through core.plug; nothing lower
    imports it by name."""
    from django.apps import apps

    apps_ = [a.name for a in apps.get_app_configs() if a.name.startswith("gridguard.")]
    capabilities = tuple(f"{name}." for name in apps_ if name.split(".")[1] not in FOUNDATION)
    assert "gridguard.control." in capabilities
    for module, imported in _graph().items():
        if module.split(".")[1:2] and module.split(".")[1] in FOUNDATION:
            wrong = sorted(m for m in imported if m.startswith(capabilities))
            assert not wrong, f"{module} imports {wrong}"
