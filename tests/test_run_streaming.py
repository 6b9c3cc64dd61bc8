"""`run` streams its series chunk by chunk, keeps summaries only on request, estimates its
size first and refuses what will not fit; `--set` reaches event effects; overrides show."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import sim.jobs.run
from sim.cli import main
from sim.ensemble import iter_ensemble, run_ensemble
from sim.scenario.loader import load_scenario

BASE = "scenarios/baseline.yaml"
SERIES_FILES = ("timeseries.parquet", "pairs.parquet", "system.parquet")


def run(tmp_path: Path, name: str, *extra: str, scenario: str = BASE) -> tuple[int, Path]:
    out = tmp_path / name
    args = ["run", scenario, "-n", "16", "--steps", "6", "--out", str(out), "--no-plots", "-q"]
    return main([*args, *extra]), out


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_iter_ensemble_chunks_equal_one_run():
    scenario = load_scenario(BASE).scenario
    ref = run_ensemble(scenario, 23, 4, 8, keep_series=True)
    chunks = list(iter_ensemble(scenario, 23, 4, 8, keep_series=True, chunk_size=5, workers=2))
    assert [len(c.replications) for c in chunks] == [5, 5, 5, 5, 3]
    assert np.concatenate([c.replications for c in chunks]).tolist() == list(range(23))
    esc = np.concatenate([c.series.escalation for c in chunks], axis=1)
    np.testing.assert_array_equal(esc, ref.series.escalation)
    for key, values in ref.summary.items():
        np.testing.assert_array_equal(np.concatenate([c.summary[key] for c in chunks]), values)


def test_streamed_files_do_not_depend_on_workers(tmp_path, monkeypatch):
    """Four chunks of 4, one row group each, byte for byte the same on 1 and 2 workers."""
    monkeypatch.setattr(sim.jobs.run, "CHUNK", 4)
    _, a = run(tmp_path, "a")
    _, b = run(tmp_path, "b", "--workers", "2")
    for name in (*SERIES_FILES, "summary.csv", "events.csv"):
        assert sha(a / name) == sha(b / name), name
    assert pq.ParquetFile(a / "timeseries.parquet").num_row_groups == 4
    ts = pd.read_parquet(a / "timeseries.parquet")
    assert sorted(ts["replication"].unique()) == list(range(16))
    assert len(ts) == 16 * 7 * ts["actor"].nunique()


def test_the_interleaved_counterfactual_gives_the_effects_of_two_separate_ensembles(
    tmp_path, monkeypatch
):
    """The counterfactual runs chunk by chunk beside the run (sim.ensemble.iter_arms); its
    effects equal those of the run and the counterfactual simulated one after the other."""
    from sim.effects import counterfactual_of
    from sim.jobs.run import paired_effects

    monkeypatch.setattr(sim.jobs.run, "CHUNK", 4)
    loaded = load_scenario(BASE)
    assert loaded.scenario.counterfactual is not None  # the baseline names one
    main_run = run_ensemble(loaded.scenario, 16, loaded.scenario.run.seed, 6, keep_series=False)
    cf = run_ensemble(counterfactual_of(loaded.scenario), 16, loaded.scenario.run.seed, 6,
                      keep_series=False)  # fmt: skip
    expected = paired_effects(loaded, main_run, cf)
    for workers in ("1", "2"):
        _, out = run(tmp_path, f"w{workers}", "--workers", workers)
        got = pd.read_csv(out / "effects.csv")
        fresh = pd.read_csv(io.StringIO(expected.to_csv(index=False)))
        pd.testing.assert_frame_equal(got, fresh)


def test_series_summary_keeps_the_same_summaries_and_no_series(tmp_path):
    _, full = run(tmp_path, "full")
    code, summ = run(tmp_path, "summ", "--series", "summary")
    assert code == 0
    assert sha(full / "summary.csv") == sha(summ / "summary.csv")
    assert not any((summ / name).exists() for name in SERIES_FILES)
    manifest = json.loads((summ / "manifest.json").read_text())
    assert manifest["series"] == "summary"
    assert not set(manifest["files"]) & {"timeseries", "pairs", "system"}


def test_estimate_is_flat_in_replications_for_memory_and_linear_for_disk():
    from sim.limits import estimate_run_bytes

    small = estimate_run_bytes(6, 1_000, 200, "full", n_pairs=20, workers=2)
    large = estimate_run_bytes(6, 100_000, 200, "full", n_pairs=20, workers=2)
    assert large[1] == pytest.approx(100 * small[1], rel=0.01)
    # memory grows only by the per-replication summaries kept for summary.csv (< 1 KB each)
    assert large[0] - small[0] < 1_000 * (100_000 - 1_000)
    # disk per value halved with float32 tables (3.6 → 1.9 bytes), so half the old 50×
    assert large[1] - small[1] > 25 * (large[0] - small[0])


def test_a_run_that_will_not_fit_is_refused_before_it_starts(tmp_path, capsys):
    out = tmp_path / "huge"
    code = main(["run", BASE, "-n", "10000000", "--steps", "1000", "--out", str(out), "-q"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "needs about" in err[-1] and "of disk" in err[-1] and "--series summary" in err[-1]
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_run_on_a_sweep_file_points_to_sweep(tmp_path, capsys):
    code, out = run(tmp_path, "x", scenario="scenarios/sweeps/demo.yaml")
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "alliance-sim sweep scenarios/sweeps/demo.yaml" in err[0]
    assert not out.exists()


def test_set_reaches_an_event_effect(tmp_path):
    """The issue's example: an event's effect key is itself a key path with dots."""
    path = "events.rus_tech_transfer.set.relations.PRK.RUS.military_supply"
    loaded = load_scenario("scenarios/russia_tech_transfer.yaml", {path: 0.3})
    effect = loaded.scenario.events["rus_tech_transfer"].set["relations.PRK.RUS.military_supply"]
    assert effect == 0.3
    code, out = run(
        tmp_path, "ev", "--set", f"{path}=0.3", scenario="scenarios/russia_tech_transfer.yaml"
    )
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["overrides"] == {path: 0.3}
    assert manifest["resolved_scenario"]["events"]["rus_tech_transfer"]["set"][
        "relations.PRK.RUS.military_supply"
    ] in (0.3, {"value": 0.3})


def test_overrides_name_the_folder_and_the_title(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    root = Path(__file__).resolve().parents[1]
    code = main(["run", str(root / BASE), "-n", "4", "--steps", "3", "--no-plots", "-q",
                 "--set", "parameters.reactivity=0.1"])  # fmt: skip
    assert code == 0
    name = json.loads(next((tmp_path / "results").glob("*/*/manifest.json")).read_text())[
        "scenario"
    ]
    folders = [p.name for p in (tmp_path / "results").iterdir()]
    assert folders == [f"{name}+reactivity=0.1"]
    assert "(reactivity=0.1)" in capsys.readouterr().out.splitlines()[0]


def test_summary_run_draws_the_charts_its_tables_support(tmp_path):
    """Inactive actors stay off them: the manifest lists the shown actors."""
    from sim.results.folder import ResultsFolder as Results

    out = tmp_path / "s"
    code = main(["run", "scenarios/axis_with_iran.yaml", "-n", "8", "--steps", "6", "-q",
                 "--series", "summary", "--out", str(out)])  # fmt: skip
    assert code == 0
    # the summary-only tables support the effects (effects.csv) and outcomes charts
    assert sorted(p.name for p in (out / "charts").iterdir()) == [
        "effects.png",
        "ledger.json",  # which result the charts are (sim/results_ledger.py)
        "outcomes.png",
    ]
    loaded = load_scenario("scenarios/axis_with_iran.yaml").scenario
    shown = Results(out).shown_actors()
    assert "IRN" in shown and "UKR" not in shown  # IRN is switched on by an event, UKR never
    assert not loaded.actors["IRN"].active and not loaded.actors["UKR"].active
