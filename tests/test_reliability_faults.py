"""Reliability suite, fault injection: the main process killed (SIGKILL) or stopped
(SIGTERM) while workers compute, and a disk that fills up while results are written.

Processes are found through /proc: every process below the command (pool workers, the
forkserver, the resource tracker) must be gone after the command dies, however it dies.
Waits poll for a state (workers running, a marker file) with a generous safety deadline,
so the tests do not depend on timing.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_tools import (
    BASELINE,
    REPO,
    alive,
    descendants,
    kill,
    start,
    sweep_spec,
    wait_for,
)

from sim.output import is_live

LONG_SWEEP = sweep_spec("long", 1000, 400, 50, "[0.1, 0.2]")  # 40 chunks, ~10 s on 2 cores
LONG_RUN = ["-n", "600", "--steps", "1500", "--workers", "2", "-q", "--no-plots"]
WORKERS_UP = 4  # forkserver, resource tracker and two workers


def _running(proc: subprocess.Popen) -> set[int]:
    """Wait until the command's pool is up; return the processes below it."""
    found: set[int] = set()

    def up() -> bool:
        assert proc.poll() is None, proc.communicate()
        found.clear()
        found.update(descendants(proc.pid))
        return len(found) >= WORKERS_UP

    wait_for(up, 60, "the worker processes")
    return found


def _no_orphans(pids: set[int]) -> None:
    wait_for(lambda: not alive(pids), 20, f"processes {sorted(alive(pids))} to end")


@pytest.mark.parametrize("command", ["sweep", "run"])
def test_sigkill_of_the_main_process_leaves_no_worker(tmp_path, command):
    if command == "sweep":
        spec = tmp_path / "long.yaml"
        spec.write_text(LONG_SWEEP)
        args = ["sweep", str(spec), "--out", "o", "-q", "--no-analysis", "--workers", "2"]
    else:
        args = ["run", str(BASELINE), "--out", "o", *LONG_RUN]
    proc = start(args, tmp_path)
    workers = _running(proc)
    kill(proc, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL  # not communicate(): orphans hold the pipes
    _no_orphans(workers)
    assert not (tmp_path / "o").exists()  # nothing that looks complete


def test_sigterm_of_a_run_leaves_no_worker_and_no_partial_folder(tmp_path):
    proc = start(["run", str(BASELINE), "--out", "o", *LONG_RUN], tmp_path)
    workers = _running(proc)
    kill(proc, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143
    lines = [line for line in err.strip().splitlines() if not line.startswith("estimate:")]
    assert lines == ["alliance-sim: terminated"]  # (a large run prints its size estimate first)
    _no_orphans(workers)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def _held_sweep(tmp_path: Path, hold: str) -> tuple[subprocess.Popen, list[str]]:
    spec = tmp_path / "spec.yaml"
    spec.write_text(sweep_spec("held", 4, 4, 4, "[0.1, 0.2, 0.3]"))  # 3 chunks
    args = ["sweep", str(spec), "--out", str(tmp_path / "s"), "-q", "--no-analysis",
            "--workers", "1"]  # fmt: skip
    marker = tmp_path / "held"
    cmd = [sys.executable, str(REPO / "tests" / "fault_hold.py"), hold, str(marker), *args]
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # this checkout's sim, as the resume uses
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=env)  # fmt: skip
    wait_for(lambda: marker.exists() or proc.poll() is not None, 60, "the hold point")
    assert proc.poll() is None, proc.communicate()
    return proc, args


def test_sigterm_of_a_sweep_keeps_finished_chunks_unlocked_for_resume(tmp_path, capsys):
    from sim.cli import main

    proc, args = _held_sweep(tmp_path, "committed:1")
    kill(proc, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "Traceback" not in err
    (partial,) = tmp_path.glob(".s.partial-*")
    assert not is_live(partial)  # its lock died with the process: resumable at once
    assert main([*args, "--resume"]) == 0
    assert "1 already done" in capsys.readouterr().err
    assert not list(tmp_path.glob(".s.partial-*"))


def test_sigterm_of_a_sweep_before_any_chunk_leaves_nothing(tmp_path):
    proc, _ = _held_sweep(tmp_path, "written:1")  # chunk 0 written, not yet renamed
    kill(proc, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["held", "spec.yaml"]


@pytest.fixture
def small_disk(tmp_path):
    """A 512 KB tmpfs (root and mount permission needed; skipped with the reason if not)."""
    mount, umount = shutil.which("mount"), shutil.which("umount")
    disk = tmp_path / "disk"
    disk.mkdir()
    if mount is None or umount is None:
        pytest.skip("no mount command: cannot make a small disk")
    done = subprocess.run([mount, "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(disk)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode})")
    yield disk
    subprocess.run([umount, str(disk)], check=False)


def test_disk_full_while_writing_is_one_line_and_leaves_nothing(small_disk):
    # The tables fit the estimate; the charts written after them fill the disk.
    proc = start(["run", str(BASELINE), "-n", "4", "--steps", "12", "-q", "--out", "o"],
                 small_disk)  # fmt: skip
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "no space left on the disk" in lines[0], err
    assert list(small_disk.iterdir()) == []


def test_disk_too_small_is_refused_before_computing(small_disk):
    proc = start(["run", str(BASELINE), "-n", "2000", "--steps", "100", "-q", "--out", "o"],
                 small_disk)  # fmt: skip
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert "of disk in" in err and len(err.strip().splitlines()) == 1
    assert list(small_disk.iterdir()) == []


def test_ctrl_c_of_a_dask_sweep_is_one_line_without_worker_tracebacks(tmp_path):
    spec = tmp_path / "long.yaml"
    spec.write_text(LONG_SWEEP)
    args = ["sweep", str(spec), "--out", "o", "-q", "--no-analysis", "--executor", "dask",
            "--workers", "2"]  # fmt: skip
    proc = start(args, tmp_path, start_new_session=True)
    chunks = tmp_path / ".o.partial-open" / "chunks"

    def computing() -> bool:
        assert proc.poll() is None, proc.communicate()
        return chunks.is_dir() and any(chunks.glob("chunk-*.parquet"))

    wait_for(computing, 120, "the first chunk")
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole group
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "alliance-sim: interrupted"
