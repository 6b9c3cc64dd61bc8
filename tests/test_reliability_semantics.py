"""Reliability suite, issue #19 class 5 (wrong but exit 0): folders, observations and
scenarios that parse but mean nothing are refused in one line.

Results folders: each row copies a fixture folder (tests/data/results), damages its meaning
(not its shape), and runs `plot` or `report`: exit 2, one line naming the file, nothing
written. The control row (no damage) must draw. Checks: sim/results_checks.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main

DATA = Path(__file__).resolve().parent / "data" / "results"


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert "Traceback" not in err and len(lines) == 1, err
    return lines[0]


def _edit_parquet(folder: Path, name: str, column: str, value) -> None:
    frame = pd.read_parquet(folder / name)
    frame[column] = value
    frame.to_parquet(folder / name, index=False)


def _edit_csv(folder: Path, name: str, edit) -> None:
    frame = pd.read_csv(folder / name)
    edit(frame).to_csv(folder / name, index=False)


def _all_nan(f: Path) -> str:
    _edit_parquet(f, "timeseries.parquet", "escalation", np.nan)
    return "timeseries.parquet: column escalation:"


def _out_of_range(f: Path) -> str:
    _edit_parquet(f, "timeseries.parquet", "escalation", 1.5)
    return "outside [0, 1] (first: 1.5)"


def _commitment(f: Path) -> str:
    _edit_parquet(f, "pairs.parquet", "commitment", -3.0)
    return "pairs.parquet: column commitment"


def _replication_beyond(f: Path) -> str:
    _edit_parquet(f, "system.parquet", "replication", 99)
    return "system.parquet: column replication: 99 is outside the 12 replications"


def _no_summary_rows(f: Path) -> str:
    _edit_csv(f, "summary.csv", lambda d: d.iloc[:0])
    return "summary.csv: 0 row(s), the manifest says 12"


def _unknown_outcome(f: Path) -> str:
    _edit_csv(f, "summary.csv", lambda d: d.assign(outcome="apocalypse"))
    return "unknown class(es) ['apocalypse']"


def _summary_nan(f: Path) -> str:
    _edit_csv(f, "summary.csv", lambda d: d.assign(final_escalation_CHN=np.nan))
    return "summary.csv: column final_escalation_CHN"


def _event_late(f: Path) -> str:
    _edit_csv(f, "events.csv", lambda d: d.assign(step=99999))
    return "events.csv: column step: 99999 is outside"


def _nested_manifest(f: Path) -> str:
    (f / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    return "nested too deeply"


def _compare_rows(f: Path) -> str:
    frame = pd.read_parquet(f / "summaries.parquet")
    frame.iloc[:-1].to_parquet(f / "summaries.parquet", index=False)
    return "summaries.parquet:"


def _compare_scenario(f: Path) -> str:
    _edit_parquet(f, "summaries.parquet", "scenario", "elsewhere")
    return "column scenario: ['elsewhere'] not among"


RESULTS = [  # (fixture, command, damage)
    ("run", "plot", _all_nan),
    ("run", "report", _all_nan),
    ("run", "plot", _out_of_range),
    ("run", "plot", _commitment),
    ("run", "plot", _replication_beyond),
    ("run", "plot", _no_summary_rows),
    ("run", "report", _unknown_outcome),
    ("run", "plot", _summary_nan),
    ("run", "plot", _event_late),
    ("run", "plot", _nested_manifest),
    ("compare", "plot", _compare_rows),
    ("compare", "report", _compare_scenario),
]


@pytest.mark.parametrize(("kind", "command", "damage"), RESULTS,
                         ids=[f"{k}-{c}-{d.__name__}" for k, c, d in RESULTS])  # fmt: skip
def test_results_that_mean_nothing_are_refused(tmp_path, capsys, kind, command, damage):
    folder = tmp_path / kind
    shutil.copytree(DATA / kind, folder)
    words = damage(folder)
    before = sorted(p.name for p in folder.rglob("*"))
    assert main([command, str(folder)]) == 2
    line = one_line(capsys)
    assert words in line and str(folder) in line, line
    assert sorted(p.name for p in folder.rglob("*")) == before  # nothing written


@pytest.mark.parametrize("kind", ["run", "compare"])
def test_undamaged_fixtures_pass_the_checks(tmp_path, kind):
    from sim.results_io import check_folder

    folder = tmp_path / kind
    shutil.copytree(DATA / kind, folder)
    assert check_folder(folder)["kind"] == kind
    meta = json.loads((folder / "manifest.json").read_text())
    assert meta["replications"] >= 1
