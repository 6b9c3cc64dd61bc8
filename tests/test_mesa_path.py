"""The Mesa model is the per-replication view of the ensemble engine, and Mesa's tools accept it."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from sim.ensemble import prepare, run_chunk
from sim.model import AllianceModel
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

BASELINE = "scenarios/baseline.yaml"
SEED = load_scenario(BASELINE).scenario.run.seed


def with_events() -> Scenario:
    raw = load_scenario(BASELINE).raw
    raw["events"] = {
        "tech": {
            "label": "tech transfer",
            "at": 3,
            "set": {"relations.PRK.RUS.military_supply": 0.7},
        },
        "alarm": {
            "label": "PRK alarm",
            "when": {"metric": "escalation", "actor": "PRK", "above": 0.41},
            "add": {"actors.KOR.escalation": 0.1},
        },
    }
    return Scenario.model_validate(raw)


@pytest.mark.parametrize(
    "scenario", [load_scenario(BASELINE).scenario, with_events()], ids=["baseline", "with-events"]
)
def test_mesa_path_equals_ensemble_path(scenario):
    steps, seed = 24, 42
    world, events = prepare(scenario)
    # 20 replications run as one array: a Mesa run (one row) must match each row bit for bit
    ens = run_chunk(world, events, np.arange(20), seed, steps, keep_series=True)
    for rep in (0, 7, 19):
        model = AllianceModel(scenario, replication=rep, seed=seed, steps=steps)
        while model.running:
            model.step()
        frame = model.datacollector.get_agent_vars_dataframe()
        mesa_path = frame["escalation"].to_numpy().reshape(steps + 1, world.n)
        np.testing.assert_array_equal(mesa_path, ens.series.escalation[:, rep, :])
        system = model.datacollector.get_model_vars_dataframe()
        np.testing.assert_array_equal(system["distancing"], ens.series.distancing[:, rep])
        fired = [
            (s, e)
            for r, s, e in zip(
                ens.events.replication, ens.events.step, ens.events.event, strict=True
            )
            if r == rep
        ]
        assert list(zip(model.event_log.step, model.event_log.event, strict=True)) == fired


def test_steps_past_the_planned_ones_keep_following_the_ensemble():
    """The model draws its planned months' shocks in one block and any later month's on
    its own; the counter-based numbers make both the ensemble's."""
    scenario = load_scenario(BASELINE).scenario
    world, events = prepare(scenario)
    ens = run_chunk(world, events, np.arange(4), 9, 10, keep_series=True)
    model = AllianceModel(scenario, replication=3, seed=9, steps=6)
    for _ in range(10):
        model.step()
    np.testing.assert_array_equal(model.state.x[0], ens.series.escalation[10, 3])


def test_events_fire_in_the_ensemble():
    world, events = prepare(with_events())
    ens = run_chunk(world, events, np.arange(20), 42, 24)
    tech = [s for s, e in zip(ens.events.step, ens.events.event, strict=True) if e == "tech"]
    assert tech == [3] * 20
    assert "alarm" in ens.events.event


def test_agents_expose_the_state():
    model = AllianceModel(BASELINE, replication=0)
    china = next(a for a in model.agents if a.actor_id == "CHN")
    assert china.escalation == pytest.approx(0.10)
    assert china.rung_name == "posturing"
    assert china.commitment_to("RUS") == pytest.approx(0.5)
    assert len(model.agents) == 8


def test_mesa_batch_run_accepts_the_model():
    results = mesa.batch_run(
        AllianceModel,
        parameters={"scenario": [BASELINE], "replication": range(3), "steps": 6, "seed": SEED},
        iterations=1,
        max_steps=100,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    frame = __import__("pandas").DataFrame(results)
    assert set(frame["replication"]) == {0, 1, 2}
    # Mesa's batch_run reports steps 0..model.steps-1 (its own convention).
    assert sorted(set(frame["Step"])) == [0, 1, 2, 3, 4, 5]
    assert {"distancing", "escalation", "actor"} <= set(frame.columns)
    # Mesa's runs agree with the ensemble engine step by step.
    scenario = load_scenario(BASELINE).scenario
    world, events = prepare(scenario)
    ens = run_chunk(world, events, np.arange(20), SEED, 6, keep_series=True)
    for (rep, step), rows in frame.groupby(["replication", "Step"]):
        got = rows.set_index("actor")["escalation"][world.ids].to_numpy()
        np.testing.assert_array_equal(got, ens.series.escalation[step, rep])


def _batch(parameters: dict, iterations: int):
    import pandas as pd

    rows = mesa.batch_run(
        AllianceModel,
        parameters={"scenario": [BASELINE], "steps": 6, **parameters},
        iterations=iterations,
        max_steps=100,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    frame = pd.DataFrame(rows)
    return frame.pivot_table(index="RunId", columns="actor", values="escalation")


def test_batch_run_iterations_are_distinct_replications():
    """Without a seed, Mesa's rng comes from OS entropy: each iteration is a new draw."""
    finals = _batch({}, iterations=3)
    assert len(finals) == 3
    assert len({tuple(row) for row in finals.to_numpy()}) == 3


def test_batch_run_is_reproducible_with_rng_and_seed():
    """Passing Mesa's `rng` (or `seed`) as a batch parameter makes every run repeatable."""
    first = _batch({"rng": [1, 2, 3]}, iterations=1)
    again = _batch({"rng": [1, 2, 3]}, iterations=1)
    np.testing.assert_array_equal(first.to_numpy(), again.to_numpy())
    assert len({tuple(row) for row in first.to_numpy()}) == 3
    seeded = _batch({"seed": SEED, "replication": range(3)}, iterations=1)
    assert len({tuple(row) for row in seeded.to_numpy()}) == 3
    np.testing.assert_array_equal(
        seeded.to_numpy(), _batch({"seed": SEED, "replication": range(3)}, 1).to_numpy()
    )


def test_root_seed_replays_an_unseeded_model():
    """A model built from entropy records its root seed; seed=root_seed replays it."""
    first = AllianceModel(BASELINE, steps=8, rng=np.random.default_rng(99))
    while first.running:
        first.step()
    replay = AllianceModel(BASELINE, steps=8, seed=first.root_seed)
    while replay.running:
        replay.step()
    np.testing.assert_array_equal(first.state.x, replay.state.x)
    other = AllianceModel(BASELINE, steps=8)
    assert other.root_seed != first.root_seed


def test_seed_and_rng_together_are_refused_as_in_mesa():
    with pytest.raises(ValueError, match="either rng or seed"):
        AllianceModel(BASELINE, seed=1, rng=2)


def test_reporters_are_named_as_the_results_columns():
    """The DataCollector's columns are those of system.parquet and timeseries.parquet."""
    import sim

    res = sim.run(BASELINE, n=1, seed=SEED, steps=3)
    model = AllianceModel(BASELINE, seed=SEED, steps=3)
    while model.running:
        model.step()
    system = model.datacollector.get_model_vars_dataframe()
    agents = model.datacollector.get_agent_vars_dataframe()
    skip = {"replication", "step", "date"}
    assert set(system.columns) == set(res.system.columns) - skip
    assert set(agents.columns) == set(res.timeseries.columns) - skip
    shown = agents["actor"].isin(res.manifest["actors"])  # results skip never-active actors
    mesa_ts = agents[shown].reset_index(drop=True)
    # the results store the series at float32 (docs/results-format.md): the Mesa model's
    # float64 levels, rounded to float32, are those values exactly
    stored = mesa_ts["escalation"].to_numpy().astype(np.float32)
    np.testing.assert_array_equal(stored, res.timeseries["escalation"].to_numpy())
    assert mesa_ts["rung_name"].tolist() == res.timeseries["rung_name"].astype(str).tolist()


def reference_collector() -> mesa.DataCollector:
    """Mesa's own DataCollector with the reporters AllianceModel declares (the contract)."""
    from sim.model import AGENT_REPORTERS, system_row

    reporters = {
        name: (lambda m, i=i: system_row(m)[i])
        for i, name in enumerate(("distancing", "frustration", "crisis", "war"))
    }
    return mesa.DataCollector(model_reporters=reporters, agent_reporters=AGENT_REPORTERS)


@pytest.mark.parametrize("scenario", [BASELINE, with_events()], ids=["baseline", "with-events"])
def test_array_collector_records_what_mesas_datacollector_records(scenario):
    """Same tables, values, types and index as mesa.DataCollector reading the agents."""
    import pandas as pd

    model = AllianceModel(scenario, seed=SEED, replication=2, steps=12)
    reference = reference_collector()
    reference.collect(model)
    while model.running:
        model.step()
        reference.collect(model)
    ours = model.datacollector
    assert isinstance(ours, mesa.DataCollector)
    pd.testing.assert_frame_equal(
        ours.get_model_vars_dataframe(), reference.get_model_vars_dataframe()
    )
    pd.testing.assert_frame_equal(
        ours.get_agent_vars_dataframe(), reference.get_agent_vars_dataframe()
    )
    assert ours._agent_records == reference._agent_records  # what batch_run reads
    assert ours.model_vars == reference.model_vars
    history = ours.escalation_history()
    assert history.shape == (13, len(model.agents))
    np.testing.assert_array_equal(history[-1], model.state.x[0])
