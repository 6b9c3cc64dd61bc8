"""Reliability suite, round 10: results folders edited by hand between the command that
wrote them and `plot` or `report`, in the tables rounds 1–9 did not damage: a run's
`aggregates.parquet` (what the run charts draw), the interval columns of a calibration's
`predictive_check.csv` and a hindcast's `hindcast.csv`, and a posterior whose weights are
all zero.

Each case was a traceback or an exit 0 with a chart of values the model cannot produce
before its fix; each is now one line naming the file and the column, exit 2, nothing
written. docs/reliability.md, section 17 ("Round 10"), lists them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from reliability_tools import one_line, small_run

from sim.cli import main

DATA = Path(__file__).resolve().parent / "data" / "results"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    return small_run(tmp_path_factory.mktemp("round10"))


def _aggregates(folder: Path, edit) -> None:
    path = folder / "aggregates.parquet"
    frame = pd.read_parquet(path)
    edit(frame).to_parquet(path, index=False)


def _set(column: str, value, series: str = "escalation"):
    """Set `column` on the rows of `series` that count replications (count > 0)."""

    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        if isinstance(value, float):
            frame[column] = frame[column].astype(float)
        rows = (frame["series"] == series) & (frame["count"] > 0)
        frame.loc[rows, column] = value
        return frame

    return edit


AGGREGATES = [  # (edit, words of the one line)
    (_set("of", np.inf), "aggregates.parquet: column of:"),  # OverflowError traceback
    (_set("q50", np.nan), "aggregates.parquet: column q50:"),  # drawn, exit 0
    (_set("q50", 1.0e6), "aggregates.parquet: column q50:"),  # drawn, exit 0
    (_set("q05", -3.0, "commitment"), "aggregates.parquet: column q05:"),  # below −1
    (_set("count", -5), "aggregates.parquet: column count:"),
    (_set("count", 99), "aggregates.parquet: column count:"),  # more than `of`
    (_set("of", 50), "aggregates.parquet: column of:"),  # more than the replications
    (_set("step", 999), "aggregates.parquet: column step:"),  # "'x' has size 8 …"
    (lambda f: f.drop(columns=["series"]), "aggregates.parquet: missing column(s) series"),
    (lambda f: f.drop(columns=["q95"]), "aggregates.parquet: missing column(s) q95"),
]


@pytest.mark.parametrize("command", [["plot"], ["report", "--redraw"]])
@pytest.mark.parametrize(("edit", "words"), AGGREGATES)
def test_a_run_whose_aggregates_mean_nothing_is_refused(
    tmp_path, capsys, run_folder, command, edit, words
):
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    _aggregates(folder, edit)
    capsys.readouterr()
    before = sorted(p.name for p in folder.rglob("*"))
    assert main([*command, str(folder)]) == 2
    line = one_line(capsys)
    assert words in line and str(folder) in line, line
    assert sorted(p.name for p in folder.rglob("*")) == before  # nothing written


def test_undamaged_aggregates_pass_and_draw(tmp_path, capsys, run_folder):
    """The control: a fresh run's aggregates (inactive actors' rows hold no quantiles)."""
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    assert main(["plot", str(folder), "--kind", "escalation"]) == 0


INTERVALS = ["id", "observed", "q05", "q25", "q75", "q95", "in90"]


@pytest.mark.parametrize("command", ["plot", "report"])
@pytest.mark.parametrize("column", INTERVALS)
@pytest.mark.parametrize(
    ("kind", "table"), [("calibration", "predictive_check.csv"), ("hindcast", "hindcast.csv")]
)
def test_an_interval_table_without_a_column_the_charts_read_is_one_line(
    tmp_path, capsys, command, column, kind, table
):
    """Before: AttributeError tracebacks ('Series' object has no attribute 'observed')."""
    folder = tmp_path / kind
    shutil.copytree(DATA / kind, folder)
    path = folder / table
    pd.read_csv(path).drop(columns=[column]).to_csv(path, index=False)
    args = [command, str(folder)] + (["--redraw", "-o", str(tmp_path / "r.html")]
                                     if command == "report" else [])  # fmt: skip
    assert main(args) == 2
    line = one_line(capsys)
    assert f"{table}: missing column(s) {column}" in line, line


@pytest.mark.parametrize("command", [["plot"], ["report", "--redraw"]])
def test_a_posterior_whose_weights_are_all_zero_is_refused(tmp_path, capsys, command):
    """Before: `report --redraw` ended in numpy's ZeroDivisionError traceback ("Weights sum
    to zero"), and `plot` drew a posterior of nothing."""
    folder = tmp_path / "calibration"
    shutil.copytree(DATA / "calibration", folder)
    path = folder / "posterior.parquet"
    frame = pd.read_parquet(path)
    frame["weight"] = 0.0
    frame.to_parquet(path, index=False)
    assert main([*command, str(folder)]) == 2
    line = one_line(capsys)
    assert "posterior.parquet: column weight:" in line and "sum" in line, line


def test_the_file_checks_name_the_aggregates_quantile_columns():
    """sim/results_io.py lists them without importing sim/aggregates.py (numpy at import)."""
    from sim import aggregates, results_io

    assert results_io.Q_COLUMNS == aggregates.Q_COLUMNS


ROBUSTNESS = [("robustness.csv", c) for c in ("nominal_effect", "effect_p5", "effect_p95")] + [
    ("regimes.csv", c)
    for c in ("regime", "nominal", "mc_se", "draws_mean", "draws_p5", "draws_median", "draws_p95")
]


@pytest.mark.parametrize(("table", "column"), ROBUSTNESS)
def test_a_robustness_table_without_a_column_the_report_reads_is_one_line(
    tmp_path, capsys, table, column
):
    """Before: `report` ended in AttributeError tracebacks ('Pandas' object has no
    attribute 'regime')."""
    folder = tmp_path / "robustness"
    shutil.copytree(DATA / "robustness", folder)
    path = folder / table
    pd.read_csv(path).drop(columns=[column]).to_csv(path, index=False)
    assert main(["report", str(folder), "-o", str(tmp_path / "r.html")]) == 2
    line = one_line(capsys)
    assert f"{table}: missing column(s) {column}" in line, line
    assert not (tmp_path / "r.html").exists()


FITTED = [  # (table, value given to the first rows of backing, prior [0.015, 0.06])
    ("posterior.parquet", np.nan),
    ("posterior.parquet", 1.0e300),
    ("posterior.parquet", -5.0),
    ("populations.parquet", 1.0e300),
]


@pytest.mark.parametrize(("table", "value"), FITTED)
def test_a_fitted_coefficient_outside_its_prior_is_refused(tmp_path, capsys, table, value):
    """Before: `plot` drew the prior and posterior chart without a word (NaN dropped, 1e300
    or −5 on the axis of a coefficient whose prior is [0.015, 0.06])."""
    folder = tmp_path / "calibration"
    shutil.copytree(DATA / "calibration", folder)
    path = folder / table
    frame = pd.read_parquet(path)
    frame.loc[frame.index[:2], "backing"] = value
    frame.to_parquet(path, index=False)
    assert main(["plot", str(folder)]) == 2
    line = one_line(capsys)
    assert f"{table}: column backing: 2 value(s) outside [0.015, 0.06]" in line, line
