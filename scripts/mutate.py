"""Mutation testing of the model's equations: does the test suite notice a fault?

    PYTHONPATH=. python scripts/mutate.py sim/dynamics.py --out mutants.jsonl \
        --tests tests/test_model_mechanisms.py tests/test_model_v2.py ...

Parses a target file with `ast`, makes one small fault at a time (a mutant: + ↔ −,
* ↔ /, & ↔ |, < ↔ <= or >, > ↔ >= or <, == ↔ !=, max ↔ min, any ↔ all, a dropped term,
statement or sign, a number c → 0 or 2c (0 → 1), an axis −1 ↔ 1, _rows ↔ _cols, a
transpose or clip dropped, a default flag flipped), writes it over the target,
runs the test selection under a timeout, restores the file and records whether a test
failed (killed), all passed (survived) or the run timed out. Results go to a JSON-lines
file, one mutant a line, so an interrupted run resumes where it stopped (--out).

Run it in a checkout nobody else is using at the time: it rewrites the target. Mutant ids
are `site:kind` (`--list` prints them). Indices, shapes and axis numbers inside
subscripts are not mutated (such mutants only crash). The target file is restored after
every mutant, and on any exit of this script (Ctrl-C, SIGTERM); a
mutant is written as `ast.unparse` of the changed tree (comments are lost in the mutant
only, never in the restored file).
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

SWAP_BINOP: dict[type, type] = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div,
                                ast.Div: ast.Mult, ast.BitAnd: ast.BitOr,
                                ast.BitOr: ast.BitAnd}  # fmt: skip
SWAP_CMP: dict[type, list[type]] = {ast.Lt: [ast.LtE, ast.Gt], ast.LtE: [ast.Lt],
                                    ast.Gt: [ast.GtE, ast.Lt], ast.GtE: [ast.Gt],
                                    ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq]}  # fmt: skip
SWAP_NAME = {"maximum": "minimum", "minimum": "maximum", "max": "min", "min": "max",
             "_rows": "_cols", "_cols": "_rows", "any": "all", "all": "any"}  # fmt: skip
DROP_CALL = {"_t", "swapaxes"}  # f(x) → x (a lost transpose or broadcast)


@dataclass(frozen=True)
class Mutant:
    """The k-th mutation site's variant: `site` is the node's index in `ast.walk` order."""

    site: int
    kind: str
    line: int
    text: str  # the mutated source line, for the report


Edit = Callable[[ast.AST], ast.AST | None]  # changes a copy of the node; None drops it


def _is_docstring(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    return isinstance(parents.get(node), ast.Expr) and isinstance(node, ast.Constant)


def _edits(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> Iterator[tuple[str, Edit]]:
    """Every mutation this node offers, as (kind, edit of a copy of the node)."""
    if isinstance(node, ast.BinOp) and type(node.op) in SWAP_BINOP:
        new = SWAP_BINOP[type(node.op)]
        yield f"{type(node.op).__name__}->{new.__name__}", lambda n: _with(n, op=new())
        if isinstance(node.op, (ast.Add, ast.Sub)):
            yield "drop-right-term", lambda n: n.left
            if isinstance(node.op, ast.Add):
                yield "drop-left-term", lambda n: n.right
    if isinstance(node, ast.AugAssign) and type(node.op) in SWAP_BINOP:
        new = SWAP_BINOP[type(node.op)]
        yield (
            f"aug-{type(node.op).__name__}->{new.__name__}",
            lambda n: _with(n, op=new()),
        )
        yield "drop-statement", lambda n: ast.Pass()
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in SWAP_CMP:
        for new in SWAP_CMP[type(node.ops[0])]:
            yield (
                f"{type(node.ops[0]).__name__}->{new.__name__}",
                (lambda n, new=new: _with(n, ops=[new()])),
            )
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Invert, ast.Not)):
        yield f"drop-{type(node.op).__name__}", lambda n: n.operand
    number = isinstance(node, ast.Constant) and type(node.value) in (int, float)
    if number and not _is_docstring(node, parents) and not _is_index(node, parents):
        for v in dict.fromkeys((0, 2 * node.value) if node.value else (1,)):
            if v != node.value:
                yield f"const-{node.value}->{v}", lambda n, v=v: ast.Constant(v)
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield (
            f"bool-{node.value}->{not node.value}",
            lambda n: ast.Constant(not n.value),
        )
    if isinstance(node, ast.Call):
        name = _callee(node)
        if name in SWAP_NAME:
            yield f"{name}->{SWAP_NAME[name]}", lambda n: _rename(n, SWAP_NAME[name])
        if name in DROP_CALL and len(node.args) >= 1:
            yield f"drop-{name}", lambda n: n.args[0]
        if name == "clip" and len(node.args) == 3:
            yield "drop-clip", lambda n: n.args[0]
        for k, kw in enumerate(node.keywords):
            if kw.arg == "axis" and isinstance(kw.value, (ast.Constant, ast.UnaryOp)):
                was = ast.unparse(kw.value)
                for alt in ("1",) if was == "-1" else ("-1",) if was in ("1", "2") else ("1",):
                    if alt != was:
                        yield (
                            f"axis-{ast.unparse(kw.value)}->{alt}",
                            (lambda n, k=k, alt=alt: _kw(n, k, ast.parse(alt).body[0].value)),
                        )


SHAPE_CALLS = {"ones", "zeros", "eye", "arange", "swapaxes"}


def _is_index(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether a constant is an index, an axis or a shape (mutating it breaks shapes, not
    equations: such mutants only crash)."""
    while node in parents:
        parent = parents[node]
        if isinstance(parent, ast.Subscript) and node is parent.slice:
            return True
        if isinstance(parent, ast.keyword):
            return True  # axis=..., keepdims=...: mutated by the axis operator
        if isinstance(parent, ast.Call) and _callee(parent) in SHAPE_CALLS:
            return True
        if isinstance(parent, (ast.stmt, ast.BinOp, ast.Compare)):
            return False
        node = parent
    return False


def _with(node: ast.AST, **fields: object) -> ast.AST:
    for key, value in fields.items():
        setattr(node, key, value)
    return node


def _callee(call: ast.Call) -> str | None:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None


def _rename(call: ast.Call, name: str) -> ast.Call:
    if isinstance(call.func, ast.Attribute):
        call.func.attr = name
    elif isinstance(call.func, ast.Name):
        call.func.id = name
    return call


def _kw(call: ast.Call, k: int, value: ast.expr) -> ast.Call:
    call.keywords[k].value = value
    return call


def _sites(tree: ast.Module) -> list[ast.AST]:
    """The nodes of function bodies and module constants (no imports, no annotations)."""
    return [n for n in ast.walk(tree) if not isinstance(n, (ast.Import, ast.ImportFrom))]


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _in_annotation(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        parent = parents[node]
        if isinstance(parent, (ast.arg, ast.AnnAssign)) and node is parent.annotation:
            return True
        if isinstance(parent, ast.FunctionDef) and node is parent.returns:
            return True
        node = parent
    return False


def mutants(source: str) -> list[Mutant]:
    """Every mutant of `source`, in source order."""
    tree = ast.parse(source)
    parents = _parents(tree)
    lines = source.splitlines()
    out = []
    for site, node in enumerate(_sites(tree)):
        if _in_annotation(node, parents):
            continue
        for kind, _ in _edits(node, parents):
            line = getattr(node, "lineno", 0)
            out.append(Mutant(site, kind, line, lines[line - 1].strip() if line else ""))
    return out


def mutate(source: str, m: Mutant) -> str:
    """The source with mutant `m` applied."""
    tree = ast.parse(source)
    parents = _parents(tree)
    node = _sites(tree)[m.site]
    edit = dict(_edits(node, parents))[m.kind]
    new = edit(copy.deepcopy(node))
    _replace(parents[node], node, new)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _replace(parent: ast.AST, old: ast.AST, new: ast.AST | None) -> None:
    for name, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, name, new)
            return
        if isinstance(value, list) and any(v is old for v in value):
            setattr(parent, name, [new if v is old else v for v in value])
            return
    raise LookupError("node not found under its parent")


def run_tests(tests: list[str], timeout: float) -> str:
    """killed | survived | timeout: the test selection against the file as it is now."""
    cmd = ["nice", "-n", "10", sys.executable, "-m", "pytest", "-x", "-q",
           "-p", "no:cacheprovider", "-o", "addopts=", *tests]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return "timeout"
    return "survived" if done.returncode == 0 else "killed"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("target", type=Path, help="the file to mutate (restored after each mutant)")
    ap.add_argument("--tests", nargs="+", required=True, help="the pytest selection")
    ap.add_argument("--out", type=Path, required=True, help="JSON-lines results (resumed)")
    ap.add_argument("--timeout", type=float, default=150.0, help="seconds per mutant")
    ap.add_argument("--lines", default=None, help="only mutants on lines LO-HI")
    ap.add_argument("--list", action="store_true", help="list the mutants and stop")
    ap.add_argument("--only", default=None, help="run only mutants with these ids (a,b,...)")
    a = ap.parse_args(argv)
    original = a.target.read_text()
    todo = mutants(original)
    if a.lines:
        lo, hi = (int(v) for v in a.lines.split("-"))
        todo = [m for m in todo if lo <= m.line <= hi]
    ids = {f"{m.site}:{m.kind}": m for m in todo}
    if a.only:
        unknown = [k for k in a.only.split(",") if k not in ids]
        if unknown:
            ap.error(f"--only: no mutant {unknown[0]!r} (see --list)")
        ids = {k: ids[k] for k in a.only.split(",")}
    if a.list:
        for key, m in ids.items():
            print(f"{key:<28} L{m.line:<4} {m.text}")
        print(f"{len(ids)} mutants")
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` restores
    done = set()
    if a.out.exists() and not a.only:
        done = {json.loads(x)["id"] for x in a.out.read_text().splitlines() if x.strip()}
    try:
        for key, m in ids.items():
            if key in done:
                continue
            a.target.write_text(mutate(original, m))
            t0 = time.monotonic()
            status = run_tests(a.tests, a.timeout)
            a.target.write_text(original)
            row = {"id": key, "line": m.line, "kind": m.kind, "status": status,
                   "seconds": round(time.monotonic() - t0, 1), "text": m.text}  # fmt: skip
            with a.out.open("a") as f:
                f.write(json.dumps(row) + "\n")
            print(f"{status:<8} {key:<28} L{m.line} {m.text}", flush=True)
    finally:
        a.target.write_text(original)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    raise SystemExit(main())
