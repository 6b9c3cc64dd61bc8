"""The sweep engine: a run's numbers do not depend on what shares its batch or chunk.

Runs of different design points are stacked in one array batch (sim/jobs/sweep/batch.py);
each must equal, bit for bit, the same point simulated alone by `sim.ensemble.run_chunk`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.ensemble import run_chunk, run_ensemble
from sim.jobs.sweep.batch import Payload, compile_point, run_runs
from sim.jobs.sweep.plan import make_plan
from sim.jobs.sweep.spec import load_spec
from sim.scenario import keypath
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

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
