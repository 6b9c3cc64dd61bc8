"""Round 4 of the reliability hunt (docs/reliability.md §10): faults a newcomer meets.

Each test failed before its fix: a traceback, a hang, a half-written file, a device
replaced, or an exit 0 on bad input."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_tools import BASELINE, sweep_spec

from sim.cli import main

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("r4") / "run"
    assert main(["run", str(BASELINE), "-n", "2", "--steps", "3", "-q", "--no-plots",
                 "--out", str(out)]) == 0  # fmt: skip
    return out


def _cli(*argv: str, limit: int | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """The command in a fresh process; `limit` caps the size of any file it writes (RLIMIT_FSIZE:
    a disk that fills up after `limit` bytes)."""
    pre = (
        f"import resource, signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); "
        if limit
        else ""
    )
    code = pre + "import sys; from sim.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          env=ENV, timeout=timeout)  # fmt: skip


def _one_line(proc: subprocess.CompletedProcess, *words: str) -> None:
    err = proc.stderr.strip()
    assert proc.returncode == 2 and "Traceback" not in err, err
    assert len(err.splitlines()) == 1, err
    for word in words:
        assert word in err, err


def test_report_onto_a_fifo_is_refused_and_the_fifo_kept(run_folder, tmp_path):
    """`report R -o /dev/full` (as root) replaced the device node with the page."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _one_line(_cli("report", str(run_folder), "-o", str(fifo)), str(fifo), "FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_schema_onto_a_fifo_is_refused_not_a_hang(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _one_line(_cli("schema", "-o", str(fifo), timeout=30), str(fifo), "FIFO")


@pytest.mark.parametrize("command", ["schema", "report"])
def test_a_full_disk_leaves_no_half_written_file(run_folder, tmp_path, command):
    target = tmp_path / "out.txt"
    argv = ["schema", "-o", str(target)] if command == "schema" else [
        "report", str(run_folder), "-o", str(target)]  # fmt: skip
    proc = _cli(*argv, limit=2000)
    _one_line(proc, str(target))
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


OBS = REPO / "seeds" / "observations" / "trade.yaml"
CAL = REPO / "scenarios" / "calibration" / "history.yaml"


@pytest.mark.parametrize(
    ("argv", "what"),
    [
        (["run", str(OBS)], "an observations file, not a scenario; score a scenario"),
        (
            ["run", str(CAL)],
            "a calibration spec, not a scenario; run it with: alliance-sim calibrate",
        ),
        (["compare", str(BASELINE), str(OBS)], "an observations file, not a scenario"),
        (["sweep", str(OBS)], "an observations file, not a scenario"),
        (["hindcast", str(OBS), str(OBS)], "an observations file, not a scenario"),
        (
            ["calibrate", str(BASELINE)],
            "a scenario, not a calibration spec; run it with: alliance-sim run",
        ),
        (["calibrate", str(OBS)], "an observations file, not a calibration spec"),
        (["run", "MANIFEST"], "a results manifest, not a scenario; alliance-sim report"),
    ],
)
def test_a_file_of_another_kind_is_named_in_one_line(argv, what, run_folder, tmp_path, capsys):
    """These printed a dozen 'unknown key' lines (and "missing required key 'title'") about
    keys the file was never meant to have."""
    argv = [str(run_folder / "manifest.json") if a == "MANIFEST" else a for a in argv]
    capsys.readouterr()
    assert main([*argv, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and what in err and "Traceback" not in err, err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("command", ["run", "compare"])
def test_a_full_disk_names_what_was_being_written(tmp_path, command):
    """It said "File too large" or "Error writing bytes to file. Detail: [errno 27] File too
    large" (pyarrow's words), with no path."""
    out = tmp_path / "res"
    scenarios = [str(BASELINE)] * (2 if command == "compare" else 1)
    proc = _cli(command, *scenarios, "-n", "4", "--steps", "6", "-q", "--out", str(out),
                limit=20000)  # fmt: skip
    _one_line(proc, f"writing {out}: a file size limit was reached; nothing was published")
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".res.partial")]


def test_analyze_on_a_full_disk_leaves_no_partial_and_the_old_analysis(tmp_path):
    """`analyze` left `.analysis.partial-PID` in the sweep folder on a full disk."""
    spec = tmp_path / "s.yaml"
    spec.write_text(sweep_spec("full", 2, 4, 2, "[0.1, 0.2, 0.3]"))
    folder = tmp_path / "sw"
    assert main(["sweep", str(spec), "--out", str(folder), "-q", "--no-plots"]) == 0
    before = {p.name: p.read_bytes() for p in (folder / "analysis").iterdir()}
    _one_line(_cli("analyze", str(folder), "--no-plots", limit=1000), f"writing {folder}")
    assert {p.name: p.read_bytes() for p in (folder / "analysis").iterdir()} == before
    assert not [p for p in folder.iterdir() if p.name.startswith(".analysis")]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("run_out", "out must be a path (text or Path), found int"),
        ("results", "folder must be a path (text or Path), found int"),
        ("save", "out must be a path (text or Path), found list"),
    ],
)
def test_api_paths_of_the_wrong_type_are_one_usage_error(call, message, run_folder):
    """`sim.run(..., out=5)` and `sim.Results(5)` were TypeErrors from pathlib."""
    import sim
    from sim.errors import UsageError

    calls = {
        "run_out": lambda: sim.run(BASELINE, n=1, steps=1, out=5),
        "results": lambda: sim.Results(5),
        "save": lambda: sim.Results(run_folder).save(["x"]),
    }
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        calls[call]()


def test_a_date_of_the_wrong_shape_is_called_a_date(tmp_path, capsys):
    """`run.start: 2024-06-01` said "expected an id matching ^\\d{4}-\\d{2}$"."""
    path = tmp_path / "s.yaml"
    path.write_text(f"extends: {BASELINE}\nname: x\nrun: {{start: 2024-06-01}}\n")
    capsys.readouterr()
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"{path}:3:14: run.start: expected a year and month like 2024-06 (YYYY-MM), "
        "found text '2024-06-01'"
    )


@pytest.mark.parametrize("command", ["validate", "calibrate"])
def test_a_structural_term_of_an_unknown_actor_is_one_line(tmp_path, capsys, command):
    """`drive_XYZ` passed `validate`; `calibrate` ended in a KeyError traceback (exit 1)."""
    spec = tmp_path / "c.yaml"
    spec.write_text(
        f"name: c\nscenarios: [{REPO / 'scenarios' / 'history' / 'base_2016.yaml'}]\n"
        f"observations: [{OBS}]\nmethod: rejection\npopulation: 4\naccept: 1\n"
        "predictive_replications: 2\n"
        "coefficients:\n  drive_XYZ: {prior: normal, mean: 0, sd: 0.02}\n"
    )
    argv = [str(spec)] if command == "validate" else [str(spec), "--out", str(tmp_path / "o")]
    capsys.readouterr()
    assert main([command, *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{spec}:9:3: coefficients.drive_XYZ: XYZ is not an actor of "), err
    assert len(err.splitlines()) == 1 and not (tmp_path / "o").exists()


def test_hindcast_with_a_posterior_of_an_unknown_actor_is_one_line(tmp_path, capsys):
    """A posterior column `drive_XYZ` ended `hindcast` in a KeyError traceback (exit 1)."""
    import pandas as pd

    shipped = REPO / "seeds" / "posterior" / "history-2016-2024.parquet"
    post = tmp_path / "p.parquet"
    pd.read_parquet(shipped).rename(columns={"drive_PRK": "drive_XYZ"}).to_parquet(post)
    history = REPO / "scenarios" / "history" / "base_2016.yaml"
    capsys.readouterr()
    argv = ["hindcast", str(OBS), str(history), "-n", "2", "--draws", "2", "--no-plots"]
    flags = ["--posterior", str(post), "--allow-model-change", "--out", str(tmp_path / "o")]
    code = main([*argv, *flags])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert f"--posterior {post}: column drive_XYZ names XYZ, an actor the scenario" in err
    assert not (tmp_path / "o").exists()
