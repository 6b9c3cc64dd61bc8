"""The sweep folder on disk: assembled under a `.partial` name, chunks written atomically.

Layout while running (docs/results-format.md):

    results/sweeps/NAME/.STAMP.partial-PID/
        plan.json            the manifest-to-be, with the plan hash (what --resume matches)
        points.parquet       one row per design point
        design.parquet       the design matrix in sampler units
        chunks/chunk-NNNNN.parquet

A chunk is written to a temporary name, flushed to disk and renamed, so a chunk file that
exists is complete: a sweep killed at any instant (even by SIGKILL) resumes from the chunk
files present. At the end `manifest.json` is written and the folder renamed to STAMP.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import UsageError

PLAN_FILE = "plan.json"
MANIFEST = "manifest.json"
CHUNKS = "chunks"


def chunk_name(chunk: int) -> str:
    return f"chunk-{chunk:05d}.parquet"


def stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def partial_name(final: Path, pid: int | None = None) -> Path:
    return final.with_name(f".{final.name}.partial-{os.getpid() if pid is None else pid}")


def final_of(partial: Path) -> Path:
    name = partial.name
    return partial.with_name(name[1 : name.rindex(".partial-")])


def _pid_of(partial: Path) -> int | None:
    try:
        return int(partial.name.rsplit(".partial-", 1)[1])
    except (IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a recycled pid running something else does not hold the folder
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    return b"alliance-sim" in cmdline or b"sim.cli" in cmdline or b"python" in cmdline


def find_resumable(final: Path | None, root: Path, token: str) -> tuple[Path | None, list[Path]]:
    """(newest partial folder with this plan hash, partial folders of other plans)."""
    if final is not None:
        candidates = list(final.parent.glob(f".{final.name}.partial-*"))
    else:
        candidates = list(root.glob(".*.partial-*"))
    match, other = [], []
    for folder in candidates:
        try:
            plan = json.loads((folder / PLAN_FILE).read_text())
        except (OSError, ValueError):
            continue
        (match if plan.get("plan_hash") == token else other).append(folder)
    match.sort(key=lambda p: p.stat().st_mtime)
    return (match[-1] if match else None), other


def claim(partial: Path) -> Path:
    """Take over an interrupted sweep's folder (refuse if its process still runs)."""
    pid = _pid_of(partial)
    if pid is not None and _alive(pid):
        raise UsageError(f"{partial} belongs to a sweep that is still running (pid {pid})")
    mine = partial_name(final_of(partial))
    if mine != partial:
        partial.rename(mine)
    return mine


def create(partial: Path, plan: dict[str, Any], points: pd.DataFrame, design: pd.DataFrame) -> None:
    partial.mkdir(parents=True)
    (partial / CHUNKS).mkdir()
    _write_parquet(points, partial / "points.parquet")
    _write_parquet(design, partial / "design.parquet")
    _atomic_text(partial / PLAN_FILE, json.dumps(plan, indent=2, default=str) + "\n")


def completed_chunks(partial: Path, expected_rows: dict[int, int]) -> set[int]:
    """Chunks whose file is present and whole; removes leftovers of killed writes."""
    folder = partial / CHUNKS
    done = set()
    for path in folder.iterdir():
        name = path.name
        if name.startswith(".") and ".tmp" in name:
            path.unlink(missing_ok=True)  # a write that never reached its rename
            continue
        if not (name.startswith("chunk-") and name.endswith(".parquet")):
            continue
        try:
            chunk = int(name[6:-8])
            rows = pq.ParquetFile(path).metadata.num_rows
        except (ValueError, OSError, pa.ArrowInvalid):
            path.unlink(missing_ok=True)
            continue
        if expected_rows.get(chunk) == rows:
            done.add(chunk)
        else:
            path.unlink(missing_ok=True)
    return done


def write_chunk(partial: Path, chunk: int, frame: pd.DataFrame, hook: Any = None) -> None:
    """Write one chunk file atomically (temporary name, fsync, rename)."""
    final = partial / CHUNKS / chunk_name(chunk)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    _write_parquet(frame, tmp)
    if hook is not None:
        hook("written", tmp)
    os.replace(tmp, final)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with open(path, "wb") as fh:
        pq.write_table(table, fh, compression="zstd")
        fh.flush()
        os.fsync(fh.fileno())


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def finish(partial: Path, manifest: dict[str, Any]) -> Path:
    """Write the manifest and give the folder its final name."""
    _atomic_text(partial / MANIFEST, json.dumps(manifest, indent=2, default=str) + "\n")
    (partial / PLAN_FILE).unlink(missing_ok=True)
    final = final_of(partial)
    if final.exists():
        raise UsageError(f"{final} already exists; results are never overwritten")
    partial.rename(final)
    return final


def read_manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / MANIFEST).read_text())


def replace_dir(tmp: Path, target: Path) -> None:
    """Put a finished folder in place of `target` (the old one is removed after)."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
    tmp.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
