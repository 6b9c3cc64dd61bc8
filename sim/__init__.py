"""alliance-sim: alliance dynamics around the 2024 Russia–North Korea pact.

The Python API (docs/python-api.md)::

    import sim
    res = sim.run(sim.load("scenarios/baseline.yaml"), n=50, seed=1)
    res.summary.describe()

`sim.run`, `sim.compare`, `sim.sweep` and `sim.load` are the plain functions of sim/api.py;
the jobs behind them live in sim/jobs/ under other module names, so no submodule import can
shadow a function.

`AllianceModel` is imported on first use: importing Mesa costs a quarter of a second and
sets multiprocessing's start method to "spawn" for the whole process (mesa.batchrunner),
which the command line's worker pools should not inherit unless the Mesa model is used.
"""

from __future__ import annotations

from importlib import import_module

from sim.errors import ScenarioError, UsageError

__all__ = [
    "AllianceModel",
    "CompareResults",
    "Results",
    "ScenarioError",
    "SweepResults",
    "UsageError",
    "compare",
    "load",
    "run",
    "sweep",
]

_API = ("load", "run", "compare", "sweep", "Results", "CompareResults", "SweepResults")


def __getattr__(name: str):
    """Everything is imported on first use, so `import sim.plots` loads no engine."""
    if name in _API:
        return getattr(import_module("sim.api"), name)
    if name == "AllianceModel":
        from sim.model import AllianceModel

        return AllianceModel
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
