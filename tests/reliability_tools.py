"""Helpers shared by the reliability suite (tests/test_reliability_*.py)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"
# every summary column of North Korea in a compare folder (rounds 13 and 14 drop them)
EVERY_PRK = [f"{k}_PRK" for k in ("peak_escalation", "final_escalation", "final_rung",
                                  "final_leverage")]  # fmt: skip
CLI = [sys.executable, "-m", "sim.cli"]

ACTOR = (
    "{{name: {name}, capabilities: {{military: 0.5, economic: 0.5, nuclear: 0}}, "
    "traits: {{stability: 0.5, risk_tolerance: 0.5, resolve: 0.5, grievance: 0.5, "
    "axis_aversion: 0.5}}, escalation: 0.1}}"
)
MINI = (
    "name: mini\ntitle: Mini\nactors:\n"
    f"  AAA: {ACTOR.format(name='A')}\n  BBB: {ACTOR.format(name='B')}\n"
    "run: {steps: 6, replications: 4, distancing: {actor: AAA, partners: [BBB]}}\n"
)
"""A two-actor scenario that cites no evidence (so no ledger is needed)."""


def small_run(folder: Path) -> Path:
    """A fresh run folder of the baseline, 2 replications × 3 steps, charts drawn (the run
    fixture in tests/data predates aggregates.parquet)."""
    from sim.cli import main

    out = folder / "run"
    assert main(["run", str(BASELINE), "-n", "2", "--steps", "3", "--out", str(out)]) == 0
    return out


def sweep_spec(name: str, replications: int, steps: int, chunk: int, values: str) -> str:
    return (
        f"scenario: {BASELINE}\nname: {name}\ndesign: grid\nreplications: {replications}\n"
        f"steps: {steps}\nchunk_size: {chunk}\nparameters:\n  parameters.reactivity: {values}\n"
    )


def digests(folder: Path) -> dict[str, str]:
    """sha256 of every chunk and the points table of a sweep folder."""
    files = [*sorted((folder / "chunks").iterdir()), folder / "points.parquet"]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def _ppid_and_state(pid: int) -> tuple[int, str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0]


def descendants(root: int) -> set[int]:
    """Live (non-zombie) processes below `root`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = _ppid_and_state(int(entry))
            if info is not None and info[1] != "Z":
                children.setdefault(info[0], []).append(int(entry))
    out, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def alive(pids: set[int]) -> set[int]:
    """The pids among `pids` that still run (zombies count as dead)."""
    live = set()
    for pid in pids:
        info = _ppid_and_state(pid)
        if info is not None and info[1] != "Z":
            live.add(pid)
    return live


def wait_for(predicate, seconds: float, what: str) -> None:
    """Poll until `predicate()` holds; a safety net against hangs, not a timing assumption."""
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def start(args: list[str], cwd: Path, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [*CLI, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, **kw,
    )  # fmt: skip


def kill(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, sig)


OBSERVATION = """\
  - id: prk-launches-{year}
    kind: missile_launches
    actor: PRK
    period: "{year}"
    value: {value}
    unit: launch events per year
    reliability: estimate
    source: {{publisher: P, title: T, date: "{next}-01-05", url: "https://example.org/a"}}
"""


def tiny_calibration(folder: Path, **settings) -> Path:
    """A calibration that runs in about a second: one 24-month episode, two observations,
    one coefficient, 8 particles, 2 generations. Returns the spec's path; `settings` are
    extra spec lines (key: YAML text)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ep.yaml").write_text(
        f'extends: {BASELINE}\nname: ep_a\nrun: {{start: "2017-01", steps: 24}}\n'
    )
    (folder / "obs.yaml").write_text(
        "observations:\n"
        + OBSERVATION.format(year=2017, value=20, next=2018)
        + OBSERVATION.format(year=2018, value=3, next=2019)
    )
    lines = {
        "name": "tiny", "scenarios": "[ep.yaml]", "observations": "[obs.yaml]",
        "coefficients": "{reactivity: {prior: uniform, lo: 0.01, hi: 0.5}}",
        "population": "8", "generations": "2", "replications": "1",
        "predictive_replications": "2", **settings,
    }  # fmt: skip
    spec = folder / "spec.yaml"
    spec.write_text("".join(f"{k}: {v}\n" for k, v in lines.items() if v is not None))
    return spec


def one_line(capsys) -> str:
    """The only line a command wrote to stderr, after checking there is exactly one and no
    traceback: the project's promise for bad input."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert "Traceback" not in err and len(lines) == 1, err
    return lines[0]


# Observations round 17's property test drew, on which ABC-SMC with 4 particles collapses
# (docs/reliability.md §28): a refusal every run can reach.
_SOURCE = '{publisher: P, title: T, date: "2019-01-05", url: "https://example.org/a"}'
COLLAPSES = "observations:\n" + "".join(
    f"  - id: r-{i}\n    kind: {kind}\n    actor: {who}\n    period: \"{period}\"\n"
    f"    value: {value}\n    unit: events\n    reliability: solid\n    source: {_SOURCE}\n"
    for i, (kind, who, period, value) in enumerate([
        ("missile_launches", "PRK", "2018-06", 27), ("nuclear_test", "PRK", "2017-01", 0),
        ("unsc_vote", "CHN", "2017-01", 0)])
)  # fmt: skip


# An episode at war from its first month: under `no_war: true` every prior draw is ruled out.
WAR_AT_THE_START = f"""extends: {BASELINE}
name: ep_a
run: {{start: "2017-01", steps: 24}}
actors: {{PRK: {{escalation: 0.95}}, USA: {{escalation: 0.95}}}}
"""
