"""Reliability suite, issue #19 class 1: a results folder can never mix two commands' tables.

The delayed-first-lock race, deterministic in one process (a thread whose first `flock` waits
for the test) and real with two processes (tests/fault_slow_lock.py), plus the check at
publication: every Parquet table must carry the manifest's result id.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import threading

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from reliability_tools import BASELINE, REPO, start, wait_for

from sim import output
from sim.errors import UsageError

RUN = ["run", str(BASELINE), "-n", "3", "--steps", "3", "-q", "--no-plots"]


def _partials(root):
    return sorted(p.name for p in root.iterdir() if ".partial-" in p.name)


def test_a_folder_not_yet_locked_is_never_taken_for_stale(tmp_path, monkeypatch):
    """A creates its folder and stops before its first flock; B reserves meanwhile."""
    out = tmp_path / "x"
    created, go = threading.Event(), threading.Event()
    real = fcntl.flock
    slow_thread: list[int] = []

    def flock(fd, op):
        if threading.get_ident() in slow_thread and op & fcntl.LOCK_EX:
            slow_thread.clear()
            created.set()  # A's folder exists, its lock is not taken yet
            go.wait()  # until B has reserved: no timeout that could let A go first
        return real(fd, op)

    monkeypatch.setattr(fcntl, "flock", flock)
    got: dict[str, object] = {}

    def first():
        slow_thread.append(threading.get_ident())
        try:
            got["a"] = output.reserve(out)
        except UsageError as exc:
            got["a"] = exc

    thread = threading.Thread(target=first, daemon=True)
    thread.start()
    try:
        wait_for(lambda: created.is_set() or not thread.is_alive(), 60, "A's folder")
        assert created.is_set(), got
        b = output.reserve(out)  # B, while A holds an unlocked folder
    finally:
        go.set()
    thread.join()
    assert isinstance(got["a"], UsageError), got["a"]
    assert "being written by another running command" in str(got["a"])
    partial, lock, stale = b
    assert stale is None and output.holds(lock, partial)
    assert _partials(tmp_path) == [partial.name]  # A left nothing behind
    lock.release()


def test_a_stale_folder_moved_by_one_command_is_not_taken_by_another(tmp_path):
    """Two commands find one stale folder; the second's lock file is no longer at the path."""
    out = tmp_path / "x"
    partial, lock, _ = output.reserve(out)
    lock.release()  # its command died
    fd_b = output.try_lock(partial)  # B locks the stale folder ...
    assert fd_b is not None
    moved = partial.with_name(".x.partial-stale-test")
    partial.rename(moved)  # ... and moves it aside, as reserve does
    fresh, lock2, _ = output.reserve(out)  # a third command reserves the name
    fd_b.release()
    assert output.try_lock(fresh) is None  # held by its owner: never taken for stale
    lock2.release()


def test_two_runs_with_a_delayed_first_lock_never_share_a_folder(tmp_path):
    """Issue #19's attack with real processes: A creates its folder and waits before its first
    lock until B has reserved `X` (B's pid in the lock file) and is computing."""
    release = tmp_path / "release"
    seam = [str(REPO / "tests" / "fault_slow_lock.py"), str(release)]
    a = _start_seam(seam, [*RUN, "--seed", "1", "--out", "X"], tmp_path)
    wait_for(lambda: any(".partial-" in p.name for p in tmp_path.iterdir()), 60, "A's folder")
    b = start(["run", str(BASELINE), "-n", "300", "--steps", "100", "-q", "--no-plots",
               "--seed", "2", "--out", "X"], tmp_path)  # fmt: skip
    lock = tmp_path / ".X.partial-open" / output.LOCK_FILE

    def b_reserved() -> bool:
        """B, stopped, holding `X`: a B that ran on and published before A took its lock
        (a loaded machine, where this test polls late) changed A's refusal."""
        if b.poll() is not None:
            return True
        os.kill(b.pid, signal.SIGSTOP)
        try:
            if lock.read_text().strip() == str(b.pid):
                return True
        except OSError:
            pass
        os.kill(b.pid, signal.SIGCONT)
        return False

    try:
        wait_for(b_reserved, 60, "B's reservation")
        release.touch()
        _, err_a = a.communicate(timeout=180)  # refused while B holds `X`
    finally:
        if b.poll() is None:
            os.kill(b.pid, signal.SIGCONT)
    _, err_b = b.communicate(timeout=180)
    results = [(a.returncode, err_a), (b.returncode, err_b)]
    assert (a.returncode, b.returncode) == (2, 0), results  # B reserved first: B's folder
    refused = err_a.strip().splitlines()
    assert len(refused) == 1, err_a  # refused before computing, not failing half-way
    assert "being written by another running command" in refused[0], err_a
    folder = tmp_path / "X"
    meta = json.loads((folder / "manifest.json").read_text())
    for name in ("timeseries", "pairs", "system"):
        found = pq.read_schema(folder / f"{name}.parquet").metadata[output.PARQUET_KEY]
        assert found.decode() == meta[output.RESULT_ID], name
    assert meta["root_seed"] == 2
    assert not _partials(tmp_path)


def _start_seam(seam, args, cwd):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, *seam, *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _table(path, rid: str | None) -> None:
    table = pa.table({"replication": [0]})
    schema = table.schema if rid is None else output.tag_schema(table.schema, rid)
    pq.write_table(table.cast(schema), path)


@pytest.mark.parametrize(
    ("manifest_id", "table_ids", "ok"),
    [
        ("aaa", ["aaa", "aaa"], True),
        ("aaa", ["aaa", "bbb"], False),  # a table of another computation
        ("aaa", ["aaa", None], False),  # a table written by nobody known
        (None, ["aaa"], False),  # tables of a result, manifest of none
        (None, [None], False),  # every kind must carry an id (tests/test_result_ids.py)
    ],
)
def test_publication_refuses_tables_of_another_result(tmp_path, manifest_id, table_ids, ok):
    out = tmp_path / "x"
    partial, lock, _ = output.reserve(out)
    kind = "run" if manifest_id else "sweep"  # a run without an id: tests/test_result_ids.py
    meta = {"kind": kind} | ({output.RESULT_ID: manifest_id} if manifest_id else {})
    (partial / "manifest.json").write_text(json.dumps(meta))
    for i, rid in enumerate(table_ids):
        _table(partial / f"t{i}.parquet", rid)
    if ok:
        assert output.publish(partial, lock, out) == out
        return
    with pytest.raises(UsageError, match="not published") as info:
        output.publish(partial, lock, out)
    assert "\n" not in str(info.value)
    assert not out.exists() and partial.exists()
    lock.release()


def test_publication_refuses_a_folder_taken_over(tmp_path):
    out = tmp_path / "x"
    partial, lock, _ = output.reserve(out)
    (partial / output.LOCK_FILE).unlink()  # replaced by another command's lock file
    (partial / output.LOCK_FILE).write_text("1\n")
    with pytest.raises(UsageError, match="taken over"):
        output.publish(partial, lock, out)
    assert not out.exists()
    lock.release()
