"""The one writer of results folders: manifests checked against their kind's model, and tables.

Why: each command wrote its manifest with `json.dumps` and its tables with its own Parquet
calls, so a folder could be written that the readers then refused. Every command ends
through `write_manifest`, which checks the manifest against the model its readers use
(sim/results/manifest.py) before a byte is written. Folder reservation and the atomic
rename stay in sim/output.py; the per-step tables a run streams chunk by chunk are written
where each chunk ran (`sim.stream_tables.ChunkTables`, a worker) and joined row group by
row group into one file per table (`JoinedTables`, sim/parquet_concat.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from sim.results.manifest import ManifestError, parse_manifest

MANIFEST = "manifest.json"


def manifest_text(meta: dict[str, Any]) -> str:
    """The manifest as JSON, after checking it against its kind's model.

    A manifest its readers would refuse is a bug in the command that built it, so it is a
    ValueError here (not a user-facing line)."""
    try:
        parse_manifest(json.loads(json.dumps(meta, default=str)))
    except ManifestError as exc:
        raise ValueError(f"refusing to write a manifest its readers would refuse: {exc}") from None
    return json.dumps(meta, indent=2, default=str) + "\n"


def write_manifest(folder: Path, meta: dict[str, Any]) -> Path:
    """Write `folder/manifest.json` (checked; see `manifest_text`)."""
    path = Path(folder) / MANIFEST
    path.write_text(manifest_text(meta), encoding="utf-8")
    return path


def write_frame(folder: Path, file: str, frame: pd.DataFrame, csv_copy: bool = False,
                float_format: str | None = None, rid: str | None = None) -> Path:  # fmt: skip
    """One whole table: Parquet or CSV by the file's suffix; `csv_copy` adds NAME.csv beside
    a Parquet file (the `--csv` flag). With `rid` (the manifest's result id) Parquet tables
    carry it in their metadata and CSV tables have their sha256 recorded for the manifest,
    so publication can refuse a folder mixing two results (sim/output.py)."""
    path = Path(folder) / file
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        _parquet(path, frame, rid)
        if csv_copy:
            _csv(path.with_suffix(".csv"), frame, float_format, rid)
    else:
        _csv(path, frame, float_format, rid)
    return path


def _parquet(path: Path, frame: pd.DataFrame, rid: str | None) -> None:
    if rid is None:
        frame.to_parquet(path, index=False)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.result_ids import tag_schema

    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table.replace_schema_metadata(tag_schema(table.schema, rid).metadata), path)


def _csv(path: Path, frame: pd.DataFrame, float_format: str | None, rid: str | None) -> None:
    from sim.results.csv_text import csv_text, open_csv

    text = csv_text(frame) if float_format is None else None  # pandas' bytes, faster
    if text is None:
        frame.to_csv(path, index=False, float_format=float_format)
    else:
        with open_csv(path) as f:
            f.write(text)
    if rid is not None:
        from sim.result_ids import record_csv

        record_csv(path)
