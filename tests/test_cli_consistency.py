"""One behaviour across commands: --version, --csv wherever tables are written, results
folders found by their scenario's folder, sweep files recognised, closed pipes quiet."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import build_parser, main

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "results"
CLI = [sys.executable, "-m", "sim.cli"]


def test_version(capsys):
    from importlib import metadata

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"alliance-sim {metadata.version('alliance-sim')}"


def test_every_command_that_writes_tables_takes_csv():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    writers = ("run", "compare", "sweep", "analyze")
    for name in writers:
        flags = {s for a in sub.choices[name]._actions for s in a.option_strings}
        assert "--csv" in flags, name


def test_a_closed_pipe_ends_quietly():
    """`alliance-sim schema | head -1`: no traceback, no 'Exception ignored' at exit."""
    proc = subprocess.Popen(
        [*CLI, "schema"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away, as `head -1` does
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.wait(timeout=60)
    assert err == ""
    assert proc.returncode in (0, 141)


def test_validate_recognises_sweep_files(capsys):
    paths = ["scenarios/baseline.yaml", "scenarios/sweeps/demo.yaml"]
    assert main(["validate", *[str(REPO / p) for p in paths]]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("baseline.yaml: ok")
    assert out[1].endswith("demo.yaml: ok (sweep of 2 parameters)")


def test_validate_reports_a_bad_sweep_file(tmp_path, capsys):
    bad = tmp_path / "bad_sweep.yaml"
    bad.write_text(f"scenario: {REPO / 'scenarios/baseline.yaml'}\nparameters:\n  nowhere.x: 0:1\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err and all("bad_sweep.yaml" in line for line in err)


@pytest.mark.parametrize("command", ["plot", "report"])
def test_plot_and_report_take_the_newest_run_of_a_scenario_folder(tmp_path, capsys, command):
    scenario_dir = tmp_path / "baseline"
    for stamp in ("20240101T000000Z", "20240301T000000Z"):
        shutil.copytree(DATA / "run", scenario_dir / stamp)
    (scenario_dir / ".20240401T000000Z.partial-1").mkdir()  # unfinished: never chosen
    assert (
        main([command, str(scenario_dir), *(["--kind", "outcomes"] if command == "plot" else [])])
        == 0
    )
    newest = scenario_dir / "20240301T000000Z"
    assert "using its newest results" in capsys.readouterr().err
    made = (newest / "charts" / "outcomes.png") if command == "plot" else newest / "report.html"
    assert made.is_file()
    assert not (scenario_dir / "20240101T000000Z" / "report.html").exists()


def test_a_folder_without_results_is_one_line(tmp_path, capsys):
    assert main(["plot", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a results folder" in err[0]


def test_analyze_csv_writes_by_point_csv(tmp_path):
    folder = tmp_path / "sweep"
    shutil.copytree(DATA / "sweep", folder)
    assert main(["analyze", str(folder), "--no-plots", "--no-prim", "--csv"]) == 0
    by_point = pd.read_csv(folder / "analysis" / "by_point.csv")
    pd.testing.assert_frame_equal(
        by_point, pd.read_parquet(folder / "analysis" / "by_point.parquet"), check_dtype=False
    )


def test_dask_executor_without_dask_is_one_line(tmp_path, capsys, monkeypatch):
    """Dask is an extra: asking for it without it installed says how to get it."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "distributed" else real(name, *a),
    )
    out = tmp_path / "never"
    code = main(["sweep", str(REPO / "scenarios/sweeps/demo.yaml"), "--executor", "dask",
                 "--out", str(out), "-q"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["alliance-sim sweep: error: --executor dask needs Dask: "
                   "pip install 'alliance-sim[dask]'"]  # fmt: skip
    assert not out.exists()


def test_validate_recognises_calibration_specs(capsys):
    assert main(["validate", str(REPO / "scenarios" / "calibration" / "history.yaml")]) == 0
    assert "ok (calibration of" in capsys.readouterr().out


LONG = ("run", "compare", "sweep", "robustness", "calibrate", "hindcast")  # progress bars


def test_every_long_command_takes_quiet():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in LONG:
        flags = {s for a in sub.choices[name]._actions for s in a.option_strings}
        assert {"-q", "--quiet"} <= flags, name


@pytest.mark.parametrize("quiet", [True, False])
def test_hindcast_shows_progress_unless_quiet(tmp_path, capsys, quiet):
    """The bar goes to stderr as run's and sweep's do; -q leaves stderr empty."""
    obs = REPO / "seeds" / "observations" / "missile_launches.yaml"
    episode = REPO / "scenarios" / "history" / "base_2016.yaml"
    args = ["hindcast", str(obs), str(episode), "-n", "3", "--draws", "2", "--no-plots",
            "--out", str(tmp_path / "out"), *(["-q"] if quiet else [])]  # fmt: skip
    assert main(args) == 0
    err = capsys.readouterr().err
    # "0/3": the bar and its three stages, drawn at the start. Not "3/3": tqdm draws the
    # last count only once its refresh interval has passed, so the bar may close at 2/3.
    assert (err == "") if quiet else ("hindcast" in err and "0/3" in err)
