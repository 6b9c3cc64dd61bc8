"""Rolling-origin forecasts, the null forecasters, the skill table and the structure
comparison (sim/observe/rolling.py, nulls.py, structures.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.ensemble import run_ensemble
from sim.observe.drift import SCALES
from sim.observe.nulls import EVENTS_ONLY, null_draws
from sim.observe.observations import Observation
from sim.observe.rolling import rolling_forecasts, rolling_origin, skill_table
from sim.observe.spec import load_spec
from sim.observe.structures import compare_structures, structure_table
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "scenarios" / "calibration" / "history.yaml"
HISTORY = ROOT / "scenarios" / "history" / "base_2016.yaml"
SRC = {"publisher": "p", "title": "t", "date": "2020-01-01", "url": "https://e.org"}


def trade(year: int, value: float) -> Observation:
    m = year * 12
    return Observation(
        f"t{year}", "trade_value", ("CHN", "RUS"), str(year), m, m + 11, value, "USD bn per year",
        "solid", SRC, "f", 1,
    )  # fmt: skip


def tiny_spec():
    spec = load_spec(SPEC)
    small = {"population": 6, "predictive_replications": 6}
    return dataclasses.replace(spec, settings={**spec.settings, **small})


def test_persistence_draws_the_last_level_plus_past_changes_either_way():
    train = [trade(2016, np.e), trade(2017, np.e**2)]
    d = null_draws("persistence", train, trade(2018, 1.0), np.random.default_rng(0), 400)
    assert set(np.round(np.log(d), 9)) == {1.0, 3.0}


def test_trend_extrapolates_the_series():
    train = [trade(2016, np.e), trade(2017, np.e**2)]
    d = null_draws("trend", train, trade(2018, 1.0), np.random.default_rng(0), 400)
    assert set(np.round(np.log(d), 9)) == {2.0, 4.0}  # centre 3, changes ±1


def test_a_series_without_history_has_no_null_forecast():
    assert null_draws("persistence", [], trade(2018, 1.0), np.random.default_rng(0), 10) is None


def test_pooled_skill_weights_kinds_by_count_not_by_unit():
    rows = []
    for kind, n, model, null in (("a", 3, 1.0, 2.0), ("b", 1, 300.0, 100.0)):
        for i in range(n):
            for f, s in (("model", model), ("events_only", null), ("persistence", null),
                         ("trend", null)):  # fmt: skip
                rows.append({"kind": kind, "id": f"{kind}{i}", "forecaster": f, "crps": s})
    t = skill_table(pd.DataFrame(rows)).set_index("kind")
    assert t.loc["a", "skill vs persistence"] == pytest.approx(0.5)
    assert t.loc["b", "skill vs persistence"] == pytest.approx(-2.0)
    assert t.loc["pooled", "skill vs persistence"] == pytest.approx(1 - (3 * 0.5 + 3.0) / 4)


def test_the_events_only_world_moves_only_where_events_write():
    scenario = load_scenario(HISTORY, EVENTS_ONLY).scenario
    s = run_ensemble(scenario, 2, 3, 101, keep_series=True).series
    ids = list(scenario.actors)
    written = {
        p.split(".")[1] for ev in scenario.events.values() for p in ev.set if "escalation" in p
    }
    for a in ids:
        if a not in written:
            assert np.all(s.escalation[:, :, ids.index(a)] == s.escalation[0, :, ids.index(a)]), a
    assert np.all(s.leverage == s.leverage[0])


@pytest.mark.slow
def test_rolling_origin_is_reproducible_and_scores_the_same_observations():
    spec = tiny_spec()
    a = rolling_origin(spec, origins=(2021,))
    b = rolling_origin(spec, origins=(2021,))
    pd.testing.assert_frame_equal(a, b)
    ids = a.groupby("forecaster")["id"].apply(lambda s: tuple(sorted(s)))
    assert ids.nunique() == 1 and len(ids) == 4 and len(ids.iloc[0]) > 0
    assert all(a[a.forecaster == "model"].id.str.len() > 0)


@pytest.mark.slow
def test_four_designs_are_scored_on_the_same_observations_from_the_same_fit():
    spec = tiny_spec()
    fc = rolling_forecasts(spec, origins=(2021,))
    again = rolling_forecasts(spec, origins=(2021,))
    pd.testing.assert_frame_equal(fc.rows, again.rows)
    pd.testing.assert_frame_equal(fc.ess, again.ess)
    pd.testing.assert_frame_equal(fc.evidence, again.evidence)
    assert sorted(fc.evidence.scale) == sorted(SCALES)  # one filter run per drift scale
    assert np.isfinite(fc.evidence.log_evidence).all()
    ids = fc.rows.groupby("forecaster")["id"].apply(lambda s: tuple(sorted(s)))
    assert ids.nunique() == 1 and len(ids) == 7
    # the plain design is rolling_origin's model, number for number
    plain = rolling_origin(spec, origins=(2021,))
    pd.testing.assert_frame_equal(fc.plain, plain)
    n = spec.settings["predictive_replications"]
    assert len(fc.ess) > 0 and fc.ess["ess"].between(1, n).all()
    for design in (fc.filtered, fc.anomaly, fc.tracked):
        table = skill_table(design).set_index("kind")
        assert np.isfinite(table.loc["pooled", "skill vs persistence"])
        assert not np.allclose(design[design.forecaster == "model"].crps, plain[
            plain.forecaster == "model"].crps)  # fmt: skip


@pytest.mark.slow
def test_structure_comparison_is_reproducible_and_the_switch_matters():
    spec = tiny_spec()
    structures = {"full": (), "no chain-ganging (backing)": ("backing",)}
    a = compare_structures(spec, origins=(2021,), structures=structures)
    b = compare_structures(spec, origins=(2021,), structures=structures)
    pd.testing.assert_frame_equal(structure_table(a, 1), structure_table(b, 1))
    full = a[a.structure == "full"].crps.to_numpy()
    off = a[a.structure != "full"].crps.to_numpy()
    assert not np.array_equal(full, off)


def test_width_ratio_is_one_for_prior_draws_and_small_for_a_narrow_posterior():
    from sim.observe.identify import width_table
    from sim.observe.priors import Prior

    prior = Prior("reactivity", "normal", (0.0, 1.0), -10.0, 10.0)
    rng = np.random.default_rng(0)
    wide = prior.sample(rng, 20000)[:, None]
    narrow = rng.normal(0.0, 0.1, 20000)[:, None]
    w = np.full(20000, 1 / 20000)
    assert width_table([prior], wide, w)["90% width ratio"].iloc[0] == pytest.approx(1, abs=0.05)
    t = width_table([prior], narrow, w).iloc[0]
    assert t["90% width ratio"] == pytest.approx(0.1, abs=0.01) and t["narrowed"]


def test_hindcast_scores_the_three_nulls_beside_the_model():
    from sim.observe.hindcast import hindcast, null_skill

    obs = ROOT / "seeds" / "observations" / "missile_launches.yaml"
    table, _, _ = hindcast([obs], HISTORY, None, 20, 5, draws=2)
    cols = ("crps_events_only", "crps_persistence", "crps_trend", "crps_filtered", "crps_anomaly")
    for col in cols:
        assert col in table and table[col].notna().any()
    first = table.sort_values("period").iloc[0]
    assert np.isnan(first["crps_persistence"])  # nothing earlier in its series
    assert np.isnan(first["crps_anomaly"]) and np.isnan(first["crps_filtered"])  # no origin
    for design in ("plain", "filtered", "anomaly"):
        pooled = null_skill(table, design).set_index("kind").loc["pooled"]
        assert 0 < pooled["observations"] < len(table)
        assert np.isfinite(pooled[["skill vs persistence", "skill vs trend"]]).all()
