"""Argument checks shared by the Python API's calls (sim/api.py, sim/api_jobs.py).

Why a module of its own: the job calls (robustness, calibrate, hindcast) need the same
checks as `run`, `compare` and `sweep`, and reaching into sim/api.py's private helpers
tied the two modules' internals together. Each check turns a wrong argument into one
`UsageError` (or `ScenarioError`) before any work starts, as the command line does.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from sim.errors import UsageError
from sim.paths import literal
from sim.scenario.loader import LoadedScenario, load_scenario, with_overrides

ScenarioLike = LoadedScenario | str | Path

__all__ = ["ScenarioLike", "chart_drawer", "check_counts", "file_arg", "folder_arg", "key_paths",
           "scenario_arg"]  # fmt: skip


def file_arg(path: object, name: str) -> str | Path:
    """A file argument: text or a Path (`sim.run(5)` was a TypeError from os.fspath)."""
    if isinstance(path, str | Path):
        return literal(Path(path)) if str(path).startswith("~") else path
    raise UsageError(f"{name} must be a file path (text or Path), found {type(path).__name__}")


def folder_arg(path: object, name: str) -> Path:
    """A folder argument (`out=`, `Results(folder)`): text or a Path. `out=5` was a TypeError
    from pathlib."""
    if isinstance(path, str | Path):
        return literal(Path(path))
    raise UsageError(f"{name} must be a path (text or Path), found {type(path).__name__}")


def key_paths(values: object, name: str) -> dict[str, Any]:
    """`set=` / `params=`: a mapping of key paths (text) to values, as a plain dict.

    Why: `set={1: 0.5}` was an AttributeError deep in the override code, and a list of
    pairs was read as a mapping; both are one UsageError here."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise UsageError(
            f"{name} must be a mapping of key paths to values, found {type(values).__name__}"
        )
    for key in values:
        if not isinstance(key, str):
            raise UsageError(f"{name}: key paths are text like 'parameters.fatigue', found {key!r}")
    return {key: _plain(value) for key, value in values.items()}


def _plain(value: Any) -> Any:
    """A numpy scalar (or 0-d array) as the Python value it holds. Why: values of a numpy
    grid were refused as "found np.float64(2.5)", and np.bool_(True) passed as the number
    1.0 where True is refused; as Python values they meet the loader's own checks. A
    Decimal or Fraction is the float it stands for: the checks took it as a number, and the
    manifest's JSON writer refused it after the whole ensemble had run."""
    import numpy as np

    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return value.item()
    if isinstance(value, Decimal | Fraction):
        return float(value)
    return value


def scenario_arg(scenario: ScenarioLike, set: Mapping[str, Any] | None = None) -> LoadedScenario:
    """A loaded scenario stays as it is: `set` is applied to it in memory (the file is never
    read again), and its earlier overrides are kept and recorded with the new ones."""
    if isinstance(scenario, LoadedScenario):
        values = key_paths(set, "set")
        return with_overrides(scenario, values) if values else scenario
    return load_scenario(file_arg(scenario, "scenario"), key_paths(set, "set"))


def check_counts(**values: int | None) -> list[int | None]:
    """The command line's caps (sim/limits.py), so the API refuses what the CLI refuses; the
    values as Python ints, in the order given. Why the ints: `sim.run(n=np.int64(2))` passed
    the caps, ran the whole ensemble, then met the manifest check ("root_seed: expected a
    whole number, found text": json writes a numpy integer as text) after the work."""
    from sim.limits import check_counts as check

    check(**values)
    return [None if v is None else int(v) for v in values.values()]


def chart_drawer(charts: bool):
    """The chart drawer a job writes with, or None; imported only when charts are wanted
    (matplotlib is slow to import)."""
    if not charts:
        return None
    from sim.plots import draw_charts

    return draw_charts
