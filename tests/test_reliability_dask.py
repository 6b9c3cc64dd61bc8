"""Reliability suite, a real multi-process Dask cluster: `dask scheduler` and two
`dask worker` processes started here on 127.0.0.1 (free ports), not a LocalCluster.

The sweep it computes is byte-for-byte the local pool's, also when one worker is killed
(SIGKILL of the worker and its nanny) while chunks are being computed.
"""

from __future__ import annotations

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _spawn(["scheduler", "--host", "127.0.0.1", "--port", str(port),
                        "--dashboard-address", ":0"], logs / "scheduler.log")  # fmt: skip
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
