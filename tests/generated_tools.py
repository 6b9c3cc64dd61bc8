"""Helpers shared by the generated-scenario reliability rounds (17: variants of the shipped
scenarios; 19: standalone scenarios of other shapes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import strategies as st

from sim.ensemble import prepare, run_chunk
from sim.kernel import numba_available

needs_numba = pytest.mark.skipif(not numba_available(), reason="numba is not installed")

TRAITS = ("stability", "risk_tolerance", "resolve", "grievance", "axis_aversion")
CAPABILITIES = ("military", "economic", "nuclear")
# the documented range of every per-step series (docs/results-format.md, MODEL.md)
BOUNDS = {"escalation": (0.0, 1.0), "leverage": (0.0, 1.0), "commitment": (-1.0, 1.0),
          "tension": (0.0, 1.0), "distancing": (-2.0, 2.0), "frustration": (0.0, 1.0),
          "readiness": (0.0, 1.0)}  # fmt: skip


def engines(loaded: Any, reps: int = 2, seed: int = 5):
    """The scenario's series on the numpy and the numba engine, same replications."""
    world, events = prepare(loaded.scenario)
    steps = loaded.scenario.run.steps
    return [run_chunk(world, events, np.arange(reps), seed, steps, keep_series=True,
                      engine=engine).series for engine in ("numpy", "numba")]  # fmt: skip


def largest_difference(a: Any, b: Any) -> float:
    """The largest difference between two runs' series, over every bounded series."""
    return max(float(np.abs(getattr(a, name) - getattr(b, name)).max()) for name in BOUNDS)


def value_in(lo: float, hi: float) -> st.SearchStrategy[float]:
    """A value in [lo, hi], its ends and 0 (where allowed) drawn often."""
    ends = [lo, hi, 0.0] if lo <= 0.0 <= hi else [lo, hi]
    return st.sampled_from(ends) | st.floats(lo, hi, allow_nan=False)


def tables(folder: Path) -> dict[str, pd.DataFrame]:
    """Every Parquet table of a run folder, and its summary."""
    out = {p.name: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}
    out["summary.csv"] = pd.read_csv(folder / "summary.csv")
    return out


def assert_same_tables(a: Path, b: Path) -> None:
    ta, tb = tables(a), tables(b)
    assert ta.keys() == tb.keys()
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True, obj=name)
