"""One Parquet file from several, by copying their row groups' bytes (no decoding).

Why: in a full-series run each worker encodes its own chunk's tables to Parquet (issue 18:
the main process, which received every chunk's series and encoded them, was the
bottleneck). The results folder keeps one `timeseries.parquet` with one row group per
chunk, so the main process appends each chunk file's row groups to the final file: the
data pages are copied as bytes (in the kernel, `os.copy_file_range`), and only the footer
is rewritten, with every file offset shifted to the row group's new place. The result is
the file one `pyarrow.parquet.ParquetWriter` writes from the same tables, byte for byte
(tests/test_parquet_concat.py).

The footer is Thrift's compact protocol (the Parquet format's `FileMetaData`); it is read
here into a generic tree of (field id, type, value) that writes back to the same bytes,
and only the fields that hold absolute file offsets are changed.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

MAGIC = b"PAR1"
# Compact-protocol type codes (Thrift's compact protocol specification).
STOP, TRUE, FALSE, I8, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT = range(13)
# Field ids of the Parquet format (parquet.thrift) whose values are absolute file offsets.
FILE_ROWS, FILE_GROUPS = 3, 4  # FileMetaData.num_rows, .row_groups
GROUP_COLUMNS, GROUP_OFFSET, GROUP_ORDINAL = 1, 5, 7  # RowGroup.columns, .file_offset, .ordinal
CHUNK_OFFSETS = (2, 4, 6)  # ColumnChunk.file_offset, .offset_index_offset, .column_index_offset
CHUNK_META = 3  # ColumnChunk.meta_data
META_OFFSETS = (9, 10, 11, 14)  # ColumnMetaData data, index, dictionary page, bloom filter


@dataclass
class Struct:
    """A Thrift struct as read: its fields in file order, each (id, compact type, value)."""

    fields: list[list[Any]] = field(default_factory=list)

    def get(self, fid: int) -> Any:
        return next((f[2] for f in self.fields if f[0] == fid), None)

    def set(self, fid: int, value: Any) -> None:
        for f in self.fields:
            if f[0] == fid:
                f[2] = value
                return
        raise KeyError(fid)


@dataclass
class Container:
    """A Thrift list, set or map as read (a map's items are (key, value) pairs)."""

    kind: int
    types: tuple[int, ...]
    items: list[Any]


class Reader:
    """Compact-protocol decoding of one buffer into Struct / Container trees."""

    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def byte(self) -> int:
        self.pos += 1
        return self.data[self.pos - 1]

    def varint(self) -> int:
        shift = out = 0
        while True:
            b = self.byte()
            out |= (b & 0x7F) << shift
            if b < 0x80:
                return out
            shift += 7

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def struct(self) -> Struct:
        out, last = Struct(), 0
        while True:
            head = self.byte()
            kind = head & 0x0F
            if kind == STOP:
                return out
            delta = head >> 4
            last = last + delta if delta else self.zigzag()
            value = kind == TRUE if kind in (TRUE, FALSE) else self.value(kind)
            out.fields.append([last, kind, value])

    def value(self, kind: int) -> Any:
        if kind in (I16, I32, I64):
            return self.zigzag()
        if kind == I8:
            return self.byte()
        if kind in (TRUE, FALSE):  # a bool inside a container: one byte
            return self.byte()
        if kind == DOUBLE:
            self.pos += 8
            return self.data[self.pos - 8 : self.pos]
        if kind == BINARY:
            n = self.varint()
            self.pos += n
            return self.data[self.pos - n : self.pos]
        if kind in (LIST, SET):
            head = self.byte()
            size = head >> 4 if head >> 4 != 15 else self.varint()
            elem = head & 0x0F
            return Container(kind, (elem,), [self.value(elem) for _ in range(size)])
        if kind == MAP:
            return self.map()
        if kind == STRUCT:
            return self.struct()
        raise ValueError(f"unknown Thrift compact type {kind}")

    def map(self) -> Container:
        size = self.varint()
        if size == 0:
            return Container(MAP, (), [])
        head = self.byte()
        key, val = head >> 4, head & 0x0F
        items = [(self.value(key), self.value(val)) for _ in range(size)]
        return Container(MAP, (key, val), items)


class Writer:
    """Compact-protocol encoding of the trees `Reader` builds (the same bytes back)."""

    def __init__(self) -> None:
        self.out = bytearray()

    def varint(self, n: int) -> None:
        while n >= 0x80:
            self.out.append((n & 0x7F) | 0x80)
            n >>= 7
        self.out.append(n)

    def zigzag(self, n: int) -> None:
        self.varint((n << 1) ^ (n >> 63))

    def struct(self, s: Struct) -> None:
        last = 0
        for fid, kind, value in s.fields:
            if 0 < fid - last <= 15:
                self.out.append(((fid - last) << 4) | kind)
            else:
                self.out.append(kind)
                self.zigzag(fid)
            last = fid
            if kind not in (TRUE, FALSE):
                self.value(kind, value)
        self.out.append(STOP)

    def value(self, kind: int, value: Any) -> None:
        if kind in (I16, I32, I64):
            self.zigzag(value)
        elif kind in (I8, TRUE, FALSE):
            self.out.append(value)
        elif kind == DOUBLE:
            self.out += value
        elif kind == BINARY:
            self.varint(len(value))
            self.out += value
        elif kind in (LIST, SET):
            self.container(value)
        elif kind == MAP:
            self.map(value)
        elif kind == STRUCT:
            self.struct(value)
        else:
            raise ValueError(f"unknown Thrift compact type {kind}")

    def container(self, c: Container) -> None:
        (elem,), size = c.types, len(c.items)
        if size < 15:
            self.out.append((size << 4) | elem)
        else:
            self.out.append(0xF0 | elem)
            self.varint(size)
        for item in c.items:
            self.value(elem, item)

    def map(self, c: Container) -> None:
        self.varint(len(c.items))
        if c.items:
            key, val = c.types
            self.out.append((key << 4) | val)
            for k, v in c.items:
                self.value(key, k)
                self.value(val, v)


def read_footer(path: Path) -> tuple[Struct, int]:
    """A Parquet file's FileMetaData and the offset where the footer starts."""
    with open(path, "rb") as fh:
        fh.seek(-8, os.SEEK_END)
        tail = fh.read(8)
        (length,) = struct.unpack("<i", tail[:4])
        if tail[4:] != MAGIC:
            raise ValueError(f"{path}: not a Parquet file (no PAR1 at the end)")
        end = fh.tell() - 8
        fh.seek(end - length)
        return Reader(fh.read(length)).struct(), end - length


def encode(meta: Struct) -> bytes:
    w = Writer()
    w.struct(meta)
    return bytes(w.out)


def _shift(group: Struct, delta: int) -> None:
    """Move every absolute file offset of a row group by `delta` bytes."""
    _add(group, (GROUP_OFFSET,), delta)
    for chunk in group.get(GROUP_COLUMNS).items:
        _add(chunk, CHUNK_OFFSETS, delta)
        meta = chunk.get(CHUNK_META)
        if meta is not None:
            _add(meta, META_OFFSETS, delta)


def _add(s: Struct, fids: tuple[int, ...], delta: int) -> None:
    """Shift the offsets among `fids`; 0 is no offset (the file's magic bytes are there):
    Arrow writes the deprecated ColumnChunk.file_offset as 0, and so must we."""
    for f in s.fields:
        if f[0] in fids and f[2] != 0:
            f[2] += delta


class ConcatWriter:
    """Appends whole Parquet files of one schema to one Parquet file, row group by row
    group, in the order given; `close` writes the footer (the first file's, with every
    row group and the total row count)."""

    def __init__(self, path: Path):
        self.path = path
        self.fh: BinaryIO = open(path, "wb", buffering=0)  # noqa: SIM115  (closed in close())
        self.fh.write(MAGIC)
        self.meta: Struct | None = None
        self.schema: tuple[Any, Any] | None = None
        self.groups: list[Struct] = []
        self.rows = 0

    def append(self, src: Path) -> None:
        """Copy `src`'s row groups here; refuses a file whose schema differs from the first."""
        meta, footer = read_footer(src)
        schema = (encode_field(meta, 2), encode_field(meta, 5))  # schema, key-value metadata
        if self.meta is None:
            self.meta, self.schema = meta, schema
        elif schema != self.schema:
            raise ValueError(f"{src}: its schema differs from the first file's")
        delta = self.fh.tell() - len(MAGIC)
        for group in meta.get(FILE_GROUPS).items:
            _shift(group, delta)
            self.groups.append(group)
        self.rows += meta.get(FILE_ROWS)
        with open(src, "rb") as fh:
            copy_range(fh, self.fh, len(MAGIC), footer - len(MAGIC))

    def close(self) -> None:
        """Write the footer and close the file (an empty writer writes no footer)."""
        try:
            if self.meta is not None:
                for k, group in enumerate(self.groups):
                    if group.get(GROUP_ORDINAL) is not None:
                        group.set(GROUP_ORDINAL, k)
                self.meta.set(FILE_ROWS, self.rows)
                self.meta.get(FILE_GROUPS).items = self.groups
                footer = encode(self.meta)
                self.fh.write(footer + struct.pack("<i", len(footer)) + MAGIC)
        finally:
            self.fh.close()


def encode_field(meta: Struct, fid: int) -> bytes:
    """One field of a struct encoded alone (to compare schemas as bytes)."""
    return encode(Struct([f for f in meta.fields if f[0] == fid]))


def copy_range(src: BinaryIO, dst: BinaryIO, offset: int, count: int) -> None:
    """Append `count` bytes of `src` from `offset` to `dst` (in the kernel where it can)."""
    dst.seek(0, os.SEEK_END)
    done = 0
    try:
        while done < count:
            n = os.copy_file_range(src.fileno(), dst.fileno(), count - done, offset + done)
            if n == 0:
                break
            done += n
    except OSError:  # a file system without copy_file_range: copy through a buffer
        pass
    dst.seek(0, os.SEEK_END)
    src.seek(offset + done)
    while done < count:
        block = src.read(min(count - done, 1 << 20))
        if not block:
            raise ValueError(f"{src.name}: shorter than its footer says")
        dst.write(block)
        done += len(block)


def concat_files(sources: list[Path], dest: Path) -> None:
    """`dest` holds every row group of `sources`, in order (one schema)."""
    writer = ConcatWriter(dest)
    try:
        for src in sources:
            writer.append(src)
    finally:
        writer.close()
