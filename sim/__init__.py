"""alliance-sim: alliance dynamics around the 2024 Russia–North Korea pact.

The Python API (docs/python-api.md)::

    import sim
    res = sim.run(sim.load("scenarios/baseline.yaml"), n=50, seed=1)
    res.summary.describe()

`sim.run`, `sim.compare` and `sim.sweep` share their names with the modules `sim/run.py`,
`sim/compare.py` and `sim/sweep/`. Python binds a submodule to its parent's attribute the
first time it is imported, so those modules are imported here first and the API functions
bound after them: every later `import sim.run` finds the module already loaded and leaves
`sim.run` the function (the modules stay reachable as `sys.modules["sim.run"]` and through
`from sim.run import ...`).

`AllianceModel` is imported on first use: importing Mesa costs a quarter of a second and
sets multiprocessing's start method to "spawn" for the whole process (mesa.batchrunner),
which the command line's worker pools should not inherit unless the Mesa model is used.
"""

from __future__ import annotations

import sim.compare
import sim.run
import sim.sweep  # noqa: F401
from sim.api import (
    CompareResults,
    Results,
    SweepResults,
    compare,
    load,
    run,
    sweep,
)
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


def __getattr__(name: str):
    if name == "AllianceModel":
        from sim.model import AllianceModel

        return AllianceModel
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
