"""The streamed Arrow tables hold exactly the rows and values of the tidy pandas tables
(sim/tables.py), with ids, dates and rung names as dictionary (categorical) columns."""

from __future__ import annotations

import pathlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from sim.ensemble import prepare, run_chunk
from sim.scenario.loader import load_scenario
from sim.stream_tables import TableWriter, actor_arrow, pair_arrow, system_arrow
from sim.tables import actor_table, pair_table, related_pairs, step_dates, system_table


@pytest.fixture(scope="module")
def chunk():
    loaded = load_scenario("scenarios/baseline.yaml")
    world, events = prepare(loaded.scenario)
    result = run_chunk(world, events, np.arange(7, 12), 3, 5, keep_series=True)
    dates = step_dates(loaded.scenario.run.start, loaded.scenario.run.step_unit, 5)
    return world, result, dates


def _plain(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas()
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype) and col != "rung_name":
            frame[col] = frame[col].astype(str)
    return frame


def _same(arrow: pa.Table, frame: pd.DataFrame, categorical: tuple[str, ...]) -> None:
    for col in categorical:
        assert pa.types.is_dictionary(arrow.schema.field(col).type), col
    got = _plain(arrow)
    assert list(got.columns) == list(frame.columns)
    for col in frame.columns:
        np.testing.assert_array_equal(
            np.asarray(got[col].astype(str) if col == "rung_name" else got[col], dtype=object),
            np.asarray(frame[col].astype(str) if col == "rung_name" else frame[col], dtype=object),
            err_msg=col,
        )


def test_actor_rows_match_the_pandas_table(chunk):
    world, result, dates = chunk
    arrow = actor_arrow(world, result, dates)
    _same(arrow, actor_table(world, result, dates), ("date", "actor", "rung_name"))


def test_pair_rows_match_the_pandas_table(chunk):
    world, result, _ = chunk
    pairs = related_pairs(world)
    _same(pair_arrow(world, result, pairs), pair_table(world, result, pairs), ("source", "target"))


def test_system_rows_match_the_pandas_table(chunk):
    _, result, dates = chunk
    _same(system_arrow(result, dates), system_table(result, dates), ("date",))


def test_series_are_stored_at_float32_of_the_float64_series(chunk, tmp_path):
    """The per-step tables store their float series at float32 (docs/results-format.md):
    each value is the float64 series rounded to float32, `rung` is the rung of the float64
    level, and only the row keys carry Parquet column statistics."""
    import pyarrow.parquet as pq

    from sim.ensemble import ChunkResult
    from sim.ladder import rung_of
    from sim.stream_tables import ChunkTables

    world, result, dates = chunk
    pairs = related_pairs(world)
    stage = tmp_path / "stage"
    stage.mkdir()
    sent = ChunkTables(stage, "rid", False, tuple(pairs), tuple(dates))(world, result)
    assert isinstance(sent, ChunkResult)
    s, first = result.series, int(result.replications[0])
    src, dst = (np.array(side) for side in zip(*pairs, strict=True))
    read = {n: pq.read_table(stage / f"{n}-{first:012d}.parquet") for n in SERIES}
    want = {
        ("timeseries", "escalation"): s.escalation.reshape(-1),
        ("timeseries", "leverage"): s.leverage.reshape(-1),
        ("pairs", "commitment"): s.commitment[:, :, src, dst].reshape(-1),
        ("pairs", "tension"): s.tension[:, :, src, dst].reshape(-1),
        ("system", "distancing"): s.distancing.reshape(-1),
        ("system", "frustration"): s.frustration.reshape(-1),
    }
    for (name, col), values in want.items():
        got = read[name][col]
        assert got.type == pa.float32(), (name, col)
        np.testing.assert_array_equal(got.to_numpy(), values.astype(np.float32), err_msg=col)
    rung = read["timeseries"]["rung"].to_numpy()
    np.testing.assert_array_equal(rung, rung_of(s.escalation.reshape(-1)))
    for name in SERIES:
        meta = pq.ParquetFile(stage / f"{name}-{first:012d}.parquet").metadata.row_group(0)
        with_stats = {meta.column(i).path_in_schema for i in range(meta.num_columns)
                      if meta.column(i).is_stats_set}  # fmt: skip
        assert with_stats == {"replication", "step"}, name


SERIES = ("timeseries", "pairs", "system")


def test_an_error_in_the_writer_thread_reaches_the_caller(tmp_path):
    """Parquet is written by a writer thread: a failed write (a chunk whose columns differ
    from the file's) must still raise in the caller, not vanish with the thread."""
    writer = TableWriter(tmp_path, False, "rid")
    writer.write("t", pa.table({"x": np.arange(3.0)}))
    writer.write("t", pa.table({"y": np.arange(3)}))
    with pytest.raises(ValueError, match="schema"):
        writer.close()


def test_written_tables_arrive_whole_and_in_order(tmp_path):
    import pyarrow.parquet as pq

    writer = TableWriter(tmp_path, False, "rid")
    for k in range(7):  # more than IN_FLIGHT: the caller waits for the thread in between
        writer.write("t", pa.table({"k": np.full(4, k)}))
    writer.close()
    assert pq.read_table(tmp_path / "t.parquet")["k"].to_pylist() == [
        k for k in range(7) for _ in range(4)
    ]


def test_chunk_files_joined_are_the_files_one_writer_writes(chunk, tmp_path):
    """A worker writes its chunk's tables (ChunkTables) and sends no series back; joining
    the chunk files gives the bytes the main process's own writer gave (Parquet and CSV)."""
    from sim.ensemble import ChunkResult
    from sim.stream_tables import SERIES_TABLES, ChunkTables, JoinedTables

    world, result, dates = chunk
    pairs = related_pairs(world)
    halves = [
        ChunkResult(result.replications[part], {}, result.events, _series_part(result, part))
        for part in (slice(0, 2), slice(2, None))
    ]
    old = tmp_path / "old"
    old.mkdir()
    writer = TableWriter(old, True, "rid")
    for half in halves:
        writer.write("timeseries", actor_arrow(world, half, dates))
        writer.write("pairs", pair_arrow(world, half, pairs))
        writer.write("system", system_arrow(half, dates))
    writer.close()
    new, stage = tmp_path / "new", tmp_path / "new" / ".chunks"
    stage.mkdir(parents=True)
    sink = ChunkTables(stage, "rid", True, tuple(pairs), tuple(dates))
    joined = JoinedTables(new, stage)
    for half in halves:
        sent = sink(world, half)
        assert sent.series is None and sent.tables.counts.replications == len(half.replications)
        joined.add(sent.tables)
    joined.close()
    assert not stage.exists()
    for name in SERIES_TABLES:
        for suffix in ("parquet", "csv"):
            got, want = new / f"{name}.{suffix}", old / f"{name}.{suffix}"
            assert got.read_bytes() == want.read_bytes(), got.name


def _series_part(result, part):
    from dataclasses import fields

    from sim.ensemble import Series

    s = result.series
    return Series(**{f.name: getattr(s, f.name)[:, part] for f in fields(Series)})


def test_workers_write_their_chunks_inside_the_partial_folder(tmp_path, monkeypatch):
    """Chunk files appear only inside the reserved `.partial-open` folder, each is joined
    and deleted as it arrives, and the published folder holds no trace of them."""
    import sim.jobs.run
    from sim.cli import main
    from sim.stream_tables import JoinedTables

    seen = []

    class Spy(JoinedTables):
        def add(self, files):
            seen.append(sorted(p.name for p in self.stage.iterdir()))
            assert self.stage.parent.name.endswith(".partial-open")
            super().add(files)

    monkeypatch.setattr(sim.jobs.run, "JoinedTables", Spy)
    monkeypatch.setattr(sim.jobs.run, "CHUNK", 4)
    out = tmp_path / "r"
    args = ["run", "scenarios/baseline.yaml", "-n", "12", "--steps", "3", "--no-plots", "-q"]
    assert main([*args, "--workers", "2", "--out", str(out)]) == 0
    assert len(seen) == 3 and all(seen)
    assert all(name.split("-")[0] in ("timeseries", "pairs", "system") for s in seen for name in s)
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_an_interrupt_while_chunks_arrive_leaves_nothing(tmp_path, monkeypatch):
    """Ctrl-C between two chunks, workers writing: no folder, no chunk file, no worker."""
    import sim.jobs.run
    from sim.cli import main
    from sim.stream_tables import JoinedTables

    class Interrupted(JoinedTables):
        def add(self, files):
            if files.first > 0:
                raise KeyboardInterrupt
            super().add(files)

    monkeypatch.setattr(sim.jobs.run, "JoinedTables", Interrupted)
    monkeypatch.setattr(sim.jobs.run, "CHUNK", 4)
    out = tmp_path / "r"
    args = ["run", "scenarios/baseline.yaml", "-n", "40", "--steps", "3", "--no-plots", "-q"]
    assert main([*args, "--workers", "2", "--out", str(out)]) == 130
    assert list(tmp_path.iterdir()) == []


def test_the_one_worker_sink_thread_keeps_order_and_raises_errors():
    """With one worker each chunk's tables are made on a thread (sunk_beside) while the next
    chunk runs: results come back in chunk order, and a failing chunk raises here."""
    from sim.stream_tables import sunk_beside

    def sink(world, chunk):
        if chunk == 3:
            raise ValueError("chunk 3")
        return ("sunk", world, chunk)

    groups = ((k, f"cf{k}") for k in range(3))
    assert list(sunk_beside(groups, sink, "w")) == [(("sunk", "w", k), f"cf{k}") for k in range(3)]
    with pytest.raises(ValueError, match="chunk 3"):
        list(sunk_beside(((k,) for k in range(5)), sink, "w"))


@pytest.mark.parametrize("forget", [True, False])
def test_a_run_leaves_no_key_columns_cached(tmp_path, monkeypatch, forget):
    """The key columns are cached per chunk shape while a run writes its chunks (issue 18);
    a process that runs many runs (a notebook, the dashboard) must not keep them after.
    With the clean-up switched off (the ablation), the run's shapes stay cached."""
    import sim
    from sim import stream_tables

    if not forget:
        monkeypatch.setattr(stream_tables, "forget_key_columns", lambda: None)
    cached = (stream_tables._steps, stream_tables._dates, stream_tables._tiled)
    baseline = pathlib.Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
    res = sim.run(baseline, n=6, seed=1, steps=4, out=tmp_path / "o")
    assert len(res.timeseries) > 0  # the per-step tables were written, through the cache
    sizes = [c.cache_info().currsize for c in cached]
    assert (sizes == [0, 0, 0]) if forget else all(sizes)
