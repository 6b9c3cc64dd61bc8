"""The Python API's modules share their argument checks through sim/api_args.py, by public
names: one module reaching into another's `_private` helpers ties their internals together
(renaming a private helper of sim/api.py broke sim/api_jobs.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"


def private_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sim")
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in SIM.glob("api*.py")))
def test_api_modules_import_no_private_names(name: str):
    assert private_imports(SIM / name) == []


def test_the_job_calls_refuse_what_run_refuses():
    import sim
    from sim.errors import UsageError

    with pytest.raises(UsageError, match="scenario must be a file path"):
        sim.robustness(5)
    with pytest.raises(UsageError, match="set must be a mapping"):
        sim.robustness("scenarios/baseline.yaml", set=[("parameters.noise", 0.1)])


@pytest.mark.parametrize("path", sorted(SIM.rglob("*.py")), ids=lambda p: str(p.relative_to(SIM)))
def test_no_module_imports_another_modules_private_names(path: Path):
    """The same rule for every module of the package (sim/scenario/overrides.py took the
    loader's effect check as `references._effect_problem`)."""
    assert private_imports(path) == []
