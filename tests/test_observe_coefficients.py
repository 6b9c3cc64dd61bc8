"""Per-replication coefficients in run_ensemble, and posterior draws for run/compare.

Replication r runs with coefficients[name][r]; its noise does not depend on the coefficients,
and the result does not depend on workers or chunking.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.ensemble import prepare, run_ensemble
from sim.errors import UsageError
from sim.observe.posterior import draw_coefficients, model_only, write_posterior
from sim.parameters import PARAMETERS
from sim.scenario.loader import load_scenario


@pytest.fixture(scope="module")
def scenario(baseline):
    return load_scenario(baseline).scenario


def _spread(scenario, reps: int) -> dict[str, np.ndarray]:
    """Every coefficient varied across replications within its bounds (names from the table)."""
    world, _ = prepare(scenario)
    rng = np.random.default_rng(0)
    return {
        n: rng.uniform(p.lo, p.hi, reps) if p.hi > p.lo else np.full(reps, p.lo)
        for n, p in PARAMETERS.items()
        if n in world.params
    }


def test_one_worker_equals_two_workers_bit_for_bit(scenario):
    coefs = _spread(scenario, 6)
    a = run_ensemble(scenario, 6, 11, 12, coefficients=coefs)
    b = run_ensemble(scenario, 6, 11, 12, workers=2, coefficients=coefs)
    c = run_ensemble(scenario, 6, 11, 12, chunk_size=1, coefficients=coefs)
    for other in (b, c):
        assert np.array_equal(a.series.escalation, other.series.escalation)
        assert np.array_equal(a.series.commitment, other.series.commitment)


def test_replication_noise_unchanged_by_coefficients(scenario):
    """Changing replication 1's coefficients leaves replications 0 and 2 bit-identical."""
    world, _ = prepare(scenario)
    plain = run_ensemble(scenario, 3, 5, 12)
    coefs = {n: np.full(3, float(world.params[n][0, 0])) for n in world.params}
    same = run_ensemble(scenario, 3, 5, 12, coefficients=coefs)
    assert np.array_equal(plain.series.escalation, same.series.escalation)
    changed = {n: v.copy() for n, v in coefs.items()}
    for n, p in PARAMETERS.items():
        if n in changed:
            changed[n][1] = p.lo + 0.5 * (p.hi - p.lo)
    moved = run_ensemble(scenario, 3, 5, 12, coefficients=changed)
    x0, x1 = plain.series.escalation, moved.series.escalation
    assert np.array_equal(x0[:, [0, 2]], x1[:, [0, 2]])
    assert not np.array_equal(x0[:, 1], x1[:, 1])


def test_unknown_coefficient_or_wrong_length_refused(scenario):
    with pytest.raises(KeyError):
        run_ensemble(scenario, 2, 1, 3, coefficients={"no_such_coefficient": np.ones(2)})
    name = next(iter(PARAMETERS))
    with pytest.raises(ValueError):
        run_ensemble(scenario, 2, 1, 3, coefficients={name: np.ones(3)})


def _posterior(tmp_path, weights) -> str:
    name = next(iter(PARAMETERS))
    p = PARAMETERS[name]
    frame = pd.DataFrame(
        {
            name: p.lo + (p.hi - p.lo) * np.arange(len(weights)) / len(weights),
            "launch_log_rate": -np.arange(len(weights), dtype=float),
            "weight": weights,
            "distance": 0.0,
        }
    )
    path = tmp_path / "posterior.parquet"
    write_posterior(frame, path)  # with this model's version (else refused)
    return str(path)


def test_draws_reproducible_prefix_stable_and_weighted(tmp_path):
    path = _posterior(tmp_path, [0.0, 0.25, 0.75])
    a = draw_coefficients(path, 4000, 7)
    b = draw_coefficients(path, 4000, 7)
    short = draw_coefficients(path, 10, 7)
    other = draw_coefficients(path, 4000, 8)
    name = next(iter(PARAMETERS))
    assert np.array_equal(a[name], b[name])
    assert np.array_equal(short[name], a[name][:10])  # replication r's set does not depend on R
    assert not np.array_equal(a[name], other[name])
    assert 0 not in a["launch_log_rate"]  # zero weight never drawn
    assert abs(np.mean(a["launch_log_rate"] == -2) - 0.75) < 0.03
    p = PARAMETERS[name]
    k = np.rint(-a["launch_log_rate"]).astype(int)
    assert np.allclose(a[name], p.lo + (p.hi - p.lo) * k / 3)  # sets are drawn whole
    assert list(model_only(a)) == [name]


def test_posterior_outside_bounds_refused(tmp_path):
    path = tmp_path / "p.parquet"
    write_posterior(pd.DataFrame({"launch_log_rate": [99.0], "weight": [1.0]}), path)
    with pytest.raises(UsageError, match="launch_log_rate outside its bounds"):
        draw_coefficients(path, 3, 1)


@pytest.mark.parametrize("weights", [[0.0, 0.0], [-1.0, 2.0], [np.nan, 1.0]])
def test_bad_posterior_weights_refused(tmp_path, weights):
    with pytest.raises(UsageError, match="weights must be"):
        draw_coefficients(_posterior(tmp_path, weights), 5, 1)


def test_run_and_compare_with_posterior_use_the_draws(tmp_path, baseline, scenario):
    import json

    from sim.cli import main

    path = _posterior(tmp_path, [0.5, 0.5])
    args = ["-n", "4", "--steps", "3", "--no-plots", "-q", "--seed", "9"]
    out = tmp_path / "run"
    assert main(["run", str(baseline), *args, "--out", str(out), "--posterior", path]) == 0
    meta = json.loads((out / "manifest.json").read_text())
    name = next(iter(PARAMETERS))
    assert meta["posterior"]["file"] == path and meta["posterior"]["coefficients"] == [name]
    drawn = model_only(draw_coefficients(path, 4, 9))
    direct = run_ensemble(scenario, 4, 9, 3, coefficients=drawn)
    table = pd.read_parquet(out / "timeseries.parquet")
    final = table[table["step"] == 3].sort_values(["replication", "actor"])
    world, _ = prepare(scenario)
    shown = meta["actors"]  # the timeseries leaves out actors never active (UKR, IRN)
    expected = direct.series.escalation[3][:, [world.ids.index(a) for a in shown]]  # (R, N)
    got = final.pivot(index="replication", columns="actor", values="escalation")[shown]
    assert np.array_equal(got.to_numpy(), expected.astype(np.float32))  # stored at float32
    cmp = tmp_path / "cmp"
    assert (
        main(
            ["compare", str(baseline), str(baseline), *args, "--out", str(cmp), "--posterior", path]
        )
        == 0
    )
    assert json.loads((cmp / "manifest.json").read_text())["posterior"]["file"] == path
