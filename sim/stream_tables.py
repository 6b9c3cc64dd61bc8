"""Per-step series of one chunk as Arrow tables, appended to Parquet as they arrive.

Why Arrow and not pandas: a 10,000 × 200 run has 82 million pair rows; building them as
pandas frames turned every actor id and date into a Python string (issue 18: the writer,
not the engine, was the bottleneck, at 2.3 GB). Here ids, dates and rung names are
dictionary columns (small integer codes into the list of names; pandas reads them back as
categoricals), numbers go to Arrow without a copy, and each chunk is one Parquet row group.
Rows, column names and values are those of `sim.tables.actor_table`, `pair_table` and
`system_table` (tests/test_stream_tables.py checks them against each other).

Where: in a full-series run each worker writes its own chunk's tables (`ChunkTables`) and
sends back only summaries, events and aggregate counts; the run joins the chunk files
into one file per table (`JoinedTables`). `TableWriter` writes tables the main process
holds itself (`aggregates.parquet`).
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.aggregates import ChunkCounts, RunAggregates, pair_series
from sim.ensemble import ChunkResult
from sim.ladder import RUNGS, rung_of
from sim.parquet_concat import ConcatWriter, copy_range
from sim.result_ids import record_csv, tag_schema
from sim.tables import kept, stored
from sim.world import World


def _codes(codes: np.ndarray, names: list[str], index: pa.DataType) -> pa.DictionaryArray:
    """A dictionary column: `codes` index into `names` (the same dictionary every chunk).
    Codes already of the index type (`_small`) go to Arrow without a cast."""
    return pa.DictionaryArray.from_arrays(
        pa.array(codes, type=index), pa.array(names, type=pa.string())
    )


def _small(codes: np.ndarray, index: pa.DataType) -> np.ndarray:
    """`codes` as the numpy type of a dictionary index (tiled afterwards: 1/8 the bytes)."""
    return np.asarray(codes, dtype=index.to_pandas_dtype())


def _index_type(n: int) -> pa.DataType:
    return pa.int8() if n <= 127 else pa.int16() if n <= 32767 else pa.int32()


# The key columns that are the same for every chunk of one shape (steps, replications, and
# the actors or pairs shown): built once per shape and shared, as Arrow arrays are
# immutable. Why: rebuilding them was a tenth of a worker's table work per chunk, mostly
# page faults of fresh arrays (issue 18); a run has two shapes (its chunks and the last).


@functools.lru_cache(maxsize=8)
def _steps(t1: int, per_step: int) -> pa.Array:
    """The `step` column: each of the t1 steps `per_step` times."""
    return pa.array(np.repeat(np.arange(t1, dtype=np.int64), per_step))


@functools.lru_cache(maxsize=8)
def _dates(dates: tuple[str, ...], t1: int, per_step: int) -> pa.DictionaryArray:
    """The `date` column: each of the t1 steps' date `per_step` times (codes into `dates`)."""
    steps = np.repeat(np.arange(t1, dtype=np.int32), per_step)
    return _codes(steps, list(dates), pa.int32())


@functools.lru_cache(maxsize=8)
def _tiled(codes: tuple[int, ...], names: tuple[str, ...], times: int) -> pa.DictionaryArray:
    """An id column: `codes` (into `names`) repeated `times` times, one per step ×
    replication."""
    kind = _index_type(len(names))
    return _codes(np.tile(_small(np.array(codes), kind), times), list(names), kind)


def forget_key_columns() -> None:
    """Drop the cached key columns once a run's chunks are written. Why: a process that
    runs many runs (a notebook, the dashboard) would otherwise keep the last shapes' columns,
    up to one chunk's keys each, which the next run of another size cannot use."""
    for cached in (_steps, _dates, _tiled):
        cached.cache_clear()


def required(columns: dict) -> pa.Table:
    """The columns as a table whose fields are all required (non-nullable): no value of the
    per-step tables is ever missing, and declaring it spares Parquet the definition levels
    of every value (a quarter of a chunk's encoding time; issue 18). Readers see the same
    columns, types and values as from the earlier optional fields."""
    table = pa.table(columns)
    schema = pa.schema([f.with_nullable(False) for f in table.schema])
    return pa.Table.from_arrays(table.columns, schema=schema)


def actor_arrow(world: World, result: ChunkResult, dates: list[str],
                shown: Sequence[str] | None = None) -> pa.Table:  # fmt: skip
    """One row per replication × step × actor (the columns of timeseries.parquet); with
    `shown`, only those actors (one never active in the run has no outcome)."""
    s = result.series
    assert s is not None
    idx = kept(world.ids, shown)
    t1, r, _ = s.escalation.shape
    n = len(idx)
    esc = s.escalation[:, :, idx].reshape(-1)
    rung = rung_of(esc).astype(np.int8)
    ids = tuple(world.ids[i] for i in idx)
    return required(
        {
            "replication": np.tile(np.repeat(result.replications.astype(np.int64), n), t1),
            "step": _steps(t1, r * n),
            "date": _dates(tuple(dates), t1, r * n),
            "actor": _tiled(tuple(range(n)), ids, t1 * r),
            "escalation": stored(esc),
            "rung": rung,
            "rung_name": _codes(rung, list(RUNGS), pa.int8()),
            "leverage": stored(s.leverage[:, :, idx]),
            "active": s.active[:, :, idx].reshape(-1),
        }
    )


def pair_arrow(world: World, result: ChunkResult, pairs: list[tuple[int, int]],
               paired: dict[str, np.ndarray] | None = None) -> pa.Table:  # fmt: skip
    """One row per replication × step × related ordered pair (the columns of pairs.parquet);
    `paired`: the chunk's `sim.aggregates.pair_series`, when the caller has them already."""
    s = result.series
    assert s is not None
    t1, r = s.distancing.shape
    src = tuple(i for i, _ in pairs)
    dst = tuple(j for _, j in pairs)
    k, names = len(pairs), tuple(world.ids)
    if paired is None:
        paired = pair_series(s, np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64))
    return required(
        {
            "replication": np.tile(np.repeat(result.replications.astype(np.int64), k), t1),
            "step": _steps(t1, r * k),
            "source": _tiled(src, names, t1 * r),
            "target": _tiled(dst, names, t1 * r),
            "commitment": stored(paired["commitment"]),
            "tension": stored(paired["tension"]),
        }
    )


def system_arrow(result: ChunkResult, dates: list[str]) -> pa.Table:
    """One row per replication × step (the columns of system.parquet)."""
    s = result.series
    assert s is not None
    t1, r = s.distancing.shape
    return required(
        {
            "replication": np.tile(result.replications.astype(np.int64), t1),
            "step": _steps(t1, r),
            "date": _dates(tuple(dates), t1, r),
            "distancing": stored(s.distancing),
            "frustration": stored(s.frustration),
            "crisis": s.crisis.reshape(-1),
            "war": s.war.reshape(-1),
        }
    )


class TableWriter:
    """Appends chunk tables to Parquet files (one row group per chunk) and, on request,
    CSV copies (plain text: dictionary columns are written as their names).

    Why a thread: Parquet encoding and compression run in Arrow's C++ code without the GIL,
    so one writer thread encodes a table while the caller goes on. At most IN_FLIGHT
    tables wait for it, so memory stays flat; they are written in the order given, so the
    files are the same bytes as without the thread.
    Why dictionary pages only for id columns: the float series almost never repeat, and
    trying a dictionary on them first cost ~40% of the encoding time for nothing."""

    IN_FLIGHT = 3  # one chunk's three tables

    def __init__(self, folder: Path, csv: bool, rid: str):
        self.folder, self.csv, self.rid = folder, csv, rid
        self.writers: dict[str, pq.ParquetWriter] = {}
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="parquet-writer")
        self._pending: deque[Future] = deque()

    def write(self, name: str, table: pa.Table) -> None:
        """Queue `table` for `name`.parquet; raises here any error of an earlier write."""
        while len(self._pending) >= self.IN_FLIGHT:
            self._pending.popleft().result()
        self._pending.append(self._thread.submit(self._write, name, table))

    def _write(self, name: str, table: pa.Table) -> None:
        if name not in self.writers:
            self.writers[name] = parquet_writer(self.folder / f"{name}.parquet", table, self.rid)
        self.writers[name].write_table(table)
        if self.csv:
            path = self.folder / f"{name}.csv"
            frame = table.to_pandas()
            frame.to_csv(path, index=False, mode="a", header=not path.exists())

    def close(self) -> None:
        """Finish every queued write, then close the files (the first error is raised)."""
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            for future in self._pending:
                future.cancel()
            self._thread.shutdown(wait=True)
            for writer in self.writers.values():
                writer.close()
        if self.csv:  # a CSV carries no metadata: its sha256 goes into the manifest
            for name in self.writers:
                if (self.folder / f"{name}.csv").exists():
                    record_csv(self.folder / f"{name}.csv")


# Parquet's default codec, named so the choice is explicit: at float32 it stores the series
# in 0.74× the bytes of no compression for ~10% more Parquet writing time, and lz4 is no
# smaller and no faster (issue 18, measured per 250 × 200 chunk; docs/performance.md).
CODEC = "snappy"


def parquet_writer(path: Path, table: pa.Table, rid: str) -> pq.ParquetWriter:
    """The writer of every run table: the result id in the schema (publish() checks it),
    dictionary pages for the id columns only, column statistics for the row keys only.
    One place, so a chunk file a worker writes encodes its row group exactly as the main
    process would (sim/parquet_concat.py).

    Why statistics only for `replication` and `step`: they let a reader skip row groups
    (pyarrow's `filters`), and cost little; min/max of the id and float columns cost a
    fifth of a chunk's encoding (issue 18) and no reader of ours uses them."""
    schema = tag_schema(table.schema, rid)
    return pq.ParquetWriter(path, schema, use_dictionary=id_columns(schema),
                            write_statistics=key_columns(schema),
                            compression=CODEC)  # fmt: skip


def key_columns(schema: pa.Schema) -> list[str]:
    """The row keys that get column statistics (present in every run table)."""
    return [name for name in ("replication", "step") if name in schema.names]


def id_columns(schema: pa.Schema) -> list[str]:
    """Columns worth a dictionary page: dictionary-typed and integer columns (ids, steps,
    rungs, flags), not the float series."""
    return [f.name for f in schema
            if pa.types.is_dictionary(f.type) or pa.types.is_integer(f.type)
            or pa.types.is_boolean(f.type)]  # fmt: skip


SERIES_TABLES = ("timeseries", "pairs", "system")


@dataclass(frozen=True)
class ChunkFiles:
    """What a worker sends back for a chunk whose series it wrote itself: where the files
    are (named by the chunk's first replication) and the chunk's aggregate counts."""

    first: int
    csv: bool
    counts: ChunkCounts


def chunk_file(stage: Path, name: str, first: int, suffix: str) -> Path:
    return stage / f"{name}-{first:012d}.{suffix}"


@dataclass(frozen=True)
class ChunkTables:
    """An Arm's sink for a full-series run (sim.ensemble.Arm): where a chunk ran, write its
    tables as one Parquet file each (and CSV copies) into `stage`, a folder inside the
    run's reserved partial folder, count its chart aggregates, and send back only the
    summaries, events and counts.

    Why: the main process received every chunk's series, encoded them and counted the
    aggregates while the workers waited (issue 18: 3.7× the time of a summary run, the
    main process busy the whole time). The main process now only joins the files
    (`JoinedTables`, bytes copied) and adds counts."""

    stage: Path
    rid: str
    csv: bool
    pairs: tuple[tuple[int, int], ...]
    dates: tuple[str, ...]
    shown: tuple[str, ...] | None = None

    def __call__(self, world: World, result: ChunkResult) -> ChunkResult:
        if result.series is None:
            return result
        first, dates, pairs = int(result.replications[0]), list(self.dates), list(self.pairs)
        aggregates = RunAggregates(world, pairs, dates)
        paired = pair_series(result.series, aggregates.src, aggregates.dst)  # taken once
        counts = aggregates.count(result, paired)
        tables = {
            "timeseries": lambda: actor_arrow(world, result, dates, self.shown),
            "pairs": lambda: pair_arrow(world, result, pairs, paired),
            "system": lambda: system_arrow(result, dates),
        }
        for name in SERIES_TABLES:
            table = tables[name]()  # one table at a time: memory is one table, not three
            with parquet_writer(chunk_file(self.stage, name, first, "parquet"), table,
                                self.rid) as writer:  # fmt: skip
                writer.write_table(table)
            if self.csv:
                path = chunk_file(self.stage, name, first, "csv")
                table.to_pandas().to_csv(path, index=False)
            del table
        files = ChunkFiles(first, self.csv, counts)
        return ChunkResult(result.replications, result.summary, result.events, None, files)


def sunk_beside(groups: Iterator[tuple[ChunkResult, ...]], sink: ChunkTables,
                world: World) -> Iterator[tuple[ChunkResult, ...]]:  # fmt: skip
    """`groups` with their first chunk passed through `sink` on a thread, while the next
    chunk is simulated here; in order, one chunk waiting at most.

    Why: with one worker the chunks run in this process, and Parquet encoding (Arrow,
    without the GIL) then overlaps the next chunk's simulation, as the writer thread did
    when this process wrote every table. On exit a running sink is waited for, so no chunk
    file is written after the caller moves on (or removes the folder)."""
    with ThreadPoolExecutor(1, thread_name_prefix="chunk-tables") as thread:
        waiting: deque[tuple[Future, tuple[ChunkResult, ...]]] = deque()
        try:
            for group in groups:
                waiting.append((thread.submit(sink, world, group[0]), group[1:]))
                if len(waiting) > 1:
                    done, rest = waiting.popleft()
                    yield (done.result(), *rest)
            while waiting:
                done, rest = waiting.popleft()
                yield (done.result(), *rest)
        finally:
            for future, _ in waiting:
                future.cancel()
            forget_key_columns()  # this process may run more runs (the API, the dashboard)


class JoinedTables:
    """The run's series tables made from the chunk files, in the order the chunks are
    given (replication order): Parquet row groups copied as bytes (the file one writer
    would have written), CSV text without the repeated header; each chunk file is
    deleted once joined, so the partial folder holds one chunk's files at most."""

    def __init__(self, folder: Path, stage: Path):
        self.folder, self.stage = folder, stage
        self.parquet: dict[str, ConcatWriter] = {}
        self.csv: dict[str, BinaryIO] = {}

    def add(self, files: ChunkFiles) -> None:
        for name in SERIES_TABLES:
            src = chunk_file(self.stage, name, files.first, "parquet")
            if name not in self.parquet:
                self.parquet[name] = ConcatWriter(self.folder / f"{name}.parquet")
            self.parquet[name].append(src)
            src.unlink()
            if files.csv:
                self._add_csv(name, chunk_file(self.stage, name, files.first, "csv"))

    def _add_csv(self, name: str, src: Path) -> None:
        first = name not in self.csv
        if first:
            self.csv[name] = open(self.folder / f"{name}.csv", "wb", buffering=0)  # noqa: SIM115
        with open(src, "rb") as fh:
            skip = 0 if first else len(fh.readline())  # the header, once
            copy_range(fh, self.csv[name], skip, src.stat().st_size - skip)
        src.unlink()

    def close(self) -> None:
        """Write the Parquet footers, note the CSV hashes, remove the empty stage folder."""
        names = list(self.csv)
        self.discard()
        for name in names:
            record_csv(self.folder / f"{name}.csv")
        self.stage.rmdir()  # fails if a chunk file was left unjoined: nothing is published

    def discard(self) -> None:
        """Close every file (on failure the partial folder is removed with them)."""
        writers, handles = self.parquet, self.csv
        self.parquet, self.csv = {}, {}
        try:
            for writer in writers.values():
                writer.close()
        finally:
            for fh in handles.values():
                fh.close()
