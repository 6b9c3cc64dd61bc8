"""The package layout: no import circles in sim/, and no module over 400 lines.

Decision: every import counts, at module level and inside functions alike. A circle made
of imports inside functions does not fail at import time, but it is the same tangle for a
reader (each module needs the other to be understood) and it turns into an import error
as soon as someone hoists the import. Imports under `if TYPE_CHECKING:` are excluded:
they never run. `from sim import engine` is an import of `sim.engine` (a submodule), not of
the package's `__init__`.
"""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[1] / "sim"
MAX_LINES = 400  # a module longer than this does several jobs: split it by responsibility
LONG_MODULES = {
    # numba's on-disk cache notices edits only in the file that defines a function, so the
    # compiled kernel stays one file (its docstring says why); splitting it could run a
    # stale copy of an edited helper.
    "sim/kernel/compiled.py",
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in SIM.rglob("*.py"):
        parts = list(path.relative_to(SIM.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(test)


def _imported(tree: ast.AST, modules: dict[str, Path]) -> set[str]:
    """Modules of sim/ that `tree` imports, wherever the import statement is."""
    out: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if _type_checking(node):
            continue
        stack.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = {f"{node.module}.{a.name}" for a in node.names} & set(modules)
            out |= subs or {node.module}
            if len(subs) < len(node.names):  # some names are attributes of the module
                out.add(node.module)
    return out & set(modules)


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {
        name: _imported(ast.parse(path.read_text(encoding="utf-8")), modules) - {name}
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_function_level_imports():
    graph = import_graph()
    assert "sim.scenario.shadow" in graph["sim.world"]  # imported inside ModelInput.value_at
    assert "sim.engine" in graph["sim.model"]  # `from sim import engine`


def test_sim_has_no_import_circles():
    assert cycles(import_graph()) == []


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_is_over_the_size_limit():
    long = {
        str(path.relative_to(SIM.parent)): _lines(path)
        for path in SIM.rglob("*.py")
        if _lines(path) > MAX_LINES
    }
    assert {k: v for k, v in long.items() if k not in LONG_MODULES} == {}


def test_every_exception_is_still_needed():
    """An exception for a module that has shrunk (or gone) hides the next offender."""
    for name in LONG_MODULES:
        path = SIM.parent / name
        assert path.is_file() and _lines(path) > MAX_LINES, name
