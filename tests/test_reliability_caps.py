"""Reliability suite, issue #19 class 6 (tracebacks and hangs): one cap table (sim/limits.py)
for the command line and the Python API, memory estimates before hindcast and calibrate, a
bounded wait for a Dask scheduler that never answers.

Every row: exit 2 (or UsageError from the API), one line, nothing written.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from reliability_tools import BASELINE, REPO, one_line, sweep_spec, tiny_calibration

import sim
from sim.cli import main
from sim.errors import UsageError
from sim.limits import MAX_REPLICATIONS

OBS = REPO / "seeds" / "observations" / "missile_launches.yaml"
EPISODE = REPO / "scenarios" / "history" / "base_2016.yaml"  # the one continuous history
HUGE = "1" + "0" * 400  # a 401-digit count


def _hindcast(*extra: str) -> list[str]:
    return ["hindcast", str(OBS), str(EPISODE), "--no-plots", *extra]


CLI = [  # (argv, words of the one line)
    (_hindcast("--seed", "-1"), "--seed must be between 0 and 2**63 - 1, found -1"),
    (_hindcast("--seed", HUGE), "found a number of 401 digits"),
    (_hindcast("-n", str(10**12)), f"--replications must be at most {MAX_REPLICATIONS:,}"),
    (_hindcast("-n", HUGE), "--replications must be at most 10,000,000, found a number of 401"),
    (_hindcast("--draws", str(10**9)), "--draws must be at most 10,000"),
    (_hindcast("-n", "100000", "--draws", "1000"), "--replications × --draws must be at most"),
    (_hindcast("-n", "5000000", "--draws", "2"), "of memory"),
    (["run", str(BASELINE), "-n", HUGE], "found a number of 401 digits"),
]


@pytest.mark.parametrize(("argv", "words"), CLI, ids=[" ".join(a[3:])[:40] for a, _ in CLI])
def test_hindcast_and_run_counts_are_one_line(tmp_path, capsys, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sim.limits.available_memory", lambda: 16 << 30)  # any machine
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    assert words in one_line(capsys)
    assert not (tmp_path / "o").exists()


def test_calibration_memory_is_estimated_before_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sim.limits.available_memory", lambda: 16 << 30)
    spec = tiny_calibration(tmp_path / "c", population="100000", replications="1000")
    out = tmp_path / "o"
    assert main(["calibrate", str(spec), "--out", str(out), "-q", "--no-plots"]) == 2
    line = one_line(capsys)
    assert "the calibration (100,000,000 runs per batch) needs about" in line
    assert not out.exists() and not (tmp_path / ".o.work").exists()
    small = tiny_calibration(tmp_path / "d")  # control: the same machine takes a small one
    assert main(["calibrate", str(small), "--out", str(out), "-q", "--no-plots"]) == 0


def test_rejection_calibration_memory_counts_its_batches_of_prior_draws(
    tmp_path, capsys, monkeypatch
):
    """Rejection ABC simulates its population/accept prior draws in batches of
    sim.observe.rejection.BATCH, not `population` at a time: the estimate says so."""
    from sim.observe.rejection import BATCH

    monkeypatch.setattr("sim.limits.available_memory", lambda: 16 << 30)

    spec = tiny_calibration(
        tmp_path / "r", population="10", accept="0.001", replications="1000", method="rejection"
    )
    out = tmp_path / "o"
    assert main(["calibrate", str(spec), "--out", str(out), "-q", "--no-plots"]) == 2
    assert f"the calibration ({BATCH * 1000:,} runs per batch) needs about" in one_line(capsys)
    assert not out.exists()


API = [  # (keyword arguments of sim.run, words)
    ({"n": 10**12}, f"n must be at most {MAX_REPLICATIONS:,}"),
    ({"n": int(HUGE)}, "found a number of 401 digits"),
    ({"steps": 10**9}, "steps must be at most"),
    ({"seed": -1}, "seed must be a whole number of at least 0"),
    ({"seed": 2**64}, "seed must be at most"),
    ({"n": 2.5}, "n must be a whole number, found 2.5"),
    ({"n": True}, "n must be a whole number, found True"),
    ({"workers": 0}, "workers must be a whole number of at least 1"),
]


@pytest.mark.parametrize(("kwargs", "words"), API, ids=[str(k)[:30] for k, _ in API])
def test_the_api_has_the_command_lines_caps(kwargs, words):
    with pytest.raises(UsageError, match=None) as info:
        sim.run(str(BASELINE), **kwargs)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_the_api_runs_within_the_caps(tmp_path):
    res = sim.run(str(BASELINE), n=2, steps=2, seed=0, out=tmp_path / "r")
    assert len(res.summary) == 2


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never answers (as an HTTP server does to a
    Dask handshake)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield srv.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    srv.close()


@pytest.mark.slow
def test_a_scheduler_that_never_answers_is_one_line(tmp_path, silent_server):
    spec = tmp_path / "spec.yaml"
    spec.write_text(sweep_spec("sched", 1, 2, 1, "[0.1, 0.2]"))
    env = {**os.environ, "PYTHONPATH": str(REPO), "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "sweep", str(spec), "--executor", "dask",
         "--scheduler", f"tcp://127.0.0.1:{silent_server}", "-q", "--no-analysis",
         "--out", str(tmp_path / "o")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert "cannot connect (no Dask scheduler answered within 2 s)" in last
    assert "Traceback" not in proc.stderr
    assert not any(p.name.startswith((".o", "o")) for p in Path(tmp_path).iterdir())
