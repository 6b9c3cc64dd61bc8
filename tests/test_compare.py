"""`alliance-sim compare`: the folder contract, common random numbers, clean failures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.jobs.compare import COLUMNS, comparison_table, key_outcomes

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"
TECH = REPO / "scenarios" / "russia_tech_transfer.yaml"
BAD = REPO / "tests" / "data" / "bad"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cmp") / "result"
    code = main(["compare", str(BASELINE), str(TECH), "-n", "30", "--seed", "7", "--steps", "12",
                 "--out", str(out), "--no-plots", "-q"])  # fmt: skip
    assert code == 0
    return out


def test_folder_contents(folder):
    assert sorted(p.name for p in folder.iterdir()) == [
        "comparison.csv",
        "manifest.json",
        "summaries.parquet",
    ]
    assert not list(folder.parent.glob(".*partial*"))
    meta = json.loads((folder / "manifest.json").read_text())
    assert meta["kind"] == "compare"
    assert (meta["replications"], meta["steps"], meta["root_seed"]) == (30, 12, 7)
    assert [s["name"] for s in meta["scenarios"]] == ["baseline", "russia_tech_transfer"]
    for entry in meta["scenarios"]:
        assert set(entry) >= {"name", "file", "title", "question", "scenario_hash"}
        assert len(entry["scenario_hash"]) == 64
    for key in ("created_utc", "command", "versions"):
        assert key in meta


def test_summaries_stack_every_scenario(folder):
    frame = pd.read_parquet(folder / "summaries.parquet")
    assert frame.columns[0] == "scenario"
    assert frame.groupby("scenario").size().to_dict() == {
        "baseline": 30,
        "russia_tech_transfer": 30,
    }
    assert {"replication", "outcome", "crisis", "war", "final_distancing"} <= set(frame.columns)


def test_comparison_is_tidy_and_paired(folder):
    table = pd.read_csv(folder / "comparison.csv")
    assert tuple(table.columns[: len(COLUMNS)]) == COLUMNS
    outcomes = set(table["outcome"])
    assert {"crisis", "war", "final_distancing", "peak_escalation_PRK"} <= outcomes
    assert "replication" not in outcomes and "outcome" not in outcomes
    ref = table[table["scenario"] == "baseline"]
    assert (ref[["diff_median", "diff_lo", "diff_hi"]] == 0).all().all()
    assert (table["lo"] <= table["median"]).all() and (table["median"] <= table["hi"]).all()
    # diff_* are quantiles of per-replication differences, not differences of quantiles
    frame = pd.read_parquet(folder / "summaries.parquet")
    a = frame[frame["scenario"] == "baseline"].set_index("replication")
    b = frame[frame["scenario"] == "russia_tech_transfer"].set_index("replication")
    paired = (b["peak_escalation_JPN"] - a["peak_escalation_JPN"]).to_numpy()
    row = table[(table["scenario"] == "russia_tech_transfer")
                & (table["outcome"] == "peak_escalation_JPN")].iloc[0]  # fmt: skip
    lo, med, hi = np.percentile(paired, [5, 50, 95])
    assert row["diff_median"] == pytest.approx(med, rel=1e-5)
    assert row["diff_lo"] == pytest.approx(lo, rel=1e-5)
    assert row["diff_hi"] == pytest.approx(hi, rel=1e-5)


def test_scenario_against_itself_differs_by_exactly_zero(tmp_path, capsys):
    out = tmp_path / "self"
    code = main(["compare", str(TECH), str(TECH), "-n", "25", "--steps", "10", "--out", str(out),
                 "--no-plots", "-q"])  # fmt: skip
    assert code == 0
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["scenario"]) == {"russia_tech_transfer", "russia_tech_transfer_2"}
    assert (table[["diff_median", "diff_lo", "diff_hi", "diff_mean"]] == 0.0).all().all()
    text = capsys.readouterr().out
    meta = json.loads((out / "manifest.json").read_text())
    shown = meta["scenarios"][0]["actors"]
    for _, heading in key_outcomes(shown):
        assert heading in text
    assert "Δ" in text and f"results: {out}" in text


def test_comparison_table_pairs_by_replication():
    """The median of the paired differences, not the difference of the medians."""
    a = pd.DataFrame({"replication": [0, 1, 2], "x": [0.0, 10.0, 20.0]})
    b = pd.DataFrame({"replication": [0, 1, 2], "x": [30.0, 0.0, 21.0]})
    table = comparison_table(["a", "b"], [a, b]).set_index(["scenario", "outcome"])
    assert table.loc[("b", "x"), "diff_median"] == 1.0  # differences (30, -10, 1)
    assert table.loc[("b", "x"), "median"] - table.loc[("a", "x"), "median"] == 11.0
    assert table.loc[("b", "x"), "diff_mean"] == pytest.approx(7.0)
    with pytest.raises(ValueError, match="same replications"):
        comparison_table(["a", "b"], [a, b.assign(replication=[0, 1, 3])])


@pytest.mark.parametrize("bad", ["syntax_error.yaml", "unknown_key.yaml", "missing.yaml"])
def test_bad_file_is_one_line_exit_2(tmp_path, capsys, bad):
    out = tmp_path / "never"
    code = main(["compare", str(BASELINE), str(BAD / bad), "-n", "5", "--out", str(out), "-q"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and bad in err[0] and "Traceback" not in err[0]
    assert not out.exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "args",
    [["-n", "0"], ["--steps", "0"], ["--seed", "-1"], ["--workers", "0"], ["ONE"]],
)
def test_bad_flags_exit_2(tmp_path, capsys, args):
    argv = ["compare", str(BASELINE)]
    argv += [] if args == ["ONE"] else [str(BASELINE), *args]
    assert main([*argv, "--out", str(tmp_path / "x"), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("alliance-sim compare: error:")
    assert not (tmp_path / "x").exists()


def test_existing_out_is_never_overwritten(tmp_path, capsys):
    out = tmp_path / "taken"
    out.mkdir()
    assert main(["compare", str(BASELINE), str(TECH), "-n", "3", "--out", str(out), "-q"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert list(out.iterdir()) == []


def test_charts_are_drawn(tmp_path):
    out = tmp_path / "charts"
    code = main(["compare", str(BASELINE), str(TECH), "-n", "20", "--steps", "12", "--out",
                 str(out), "-q"])  # fmt: skip
    assert code == 0
    assert list((out / "charts").glob("*.png"))


def _extra_actor(tmp_path: Path) -> Path:
    """The baseline plus one active actor the reference does not have."""
    path = tmp_path / "plus_one.yaml"
    path.write_text(
        f"extends: {BASELINE}\nname: plus_one\ntitle: Baseline plus one actor\n"
        "actors:\n  NEW:\n    name: Newcomer\n    escalation: 0.1\n    leverage: 0.1\n"
        "    capabilities: {military: 0.5, economic: 0.5, nuclear: 0.3}\n"
        "    traits: {stability: 0.5, risk_tolerance: 0.3, resolve: 0.5, grievance: 0.3,"
        " axis_aversion: 0.5}\n"
        "relations:\n  NEW:\n    CHN: {commitment: -0.3}\n"
    )
    return path


def test_tables_follow_the_scenarios_actors(tmp_path, capsys, recwarn):
    """An added actor gets its own column; inactive actors get none; no NaN warnings; the
    shared actors keep their random numbers (one stream per actor id)."""
    from sim.scenario.loader import load_scenario

    extra = _extra_actor(tmp_path)
    out = tmp_path / "cmp"
    code = main(["compare", str(BASELINE), str(extra), "-n", "12", "--steps", "6", "--out",
                 str(out), "-q", "--csv"])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    head = next(line for line in text.splitlines() if line.strip().startswith("scenario"))
    base = load_scenario(BASELINE).scenario
    for a, actor in base.actors.items():
        assert (f"{a} peak" in head) == actor.active, a
    assert "NEW peak" in head
    meta = json.loads((out / "manifest.json").read_text())
    assert meta["common_random_numbers"] is True
    assert meta["scenarios"][1]["actors"][-1] == "NEW"
    assert not [w for w in recwarn.list if issubclass(w.category, RuntimeWarning)]
    stacked = pd.read_csv(out / "summaries.csv")
    assert len(stacked) == 24 and "peak_escalation_NEW" in stacked
    from sim.plots.data import Results

    assert Results(out).shown_actors()[-1] == "NEW"


def test_set_applies_to_every_scenario_and_names_the_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["compare", str(BASELINE), str(TECH), "-n", "4", "--steps", "3", "--no-plots",
                 "-q", "--set", "parameters.reactivity=0.1"])  # fmt: skip
    assert code == 0
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name == "compare+reactivity=0.1"
    meta = json.loads(next(folder.glob("*/manifest.json")).read_text())
    assert meta["overrides"] == {"parameters.reactivity": 0.1}
    assert "with reactivity=0.1" in capsys.readouterr().out
