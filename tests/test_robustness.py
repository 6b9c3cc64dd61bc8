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
    # a coefficient at 0 (a mechanism switched off: ripeness_rate) stays 0 in every draw
    still = [c for c in draws if world.params[c][0, 0] == 0.0]
    assert "ripeness_rate" in still and (draws[still] == 0.0).all().all()
    # independent draws: no two coefficients move together
    corr = np.corrcoef(draws.drop(columns=still).to_numpy().T)
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


# --- structure held at nominal vs re-settled per draw (MODEL.md §12) ---------------------------


def test_held_structure_lets_a_draw_move_the_start_and_re_settling_does_not():
    """Without events or noise a re-settled draw sits still; with the structural terms held
    at their nominal values the same draw drifts away from the start."""
    from sim.effects import counterfactual_of
    from sim.ensemble import run_ensemble

    spec = load_scenario(BASELINE).scenario
    quiet = counterfactual_of(spec)
    quiet = quiet.model_copy(
        update={"parameters": quiet.parameters.model_copy(update={"noise": 0.0})}
    )
    draw = {"fatigue": np.array([0.3 * 0.8]), "axis_cost": np.array([0.3 * 1.2])}

    def moved(resettle: bool) -> float:
        s = run_ensemble(quiet, 1, 0, 24, coefficients=draw, resettle=resettle).series
        return float(np.abs(s.escalation[-1] - s.escalation[0]).max())

    assert moved(True) <= 1e-9
    assert moved(False) > 1e-3


def test_held_structure_at_zero_spread_is_the_re_settled_result():
    spec = load_scenario(BASELINE).scenario
    a = robustness(spec, draws=3, spread=0.0, replications=6, steps=12, resettle=True)
    b = robustness(spec, draws=3, spread=0.0, replications=6, steps=12, resettle=False)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    assert (a.structure, b.structure) == ("re-settled", "nominal")


def test_structure_comparison_has_both_variants_per_source_and_regime_probabilities():
    from sim.jobs.robustness import compare_structures, structure_lines

    spec = load_scenario(BASELINE).scenario
    frame = compare_structures(spec, spreads=(0.25, 0.5), draws=3, replications=6, steps=12)
    assert list(zip(frame["source"], frame["structure"], strict=True)) == [
        ("±25%", "re-settled"),
        ("±25%", "nominal"),
        ("±50%", "re-settled"),
        ("±50%", "nominal"),
    ]
    for key in ("p_crisis", "p_war"):
        assert ((frame[f"{key}_p5"] <= frame[f"{key}_median"])
                & (frame[f"{key}_median"] <= frame[f"{key}_p95"])).all()  # fmt: skip
    assert len(structure_lines(frame)) == 1 + len(frame)


def test_posterior_draws_come_from_the_file():
    spec = load_scenario(BASELINE).scenario
    path = REPO / "seeds" / "posterior" / "history-2016-2024.parquet"
    res = robustness(spec, draws=4, replications=4, steps=6, posterior=path)
    posterior = pd.read_parquet(path)
    assert res.source == path.name
    for name in ("reactivity", "axis_cost"):
        assert set(res.draws[name]) <= set(posterior[name])
