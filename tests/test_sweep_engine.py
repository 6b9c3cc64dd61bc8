"""The sweep engine: a run's numbers do not depend on what shares its batch or chunk.

Runs of different design points are stacked in one array batch (sim/sweep/batch.py);
each must equal, bit for bit, the same point simulated alone by `sim.ensemble.run_chunk`.
Also here: sim/reductions.py, the fast row sums the dynamics use, equal numpy's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.ensemble import prepare, run_chunk, run_ensemble
from sim.reductions import max_last, sum_last, sum_mid
from sim.scenario import keypath
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario
from sim.sweep.batch import Payload, compile_point, run_runs
from sim.sweep.plan import make_plan
from sim.sweep.spec import load_spec

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


def raw_with_events() -> dict:
    raw = dict(load_scenario(BASELINE).raw)
    raw["events"] = {
        "tech": {"label": "tech", "at": 3, "set": {"relations.PRK.RUS.military_supply": 0.7}},
        "alarm": {
            "label": "alarm",
            "when": {"metric": "escalation", "actor": "PRK", "above": 0.41},
            "add": {"actors.KOR.escalation": 0.1},
        },
    }
    return raw


def payload(batch: int, chunk: int = 13, reps: int = 5, steps: int = 30) -> Payload:
    raw = raw_with_events()
    labels = [
        "parameters.reactivity",
        "relations.RUS.PRK.commitment",
        "events.tech.at",  # different event timing: different event lists in one batch
        "events.tech.set.relations.PRK.RUS.military_supply",
        "actors.UKR.active",  # a different set of active actors in one batch
    ]
    rng = np.random.default_rng(3)
    rows = [
        (float(rng.uniform(0.05, 0.4)), float(rng.uniform(0, 1)), int(rng.integers(1, 10)),
         float(rng.uniform(0, 1)), bool(i % 2))
        for i in range(6)
    ]  # fmt: skip
    keys = [keypath.resolve(raw, p) for p in labels]
    return Payload(f"t{batch}-{chunk}", raw, keys, labels, rows, reps, 99, steps, chunk,
                   len(rows) * reps, batch)  # fmt: skip


def test_stacked_points_equal_each_point_alone():
    pl = payload(batch=16)
    frame = run_runs(pl, 0, pl.n_runs)
    for point in range(len(pl.rows)):
        c = compile_point(pl, point)
        alone = run_chunk(c.world, c.events, np.arange(pl.replications), pl.seed, pl.steps)
        got = frame[frame["point"] == point]
        assert list(got["replication"]) == list(range(pl.replications))
        for key, values in alone.summary.items():
            if values.dtype == object:
                assert list(got[key]) == list(values), key
            else:
                assert got[key].to_numpy().tobytes() == values.tobytes(), key


@pytest.mark.parametrize(("batch", "chunk"), [(1, 7), (4, 30), (64, 11)])
def test_batch_and_chunk_sizes_do_not_change_results(batch, chunk):
    ref = run_runs(payload(batch=16), 0, 30)
    pl = payload(batch=batch, chunk=chunk)
    parts = [run_runs(pl, *pl.chunk_range(k)) for k in range(-(-pl.n_runs // chunk))]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), ref, check_exact=True)


def test_replication_r_of_a_point_is_replication_r_of_run():
    """Common random numbers: point p's replication r is `run` replication r of p's scenario."""
    spec = load_spec(BASELINE, ["parameters.reactivity=0.05,0.2"], replications=4, steps=12)
    plan = make_plan(spec)
    frame = run_runs(plan.payload, 0, plan.n_runs)
    for point, value in enumerate([0.05, 0.2]):
        raw = keypath.assign(spec.base_raw, ("parameters", "reactivity"), value)
        ens = run_ensemble(Scenario.model_validate(raw), 4, spec.seed, 12, keep_series=False)
        got = frame[frame["point"] == point]
        np.testing.assert_array_equal(
            got["peak_escalation_PRK"], ens.summary["peak_escalation_PRK"]
        )
        np.testing.assert_array_equal(got["final_distancing"], ens.summary["final_distancing"])


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9, 15, 16, 17, 20, 50, 129, 200])
def test_fast_reductions_equal_numpy(n):
    rng = np.random.default_rng(n)
    a = rng.standard_normal((40, n, n)) * 10.0 ** rng.integers(-8, 8, (40, n, n))
    a[rng.random(a.shape) < 0.2] = 0.0
    a[rng.random(a.shape) < 0.1] = -0.0
    assert sum_last(a).tobytes() == a.sum(axis=-1).tobytes()
    assert sum_mid(a).tobytes() == a.sum(axis=1).tobytes()
    h = np.abs(a)  # max_last's domain: no negatives (hostility), zeros of both signs
    h[rng.random(h.shape) < 0.3] = -0.0
    h[:5] = np.where(rng.random(h[:5].shape) < 0.5, 0.0, -0.0)  # rows of zeros only
    assert max_last(h).tobytes() == h.max(axis=-1).tobytes()
    small = a[:3]  # few rows: numpy's own reduction
    assert sum_last(small).tobytes() == small.sum(axis=-1).tobytes()


def test_engine_output_is_unchanged_by_the_fast_reductions():
    """The engine with sim/reductions.py equals the engine with numpy's own .sum, .max and
    broadcasting (what the dynamics used before), bit for bit."""
    scenario = load_scenario(BASELINE).scenario
    world, events = prepare(scenario)
    got = run_chunk(world, events, np.arange(64), 20240619, 36).summary
    with_numpy = _numpy_reductions_run(world, events)
    for key, values in with_numpy.items():
        if values.dtype == object:
            assert list(got[key]) == list(values)
        else:
            assert got[key].tobytes() == values.tobytes(), key


def _numpy_reductions_run(world, events):
    import sim.dynamics as dyn

    names = ("sum_last", "sum_mid", "max_last", "along_i", "along_j")
    saved = [getattr(dyn, n) for n in names]
    dyn.sum_last = lambda a: a.sum(axis=-1)
    dyn.sum_mid = lambda a: a.sum(axis=1)
    dyn.max_last = lambda a: a.max(axis=-1)
    dyn.along_i = lambda v: v[:, :, None]
    dyn.along_j = lambda v: v[:, None, :]
    try:
        return run_chunk(world, events, np.arange(64), 20240619, 36).summary
    finally:
        for n, f in zip(names, saved, strict=True):
            setattr(dyn, n, f)
