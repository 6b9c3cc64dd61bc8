"""How a results table says which result it belongs to (issue #19): a Parquet table carries
the result id in its key-value metadata; a CSV table, which cannot carry metadata without
breaking its readers, has its sha256 noted here as it is written, for the manifest.

Its own module so that the writers (sim/results/write.py, sim/stream_tables.py) and the
publisher (sim/output.py) share it without importing each other.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PARQUET_KEY = b"alliance_sim.result_id"
_ledger: dict[Path, dict[str, str]] = {}  # partial folder -> CSV hashes this process wrote


def tag_schema(schema, rid: str):
    """A Parquet schema carrying `rid` in its key-value metadata (what `publish` checks)."""
    return schema.with_metadata({**(schema.metadata or {}), PARQUET_KEY: rid.encode()})


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_csv(path: Path) -> None:
    """Note the sha256 of a CSV table this process finished writing into a partial folder;
    `finish` copies the list into the manifest and `publish` checks every CSV against it
    (a CSV cannot carry metadata without breaking its readers)."""
    path = Path(path)
    _ledger.setdefault(path.parent.resolve(), {})[path.name] = file_sha256(path)


def csv_hashes(folder: Path) -> dict[str, str]:
    """The CSV hashes recorded for `folder` (and forgotten: the manifest now holds them)."""
    return dict(sorted(_ledger.pop(Path(folder).resolve(), {}).items()))
