"""The sweep folder on disk: assembled under a `.partial` name, chunks written atomically.

Layout while running (docs/results-format.md):

    results/sweeps/NAME/.STAMP.partial-open/
        .lock                held with flock by the running sweep (see sim/output.py)
        plan.json            the manifest-to-be, with the plan hash (what --resume matches)
        points.parquet       one row per design point
        design.parquet       the design matrix in sampler units
        chunks/chunk-NNNNN.parquet

A chunk is written to a temporary name, flushed to disk and renamed, so a chunk file that
exists is complete: a sweep killed at any instant (even by SIGKILL) resumes from the chunk
files present. A partial folder whose lock nobody holds is an interrupted sweep; a new
sweep of the same folder moves it aside to `.STAMP.partial-stale-X`. At the end
`manifest.json` is written and the folder renamed to STAMP.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim import output
from sim.errors import UsageError
from sim.results.write import manifest_text

PLAN_FILE = "plan.json"
MANIFEST = "manifest.json"
CHUNKS = "chunks"


def chunk_name(chunk: int) -> str:
    return f"chunk-{chunk:05d}.parquet"


def find_resumable(
    final: Path | None, root: Path, spec_hash: str
) -> tuple[Path | None, list[Path]]:
    """(newest stale partial folder of this spec, stale partial folders of other specs).

    Partial folders whose lock is held belong to running sweeps and are left alone.
    """
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
        if not isinstance(plan, dict) or output.is_live(folder):
            continue
        same = plan.get("spec_hash", plan.get("plan_hash")) == spec_hash
        (match if same else other).append(folder)
    match.sort(key=lambda p: p.stat().st_mtime)
    return (match[-1] if match else None), other


def read_plan(partial: Path) -> dict[str, Any]:
    return json.loads((partial / PLAN_FILE).read_text())


def claim(partial: Path) -> tuple[Path, output.FolderLock]:
    """Take over an interrupted sweep's folder: lock it (refuse if its process still runs)
    and give it the name a new sweep of the same folder would reserve."""
    lock = output.try_lock(partial)
    if lock is None:
        raise UsageError(f"{partial} belongs to a sweep that is still running")
    mine = output.partial_of(output.final_of(partial))
    if mine != partial:
        try:
            output.rename_noreplace(partial, mine)
        except OSError:
            lock.release()
            raise UsageError(
                f"{mine} exists beside {partial}: another sweep of the same folder is there; "
                "delete the one you do not need"
            ) from None
    return mine, lock


def create(partial: Path, plan: dict[str, Any], points: pd.DataFrame, design: pd.DataFrame) -> None:
    """Fill a reserved (already created and locked) partial folder with the plan."""
    (partial / CHUNKS).mkdir()
    rid = sweep_id(plan["plan_hash"])
    _write_parquet(points, partial / "points.parquet", rid)
    _write_parquet(design, partial / "design.parquet", rid)
    _atomic_text(partial / PLAN_FILE, json.dumps(plan, indent=2, default=str) + "\n")


def sweep_id(plan_hash: str) -> str:
    """The sweep's result id: its plan hash (spec numbers, model fingerprint, noise scheme),
    so a resumed sweep, or one on N workers, has the id of a fresh one."""
    return output.result_id({"kind": "sweep", "plan_hash": plan_hash})


def retag(partial: Path, plan_hash: str, points: pd.DataFrame, design: pd.DataFrame) -> None:
    """Rewrite the plan tables of a resumed folder begun before result ids (the same bytes
    a fresh sweep writes), so publication does not refuse them."""
    rid = sweep_id(plan_hash)
    for name, frame in (("points.parquet", points), ("design.parquet", design)):
        if output.parquet_id(partial / name) != rid:
            _write_parquet(frame, partial / name, rid)


def completed_chunks(
    partial: Path, expected_rows: dict[int, int], rid: str | None = None
) -> set[int]:
    """Chunks whose file is present, whole and (with `rid`) of this result; removes leftovers
    of killed writes and chunks written without the id (by an older version)."""
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
        if expected_rows.get(chunk) == rows and (rid is None or output.parquet_id(path) == rid):
            done.add(chunk)
        else:
            path.unlink(missing_ok=True)
    return done


def write_chunk(partial: Path, chunk: int, frame: pd.DataFrame, rid: str | None = None) -> None:
    """Write one chunk file atomically (temporary name, fsync, rename), tagged with `rid`."""
    final = partial / CHUNKS / chunk_name(chunk)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    _write_parquet(frame, tmp, rid)
    os.replace(tmp, final)


def _write_parquet(frame: pd.DataFrame, path: Path, rid: str | None = None) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if rid is not None:  # publication checks every table's id (sim/output.py)
        table = table.replace_schema_metadata(output.tag_schema(table.schema, rid).metadata)
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


def finish(partial: Path, lock: output.FolderLock, manifest: dict[str, Any]) -> Path:
    """Write the manifest and give the folder its final name (never onto an existing one)."""
    _atomic_text(partial / MANIFEST, manifest_text(manifest))  # checked: sim/results
    # The plan stays until publication succeeds: a refused folder (tables of another result)
    # can then be resumed, and resume drops the chunks that do not carry this sweep's id.
    folder = output.publish(partial, lock, output.final_of(partial))
    (folder / PLAN_FILE).unlink(missing_ok=True)
    return folder


def read_manifest(folder: Path, rewrites: tuple[str, ...] = ()) -> dict[str, Any]:
    """The manifest of a finished sweep, after checking the folder (sim/results_io.py;
    `rewrites` as there)."""
    from sim.results_io import check_folder

    manifest = check_folder(folder, rewrites)
    if manifest["kind"] != "sweep":
        raise UsageError(f"{folder}: a {manifest['kind']} folder, expected a sweep")
    return manifest


def replace_dir(tmp: Path, target: Path) -> None:
    """Put a finished folder in place of `target` (the old one is removed after)."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
    tmp.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
