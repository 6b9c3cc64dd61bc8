"""Every name through which the model can be reached, for tests that prove charts and
reports only read results folders (tests/test_plots_read_only.py also checks, in a fresh
interpreter, that plotting imports no engine module at all)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import sim.dynamics
import sim.engine
import sim.ensemble
import sim.jobs.run

ENGINE_ENTRY_POINTS = [
    (sim.dynamics, "advance"),
    (sim.engine, "advance"),  # sim.engine holds its own reference
    (sim.engine, "step"),
    (sim.engine, "simulate"),
    (sim.ensemble, "run_chunk"),
    (sim.ensemble, "run_ensemble"),
    (sim.ensemble, "iter_ensemble"),
    (sim.ensemble, "iter_arms"),
    (sim.jobs.run, "iter_arms"),
    (sim.jobs.run, "simulate"),
    (sim.jobs.run, "stream_run"),
]


@contextmanager
def model_forbidden(message: str) -> Iterator[None]:
    """Within the block, any call into the model fails with `message`."""

    def forbid(*_a, **_k):
        raise AssertionError(message)

    with pytest.MonkeyPatch.context() as mp:
        for module, name in ENGINE_ENTRY_POINTS:
            mp.setattr(module, name, forbid)
        yield
