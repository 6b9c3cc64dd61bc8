"""Results folders checked on read: the manifest's fields and each table's schema.

Why: `plot`, `report` and `analyze` read folders that may have been truncated (a full
disk, a copy cut short), edited by hand or tampered with. Reading them blindly ended in
pyarrow or pandas tracebacks. Here a folder is checked before any chart is drawn: the
manifest is a JSON object of the right kind with the fields readers use, each table
that is present parses (Parquet footer and schema, CSV header) and has its key columns.
Anything else is one line naming the file. `reading()` turns a failure found only while
reading the data itself into the same kind of line.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.errors import UsageError, first_line, unreadable
from sim.results.manifest import KINDS, ManifestError, parse_manifest

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 64_000_000
__all__ = ["KINDS", "check_folder", "check_output", "load_manifest", "read_manifest", "reading"]
Q_COLUMNS = ("q05", "q25", "q50", "q75", "q95")  # sim/aggregates.py (not imported: numpy)
# What the interval charts and tables of observations read (sim/plots/observe_charts.py),
# and the scores their report pages read (sim/report/other_pages.py, hindcast_page.py)
INTERVALS = ("id", "observed", "median", "q05", "q25", "q75", "q95", "in90")
SCORES = ("scored", "in50", "crps", "direction_observed", "direction_model")
# The regime columns the robustness report reads of structures.csv (sim/report/robustness_page)
REGIMES = tuple(f"{p}_{s}" for p in ("p_crisis", "p_war") for s in ("mc_se", "mean", "p5", "p95"))
# Key columns of each table: what readers index by or read (docs/results-format.md); other
# columns vary with the scenario (summary.csv's per-actor columns: sim/results_checks.py).
TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "run": {
        "timeseries.parquet": ("replication", "step", "actor", "escalation"),
        "pairs.parquet": ("replication", "step", "source", "target", "commitment"),
        "system.parquet": ("replication", "step", "distancing", "frustration"),
        "summary.csv": ("replication", "outcome"),
        "events.csv": ("replication", "step", "event"),
        "effects.csv": (
            "outcome",
            "scenario_median",
            "counterfactual_median",
            "effect_median",
            "effect_p5",
            "effect_p95",
        ),
        "aggregates.parquet": (
            "series",
            "step",
            "date",
            "source",
            "target",
            "count",
            "of",
            *Q_COLUMNS,
        ),
    },
    "compare": {
        "summaries.parquet": ("scenario", "replication", "outcome"),
        "comparison.csv": (
            "scenario",
            "outcome",
            "median",
            "lo",
            "hi",
            "diff_median",
            "diff_lo",
            "diff_hi",
        ),
    },
    "sweep": {
        "points.parquet": ("point",),
        "design.parquet": ("point",),
    },
    "calibration": {
        "diagnostics.csv": ("generation", "epsilon", "acceptance", "ess"),
        "populations.parquet": ("generation", "weight"),
        "predictive_check.csv": (*INTERVALS, *SCORES),
    },
    "hindcast": {"hindcast.csv": ("kind", *INTERVALS, *SCORES)},
    "robustness": {
        "robustness.csv": (
            "outcome",
            "share_same_sign",
            "nominal_effect",
            "effect_p5",
            "effect_p95",
        ),
        "regimes.csv": (
            "regime",
            "nominal",
            "mc_se",
            "draws_mean",
            "draws_p5",
            "draws_median",
            "draws_p95",
        ),
        "oat.csv": ("coefficient", "factor", "outcome", "effect_median", "knife_edge"),
        "structures.csv": ("source", "structure", "keep_outcome_class", *REGIMES),
    },
}
REQUIRED_TABLES = {
    "run": ("summary.csv",),
    "compare": ("summaries.parquet", "comparison.csv"),
    "sweep": ("points.parquet",),
    "calibration": ("posterior.parquet", "diagnostics.csv"),
    "hindcast": ("hindcast.csv",),
    "robustness": ("draws.parquet", "robustness.csv"),
}
CHUNK_COLUMNS = ("point", "replication", "outcome")
INTEGER_COLUMNS = ("replication", "step", "point")
FLOAT_COLUMNS = ("escalation", "leverage", "commitment", "tension")


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a finished results folder, checked; one line (UsageError) if not."""
    if ".partial-" in folder.name:
        raise UsageError(f"{folder}: an unfinished results folder (.partial); rerun the command")
    return load_manifest(folder)


def load_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a results folder (finished or being written), checked against its
    kind's model (sim/results/manifest.py); one line (UsageError) naming the file if not."""
    path = folder / MANIFEST
    try:
        info = path.stat()
    except OSError:
        raise UsageError(f"{folder}: not a results folder (no manifest.json)") from None
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{path}: not a regular file")
    if info.st_size > MAX_MANIFEST_BYTES:
        raise UsageError(
            f"{path}: {info.st_size} bytes, a manifest is at most {MAX_MANIFEST_BYTES}"
        )
    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path}: not valid JSON ({first_line(exc)})") from None
    except RecursionError:
        raise UsageError(f"{path}: nested too deeply to be a manifest") from None
    try:
        parse_manifest(manifest)
    except ManifestError as exc:
        raise UsageError(f"{path}: {exc}") from None
    return manifest


def check_folder(folder: Path, rewrites: tuple[str, ...] = ()) -> dict[str, Any]:
    """Manifest plus every table present: parses, with its key columns. Returns the manifest.
    `rewrites`: subfolders (`charts`, `analysis`) the caller is about to write afresh, whose
    ledgers it need not check (a tampered chart must not stop `plot` from redrawing it)."""
    manifest = read_manifest(folder)
    kind = manifest["kind"]
    _check_table_files(folder)
    for name in REQUIRED_TABLES[kind]:
        if not (folder / name).exists():
            raise UsageError(f"{folder / name}: missing (the {kind} folder is incomplete)")
    for name, columns in TABLES[kind].items():
        path = folder / name
        if path.exists():
            check_table(path, columns)
    if kind == "sweep":
        _check_chunks(folder, manifest)
    from sim.results_ledger import check as check_ledgers

    # charts/ and analysis/ are this result's (sim/results_ledger.py)
    check_ledgers(folder, manifest.get("result_id"), rewrites)
    from sim.results_checks import check_folder as check_meaning

    with reading(folder):  # values in range, rows as the manifest says (sim/results_checks.py)
        check_meaning(kind, folder, manifest)
    _check_table_ids(folder, manifest.get("result_id"))
    return manifest


def _check_table_ids(folder: Path, want: object) -> None:
    """Refuse a Parquet table that carries another result's id than the manifest's.

    Why: publication refused a folder mixing two results (sim/output.py), but a table
    copied in afterwards (`cp other/aggregates.parquet R/`) was drawn and reported as R's
    without a word. A table without an id (an older folder, or rewritten by hand, which
    drops the key) is read as before; a CSV carries no id, so is not checked here."""
    if not isinstance(want, str):
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.result_ids import PARQUET_KEY

    tables = [*sorted(folder.glob("*.parquet")), *sorted(folder.glob("chunks/chunk-*.parquet"))]
    for table in tables:
        try:
            found = (pq.read_schema(table).metadata or {}).get(PARQUET_KEY)
        except (OSError, pa.ArrowException):
            continue  # its own check names it
        if found is not None and found.decode(errors="replace") != want:
            raise UsageError(
                f"{table}: a table of another result ({found.decode(errors='replace')}), not "
                f"of this folder's manifest ({want}); copy results folders whole, not by table"
            )


def _check_table_files(folder: Path) -> None:
    """Every table a reader may open is a regular file (or absent), before any is opened.

    Why: a FIFO in place of a table hung `plot` and `report` in pyarrow's open (a FIFO
    blocks until a writer comes), and a symlink loop or dangling link was taken for an
    absent table, so the charts silently left it out. Checked by `stat`, never by opening.
    """
    from sim.results.table_files import TABLE_FILES

    names = {*TABLE_FILES.values(), *(n for t in TABLES.values() for n in t)}
    chunks = folder / "chunks"
    paths = [folder / n for n in sorted(names)]
    if chunks.is_dir():
        paths += sorted(chunks.glob("chunk-*.parquet"))
    for path in paths:
        try:
            os.lstat(path)
        except FileNotFoundError:
            continue  # absent: REQUIRED_TABLES and the readers say what is missing
        except OSError as exc:
            raise UsageError(f"{path}: cannot be read ({exc.strerror})") from None
        try:
            info = path.stat()
        except OSError as exc:  # ELOOP, or a link to nothing
            raise UsageError(f"{path}: a broken symlink ({exc.strerror})") from None
        if not stat.S_ISREG(info.st_mode):
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO, device or socket"
            raise UsageError(f"{path}: {what}, expected a table file")


def check_table(path: Path, columns: tuple[str, ...]) -> list[str]:
    """A table file's column names, after checking it parses and has `columns`."""
    names = _parquet_columns(path) if path.suffix == ".parquet" else _csv_columns(path)
    missing = [c for c in columns if c not in names]
    if missing:
        raise UsageError(f"{path}: missing column(s) {', '.join(missing)}")
    return names


def _parquet_columns(path: Path) -> list[str]:
    """Column names from the Parquet footer, after checking the types of the key columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise unreadable(path, exc) from None
    for field in schema:
        wrong_int = field.name in INTEGER_COLUMNS and not pa.types.is_integer(field.type)
        wrong_float = field.name in FLOAT_COLUMNS and not pa.types.is_floating(field.type)
        if wrong_int or wrong_float:
            want = "whole numbers" if wrong_int else "numbers"
            raise UsageError(f"{path}: column {field.name}: expected {want}, found {field.type}")
    return list(schema.names)


def _csv_columns(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            header = fh.readline(1_000_000)
    except (OSError, UnicodeDecodeError) as exc:
        raise unreadable(path, exc) from None
    if not header.strip():
        raise UsageError(f"{path}: empty (no header line)")
    import csv

    return next(csv.reader([header]))


def _check_chunks(folder: Path, manifest: dict[str, Any]) -> None:
    chunks = folder / "chunks"
    if not chunks.is_dir():  # a folder trimmed to its analysis: readers say what is missing
        return
    files = sorted(chunks.glob("chunk-*.parquet"))
    if "n_chunks" in manifest and len(files) != manifest["n_chunks"]:
        raise UsageError(
            f"{chunks}: {len(files)} chunk file(s), the manifest says {manifest['n_chunks']}"
        )
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 0
    for path in files:
        try:
            meta = pq.ParquetFile(path).metadata
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise unreadable(path, exc) from None
        names = meta.schema.names
        missing = [c for c in CHUNK_COLUMNS if c not in names]
        if missing:
            raise UsageError(f"{path}: missing column(s) {', '.join(missing)}")
        rows += meta.num_rows
    if "n_runs" in manifest and rows != manifest["n_runs"]:
        raise UsageError(
            f"{chunks}: {rows} rows in the chunks, the manifest says {manifest['n_runs']} runs"
        )


def check_output(folder: Path, out: Path | None, allowed: tuple[str, ...]) -> None:
    """Refuse an output path that would replace one of a results folder's own files.

    `report R -o R/manifest.json` used to replace the manifest with HTML; only the files
    a command owns (`allowed`, e.g. report.html) may be written inside the folder.
    """
    if out is None:
        return
    target = Path(os.path.realpath(out))
    home = Path(os.path.realpath(folder))
    if target == home or target.is_dir():
        raise UsageError(f"-o {out}: a folder; give a file name (e.g. {home.name}.html)")
    inside = home in target.parents
    if inside and target.name not in allowed and target.exists():
        raise UsageError(
            f"-o {out}: would write into the results folder's own files; "
            f"choose a path outside {folder} or {', '.join(allowed)}"
        )


@contextmanager
def reading(folder: Path) -> Iterator[None]:
    """Turn a failure met while reading a checked folder's data into one line naming it."""
    import pandas as pd
    import pyarrow as pa

    try:
        yield
    except (pa.ArrowException, pd.errors.ParserError, pd.errors.EmptyDataError,
            UnicodeDecodeError) as exc:  # fmt: skip
        raise UsageError(f"{folder}: a table could not be read ({first_line(exc)})") from None
    except (KeyError, ValueError, TypeError) as exc:
        why = f"{type(exc).__name__}: {first_line(exc)}"
        raise UsageError(f"{folder}: the tables do not match the manifest ({why})") from None
