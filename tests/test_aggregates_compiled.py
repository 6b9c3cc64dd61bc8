"""The compiled chart-histogram counts (sim/kernel/counts.py) against the numpy ones.

A worker running the numba engine counts its chunk's series with the compiled counter; the
counts must be the numpy counter's integers, index for index (aggregates.parquet is
byte-identical whichever counted, and for any number of workers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim.histograms as histograms
from sim.aggregates import BIN_WIDTH, Histograms, RunAggregates
from sim.ensemble import prepare, run_chunk
from sim.kernel import numba_available
from sim.scenario.loader import load_scenario
from sim.tables import related_pairs, step_dates

pytestmark = pytest.mark.skipif(not numba_available(), reason="numba is not installed")

ROOT = Path(__file__).resolve().parents[1]


def both(fn, monkeypatch):
    """fn() counted by the compiled counter, then by numpy's."""
    import numba  # noqa: F401  (the compiled counter runs where numba is loaded)

    assert histograms.compiled_counts() is not None
    fast = fn()
    with monkeypatch.context() as m:
        m.setattr(histograms, "compiled_counts", lambda: None)
        slow = fn()
    return fast, slow


def assert_same_sparse(fast, slow, name: str) -> None:
    for a, b in zip(fast, slow, strict=True):
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b, err_msg=name)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 40), st.integers(1, 5), st.integers(0, 2**31 - 1),
       st.booleans())  # fmt: skip
def test_compiled_counts_are_numpys(steps, reps, groups, seed, masked):
    rng = np.random.default_rng(seed)
    values = rng.uniform(-1.3, 1.3, size=(steps, reps, groups))
    edges = -1.0 + BIN_WIDTH * rng.integers(0, 2000, size=values.shape)  # exactly on edges
    values = np.where(rng.random(values.shape) < 0.2, edges, values)
    for bad in (np.nan, np.inf, -np.inf, 1.0, -1.0, 7e30):
        values[rng.random(values.shape) < 0.03] = bad
    keep = rng.random(values.shape) < 0.7 if masked else None
    hist = Histograms(steps, groups, -1.0, 1.0)
    with pytest.MonkeyPatch.context() as mp:
        fast, slow = both(lambda: hist.count(values.copy(), keep), mp)
    assert_same_sparse(fast, slow, "histogram")


def test_a_chunks_counts_are_the_same_either_way(monkeypatch):
    loaded = load_scenario(ROOT / "scenarios" / "peninsula_crisis.yaml")
    world, events = prepare(loaded.model_input)
    run = loaded.scenario.run
    chunk = run_chunk(world, events, np.arange(70), 4, 60, keep_series=True, engine="numba")
    agg = RunAggregates(world, related_pairs(world), step_dates(run.start, run.step_unit, 60))
    fast, slow = both(lambda: agg.count(chunk), monkeypatch)
    for name in slow.hist:
        assert_same_sparse(fast.hist[name], slow.hist[name], name)
    assert_same_sparse(fast.rungs, slow.rungs, "rungs")
    assert sum(len(h[0]) for h in fast.hist.values()) > 0
