"""Reliability suite, a real multi-process Dask cluster: `dask scheduler` and two
`dask worker` processes started here on 127.0.0.1 (ports they pick), not a LocalCluster.

The sweep it computes is byte-for-byte the local pool's, also when one worker is killed
(SIGKILL of the worker and its nanny) while chunks are being computed.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_tools import REPO, digests, sweep_spec, wait_for

from sim.cli import main

DASK = Path(sys.executable).with_name("dask")
SPEC = sweep_spec("cluster", 200, 100, 20, "[0.1, 0.2, 0.3]")  # 30 chunks


def _start_scheduler(logs: Path) -> tuple[subprocess.Popen, str]:
    """`dask scheduler` on a port it picks itself (`--port 0`), and the address it bound,
    read back from its scheduler file. Why: a port picked here by binding and closing a
    socket (the former `_free_port()`) could be taken by another process before the
    scheduler bound it: the scheduler failed and the Client timed out."""
    file = logs / "scheduler.json"
    args = ["scheduler", "--host", "127.0.0.1", "--port", "0", "--scheduler-file", str(file),
            "--dashboard-address", ":0"]  # fmt: skip
    scheduler = _spawn(args, logs / "scheduler.log")
    found: list[str] = []

    def bound() -> bool:
        try:  # the file is written in place: it may be read half written
            found.append(json.loads(file.read_text())["address"])
        except (OSError, ValueError, KeyError):
            return scheduler.poll() is not None
        return True

    try:
        wait_for(bound, 60, "the scheduler's address")
        if not found:
            pytest.fail(f"the scheduler exited: {(logs / 'scheduler.log').read_text()}")
    except BaseException:  # no scheduler left behind (it runs in its own session)
        _stop(scheduler)
        raise
    return scheduler, found[0]


def _spawn(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with open(log, "w") as fh:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([str(DASK), *args], cwd=REPO, env=env, stdout=fh, stderr=fh,
                                start_new_session=True)  # fmt: skip


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(scheduler address, [worker processes]); everything is killed at the end."""
    if not DASK.exists():
        pytest.skip(f"no `dask` command beside {sys.executable}")
    from distributed import Client

    logs = tmp_path_factory.mktemp("dask")
    scheduler, address = _start_scheduler(logs)
    worker = ["worker", address, "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1",
              "--dashboard-address", ":0"]  # fmt: skip
    workers = [_spawn(worker, logs / f"worker{i}.log") for i in range(2)]
    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, workers
    finally:
        for proc in [*workers, scheduler]:
            _stop(proc)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The same sweep on the local process pool."""
    tmp = tmp_path_factory.mktemp("local")
    (tmp / "spec.yaml").write_text(SPEC)
    out = tmp / "local"
    assert main(["sweep", str(tmp / "spec.yaml"), "--out", str(out), "-q", "--no-analysis",
                 "--workers", "2"]) == 0  # fmt: skip
    return digests(out)


def test_a_real_cluster_matches_the_local_pool_byte_for_byte(cluster, reference, tmp_path):
    address, _ = cluster
    (tmp_path / "spec.yaml").write_text(SPEC)
    out = tmp_path / "dask"
    assert main(["sweep", str(tmp_path / "spec.yaml"), "--out", str(out), "-q", "--no-analysis",
                 "--executor", "dask", "--scheduler", address]) == 0  # fmt: skip
    assert digests(out) == reference


def test_a_killed_worker_changes_no_byte(cluster, reference, tmp_path):
    """The sweep is parked once its first chunk is committed (tests/fault_hold.py), the
    worker is killed, then the sweep goes on: the kill falls mid-sweep however slow or
    fast the machine is (polling for chunk files raced a fast sweep to its end)."""
    address, workers = cluster
    (tmp_path / "spec.yaml").write_text(SPEC)
    marker = tmp_path / "held"
    cmd = [sys.executable, str(REPO / "tests" / "fault_hold.py"), "committed:1", str(marker),
           "sweep", "spec.yaml", "--out", "killed", "-q", "--no-analysis",
           "--executor", "dask", "--scheduler", address]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    wait_for(lambda: marker.exists() or proc.poll() is not None, 120, "the first chunk")
    assert proc.poll() is None, proc.communicate()
    chunks = tmp_path / ".killed.partial-open" / "chunks"
    done_before = len(list(chunks.glob("chunk-*.parquet")))
    os.killpg(workers[0].pid, signal.SIGKILL)  # the worker and its nanny, mid-sweep
    assert done_before < len(reference) - 1  # chunks were still to come
    marker.unlink()  # the sweep goes on without that worker
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert digests(tmp_path / "killed") == reference


def test_the_scheduler_comes_up_when_a_port_picked_beforehand_is_taken(tmp_path, monkeypatch):
    """Before: `_free_port()` picked a port by binding and closing a socket and the
    scheduler was told to use it; a process that took the port in between left the
    scheduler unable to bind and the Client timing out. Here a port named to the scheduler
    is taken just before it starts (the race made certain); the scheduler picks its own
    port (`--port 0`) and its address is read back from its scheduler file."""
    if not DASK.exists():
        pytest.skip(f"no `dask` command beside {sys.executable}")
    from distributed import Client

    spawn, taken = _spawn, []

    def squatted(args: list[str], log: Path) -> subprocess.Popen:
        port = int(args[args.index("--port") + 1]) if "--port" in args else 0
        if port:  # another process binds the port the scheduler was given
            sock = socket.socket()
            sock.bind(("127.0.0.1", port))
            taken.append(sock)
        return spawn(args, log)

    monkeypatch.setattr(sys.modules[__name__], "_spawn", squatted)
    scheduler = None
    try:
        scheduler, address = _start_scheduler(tmp_path)
        with Client(address, timeout=20) as client:
            assert client.scheduler_info()["address"] == address
    finally:
        if scheduler is not None:
            _stop(scheduler)
        for sock in taken:
            sock.close()
