"""The Python API returns what the commands write, reproducibly, and reads nothing else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import sim
from sim.api import _param_flag
from sim.cli import main
from sim.ensemble import prepare
from sim.errors import UsageError
from sim.plots import charts_for

BASELINE = "scenarios/baseline.yaml"
OTHER = "scenarios/russia_tech_transfer.yaml"
TABLES = ("timeseries", "pairs", "system", "summary", "events")


@pytest.fixture(scope="module")
def small():
    return sim.run(BASELINE, n=6, seed=3, steps=5)


def test_run_tables_have_the_requested_shape(small):
    world, _ = prepare(sim.load(BASELINE).scenario)
    assert len(small.summary) == 6
    assert len(small.system) == 6 * (5 + 1)
    assert len(small.timeseries) == 6 * (5 + 1) * world.n
    assert sorted(small.timeseries["actor"].unique()) == sorted(world.ids)
    assert small.manifest["root_seed"] == 3
    # the baseline names a counterfactual: its headline effects, then the crisis share
    assert list(small.effects["outcome"]) == [
        *sim.load(BASELINE).scenario.counterfactual.headline,
        "crisis",
    ]


def test_run_equals_the_command_line(small, tmp_path):
    out = tmp_path / "cli"
    argv = ["run", BASELINE, "-n", "6", "--seed", "3", "--steps", "5", "--out", str(out)]
    assert main([*argv, "--no-plots", "-q"]) == 0
    for name in ("timeseries", "pairs", "system"):
        pd.testing.assert_frame_equal(
            getattr(small, name), pd.read_parquet(out / f"{name}.parquet")
        )
    pd.testing.assert_frame_equal(small.summary, pd.read_csv(out / "summary.csv"))


def test_same_seed_same_tables_whatever_the_workers(small):
    again = sim.run(sim.load(BASELINE), n=6, seed=3, steps=5, workers=2)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(small, name), getattr(again, name))
    other = sim.run(BASELINE, n=6, seed=4, steps=5)
    assert not np.array_equal(
        other.summary["final_escalation_PRK"], small.summary["final_escalation_PRK"]
    )


def test_set_overrides_reach_the_run():
    path = "treaties.rus_prk_2024.strength"
    loaded = sim.load(BASELINE, set={path: 0.25})
    assert loaded.scenario.treaties["rus_prk_2024"].strength.value == 0.25
    res = sim.run(BASELINE, n=2, steps=2, set={path: 0.25})
    assert (
        res.manifest["resolved_scenario"]["treaties"]["rus_prk_2024"]["strength"]["value"] == 0.25
    )


def test_bad_values_raise_one_line_problems():
    with pytest.raises(sim.ScenarioError) as err:
        sim.load(BASELINE, set={"treaties.rus_prk_2024.strength": 2.0})
    assert "treaties.rus_prk_2024.strength" in str(err.value.problems[0])
    with pytest.raises(UsageError, match="n must be a whole number"):
        sim.run(BASELINE, n=0)
    with pytest.raises(UsageError, match="at least two"):
        sim.compare(BASELINE)


@pytest.mark.parametrize("kind", [c.name for c in charts_for("run")])
def test_every_run_chart_is_a_figure(small, kind):
    import matplotlib.pyplot as plt

    fig = small.plot(kind)
    assert isinstance(fig, Figure)
    plt.close(fig)


def test_plot_refuses_charts_of_other_kinds(small):
    with pytest.raises(UsageError, match="compare folders"):
        small.plot("comparison")


def test_save_writes_a_results_folder_once(small, tmp_path):
    out = small.save(tmp_path / "kept")
    from sim.plots.data import Results as Reader

    kept = Reader(out)
    assert kept.kind == "run"
    pd.testing.assert_frame_equal(kept.timeseries, small.timeseries)
    with pytest.raises(UsageError, match="already exists"):
        small.save(out)
    assert not list(tmp_path.glob(".*partial*"))


def test_effects_are_read_from_the_folder(tmp_path):
    res = sim.run(BASELINE, n=2, steps=2, out=tmp_path / "run")
    pd.testing.assert_frame_equal(res.effects, pd.read_csv(tmp_path / "run" / "effects.csv"))
    bare = tmp_path / "bare.yaml"
    bare.write_text(f"extends: {Path(BASELINE).resolve()}\nname: bare\ncounterfactual: null\n")
    assert sim.run(bare, n=2, steps=2).effects is None


def test_compare_equals_the_command_line(tmp_path):
    cmp = sim.compare(BASELINE, OTHER, n=5, seed=2, steps=4)
    out = tmp_path / "cli"
    argv = ["compare", BASELINE, OTHER, "-n", "5", "--seed", "2", "--steps", "4"]
    assert main([*argv, "--out", str(out), "--no-plots", "-q"]) == 0
    pd.testing.assert_frame_equal(cmp.comparison, pd.read_csv(out / "comparison.csv"))
    assert list(cmp.summaries["scenario"].unique()) == ["baseline", "russia_tech_transfer"]
    assert isinstance(cmp.plot("comparison"), Figure)


def test_sweep_gives_runs_and_the_ema_pair():
    path = "treaties.rus_prk_2024.strength"
    sw = sim.sweep(BASELINE, {path: (0.2, 1.0, 3)}, n=4, seed=5, steps=4)
    assert sw.parameters == [path]
    assert len(sw.points) == 3
    experiments, outcomes = sw.ema
    assert len(experiments) == 3 * 4
    assert {"scenario", "policy", "model"} <= set(experiments.columns)
    runs = sw.runs
    np.testing.assert_array_equal(experiments[path], runs[path])
    for name, values in outcomes.items():
        assert len(values) == len(experiments), name
    np.testing.assert_array_equal(outcomes["crisis"], runs["first_crisis_step"] >= 0)
    means = runs.groupby("point")["peak_escalation_PRK"].mean().to_numpy()
    np.testing.assert_allclose(sw.by_point["peak_escalation_PRK"], means)


@pytest.mark.parametrize(
    "entry, text",
    [
        ((0.1, 0.5), "p=0.1:0.5"),
        ((0.1, 0.5, 3), "p=0.1:0.5:3"),
        ({"low": 0, "high": 1, "levels": 2}, "p=0:1:2"),
        ([0.2, 0.8], "p=0.2,0.8"),
        ("0:1:4", "p=0:1:4"),
    ],
)
def test_sweep_parameters_read_like_the_param_flag(entry, text):
    assert _param_flag("p", entry) == text


def test_bad_sweep_parameter_is_one_line():
    with pytest.raises(UsageError, match=r"expected \(low, high\[, levels\]\)"):
        _param_flag("p", 3)


def test_the_api_names_are_plain_functions():
    """sim.run, sim.compare and sim.sweep are the functions of sim/api.py, whatever job
    modules were imported first; importing sim loads neither the engine nor Mesa."""
    code = (
        "import sim, sys; before = sorted(m for m in sys.modules if m.startswith('sim.')); "
        "import sim.jobs.sweep.executors, sim.jobs.run, sim.jobs.compare, types, sim.api; "
        "print(before == ['sim.errors'], "
        "*(isinstance(getattr(sim, n), types.FunctionType) for n in ('run', 'compare', 'sweep')), "
        "sim.run is sim.api.run, sim.sweep is sim.api.sweep, 'mesa' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True"] * 6 + ["False"]
