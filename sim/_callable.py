"""Modules that are also their API function: `sim.run(...)` calls `sim.api.run(...)`.

`sim.run`, `sim.compare` and `sim.sweep` are the names of modules (Python binds a submodule
to its parent's attribute when it is imported) and of the Python API's functions. Each of
those modules calls `make_callable(__name__)` at its end, so the attribute is callable
however it was first imported, and `sim.api` is imported only when one is called: importing
`sim` (or `sim.plots`) loads no engine.
"""

from __future__ import annotations

import inspect
import sys
import types
from typing import Any


class CallableModule(types.ModuleType):
    def _api_function(self) -> Any:
        from sim import api

        return getattr(api, self.__name__.rpartition(".")[2])

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._api_function()(*args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:  # help() and IDEs show the API's
        return inspect.signature(self._api_function())


def make_callable(name: str) -> None:
    sys.modules[name].__class__ = CallableModule
