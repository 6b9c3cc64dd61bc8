"""alliance-sim: alliance dynamics around the 2024 Russia–North Korea pact.

The Python API (docs/python-api.md)::

    import sim
    res = sim.run(sim.load("scenarios/baseline.yaml"), n=50, seed=1)
    res.summary.describe()

`sim.run`, `sim.compare` and `sim.sweep` are also the names of the modules `sim/run.py`,
`sim/compare.py` and the package `sim/sweep/`, and Python binds a submodule to its
parent's attribute when it is imported. So those three attributes stay the modules (every
`import sim.run`, `sim.run.write_run` and `monkeypatch.setattr(sim.run, ...)` keeps
working) and the modules are made callable: calling one calls the API function of the same
name in sim/api.py (`sim.run(...)` is `sim.api.run(...)`), whose signature it shows.

`AllianceModel` is imported on first use: importing Mesa costs a quarter of a second and
sets multiprocessing's start method to "spawn" for the whole process (mesa.batchrunner),
which the command line's worker pools should not inherit unless the Mesa model is used.
"""

from __future__ import annotations

import inspect
import sys
import types
from importlib import import_module
from typing import Any

from sim import api
from sim.api import CompareResults, Results, SweepResults, load
from sim.errors import ScenarioError, UsageError

CALLABLE_MODULES = ("run", "compare", "sweep")


class _CallableModule(types.ModuleType):
    """A module that is also its API function: `sim.run(...)` calls `sim.api.run(...)`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(api, self.__name__.rpartition(".")[2])(*args, **kwargs)


for _name in CALLABLE_MODULES:
    _module = import_module(f"sim.{_name}")
    _module.__class__ = _CallableModule
    _module.__signature__ = inspect.signature(getattr(api, _name))  # help() and IDEs
del _name, _module

run = sys.modules["sim.run"]
compare = sys.modules["sim.compare"]
sweep = sys.modules["sim.sweep"]

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
