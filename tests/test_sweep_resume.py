"""--resume after SIGKILL: no completed chunk is redone or lost; the data equal an
uninterrupted sweep's, byte for byte.

A subprocess sweep is parked at a known point by the test seam tests/fault_hold.py
(which wraps sim.jobs.sweep.store from outside), then killed with SIGKILL from here, so the
tests do not depend on timing.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"
SPEC = (
    f"scenario: {BASELINE}\nname: resume\ndesign: grid\nreplications: 4\nsteps: 6\n"
    "chunk_size: 5\nparameters:\n  parameters.reactivity: 0.05:0.3:3\n"
    "  actors.PRK.traits.resolve: [0.6, 0.9]\n"
)  # 6 points × 4 replications = 24 runs = 5 chunks


def digests(folder: Path) -> dict[str, str]:
    files = [*sorted((folder / "chunks").iterdir()), folder / "points.parquet"]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


@pytest.fixture(scope="module")
def spec_and_reference(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("resume")
    spec = tmp / "spec.yaml"
    spec.write_text(SPEC)
    out = tmp / "uninterrupted"
    assert (
        main(["sweep", str(spec), "--out", str(out), "-q", "--no-analysis", "--workers", "1"]) == 0
    )
    return spec, digests(out)


def kill_while_held(spec: Path, out: Path, hold: str, marker: Path) -> None:
    args = ["sweep", str(spec), "--out", str(out), "-q", "--no-analysis", "--workers", "1"]
    cmd = [sys.executable, str(REPO / "tests" / "fault_hold.py"), hold, str(marker), *args]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120  # a safety net, not a timing assumption
        while not marker.exists():
            assert proc.poll() is None, "the sweep ended before reaching the hold point"
            assert time.monotonic() < deadline, "the sweep never reached the hold point"
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize(
    ("hold", "left_behind"),
    [
        ("committed:2", 2),  # killed between chunks: 2 complete chunk files
        ("written:3", 2),  # killed after writing chunk 3's temporary file, before its rename
    ],
)
def test_resume_after_sigkill_equals_uninterrupted(spec_and_reference, tmp_path, capsys, hold,
                                                   left_behind):  # fmt: skip
    spec, reference = spec_and_reference
    out = tmp_path / "sweep"
    kill_while_held(spec, out, hold, tmp_path / "held")
    (partial,) = tmp_path.glob(".sweep.partial-*")
    chunks = sorted(p.name for p in (partial / "chunks").iterdir())
    assert [c for c in chunks if c.startswith("chunk-")] == [
        f"chunk-{k:05d}.parquet" for k in range(left_behind)
    ]
    kept = {
        c: (partial / "chunks" / c).stat().st_mtime_ns for c in chunks if c.startswith("chunk-")
    }
    assert not out.exists()  # nothing that looks complete

    code = main(["sweep", str(spec), "--out", str(out), "-q", "--no-analysis", "--resume",
                 "--workers", "2"])  # fmt: skip
    assert code == 0
    assert f"{left_behind} already done" in capsys.readouterr().err
    assert digests(out) == reference
    for name, mtime in kept.items():  # completed chunks were not redone
        assert (out / "chunks" / name).stat().st_mtime_ns == mtime
    assert not list(tmp_path.glob(".sweep.partial-*"))


def test_resume_with_another_spec_starts_anew(spec_and_reference, tmp_path, capsys):
    spec, _ = spec_and_reference
    kill_while_held(spec, tmp_path / "s", "committed:1", tmp_path / "held")
    other = tmp_path / "other.yaml"
    other.write_text(SPEC.replace("replications: 4", "replications: 3"))
    assert main(["sweep", str(other), "--out", str(tmp_path / "s"), "-q", "--no-analysis",
                 "--resume", "--workers", "1"]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert "have a different spec" in err and "0 already done" in err


def test_out_is_never_overwritten(spec_and_reference, tmp_path, capsys):
    spec, _ = spec_and_reference
    (tmp_path / "taken").mkdir()
    code = main(["sweep", str(spec), "--out", str(tmp_path / "taken"), "-q"])
    assert code == 2
    assert "already exists" in capsys.readouterr().err


def test_a_failing_chunk_is_one_line_and_keeps_the_chunks_written(spec_and_reference, tmp_path,
                                                                  capsys, monkeypatch):  # fmt: skip
    import sim.jobs.sweep.executors as executors
    from sim.jobs.sweep.batch import run_chunk_task

    def flaky(payload, chunk):
        if chunk == 2:
            raise RuntimeError("worker lost")
        return run_chunk_task(payload, chunk)

    monkeypatch.setattr(executors, "run_chunk_task", flaky)
    spec, reference = spec_and_reference
    out = tmp_path / "s"
    assert main(["sweep", str(spec), "--out", str(out), "-q", "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "alliance-sim sweep: error: a chunk failed: RuntimeError: worker lost"
    (partial,) = tmp_path.glob(".s.partial-*")
    assert len(list((partial / "chunks").glob("chunk-*"))) == 2
    monkeypatch.undo()
    assert main(["sweep", str(spec), "--out", str(out), "-q", "--no-analysis", "--resume"]) == 0
    assert digests(out) == reference
