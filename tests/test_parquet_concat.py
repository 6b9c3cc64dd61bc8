"""Joining Parquet files by copying row groups (sim/parquet_concat.py): the joined file is
the one a single ParquetWriter writes from the same tables, byte for byte; footers decode
and encode back to the same bytes; a file of another schema is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.parquet_concat import ConcatWriter, concat_files, encode, read_footer
from sim.stream_tables import parquet_writer


def tables(seed: int, sizes: list[int]) -> list[pa.Table]:
    """Tables of the run tables' column kinds: integers, floats, dictionary ids, flags."""
    rng = np.random.default_rng(seed)
    out = []
    for n in sizes:
        ids = pa.DictionaryArray.from_arrays(
            pa.array(rng.integers(0, 3, n).astype(np.int8)), pa.array(["CHN", "RUS", "PRK"])
        )
        out.append(pa.table({"replication": np.arange(n, dtype=np.int64), "x": rng.random(n),
                             "actor": ids, "war": rng.random(n) > 0.5}))  # fmt: skip
    return out


def one_writer(path: Path, parts: list[pa.Table]) -> bytes:
    with parquet_writer(path, parts[0], "rid") as writer:
        for part in parts:
            writer.write_table(part)
    return path.read_bytes()


def chunk_files(folder: Path, parts: list[pa.Table]) -> list[Path]:
    paths = []
    for k, part in enumerate(parts):
        paths.append(folder / f"c{k}.parquet")
        with parquet_writer(paths[-1], part, "rid") as writer:
            writer.write_table(part)
    return paths


@pytest.mark.parametrize("sizes", [[5], [1000, 1037, 3], [20] * 17])
def test_joined_file_is_the_single_writers_file(tmp_path, sizes):
    parts = tables(len(sizes), sizes)
    want = one_writer(tmp_path / "one.parquet", parts)
    concat_files(chunk_files(tmp_path, parts), tmp_path / "joined.parquet")
    assert (tmp_path / "joined.parquet").read_bytes() == want
    got = pq.read_table(tmp_path / "joined.parquet")
    assert got.equals(pa.concat_tables(parts).replace_schema_metadata(got.schema.metadata))
    assert pq.ParquetFile(tmp_path / "joined.parquet").num_row_groups == len(sizes)


def test_footer_decodes_and_encodes_to_the_same_bytes(tmp_path):
    data = one_writer(tmp_path / "one.parquet", tables(1, [300, 40]))
    meta, start = read_footer(tmp_path / "one.parquet")
    assert encode(meta) == data[start:-8]


def test_a_file_of_another_schema_is_refused(tmp_path):
    first = chunk_files(tmp_path, tables(2, [10]))[0]
    other = tmp_path / "other.parquet"
    with parquet_writer(other, pa.table({"y": np.arange(3.0)}), "rid") as writer:
        writer.write_table(pa.table({"y": np.arange(3.0)}))
    joined = ConcatWriter(tmp_path / "joined.parquet")
    joined.append(first)
    with pytest.raises(ValueError, match="schema differs"):
        joined.append(other)
    joined.close()


def test_a_file_from_another_result_is_refused(tmp_path):
    """The result id is part of the key-value metadata compared: no mixed results."""
    part = tables(3, [10])[0]
    paths = []
    for rid in ("a", "b"):
        paths.append(tmp_path / f"{rid}.parquet")
        with parquet_writer(paths[-1], part, rid) as writer:
            writer.write_table(part)
    with pytest.raises(ValueError, match="schema differs"):
        concat_files(paths, tmp_path / "joined.parquet")
