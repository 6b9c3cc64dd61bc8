"""Results folders appear whole or not at all: the one atomic-write helper run and compare share."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import UsageError


def timestamped(name: str, root: Path = Path("results")) -> Path:
    """The default results folder: results/NAME/<UTC timestamp>."""
    return root / name / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


@contextmanager
def atomic_folder(out: Path) -> Iterator[Path]:
    """Yield `.NAME.partial-PID` beside `out`; rename it to `out` on success, delete it on
    any failure or interrupt, so nothing half-written ever looks like a results folder."""
    if out.exists():
        raise UsageError(f"--out {out} already exists; results are never overwritten")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        tmp.mkdir()
        yield tmp
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def finish(folder: Path, meta: dict, charts: Callable[[Path], object] | None) -> None:
    """Write the manifest, then the charts (which read it) into a folder being assembled."""
    (folder / "manifest.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    if charts is not None:
        charts(folder)
