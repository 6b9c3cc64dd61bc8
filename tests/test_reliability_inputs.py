"""Reliability suite, bad inputs: one table per class of issue #13, one row per case.

Every row runs the real command line (`sim.cli.main`) in this process and checks the exit
status, that stderr is one line per problem (no traceback), and the words of the line.
The classes: wrong results that look normal (semantics), unclear messages, tracebacks,
unbounded resources, lost work, and resume across model versions. Faults (signals, full
disks), concurrency and a real Dask cluster are in the other test_reliability_* files.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability_tools import BASELINE, MINI, one_line, sweep_spec

from sim.cli import main
from sim.limits import MAX_POINTS, MAX_REPLICATIONS, MAX_STEPS, estimate_run_bytes
from sim.parameters import PARAMETERS
from sim.procs import useful_workers
from sim.scenario.yamlio import YamlFail, load_yaml

DATA = Path(__file__).resolve().parent / "data" / "results"


def scenario(tmp_path: Path, body: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"extends: {BASELINE}\n{body}")
    return path


# -- wrong results that look normal: semantics -------------------------------------------
# (YAML body after the line `extends: baseline`, line within the body, key path, message)
SEMANTIC = [
    ("events:\n  e: {label: x, at: 1, scale: {actors.CHN.escalation: .inf}}\n",
     2, "events.e.scale.actors.CHN.escalation", "expected a finite number, found .inf"),
    ("events:\n  e: {label: x, at: 1, add: {actors.CHN.escalation: -.inf}}\n",
     2, "events.e.add.actors.CHN.escalation", "expected a finite number, found -.inf"),
    ("events:\n  e: {label: x, at: 1, set: {actors.CHN.escalation: 1.5}}\n",
     2, "events.e.set.actors.CHN.escalation", "expected a value in [0, 1], found 1.5"),
    ("events:\n  e: {label: x, at: 1, add: {relations.PRK.RUS.commitment: 3}}\n",
     2, "events.e.add.relations.PRK.RUS.commitment", "expected an amount in [-2, 2], found 3"),
    ("events:\n  e: {label: x, at: 1, scale: {actors.USA.escalation: -1}}\n",
     2, "events.e.scale.actors.USA.escalation", "expected a factor in [0, 1000], found -1"),
    ("events:\n  e: {label: x, at: 1, set: {parameters.reactivity: 99}}\n",
     2, "events.e.set.parameters.reactivity", "expected a value in [0, 2], found 99"),
    ("run: {start: 2024-13}\n", 1, "run.start", "expected a real month YYYY-MM, found 2024-13"),
    ("run: {start: 2024-00}\n", 1, "run.start", "expected a real month YYYY-MM, found 2024-00"),
    ("treaties:\n  t: {members: [CHN, RUS], obligation: vague, signed: 2023-02-30}\n",
     2, "treaties.t.signed", "expected a real date"),
    ("events:\n  e:\n    label: x\n"
     "    when: {metric: tension, actor: CHN, partner: CHN, above: 0.5}\n"
     "    add: {actors.CHN.escalation: 0.1}\n",
     4, "events.e.when.partner", "a pair condition needs two different actors"),
    ("run: {distancing: {actor: CHN, partners: [CHN, RUS]}}\n",
     1, "run.distancing.partners.0", "CHN cannot be its own partner"),
    ("run: {distancing: {actor: CHN, partners: [RUS, RUS]}}\n",
     1, "run.distancing.partners", "partners repeat"),
    ("parameters: {reactivity: 1.0e400}\n", 1, "parameters.reactivity",
     "expected a finite number, found 1.0e400"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "line", "path", "message"), SEMANTIC)
def test_semantic_errors_are_one_located_line(tmp_path, capsys, body, line, path, message):
    file = scenario(tmp_path, body)
    assert main(["validate", str(file)]) == 2
    err = one_line(capsys)
    assert err.startswith(f"{file}:{line + 1}:")
    assert f": {path}: " in err and message in err


SET_VALUES = [  # --set values the shell hands over as text
    ("actors.CHN.escalation=inf", "actors.CHN.escalation", "expected a finite number, found inf"),
    ("parameters.reactivity=nan", "parameters.reactivity", "expected a finite number, found nan"),
]


@pytest.mark.parametrize(("item", "path", "message"), SET_VALUES)
def test_non_finite_set_values_are_refused(tmp_path, capsys, item, path, message):
    code = main(["run", str(BASELINE), "--set", item, "--out", str(tmp_path / "o"), "-q"])
    assert code == 2
    err = one_line(capsys)
    assert err.startswith("--set:1:1:") and path in err and message in err
    assert not list(tmp_path.iterdir())


WARNINGS = [  # valid scenarios with an event that can never fire: a warning, exit 0
    ("events:\n  late: {label: x, at: 500, set: {actors.CHN.escalation: 0.5}}\n",
     "events.late.at", "never fires: step 500 is beyond the run"),
    ("events:\n  e: {label: x, when: {metric: escalation, actor: CHN, above: 1.0}, "
     "add: {actors.CHN.escalation: 0.1}}\n", "events.e.when", "never above 1"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "path", "message"), WARNINGS)
def test_events_that_never_fire_warn(tmp_path, capsys, body, path, message):
    file = scenario(tmp_path, body)
    assert main(["validate", str(file)]) == 0
    err = one_line(capsys)
    assert f": {path}: warning: " in err and message in err


def test_run_warns_for_its_own_horizon(tmp_path, capsys):
    file = scenario(
        tmp_path, "events:\n  e: {label: x, at: 5, set: {actors.CHN.escalation: 0.5}}\n"
    )
    out = tmp_path / "o"
    assert (
        main(["run", str(file), "-n", "2", "--steps", "4", "--no-plots", "-q", "--out", str(out)])
        == 0
    )
    assert "never fires: step 5 is beyond the run (steps 0 to 3)" in capsys.readouterr().err


# -- unclear messages --------------------------------------------------------------------


def _tabs(tmp_path: Path) -> Path:
    path = tmp_path / "tabs.yaml"
    path.write_text("name: x\nrun:\n\tsteps: 3\n")
    return path


def _nel(tmp_path: Path) -> Path:
    path = tmp_path / "nel.yaml"
    path.write_text("name: x\ntitle: a\u0085b\nrun: {steps: oops}\n", encoding="utf-8")
    return path


def _exponent(tmp_path: Path) -> Path:
    return scenario(tmp_path, "parameters: {reactivity: 1e400}\n")


def _small_exponent(tmp_path: Path) -> Path:
    return scenario(tmp_path, "parameters: {reactivity: 1e-3}\n")


def _extends_dir(tmp_path: Path) -> Path:
    (tmp_path / "parent").mkdir()
    path = tmp_path / "child.yaml"
    path.write_text("extends: parent\nname: child\n")
    return path


def _signless_exponent(tmp_path: Path) -> Path:
    return scenario(tmp_path, "parameters: {reactivity: 1.5e2}\n")


def _extends_empty(tmp_path: Path) -> Path:
    path = tmp_path / "child.yaml"
    path.write_text("extends: ''\nname: child\n")
    return path


def _default_distancing(tmp_path: Path) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(MINI.replace(", distancing: {actor: AAA, partners: [BBB]}", ""))
    return path


# (file maker, line, message)
UNCLEAR = [
    (_tabs, 3, "a tab in the indentation: YAML indents with spaces only"),
    (_nel, 2, "character U+0085 (NEL) is a line break to YAML but not to editors"),
    (_exponent, 2, "expected a finite number, found 1e400 (beyond the largest number"),
    (_small_exponent, 2, "found 1e-3, which YAML reads as text: write 1.0e-3"),
    (_extends_dir, 1, "parent: is a directory, expected a scenario file"),
    (_signless_exponent, 2, "found 1.5e2, which YAML reads as text: write 1.5e+2"),  # was 1.5e2
    (_extends_empty, 1, "extends: expected a file path, found empty text"),  # "is a directory"
    (_default_distancing, 6, "run.distancing: not written, and the default (CHN from RUS, PRK) "
     "names CHN, RUS, PRK, not actors of this scenario"),  # three lines at keys never written
]  # fmt: skip


@pytest.mark.parametrize(("make", "line", "message"), UNCLEAR)
def test_messages_say_what_is_wrong(tmp_path, capsys, make, line, message):
    file = make(tmp_path)
    assert main(["validate", str(file)]) == 2
    err = one_line(capsys)
    assert err.startswith(f"{file}:{line}:") and message in err


def test_unknown_actor_in_set_is_named(tmp_path, capsys):
    code = main(["run", str(BASELINE), "--set", "actors.CHM.escalation=0.5", "-q",
                 "--out", str(tmp_path / "o")])  # fmt: skip
    assert code == 2
    assert one_line(capsys) == (
        "--set:1:1: actors.CHM.escalation: unknown actor 'CHM' (did you mean 'CHN'?)"
    )


def test_bad_scheduler_address_is_named(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(sweep_spec("sched", 2, 3, 2, "[0.1, 0.2]"))
    code = main(["sweep", str(spec), "--executor", "dask", "--scheduler", "nonsense", "-q",
                 "--out", str(tmp_path / "o"), "--no-analysis"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("alliance-sim sweep: error: --scheduler nonsense: not an address")
    assert not any(p.name.startswith(".o.partial") for p in tmp_path.iterdir())


# -- tracebacks become one line ----------------------------------------------------------


def _control(char: str, where: str):
    def make(tmp_path: Path) -> tuple[Path, Path]:
        if where == "file":
            path = tmp_path / "s.yaml"
            path.write_text(MINI.replace("title: Mini", f"title: Mi{char}ni"))
            return path, path
        parent = tmp_path / "parent.yaml"
        parent.write_text(MINI.replace("title: Mini", f"title: Mi{char}ni"))
        child = tmp_path / "child.yaml"
        child.write_text("extends: parent.yaml\nname: child\n")
        return child, parent

    return make


def _ledger_with(char: str, cite: bool):
    def make(tmp_path: Path) -> tuple[Path, Path]:
        (tmp_path / "seeds").mkdir()
        ledger = tmp_path / "seeds" / "ledger.yaml"
        ledger.write_text(f"source: {{title: t{char}, file: f, published: p}}\nrecords: []\n")
        body = MINI.replace(
            "escalation: 0.1}\n  BBB", "escalation: {value: 0.1, evidence: [x]}}\n  BBB"
        )
        path = tmp_path / "s.yaml"
        path.write_text(body if cite else MINI)
        return path, ledger

    return make


def _symlink_loop(tmp_path: Path) -> tuple[Path, Path]:
    path = tmp_path / "loop.yaml"
    path.symlink_to(path)
    return path, path


def _extends_loop(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    child = tmp_path / "child.yaml"
    child.write_text("extends: loop.yaml\nname: child\n")
    return child, child


def _fifo(tmp_path: Path) -> tuple[Path, Path]:
    path = tmp_path / "fifo.yaml"
    os.mkfifo(path)  # reading it would block forever
    return path, path


def _device(tmp_path: Path) -> tuple[Path, Path]:
    return Path("/dev/zero"), Path("/dev/zero")  # reading it would never end


def _sparse(tmp_path: Path) -> tuple[Path, Path]:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:
        fh.truncate(8 * 1024**3)  # 8 GB of holes: refused from its size, never read
    return path, path


# (file maker, message); the line names the file the problem is in
TRACEBACKS = [
    (_control("\x00", "file"), "control character U+0000 is not allowed"),
    (_control("\x07", "file"), "control character U+0007 is not allowed"),
    (_control("\x07", "parent"), "control character U+0007 is not allowed"),
    (_ledger_with("\x00", cite=True), "control character U+0000 is not allowed"),
    (_symlink_loop, "symlink loop"),
    (_extends_loop, "loop.yaml: symlink loop"),
    (_fifo, "not a regular file (a FIFO, device or socket)"),
    (_device, "not a regular file (a FIFO, device or socket)"),
    (_sparse, "file is 8589934592 bytes, a scenario is at most"),
]


@pytest.mark.parametrize(("make", "message"), TRACEBACKS)
def test_broken_files_are_one_line(tmp_path, capsys, make, message):
    path, culprit = make(tmp_path)
    assert main(["validate", str(path)]) == 2
    err = one_line(capsys)
    assert err.startswith(f"{culprit}:") and message in err


def test_a_broken_ledger_does_not_break_scenarios_that_cite_nothing(tmp_path, capsys):
    path, _ = _ledger_with("\x00", cite=False)(tmp_path)
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.strip() == f"{path}: ok"


def _truncate(folder: Path) -> str:
    data = (folder / "timeseries.parquet").read_bytes()
    (folder / "timeseries.parquet").write_bytes(data[: len(data) // 2])
    return "timeseries.parquet: not a readable Parquet file"


def _bad_csv(folder: Path) -> str:
    (folder / "summary.csv").write_text("a,b\n1,2\n")
    return "summary.csv: missing column(s) replication, outcome"


def _tampered_manifest(folder: Path) -> str:
    meta = json.loads((folder / "manifest.json").read_text())
    meta["replications"] = "twelve"
    (folder / "manifest.json").write_text(json.dumps(meta))
    return "manifest.json: replications: expected a whole number, found text"


def _manifest_not_json(folder: Path) -> str:
    (folder / "manifest.json").write_text('{"kind": "run",')
    return "manifest.json: not valid JSON"


def _column_type(folder: Path) -> str:
    import pandas as pd

    frame = pd.read_parquet(folder / "timeseries.parquet")
    frame["escalation"] = frame["escalation"].astype(str)
    frame.to_parquet(folder / "timeseries.parquet")
    return "timeseries.parquet: column escalation: expected numbers"


def _lost_chunk(folder: Path) -> str:
    next((folder / "chunks").iterdir()).unlink()
    return "chunks: 2 chunk file(s), the manifest says 3"


# (fixture folder, command, tamper) — each tamper returns the expected message
RESULTS = [
    ("run", "plot", _truncate),
    ("run", "report", _truncate),
    ("run", "plot", _bad_csv),
    ("run", "report", _tampered_manifest),
    ("run", "plot", _manifest_not_json),
    ("run", "plot", _column_type),
    ("sweep", "analyze", _lost_chunk),
    ("sweep", "plot", _lost_chunk),
]


@pytest.mark.parametrize(("kind", "command", "tamper"), RESULTS)
def test_damaged_results_folders_are_one_line(tmp_path, capsys, kind, command, tamper):
    folder = tmp_path / kind
    shutil.copytree(DATA / kind, folder)
    if kind == "sweep":
        meta = json.loads((folder / "manifest.json").read_text())
        meta["n_chunks"] = 3
        (folder / "manifest.json").write_text(json.dumps(meta))
    message = tamper(folder)
    before = sorted(p.name for p in folder.rglob("*"))
    assert main([command, str(folder)]) == 2
    err = one_line(capsys)
    assert message in err and str(folder) in err
    assert sorted(p.name for p in folder.rglob("*")) == before  # nothing written


# -- unbounded resources -----------------------------------------------------------------
BIG = 10**12
COUNTS = [
    (["run", str(BASELINE), "--steps", str(10**9)], f"--steps must be at most {MAX_STEPS:,}"),
    (["run", str(BASELINE), "-n", str(BIG)],
     f"--replications must be at most {MAX_REPLICATIONS:,}"),
    (["run", str(BASELINE), "--workers", str(BIG)], "--workers must be at most 1,024"),
    (["compare", str(BASELINE), str(BASELINE), "--steps", "0"], "--steps must be at least 1"),
    (["sweep", str(BASELINE), "--param", "parameters.reactivity=0:1", "--samples", str(10**9)],
     f"--samples must be at most {MAX_POINTS:,}"),
    (["sweep", str(BASELINE), "--param", "parameters.reactivity=0:1:1000000000"],
     f"parameters.reactivity: at most {MAX_POINTS:,} grid levels"),
    (["sweep", str(BASELINE), "--param", "parameters.reactivity=0:1:1000",
      "--param", "parameters.fatigue=0:1:1000", "--param", "parameters.noise=0:0.1:1000"],
     "the design has 1,000,000,000 points, at most 1,000,000"),
    # one-at-a-time: every coefficient × factor runs the replications again
    (["robustness", str(BASELINE), "--draws", "1", "-n", str(MAX_REPLICATIONS), "--oat"],
     f"one-at-a-time variants × --replications must be at most {MAX_REPLICATIONS:,}"),
    # the largest run the caps allow is refused by its memory/disk estimate, before work
    (["run", str(BASELINE), "-n", str(MAX_REPLICATIONS), "--steps", str(MAX_STEPS)],
     "replications × 10,000 steps needs about"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "message"), COUNTS)
def test_counts_are_capped_before_work(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main([*argv, "-q"]) == 2
    err = one_line(capsys)
    assert message in err
    assert not list(tmp_path.iterdir())  # refused before any folder was made


def test_disk_estimate_refuses_when_it_will_not_fit(tmp_path, capsys, monkeypatch):
    import sim.limits as limits

    monkeypatch.setattr(limits, "free_disk", lambda folder: 1000)
    out = tmp_path / "o"
    assert main(["run", str(BASELINE), "-n", "50", "--steps", "10", "-q", "--out", str(out)]) == 2
    assert "of disk in" in one_line(capsys)
    assert not list(tmp_path.iterdir())


def test_estimates_grow_with_the_work():
    small = estimate_run_bytes(6, 100, 36, "full")
    assert estimate_run_bytes(6, 200, 36, "full")[0] > small[0]
    assert estimate_run_bytes(6, 100, 72, "full")[1] > small[1]
    assert estimate_run_bytes(6, 100, 36, "summary")[0] < small[0]


@pytest.mark.parametrize(("requested", "tasks"), [(1000, 2), (1000, 10**6), (1, 50), (3, 3)])
def test_workers_are_capped_at_the_useful_number(requested, tasks):
    cores = len(os.sched_getaffinity(0))
    assert useful_workers(requested, tasks) == max(1, min(requested, tasks, cores))


# -- lost work ---------------------------------------------------------------------------


def test_report_refuses_to_replace_the_manifest(tmp_path, capsys):
    folder = tmp_path / "run"
    shutil.copytree(DATA / "run", folder)
    before = (folder / "manifest.json").read_bytes()
    assert main(["report", str(folder), "-o", str(folder / "manifest.json")]) == 2
    assert "would write into the results folder's own files" in one_line(capsys)
    assert (folder / "manifest.json").read_bytes() == before


def test_an_out_being_written_is_refused_before_computing(tmp_path, capsys):
    from sim.output import reserve

    out = tmp_path / "o"
    partial, lock, _ = reserve(out)  # another command holds it (a live flock)
    try:
        assert main(["run", str(BASELINE), "-n", "2", "--steps", "2", "-q", "--out", str(out)]) == 2
        assert "is being written by another running command" in one_line(capsys)
        assert sorted(p.name for p in partial.iterdir()) == [".lock"]  # untouched
    finally:
        lock.release()


def test_a_dead_commands_partial_folder_is_taken_over(tmp_path, capsys):
    from sim.output import partial_of

    out = tmp_path / "o"
    stale = partial_of(out)
    stale.mkdir()
    (stale / ".lock").write_text("123\n")  # its PID may be anyone's: the lock is free
    assert main(["run", str(BASELINE), "-n", "2", "--steps", "2", "-q", "--no-plots",
                 "--out", str(out)]) == 0  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]
    assert not (out / ".lock").exists()


# -- resume across model versions ----------------------------------------------------------


@pytest.fixture
def interrupted(tmp_path, monkeypatch):
    """A sweep stopped after its first chunk (by a failing second chunk), resumable."""
    import sim.jobs.sweep.executors as executors
    from sim.jobs.sweep.batch import run_chunk_task

    def flaky(payload, chunk):
        if chunk == 1:
            raise RuntimeError("worker lost")
        return run_chunk_task(payload, chunk)

    spec = tmp_path / "spec.yaml"
    spec.write_text(sweep_spec("resume", 2, 3, 2, "[0.1, 0.2]"))
    with monkeypatch.context() as patch:
        patch.setattr(executors, "run_chunk_task", flaky)
        args = ["sweep", str(spec), "--out", str(tmp_path / "s"), "-q", "--no-analysis",
                "--workers", "1"]  # fmt: skip
        assert main(args) == 2
    return args


def test_resume_refuses_another_coefficient(interrupted, monkeypatch, capsys):
    name = next(iter(PARAMETERS))  # any coefficient the scenario leaves to its default
    old = PARAMETERS[name]
    monkeypatch.setitem(PARAMETERS, name, replace(old, default=(old.lo + old.hi) / 2 + 1e-3))
    capsys.readouterr()
    assert main([*interrupted, "--resume"]) == 2
    err = one_line(capsys)
    assert "was computed with another model input" in err
    assert f"parameters.{name} {float(old.default)} →" in err


def test_resume_refuses_another_package_version(interrupted, monkeypatch, capsys):
    import sim.provenance as provenance

    monkeypatch.setattr(provenance, "package_version", lambda: "99.0")
    capsys.readouterr()
    assert main([*interrupted, "--resume"]) == 2
    assert "→ 99.0" in one_line(capsys)


def test_resume_with_the_same_model_continues(interrupted, capsys):
    assert main([*interrupted, "--resume"]) == 0
    assert "1 already done" in capsys.readouterr().err


def test_manifests_record_every_coefficient(tmp_path):
    out = tmp_path / "o"
    assert main(["run", str(BASELINE), "-n", "2", "--steps", "2", "-q", "--no-plots",
                 "--out", str(out)]) == 0  # fmt: skip
    meta = json.loads((out / "manifest.json").read_text())
    assert sorted(meta["model_input"]["coefficients"]) == sorted(PARAMETERS)
    assert len(meta["model_fingerprint"]) == 64 and meta["package_version"]


CONTROL = [c for c in map(chr, range(0x20)) if c not in "\t\n\r"] + ["\x7f", "\x85", "\u2028"]
SAFE_LINE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(SAFE_LINE, min_size=1, max_size=12), data=st.data())
def test_a_control_character_is_reported_where_an_editor_shows_it(tmp_path_factory, lines, data):
    row = data.draw(st.integers(0, len(lines) - 1))
    col = data.draw(st.integers(0, len(lines[row])))
    char = data.draw(st.sampled_from(CONTROL))
    lines[row] = lines[row][:col] + char + lines[row][col:]
    path = tmp_path_factory.mktemp("ctl") / "s.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(YamlFail) as caught:
        load_yaml(path)
    line, column, _, message = caught.value.args_
    assert (line, column) == (row + 1, col + 1)
    assert f"U+{ord(char):04X}" in message
