"""Same seed → bit-identical chunk files with 1 worker, 2 local processes and Dask.

Chunk boundaries depend only on the spec, and a run's numbers only on its point and
replication, so the chunk files (Parquet bytes) are identical however they were computed.
Dask runs on a LocalCluster bound to 127.0.0.1 (loopback only).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(
        f"scenario: {BASELINE}\nname: exec\ndesign: lhs\nsamples: 9\nreplications: 5\n"
        "steps: 8\nchunk_size: 7\nseed: 4242\nparameters:\n"
        "  parameters.reactivity: 0.05:0.3\n"
        "  treaties.chn_prk_1961.obligation: [vague, automatic]\n"
        "  actors.UKR.active: [true, false]\n"
    )
    return path


def digests(folder: Path) -> dict[str, str]:
    files = [*sorted((folder / "chunks").glob("*.parquet")), folder / "points.parquet"]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def sweep(spec: Path, out: Path, *extra: str) -> Path:
    assert main(["sweep", str(spec), "--out", str(out), "-q", "--no-analysis", *extra]) == 0
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("ref")
    spec = spec_file(tmp)
    return spec, sweep(spec, tmp / "one", "--workers", "1")


def test_reference_folder_follows_the_contract(reference):
    _, folder = reference
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "sweep" and manifest["design"] == "lhs"
    assert (manifest["n_points"], manifest["replications"], manifest["n_runs"]) == (9, 5, 45)
    assert (manifest["chunk_size"], manifest["n_chunks"], manifest["root_seed"]) == (7, 7, 4242)
    for key in ("created_utc", "command", "versions", "parameters", "samples", "scenario"):
        assert key in manifest
    chunks = sorted((folder / "chunks").glob("chunk-*.parquet"))
    assert [c.name for c in chunks] == [f"chunk-{k:05d}.parquet" for k in range(7)]
    frame = pd.concat(map(pd.read_parquet, chunks), ignore_index=True)
    assert list(frame.columns[:3]) == ["point", "replication", "peak_escalation_CHN"]
    assert list(frame["point"]) == [k // 5 for k in range(45)]
    assert list(frame["replication"]) == [k % 5 for k in range(45)]
    points = pd.read_parquet(folder / "points.parquet")
    assert list(points.columns) == [
        "point", "parameters.reactivity", "treaties.chn_prk_1961.obligation", "actors.UKR.active"
    ]  # fmt: skip
    assert not list(folder.parent.glob(".*partial*"))


def test_two_local_workers_give_identical_chunks(reference, tmp_path):
    spec, ref = reference
    assert digests(sweep(spec, tmp_path / "two", "--workers", "2")) == digests(ref)


def test_dask_local_cluster_gives_identical_chunks(reference, tmp_path):
    spec, ref = reference
    out = sweep(spec, tmp_path / "dask", "--executor", "dask", "--workers", "2")
    assert digests(out) == digests(ref)


def test_unreachable_scheduler_is_one_line(reference, tmp_path, capsys):
    import dask

    spec, _ = reference
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main(
            ["sweep", str(spec), "--out", str(tmp_path / "x"), "-q", "--executor", "dask",
             "--scheduler", "tcp://127.0.0.1:9"]
        )  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("alliance-sim sweep: error: --scheduler tcp://127.0.0.1:9:")
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def _worker_logs_a_heartbeat_failure() -> None:
    """What a Dask worker logs (at ERROR, with a traceback) when its scheduler closes
    mid-heartbeat, as it did in CI after Ctrl-C of a sweep."""
    import logging

    try:
        raise OSError("Stream is closed")
    except OSError:
        logging.getLogger("distributed.worker").exception(
            "Failed to communicate with scheduler during heartbeat."
        )


def _worker_logs_a_tornado_error() -> None:
    """What Tornado's and asyncio's loggers print in a worker when a stream closes under a
    pending callback at shutdown (the next flake of the same kind, found by review)."""
    import logging

    for name in ("tornado.application", "asyncio"):
        try:
            raise OSError("Stream is closed")
        except OSError:
            logging.getLogger(name).exception("Exception in callback at shutdown")


def test_dask_workers_do_not_print_tornado_or_asyncio_errors(capfd):
    from sim.jobs.sweep.executors import DaskExecutor

    with DaskExecutor(workers=1) as executor:
        executor.client.run(_worker_logs_a_tornado_error)
    err = capfd.readouterr().err
    assert "at shutdown" not in err and "Traceback" not in err, err


def test_dask_workers_do_not_print_shutdown_errors(capfd):
    # The workers inherit this process's stderr (fd 2); a worker's ERROR log line lands
    # on the user's terminal unless the cluster silences it.
    from sim.jobs.sweep.executors import DaskExecutor

    with DaskExecutor(workers=1) as executor:
        executor.client.run(_worker_logs_a_heartbeat_failure)
    err = capfd.readouterr().err
    assert "heartbeat" not in err and "Traceback" not in err, err


def test_a_dask_sweep_that_ends_normally_gives_back_the_log_levels():
    # The quiet levels are for the cluster's shutdown; a Python API user's own logging
    # configuration is theirs again after a sweep that ended normally.
    import logging

    import distributed  # noqa: F401  its first import sets tornado's level (its own config)

    from sim.jobs.sweep.executors import DaskExecutor

    before = {name: logging.getLogger(name).level for name in ("tornado", "asyncio")}
    with DaskExecutor(workers=1):
        assert logging.getLogger("asyncio").level == logging.CRITICAL
    assert {name: logging.getLogger(name).level for name in before} == before
