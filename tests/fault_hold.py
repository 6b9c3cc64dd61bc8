"""Test seam, kept in tests/: run the CLI with a sweep parked at a known point.

    python tests/fault_hold.py HOLD MARKER alliance-sim-args...

HOLD is `written:N` (the N-th chunk written to its temporary name, before its rename) or
`committed:N` (the N-th chunk file complete). At that point the process writes MARKER and
sleeps, so a test can kill it there without depending on timing; a test that deletes
MARKER instead lets the command go on from that point. The production code has
no hook: this wraps `sim.jobs.sweep.store` functions from outside.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def park(marker: Path, what: str) -> None:
    marker.write_text(f"{os.getpid()} {what}\n")
    while marker.exists():  # wait for the test's signal, or for the marker's removal
        time.sleep(0.05)


def install(hold: str, marker: Path) -> None:
    from sim.jobs.sweep import store

    kind, _, count = hold.partition(":")
    left = [int(count or 1)]
    write_parquet, write_chunk = store._write_parquet, store.write_chunk

    def counted(what: str) -> None:
        left[0] -= 1
        if left[0] == 0:
            park(marker, what)

    def held_write_parquet(frame, path, *rid):
        write_parquet(frame, path, *rid)
        if kind == "written" and ".tmp" in path.name and path.parent.name == store.CHUNKS:
            counted(str(path))

    def held_write_chunk(partial, chunk, frame, *rid):
        write_chunk(partial, chunk, frame, *rid)
        if kind == "committed":
            counted(store.chunk_name(chunk))

    store._write_parquet = held_write_parquet
    store.write_chunk = held_write_chunk


if __name__ == "__main__":
    install(sys.argv[1], Path(sys.argv[2]))
    from sim.cli import main

    sys.exit(main(sys.argv[3:]))
