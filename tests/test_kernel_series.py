"""Per-step series recorded by the compiled kernel against the numpy reference.

With `--series full` (and calibration) the kernel writes each step's series itself
(sim/kernel/compiled.py `record_series`) instead of handing the state back to Python after
every step. The numbers must be the reference's within 1e-12 on every scenario, the tables
written from them the same up to float32 storage, and the series bit-identical whatever the
thread count or chunking (issue 18).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from sim.ensemble import prepare, run_chunk
from sim.kernel import numba_available
from sim.scenario.loader import load_scenario
from sim.stream_tables import actor_arrow, pair_arrow, system_arrow
from sim.tables import related_pairs, step_dates
from tests.kernel_tools import chunks_on_threads
from tests.test_kernel import assert_same, both

pytestmark = pytest.mark.skipif(not numba_available(), reason="numba is not installed")

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "scenarios").glob("*.yaml"))


def tables(loaded, chunk, steps: int) -> dict[str, pa.Table]:
    """The three per-step tables a full-series run writes for this chunk."""
    world = loaded.model_input
    run = loaded.scenario.run
    dates = step_dates(run.start, run.step_unit, steps)
    return {
        "timeseries": actor_arrow(world, chunk, dates),
        "pairs": pair_arrow(world, chunk, related_pairs(world)),
        "system": system_arrow(chunk, dates),
    }


def assert_tables_agree(ref: pa.Table, new: pa.Table, name: str) -> None:
    """Same schema and rows; every column equal, the float32 series within one float32
    spacing of each other (the float64 values differ by ~1e-16, which can tip a rounding)."""
    assert ref.schema == new.schema, name
    for col in ref.schema.names:
        a, b = ref[col].to_numpy(), new[col].to_numpy()
        if a.dtype == np.float32:
            gap = np.abs(a.astype(np.float64) - b.astype(np.float64))
            assert (gap <= np.spacing(np.abs(a))).all(), f"{name}.{col}"
        else:
            np.testing.assert_array_equal(b, a, err_msg=f"{name}.{col}")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_kernel_series_equal_numpy_and_write_the_same_tables(path):
    loaded = load_scenario(path)
    world, events = prepare(loaded.model_input)
    steps = loaded.scenario.run.steps
    reps = np.arange(37)  # padded lanes: 37 is not a whole number of 32-lane blocks
    ref, new = both(world, events, reps, loaded.scenario.run.seed, steps, keep=True)
    assert_same(ref, new)
    a, b = tables(loaded, ref, steps), tables(loaded, new, steps)
    for name in a:
        assert_tables_agree(a[name], b[name], name)


def test_the_kernel_records_the_series_itself(monkeypatch):
    """Only step 0 goes through the Python recorder; the kernel writes the other steps."""
    import sim.ensemble as ensemble

    calls = []
    real = ensemble.flags

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ensemble, "flags", counted)
    world, events = prepare(load_scenario(ROOT / "scenarios" / "baseline.yaml").model_input)
    chunk = run_chunk(world, events, np.arange(40), 2, 24, keep_series=True, engine="numba")
    assert len(calls) == 1
    assert chunk.series.escalation.shape == (25, 40, world.n)
    assert np.isfinite(chunk.series.distancing).all()
    assert (np.diff(chunk.series.escalation, axis=0) != 0).any()  # every step was written


def test_kernel_series_do_not_depend_on_threads_or_chunking():
    world, events = prepare(load_scenario(ROOT / "scenarios" / "peninsula_crisis.yaml")
                            .model_input)  # fmt: skip
    reps = np.arange(100)
    runs = chunks_on_threads(world, events, reps, keep_series=True)
    halves = [run_chunk(world, events, reps[s], 5, 48, keep_series=True, engine="numba")
              for s in (slice(0, 41), slice(41, None))]  # fmt: skip
    for name in runs[0].series.__dataclass_fields__:
        a = getattr(runs[0].series, name)
        np.testing.assert_array_equal(getattr(runs[1].series, name), a, err_msg=name)
        joined = np.concatenate([getattr(h.series, name) for h in halves], axis=1)
        np.testing.assert_array_equal(joined, a, err_msg=name)
