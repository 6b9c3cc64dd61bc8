"""Reliability suite, round 14: round 13's leftovers for compare folders. A compare folder
written before round 13 (its manifest has no top-level `actors`, but each scenario entry
lists its shown actors) and `comparison.csv` are now checked per actor, as round 13 checks
`summaries.parquet` of newer folders.

Each fault case failed before its fix: `plot` and `report` left the actor out without a
word, exit 0. docs/reliability.md, section 19 ("Round 14"), lists them; the third leftover
(a race in picking the Dask scheduler's port) is in tests/test_reliability_dask.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from reliability_tools import EVERY_PRK, one_line

from sim.cli import main

NEEDS = "peak_escalation, final_escalation, final_rung"
# the compare folder: tests/conftest.py `compare_folder`


def _copy(tmp_path: Path, source: Path, keep: str = "both") -> Path:
    """A scratch copy whose manifest keeps the top-level `actors` and the scenario entries'
    (`both`, as written since round 13), only the entries' (`scenarios`, as written before
    round 13) or neither (`none`, older still)."""
    folder = tmp_path / source.name
    shutil.copytree(source, folder)
    meta = json.loads((folder / "manifest.json").read_text())
    if keep in ("scenarios", "none"):
        del meta["actors"]
    if keep == "none":
        for entry in meta["scenarios"]:
            del entry["actors"]
    (folder / "manifest.json").write_text(json.dumps(meta, indent=2))
    return folder


def _drop_columns(path: Path, columns: list[str]) -> None:
    pd.read_parquet(path).drop(columns=columns).to_parquet(path, index=False)


def _drop_outcomes(path: Path, outcomes: list[str]) -> None:
    frame = pd.read_csv(path)
    frame[~frame["outcome"].isin(outcomes)].to_csv(path, index=False)


def _args(command: str, folder: Path, tmp_path: Path) -> list[str]:
    return [command, str(folder)] + (["--redraw", "-o", str(tmp_path / "r.html")]
                                     if command == "report" else [])  # fmt: skip


def _refused(capsys, tmp_path: Path, args: list[str]) -> str:
    """The one line of a command that must refuse (exit 2) and write nothing."""
    capsys.readouterr()
    before = sorted(tmp_path.rglob("*"))
    assert main(args) == 2
    assert sorted(tmp_path.rglob("*")) == before
    return one_line(capsys)


def _actors(folder: Path) -> list[str]:
    meta = json.loads((folder / "manifest.json").read_text())
    return list(dict.fromkeys(a for s in meta["scenarios"] for a in s["actors"]))


# ------------------------------------------------------------ 1. folders from before round 13
@pytest.mark.parametrize("command", ["plot", "report"])
def test_a_compare_folder_from_before_round_13_is_checked_by_its_scenarios_actors(
    tmp_path, capsys, compare_folder, command
):
    """Before: no top-level `actors`, so with every PRK column dropped from
    summaries.parquet PRK was left out of the charts and the report's tables, exit 0."""
    folder = _copy(tmp_path, compare_folder, keep="scenarios")
    actors = _actors(folder)
    assert "PRK" in actors
    _drop_columns(folder / "summaries.parquet", EVERY_PRK)
    line = _refused(capsys, tmp_path, _args(command, folder, tmp_path))
    words = f"missing column(s) peak_escalation_PRK (of the manifest's actors {actors})"
    assert f"{folder / 'summaries.parquet'}: {words}" in line, line


def test_an_intact_compare_folder_from_before_round_13_still_reports(tmp_path, compare_folder):
    """Control: the scenario entries' actors are what the writer showed; nothing refused."""
    folder = _copy(tmp_path, compare_folder, keep="scenarios")
    assert main(["report", str(folder), "--redraw", "-o", str(tmp_path / "r.html")]) == 0
    assert main(["plot", str(folder)]) == 0


def test_a_compare_manifest_listing_no_actors_anywhere_is_read_as_before(tmp_path, compare_folder):
    """Control (kept as it was): with no list of actors in the manifest there is nothing
    to require; every PRK column and row dropped still reports, as before round 14."""
    folder = _copy(tmp_path, compare_folder, keep="none")
    _drop_columns(folder / "summaries.parquet", EVERY_PRK)
    _drop_outcomes(folder / "comparison.csv", EVERY_PRK)
    assert main(["report", str(folder), "--redraw", "-o", str(tmp_path / "r.html")]) == 0


# ------------------------------------------------------------ 2. comparison.csv per actor
@pytest.mark.parametrize("command", ["plot", "report"])
@pytest.mark.parametrize(("drop", "lacking"), [
    (EVERY_PRK, "peak_escalation_PRK, final_escalation_PRK, final_rung_PRK"),
    (["final_escalation_PRK"], "final_escalation_PRK"),
], ids=["every-PRK-row", "final-escalation"])  # fmt: skip
def test_a_comparison_without_an_actors_rows_is_refused(
    tmp_path, capsys, compare_folder, command, drop, lacking
):
    """Before: PRK (or its dot in the final-escalation panel) was left out of the
    comparison chart and the report's tables, exit 0."""
    folder = _copy(tmp_path, compare_folder)
    actors = _actors(folder)
    _drop_outcomes(folder / "comparison.csv", drop)
    line = _refused(capsys, tmp_path, _args(command, folder, tmp_path))
    words = (f"column outcome: no rows for {lacking} (each of the manifest's actors {actors} "
             f"needs its {NEEDS})")  # fmt: skip
    assert f"{folder / 'comparison.csv'}: {words}" in line, line


def test_a_comparison_from_before_round_13_without_an_actors_rows_is_refused(
    tmp_path, capsys, compare_folder
):
    """The same with the actors known from the scenario entries only (item 1's folders)."""
    folder = _copy(tmp_path, compare_folder, keep="scenarios")
    _drop_outcomes(folder / "comparison.csv", EVERY_PRK)
    line = _refused(capsys, tmp_path, _args("report", folder, tmp_path))
    assert f"{folder / 'comparison.csv'}: column outcome: no rows for peak_escalation_PRK" in line
