"""`alliance-sim robustness --one-at-a-time`: each coefficient alone, paired on the nominal
shocks. The table's shape, ablations that show a change is the coefficient's own doing (one
no mechanism reads leaves every effect exactly unchanged; commit_step = 0 kills the
distancing effect), reproducibility, refusals of bad --factors, the chart and the report."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.effects import counterfactual_of, effects_table, reported
from sim.ensemble import prepare, run_ensemble
from sim.jobs.oat import COLUMNS, one_at_a_time
from sim.jobs.robustness import FIXED
from sim.parameters import PARAMETERS
from sim.scenario.loader import load_scenario
from tests.engine_guard import model_forbidden

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"
N, STEPS = 6, 12
CHOICE_OUTCOMES = ("final_distancing", "final_commitment_CHN_RUS", "final_commitment_CHN_PRK")


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE).scenario


def _run(out: Path, *extra: str) -> int:
    argv = ["robustness", str(BASELINE), "--draws", "2", "-n", str(N), "--steps", str(STEPS),
            "--oat", "-q", "--out", str(out), *extra]  # fmt: skip
    return main(argv)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("oat") / "rob"
    assert _run(out, "--hold-structure") == 0
    return out


def test_one_row_per_coefficient_factor_and_outcome(baseline):
    table = one_at_a_time(baseline, (0.5, 2.0), N, steps=STEPS)
    nominal = run_ensemble(baseline, N, baseline.run.seed, STEPS, keep_series=False).summary
    outcomes = reported(baseline, nominal)
    world, _ = prepare(baseline)
    # a coefficient at 0 is a mechanism switched off (ripeness_rate): a factor cannot move it
    off = {c for c in PARAMETERS if world.params[c][0, 0] == 0.0}
    assert "ripeness_rate" in off and not off & set(table["coefficient"])
    coefficients = [c for c in PARAMETERS if c not in FIXED and c not in off]
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == len(coefficients) * 2 * len(outcomes)
    keys = table[["coefficient", "factor", "outcome"]]
    assert not keys.duplicated().any()
    assert list(dict.fromkeys(table["coefficient"])) == coefficients
    assert set(table["outcome"]) == set(outcomes)
    # the nominal effect is the scenario's own paired effect on the same replications
    cf = run_ensemble(counterfactual_of(baseline), N, baseline.run.seed, STEPS,
                      keep_series=False).summary  # fmt: skip
    own = effects_table(nominal, cf, outcomes).set_index("outcome")["effect_median"]
    first = table.drop_duplicates("outcome").set_index("outcome")["nominal_effect"]
    pd.testing.assert_series_equal(first.loc[own.index], own, check_names=False)
    # values are factor × nominal, clipped to the documented range
    for r in table.drop_duplicates(["coefficient", "factor"]).itertuples():
        p = PARAMETERS[r.coefficient]
        assert r.value == float(np.clip(r.nominal_value * r.factor, p.lo, p.hi))


def test_a_coefficient_no_mechanism_reads_leaves_the_effects_exactly(baseline):
    """grievance_gain enters only as gain × grievance × hostility (sim/dynamics.py): with
    every actor's grievance 0 no mechanism reads it, and with common random numbers the
    effects stay the same to the last bit; in the baseline (grievances > 0) it moves them."""
    sets = {f"actors.{a}.traits.grievance": 0.0 for a in baseline.actors}
    calm = load_scenario(BASELINE, sets).scenario
    unread = one_at_a_time(calm, (0.5, 2.0), N, steps=STEPS)
    rows = unread[unread["coefficient"] == "grievance_gain"]
    assert (rows["effect_median"] == rows["nominal_effect"]).all()
    assert (rows["change"] == 0.0).all() and not rows["knife_edge"].any()
    read = one_at_a_time(baseline, (2.0,), N, steps=STEPS)
    moved = read[(read["coefficient"] == "grievance_gain") & (read["change"] != 0.0)]
    assert len(moved) > 0


def test_commit_step_zero_freezes_commitments_and_kills_the_distancing_effect(baseline):
    """commit_step is the largest monthly change of commitment (the alignment choice,
    mechanism 'choice'): at 0 nobody can tighten or distance, so the pact's effect on
    China's distancing and commitments is exactly zero, a knife edge; escalation effects
    (other mechanisms) remain."""
    table = one_at_a_time(baseline, (0.0,), N, steps=STEPS)
    rows = table[table["coefficient"] == "commit_step"].set_index("outcome")
    assert rows["mechanism"].eq("choice").all()
    for outcome in CHOICE_OUTCOMES:
        r = rows.loc[outcome]
        assert abs(r["nominal_effect"]) > 0.01 and r["effect_median"] == 0.0
        assert r["knife_edge"] and r["reason"] == "effect vanishes"
    assert rows.loc["final_escalation_PRK", "effect_median"] > 0.01


def test_same_seed_same_csv_and_workers_do_not_change_it(tmp_path):
    for name, extra in (("a", ()), ("b", ()), ("w2", ("--workers", "2"))):
        assert _run(tmp_path / name, "--no-plots", *extra) == 0
    first = (tmp_path / "a" / "oat.csv").read_bytes()
    assert (tmp_path / "b" / "oat.csv").read_bytes() == first
    assert (tmp_path / "w2" / "oat.csv").read_bytes() == first
    assert _run(tmp_path / "s", "--no-plots", "--seed", "5") == 0
    assert (tmp_path / "s" / "oat.csv").read_bytes() != first


BAD_FACTORS = [  # (--factors value, words of the one line)
    ("0.5,x", "--factors must be a comma-separated list of numbers, found '0.5,x'"),
    ("0.5,,2", "--factors must be a comma-separated list of numbers"),
    ("", "--factors must be a comma-separated list of numbers, found ''"),
    ("-1", "--factors must be finite and at least 0, found -1"),
    ("inf", "--factors must be finite and at least 0, found inf"),
    ("2,2", "--factors lists a factor twice: '2,2'"),
]


@pytest.mark.parametrize(("value", "words"), BAD_FACTORS)
def test_bad_factors_are_one_line_and_exit_2(tmp_path, capsys, value, words):
    out = tmp_path / "o"
    assert _run(out, "--factors", value) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0] and words in err[0], err
    assert not list(tmp_path.iterdir())  # refused before any folder was made


def test_factors_without_one_at_a_time_are_refused(tmp_path, capsys):
    argv = ["robustness", str(BASELINE), "--factors", "2", "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    assert capsys.readouterr().err.strip().endswith("--factors needs --one-at-a-time")


def test_folder_holds_the_csv_the_chart_and_the_manifest(folder):
    meta = json.loads((folder / "manifest.json").read_text())
    assert meta["one_at_a_time"] == {"factors": [0.5, 2.0], "replications": N}
    assert (folder / "charts" / "oat.png").stat().st_size > 10_000
    oat = pd.read_csv(folder / "oat.csv", keep_default_na=False)
    assert list(oat.columns) == list(COLUMNS)


def test_chart_reads_only_the_results(folder, tmp_path):
    """Drawn from a copy of the folder with the model unreachable: one panel per headline
    outcome, coefficients in order of the range between their lowest and highest factor."""
    from sim.plots import build, charts_for
    from sim.plots.oat_chart import spans
    from sim.results.folder import ResultsFolder

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / "charts" / "oat.png").unlink()
    with model_forbidden("the chart must not run the model"):
        res = ResultsFolder(copy)
        fig = build(next(c for c in charts_for("robustness") if c.name == "oat"), res)
    try:
        oat = res.table("oat")
        panels = [ax for ax in fig.axes if ax.get_visible()]
        assert len(panels) == oat["outcome"].nunique()
        ranges = spans(oat, "final_distancing")["range"].to_numpy()
        assert (np.diff(ranges) <= 0).all()
        ticks = [t.get_text() for t in panels[0].get_yticklabels()]
        assert ticks[0] == spans(oat, oat["outcome"].iloc[0])["coefficient"].iloc[0]
    finally:
        plt.close(fig)


def test_report_names_the_knife_edges(folder, tmp_path):
    from sim.report import write_report

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    with model_forbidden("the report must not run the model"):
        page = write_report(copy).read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))
    assert "One at a time" in text
    oat = pd.read_csv(copy / "oat.csv", keep_default_na=False)
    edges = oat[oat["knife_edge"]]
    assert len(edges) > 0  # held structure, ×2 reactivity: P(crisis) 0 → 1 (MODEL.md §12)
    assert f"{len(edges)} knife edge" in text
    for r in edges.itertuples():
        assert f"{r.coefficient} ×{r.factor:g} (" in text and r.reason in text


def test_terminal_table_lists_every_knife_edge(folder):
    from sim.jobs.oat import knife_edge_lines

    oat = pd.read_csv(folder / "oat.csv", keep_default_na=False)
    lines = knife_edge_lines(oat, N)
    edges = oat[oat["knife_edge"]]
    assert lines[0].endswith(f"knife edges: {len(edges)}")
    assert len(lines) == 2 + len(edges)  # the head, the column names, one line per edge
    for r in edges.itertuples():
        assert any(r.coefficient in line and r.reason in line for line in lines[2:])


def test_a_broken_oat_csv_is_one_line(folder, tmp_path, capsys):
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    oat = pd.read_csv(copy / "oat.csv")
    oat.drop(columns="factor").to_csv(copy / "oat.csv", index=False)
    assert main(["plot", str(copy)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith("oat.csv: missing column(s) factor"), err
