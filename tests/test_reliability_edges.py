"""Reliability suite, round 3: edge inputs a newcomer meets that the other tables missed.

Each row was a fault before its fix (a traceback, a hang, a silent exit 0 or a misleading
line): it runs the real command line (`sim.cli.main`) in this process and checks the exit
status, that stderr is one line without a traceback, and the words of the line. The list
of faults with their commands is in docs/reliability.md, section 9.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from reliability_tools import MINI, one_line

import sim
from sim.cli import main
from sim.errors import UsageError

DATA = Path(__file__).resolve().parent / "data" / "results"


# -- calendars: every start the schema accepts has labels for every step ------------------

CALENDARS = [  # (run block, first date label, last date label)
    ("{start: 9999-12, steps: 10, step_unit: week}", "9999-12-01", "10000-02-09"),
    ("{start: 0001-01, steps: 2, step_unit: week}", "0001-01-01", "0001-01-15"),
]


@pytest.mark.parametrize(("run", "first", "last"), CALENDARS)
def test_weekly_runs_have_dates_beyond_pandas_range(tmp_path, capsys, run, first, last):
    """A weekly run past April 2262 ended in pandas' strftime NotImplementedError."""
    path = tmp_path / "weekly.yaml"
    path.write_text(MINI.replace("run: {steps: 6, replications: 4, ", f"run: {run[:-1]}, "
                                 "replications: 2, "))  # fmt: skip
    out = tmp_path / "o"
    assert main(["run", str(path), "-q", "--no-plots", "--out", str(out)]) == 0
    assert "Traceback" not in capsys.readouterr().err
    dates = pd.read_parquet(out / "timeseries.parquet", columns=["step", "date"])
    by_step = dates.drop_duplicates().set_index("step")["date"]
    assert by_step.iloc[0] == first and by_step.iloc[-1] == last


# -- results folders: fields readers take apart, tables that are not files ---------------


def _manifest(words: str | None = None, **fields):
    def damage(folder: Path) -> str:
        meta = json.loads((folder / "manifest.json").read_text())
        meta.update(fields)
        (folder / "manifest.json").write_text(json.dumps(meta))
        return words or f"manifest.json: {next(iter(fields))}: expected"

    damage.__name__ = "_".join(f"{k}_{type(v).__name__}" for k, v in fields.items())
    return damage


def _actors(actors: list[str]):
    def damage(folder: Path) -> str:
        _manifest(actors=actors)(folder)
        return "timeseries.parquet: column actor: "

    damage.__name__ = f"actors_{len(actors)}"
    return damage


def _reference(folder: Path) -> str:
    _manifest(reference="elsewhere")(folder)
    return "manifest.json: reference: 'elsewhere' is not among the scenarios"


def _sweep_params(copies: int):
    def damage(folder: Path) -> str:
        meta = json.loads((folder / "manifest.json").read_text())
        meta["parameters"] = meta["parameters"][:1] * copies
        (folder / "manifest.json").write_text(json.dumps(meta))
        return "sweeps a path twice" if copies else "parameters: expected at least one item"

    damage.__name__ = f"parameters_{copies}"
    return damage


def _nan_point(folder: Path) -> str:
    points = pd.read_parquet(folder / "points.parquet")
    points.loc[3, "parameters.reactivity"] = float("nan")
    points.to_parquet(folder / "points.parquet")
    return "points.parquet: column parameters.reactivity: 1 value(s) that are not finite"


def _short_points(folder: Path) -> str:
    points = pd.read_parquet(folder / "points.parquet")
    points.iloc[:-1].to_parquet(folder / "points.parquet")
    return f"points.parquet: {len(points) - 1} row(s), the manifest says {len(points)}"


def _fifo(folder: Path) -> str:
    (folder / "timeseries.parquet").unlink()
    os.mkfifo(folder / "timeseries.parquet")
    return "timeseries.parquet: a FIFO, device or socket, expected a table file"


def _loop(folder: Path) -> str:
    (folder / "aggregates.parquet").unlink(missing_ok=True)
    os.symlink("aggregates.parquet", folder / "aggregates.parquet")
    return "aggregates.parquet: a broken symlink (Too many levels of symbolic links)"


def _dangling(folder: Path) -> str:
    (folder / "events.csv").unlink()
    os.symlink(folder / "gone.csv", folder / "events.csv")
    return "events.csv: a broken symlink (No such file or directory)"


def _device(folder: Path) -> str:
    (folder / "summary.csv").unlink()
    os.symlink("/dev/zero", folder / "summary.csv")
    return "summary.csv: a FIFO, device or socket, expected a table file"


FOLDERS = [  # (fixture, command, damage)
    ("run", "report", _manifest(counterfactual="none")),  # AttributeError traceback
    ("run", "report", _manifest(counterfactual=[1])),
    ("run", "report", _manifest(versions=["numpy"])),  # AttributeError traceback
    ("run", "plot", _manifest(step_unit="fortnight")),  # drawn as "steps of one fortnight"
    ("run", "plot", _manifest(start="2024-13")),
    ("robustness", "report", _manifest(command=7)),
    ("compare", "report", _manifest(common_random_numbers="no")),  # read as true
    ("run", "plot", _manifest("lists an actor twice", actors=["CHN", "CHN", "RUS", "PRK"])),
    ("run", "report", _actors(["CHN", "RUS", "PRK", "USA", "JPN", "KOR", "ZZZ"])),  # warnings
    ("compare", "report", _reference),  # the Δ labelled "from elsewhere"
    (
        "sweep",
        "analyze",
        _manifest("is above the cap of 1,000,000", n_points=10**9),
    ),  # MemoryError traceback in analyze
    (
        "sweep",
        "analyze",
        _manifest("9,000 design points × 4 replication(s) make 36,000", n_points=9_000),
    ),  # n_runs no longer agrees (round 21); before, the rows differed
    ("sweep", "analyze", _short_points),  # rows differ
    ("sweep", "analyze", _sweep_params(2)),  # AttributeError traceback
    ("sweep", "plot", _sweep_params(0)),  # exit 0
    ("sweep", "plot", _manifest(design="magic")),  # exit 0, "magic design" in the notes
    ("sweep", "plot", _nan_point),  # exit 0 for plot, a ValueError line for analyze
    ("run", "plot", _fifo),  # hung in pyarrow's open
    ("run", "report", _fifo),
    ("run", "plot", _loop),  # taken for an absent table: exit 0 without it
    ("run", "plot", _dangling),
    ("run", "plot", _device),
]


@pytest.mark.parametrize(("kind", "command", "damage"), FOLDERS,
                         ids=[f"{k}-{c}-{d.__name__}" for k, c, d in FOLDERS])  # fmt: skip
def test_results_folders_are_checked_before_any_table_is_opened(
    tmp_path, capsys, kind, command, damage
):
    folder = tmp_path / kind
    shutil.copytree(DATA / kind, folder)
    words = damage(folder)
    before = sorted(p.name for p in folder.iterdir())
    assert main([command, str(folder)]) == 2
    line = one_line(capsys)
    assert words in line and str(folder) in line, line
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written


# -- sweeps: one value is either fixed or swept, and swept once --------------------------

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
R = "parameters.reactivity"
SWEEP_FILE = f"scenario: {BASE}\nname: x\nparameters:\n  {R}: {{low: 0.1, high: 0.5, levels: 3}}\n"
BOTH = [  # (sweep file or None for the scenario, flags, words); each used to exit 0
    (None, ["--param", f"{R}=0.1,0.2", "--param", f"{R}=0.3,0.4"],
     f"--param {R}=0.3,0.4: {R} is already swept by an earlier --param"),
    (None, ["--param", f"{R}=0.1,0.2", "--set", f"{R}=0.3"],
     f"--set {R}=0.3: also swept (--param {R}=0.1,0.2); fix it or sweep it, not both"),
    (SWEEP_FILE.replace("parameters:", f"set:\n  {R}: 0.3\nparameters:"), [],
     f"sweep.yaml:4:26: {R}: also swept (sweep.yaml:6:3); fix it or sweep it, not both"),
    (SWEEP_FILE, ["--set", f"{R}=0.2"], f"--set {R}=0.2: fixes the last value the spec sweeps"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "flags", "words"), BOTH)
def test_a_value_fixed_and_swept_is_refused(tmp_path, capsys, monkeypatch, text, flags, words):
    monkeypatch.chdir(tmp_path)
    spec = BASE
    if text is not None:
        spec = Path("sweep.yaml")
        spec.write_text(text)
    argv = ["sweep", str(spec), *flags, "-n", "1", "--steps", "2", "-q", "--out", "o"]
    assert main(argv) == 2
    assert words in one_line(capsys)
    assert not list(tmp_path.glob("*o*"))  # refused before any folder


def test_set_fixes_a_value_the_file_sweeps(tmp_path):
    """docs/sweeps.md: later wins. The file's sweep of the value used to override --set."""
    from sim.jobs.sweep.spec import load_spec

    spec = tmp_path / "sweep.yaml"
    spec.write_text(SWEEP_FILE + "  parameters.restraint: {low: 0.2, high: 1.0, levels: 2}\n")
    loaded = load_spec(spec, [], {R: 0.2})
    assert [p.path for p in loaded.params] == ["parameters.restraint"]
    assert loaded.fixed == {R: 0.2}


def test_at_on_a_folder_without_a_network_chart_is_refused(tmp_path, capsys):
    """`plot COMPARE --at 3` ignored --at and exited 0."""
    folder = tmp_path / "compare"
    shutil.copytree(DATA / "compare", folder)
    assert main(["plot", str(folder), "--at", "3"]) == 2
    assert "--at: only run folders have a network chart" in one_line(capsys)
    assert not (folder / "charts").exists()


# -- the Python API: arguments of the wrong kind are one UsageError, not a TypeError ------

API = [  # (call, words); each was an AttributeError or TypeError from deep inside
    (lambda: sim.run(str(BASE), set={1: 0.5}), "set: key paths are text like"),
    (lambda: sim.run(str(BASE), set=[("parameters.fatigue", 0.4)]), "set must be a mapping"),
    (lambda: sim.run(5), "scenario must be a file path (text or Path), found int"),
    (lambda: sim.sweep(str(BASE), params={2: [1, 2]}), "params: key paths are text like"),
    (lambda: sim.calibrate(5), "spec must be a file path (text or Path), found int"),
    (lambda: sim.hindcast(5, str(BASE)), "observations must be a file path"),
]


@pytest.mark.parametrize("call, words", API, ids=[w[:24] for _, w in API])
def test_api_arguments_of_the_wrong_kind_are_one_line(call, words):
    with pytest.raises(UsageError) as info:
        call()
    assert words in str(info.value) and "\n" not in str(info.value)


def test_ctrl_c_while_the_commands_load_is_one_line(monkeypatch, capsys):
    """Ctrl-C in the first fifth of a second (commands imported, flags parsed) was a
    KeyboardInterrupt traceback (found by SIGINT 0.08–0.16 s after start); the seam raises
    it where the signal landed."""

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.cli.build_parser", interrupted)
    assert main(["run", str(BASE)]) == 130
    assert one_line(capsys) == "alliance-sim: interrupted"


@pytest.mark.parametrize("kind", ["run", "sweep", "compare", "calibration", "hindcast"])
def test_validate_says_a_results_manifest_is_one(tmp_path, capsys, kind):
    """`validate R/manifest.json` read it as a scenario (25 "unknown key" lines for a run)
    or as a sweep file ("scenario file not found")."""
    folder = tmp_path / kind
    shutil.copytree(DATA / kind, folder)
    assert main(["validate", str(folder / "manifest.json")]) == 2
    assert one_line(capsys) == (
        f"{folder / 'manifest.json'}: a results manifest (kind {kind}), not a scenario; "
        f"`alliance-sim report {folder}` reads its folder"
    )


@pytest.mark.parametrize("command", ["run", "report"])
def test_an_out_below_a_file_says_so(tmp_path, capsys, command):
    """`--out FILE/x` said "FILE: File exists", as if the file were wrong for existing."""
    (tmp_path / "afile").write_text("x")
    target = tmp_path / "afile" / "x"
    if command == "run":
        argv = ["run", str(BASE), "-n", "1", "--steps", "1", "-q", "--no-plots", "--out"]
    else:
        shutil.copytree(DATA / "run", tmp_path / "run")
        argv = ["report", str(tmp_path / "run"), "-o"]
    assert main([*argv, str(target)]) == 2
    assert one_line(capsys).endswith(
        f"error: {tmp_path / 'afile'}: a file, where a folder is needed (a path below it was given)"
    )
