"""Same seed → identical outputs, whatever the workers or chunking; different seeds differ."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.ensemble import run_ensemble
from sim.scenario.loader import load_scenario

DATA_FILES = ("timeseries.parquet", "pairs.parquet", "system.parquet", "summary.csv", "events.csv")


def digest(folder: Path) -> dict[str, str]:
    return {f: hashlib.sha256((folder / f).read_bytes()).hexdigest() for f in DATA_FILES}


def run_cli(tmp_path: Path, name: str, *extra: str, scenario: Path | None = None) -> Path:
    out = tmp_path / name
    code = main(
        [
            "run",
            str(scenario or "scenarios/baseline.yaml"),
            "-n",
            "16",
            "--steps",
            "12",
            "--out",
            str(out),
            "--no-plots",
            "-q",
            *extra,
        ]
    )
    assert code == 0
    return out


def test_same_seed_gives_bit_identical_files(tmp_path):
    """16 replications on 2 workers run as two chunks in two processes."""
    scenario = tmp_path / "events.yaml"
    scenario.write_text(
        f"extends: {Path('scenarios/baseline.yaml').resolve()}\n"
        "events:\n  alarm:\n    label: PRK alarm\n"
        "    when: {metric: escalation, actor: PRK, above: 0.401}\n"
        "    add: {actors.KOR.escalation: 0.05}\n"
    )
    a = run_cli(tmp_path, "a", "--seed", "5", scenario=scenario)
    b = run_cli(tmp_path, "b", "--seed", "5", "--workers", "2", scenario=scenario)
    assert digest(a) == digest(b)
    assert len(pd.read_csv(a / "events.csv")) > 1


def test_different_seeds_differ(tmp_path):
    a = pd.read_csv(run_cli(tmp_path, "a", "--seed", "5") / "summary.csv")
    b = pd.read_csv(run_cli(tmp_path, "b", "--seed", "6") / "summary.csv")
    assert not np.allclose(a["peak_escalation_PRK"], b["peak_escalation_PRK"])


@pytest.mark.parametrize(("chunk", "workers"), [(7, 1), (5, 2), (64, 2)])
def test_chunking_and_workers_do_not_change_results(chunk, workers):
    scenario = load_scenario("scenarios/baseline.yaml").scenario
    ref = run_ensemble(scenario, 20, 11, 10, keep_series=True, chunk_size=20, workers=1)
    got = run_ensemble(scenario, 20, 11, 10, keep_series=True, chunk_size=chunk, workers=workers)
    np.testing.assert_array_equal(ref.series.escalation, got.series.escalation)
    np.testing.assert_array_equal(ref.series.commitment, got.series.commitment)
    for key, values in ref.summary.items():
        np.testing.assert_array_equal(values, got.summary[key], err_msg=key)
    assert ref.events == got.events


def test_replication_prefix_is_stable():
    """Replication r is the same run whether 5 or 50 replications were asked for."""
    scenario = load_scenario("scenarios/baseline.yaml").scenario
    few = run_ensemble(scenario, 5, 3, 10, keep_series=True)
    many = run_ensemble(scenario, 50, 3, 10, keep_series=True)
    np.testing.assert_array_equal(few.series.escalation, many.series.escalation[:, :5])


def test_interrupted_run_leaves_nothing_that_looks_complete(tmp_path, monkeypatch):
    import sim.commands.run as run_cmd

    def boom():
        def draw(folder):
            raise KeyboardInterrupt

        return draw

    monkeypatch.setattr(run_cmd, "_chart_writer", boom)
    out = tmp_path / "r"
    code = main(
        ["run", "scenarios/baseline.yaml", "-n", "4", "--steps", "3", "--out", str(out), "-q"]
    )
    assert code == 130
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_existing_out_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "r"
    out.mkdir()
    code = main(["run", "scenarios/baseline.yaml", "-n", "2", "--out", str(out), "-q"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already exists" in err[0]


def _state_bytes(state) -> dict[str, bytes]:
    """Every array of a State (dicts flattened), as bytes: equal means bit-identical."""
    out = {}
    for name, value in vars(state).items():
        if isinstance(value, dict):
            out.update({f"{name}.{k}": np.asarray(v).tobytes() for k, v in value.items()})
        elif isinstance(value, np.ndarray):
            out[name] = value.tobytes() + str(value.shape).encode()
    return out


@pytest.mark.parametrize("resettle", [True, False])
def test_a_memoised_start_is_the_settled_start_and_a_private_copy(resettle):
    """sim.engine.settled_start: the memo gives start's arrays bit for bit, for the world
    and for its counterfactual (the key ignores events, which start never reads), and a
    caller that moves its state (as stepping does) leaves the next caller's start alone."""
    from sim.effects import counterfactual_of
    from sim.engine import settled_start, start
    from sim.world import as_input

    loaded = load_scenario("scenarios/baseline.yaml")
    world = as_input(loaded.scenario)
    cf = as_input(counterfactual_of(loaded.scenario))
    reps = np.arange(5, 12)
    first = settled_start(world, reps, resettle=resettle)
    expected = _state_bytes(start(world, reps, resettle=resettle))
    assert _state_bytes(first) == expected
    first.x += 0.25
    first.C[:] = 0.0
    assert _state_bytes(settled_start(world, reps, resettle=resettle)) == expected
    assert _state_bytes(settled_start(cf, reps, resettle=resettle)) == _state_bytes(
        start(cf, reps, resettle=resettle)
    )


def test_starts_with_coefficient_draws_are_not_shared():
    """Draws make every replication's start its own: each call settles afresh."""
    from sim.engine import settled_start

    world = load_scenario("scenarios/baseline.yaml").model_input
    draws = {"reactivity": np.linspace(0.05, 0.3, 6)}
    a = settled_start(world, np.arange(3), draws)
    b = settled_start(world, np.arange(3, 6), draws)
    assert not np.array_equal(a.u, b.u)


def test_merged_events_sort_by_step_then_replication_and_keep_file_order_in_ties():
    from sim.engine import EventLog
    from sim.ensemble import _merged_events

    a = EventLog([4, 4, 1], [2, 2, 5], ["pact", "aid", "late"], ["P", "A", "L"])
    b = EventLog([0, 4], [2, 0], ["pact", "first"], ["P", "F"])
    got = _merged_events([a, b])
    assert got.replication == [4, 0, 4, 4, 1] and got.step == [0, 2, 2, 2, 5]
    assert got.event == ["first", "pact", "pact", "aid", "late"]
    assert all(type(v) is int for v in got.replication + got.step)
    empty = _merged_events([EventLog(), EventLog()])
    assert (empty.replication, empty.event) == ([], [])
