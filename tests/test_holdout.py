"""Held-out observations (after May 2024) test the fitted model and are never fitted; the
history carried on past May 2024 is the same history up to it (sim/observe/holdout.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim.ensemble import run_ensemble
from sim.errors import ScenarioError, UsageError
from sim.observe.calibrate import build_problem
from sim.observe.holdout import (
    FORECASTERS,
    HOLDOUT,
    ORIGIN,
    directions,
    extension,
    holdout_forecasts,
    load_holdout,
    pact_input,
)
from sim.observe.leakage import event_conflicts
from sim.observe.observations import is_holdout, load_observations
from sim.observe.rolling import observations_of
from sim.observe.series import series_key
from sim.observe.spec import load_spec
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "scenarios" / "calibration" / "history.yaml"
HELD_FILES = sorted(HOLDOUT.glob("*.yaml"))


@pytest.fixture(scope="module")
def spec():
    return load_spec(SPEC)


def test_calibration_observation_set_holds_no_holdout_file(spec):
    assert HELD_FILES, "the holdout folder is empty: nothing to keep out"
    assert not [p for p in spec.observations if is_holdout(p)]
    held_ids = {o.id for o in load_observations(HELD_FILES)}
    fitted_ids = {o.id for o in observations_of(spec)}
    assert held_ids and not held_ids & fitted_ids


def test_a_spec_naming_holdout_files_is_refused(tmp_path):
    text = SPEC.read_text().replace(
        "  - ../../seeds/observations/*.yaml",
        f"  - {ROOT}/seeds/observations/*.yaml\n  - {HOLDOUT}/*.yaml",
    )
    text = text.replace("../history/base_2016.yaml", str(ROOT / "scenarios/history/base_2016.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_spec(bad)
    assert "holdout/ folder" in str(err.value) and "observations.1" in str(err.value)


def test_a_fit_refuses_holdout_files_even_without_the_spec_loader(spec):
    sneaky = dataclasses.replace(spec, observations=(*spec.observations, *HELD_FILES))
    with pytest.raises(UsageError, match="never used for calibration"):
        build_problem(sneaky)
    build_problem(spec)  # the shipped spec passes the same guard


def test_holdout_observations_are_after_may_2024_and_extend_known_series():
    held = load_observations(HELD_FILES)
    fitted = load_observations(sorted((ROOT / "seeds" / "observations").glob("*.yaml")))
    load_observations(HELD_FILES + sorted((ROOT / "seeds" / "observations").glob("*.yaml")))
    assert all(o.last > ORIGIN for o in held)  # ends after May 2024
    assert all(o.source.get("url", "").startswith("http") for o in held)
    known = {series_key(o) for o in fitted}
    assert all(series_key(o) in known for o in held)


def states(loaded, steps: int):
    return run_ensemble(loaded.scenario, 4, 11, steps, keep_series=True).series


@pytest.mark.parametrize("with_pact", [False, True])
def test_extending_the_history_leaves_every_state_to_step_100_unchanged(spec, with_pact):
    held = load_holdout()
    steps = extension(spec, held)
    assert steps["run.steps"] > 101  # the holdout runs past May 2024
    overrides = {**steps, **(pact_input(spec) if with_pact else {})}
    short = states(load_scenario(spec.scenarios[0]), 101)
    long = states(load_scenario(spec.scenarios[0], overrides), steps["run.steps"])
    for name in ("escalation", "commitment", "leverage"):
        a, b = getattr(short, name), getattr(long, name)
        np.testing.assert_array_equal(a, b[: a.shape[0]])


def test_the_pact_input_changes_the_world_after_june_2024(spec):
    steps = extension(spec, load_holdout())
    plain = states(load_scenario(spec.scenarios[0], steps), steps["run.steps"])
    pact = states(
        load_scenario(spec.scenarios[0], {**steps, **pact_input(spec)}), steps["run.steps"]
    )
    assert np.abs(plain.commitment[-1] - pact.commitment[-1]).max() > 0.01


def test_the_pact_input_writes_nothing_an_operator_reads(spec):
    held = load_holdout()
    overrides = {**extension(spec, held), **pact_input(spec)}
    loaded = load_scenario(spec.scenarios[0], overrides)
    assert event_conflicts(loaded.scenario, held + observations_of(spec)) == []
    # the baseline's pact event also sets the pair's commitment: the check must see that
    bad = dict(overrides)
    event = dict(bad["events.pact_signed_2024"])
    event["set"] = {**event["set"], "relations.RUS.PRK.commitment": 0.7}
    bad["events.pact_signed_2024"] = event
    conflicts = event_conflicts(load_scenario(spec.scenarios[0], bad).scenario, held)
    assert any(c.observation == "summit-rus-prk-2024-06" for c in conflicts)


@pytest.fixture(scope="module")
def small(spec):
    tiny = {**spec.settings, "population": 8, "predictive_replications": 16}
    small = dataclasses.replace(spec, settings=tiny)
    return small, holdout_forecasts(small)


def test_every_forecaster_scores_every_held_out_observation(small):
    _, result = small
    rows = result.rows
    ids = set(rows["id"])
    assert ids and ids <= {o.id for o in load_holdout()}
    counts = rows.groupby("id")["forecaster"].apply(set)
    assert all(c == set(FORECASTERS) for c in counts)
    assert np.isfinite(rows["crps"]).all()
    skill = result.skill()
    assert set(skill["design"]) == {"model", "filtered", "anomaly", "tracked", "pact"}


def test_the_pact_forecast_differs_from_the_plain_one(small):
    _, result = small
    by = result.rows.pivot_table(index="id", columns="forecaster", values="crps")
    assert (by["model"] != by["pact"]).any()


def test_directions_compare_with_the_last_in_sample_level(small):
    spec, result = small
    table = directions(result, observations_of(spec), load_holdout())
    body = table.iloc[:-1].set_index("observation")
    assert body.loc["trade-chn-rus-2025", "observed"].endswith("(down)")  # 228.1 < 240.1
    assert body.loc["summit-rus-prk-2024-06", "observed"].endswith("(up)")
    assert body.loc["exercise-usa-kor-2024-08-ufs", "observed"].endswith("(flat)")
    assert set(body["persistence"]) <= {"up", "down", "flat"}
    share = table.iloc[-1]
    assert share["observation"] == "share right"
    truth = body["observed"].str.extract(r"\((\w+)\)$")[0]
    for f in FORECASTERS:
        assert float(share[f]) == pytest.approx((body[f] == truth).mean(), abs=0.005)


def test_the_same_seed_gives_the_same_holdout_scores(small):
    spec, result = small
    again = holdout_forecasts(spec)
    assert result.rows.equals(again.rows)


def test_a_held_out_observation_in_the_training_data_is_refused(spec, tmp_path):
    held = tmp_path / "holdout"
    held.mkdir()
    (held / "dup.yaml").write_text(
        (ROOT / "seeds" / "observations" / "trade.yaml").read_text()
    )  # the training file's ids, held out as well
    with pytest.raises(ScenarioError, match="expected an id not in the training data"):
        holdout_forecasts(spec, folder=held)  # one located line per id (round 23)
