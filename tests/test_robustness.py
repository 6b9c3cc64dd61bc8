"""`alliance-sim robustness`: coefficient draws, shares, reproducibility and the command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.ensemble import prepare
from sim.jobs.robustness import FIXED, coefficient_draws, robustness
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"


def test_draws_stay_within_the_spread_and_the_documented_ranges():
    spec = load_scenario(BASELINE).scenario
    world, _ = prepare(spec)
    draws = coefficient_draws(spec, 500, 0.25, 3)
    assert not set(FIXED) & set(draws.columns)
    for name in draws:
        v = world.params[name][0, 0]
        assert draws[name].between(0.75 * v - 1e-12, 1.25 * v + 1e-12).all(), name
    # independent draws: no two coefficients move together
    corr = np.corrcoef(draws.to_numpy().T)
    assert np.abs(corr[np.triu_indices_from(corr, 1)]).max() < 0.2


def test_robustness_is_reproducible_and_worker_independent():
    spec = load_scenario(BASELINE).scenario
    a = robustness(spec, draws=6, replications=8, steps=12, workers=1)
    b = robustness(spec, draws=6, replications=8, steps=12, workers=2)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    pd.testing.assert_frame_equal(a.shares, b.shares)
    assert a.shares["share_same_sign"].between(0, 1).all()


def test_zero_spread_keeps_every_conclusion(tmp_path):
    spec = load_scenario(BASELINE).scenario
    res = robustness(spec, draws=4, spread=0.0, replications=6, steps=12)
    main = res.shares[~res.shares["outcome"].str.startswith("draws_")]
    assert (main["share_same_sign"] == 1.0).all()


def test_command_writes_a_results_folder(tmp_path):
    out = tmp_path / "rob"
    cmd = [sys.executable, "-m", "sim.cli", "robustness", str(BASELINE), "--draws", "4", "-n", "6",
           "--steps", "12", "--out", str(out)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert "share of draws" in proc.stdout
    assert {"draws.parquet", "robustness.csv", "charts", "manifest.json"} <= {
        p.name for p in out.iterdir()
    }
    assert json.loads((out / "manifest.json").read_text())["kind"] == "robustness"


def test_a_scenario_without_counterfactual_is_refused_in_one_line(tmp_path):
    bare = tmp_path / "bare.yaml"
    bare.write_text(f"extends: {BASELINE}\nname: bare\ncounterfactual: null\n")
    cmd = [sys.executable, "-m", "sim.cli", "robustness", str(bare), "--draws", "2"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "counterfactual" in proc.stderr


def test_plot_and_report_read_a_robustness_folder(tmp_path):
    out = tmp_path / "rob"
    base = [sys.executable, "-m", "sim.cli"]
    cmd = [*base, "robustness", str(BASELINE), "--draws", "3", "-n", "4", "--steps", "6",
           "--out", str(out), "--no-plots"]  # fmt: skip
    assert subprocess.run(cmd, capture_output=True, cwd=REPO).returncode == 0
    assert not (out / "charts").exists()
    plot = subprocess.run([*base, "plot", str(out)], capture_output=True, text=True, cwd=REPO)
    assert plot.returncode == 0, plot.stderr
    assert (out / "charts" / "robustness.png").exists()
    report = subprocess.run([*base, "report", str(out), "-o", str(tmp_path / "r.html")],
                            capture_output=True, text=True, cwd=REPO)  # fmt: skip
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "r.html").read_text()
    assert "<h1>Robustness of Baseline" in page and "share of draws keeping it" in page


def test_draws_times_replications_are_capped_in_one_line():
    cmd = [sys.executable, "-m", "sim.cli", "robustness", str(BASELINE), "--draws", "100000",
           "-n", "1000"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "--draws × --replications must be at most" in proc.stderr
