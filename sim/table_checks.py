"""Value checks of one results table, each failure one line naming the file, the column and
what was expected (UsageError), and its readers, which turn a table that cannot be read into
such a line too. Used by sim/results_checks.py (what each folder kind's tables mean).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import UsageError, unreadable


def fail(path: Path, message: str) -> None:
    raise UsageError(f"{path}: {message}")


def check_values(path: Path, column: str, values: np.ndarray, lo: float, hi: float) -> None:
    """Finite and within [lo, hi]; the first offending value is named."""
    v = np.asarray(values, dtype=float)
    bad = ~np.isfinite(v) | (v < lo) | (v > hi)
    if bad.any():
        first = v[bad][0]
        what = "not a number" if np.isnan(first) else f"{first:g}"
        fail(path, f"column {column}: {int(bad.sum()):,} value(s) outside [{lo:g}, {hi:g}] "
             f"(first: {what})")  # fmt: skip


def check_index(path: Path, column: str, values: np.ndarray, count: int, what: str) -> None:
    """Whole numbers in [0, count)."""
    v = np.asarray(values)
    if len(v) and (v.min() < 0 or v.max() >= count):
        fail(path, f"column {column}: {v.max() if v.max() >= count else v.min()} is outside "
             f"the {count:,} {what} of the manifest")  # fmt: skip


@contextmanager
def readable(path: Path) -> Iterator[None]:
    """A table whose data fails to read under a sound header or footer (a corrupt Parquet
    page) is one line naming it: pyarrow's bare OSError ("Couldn't deserialize thrift …")
    was printed over two lines without the file, and a CSV's ParserError named only the
    folder."""
    import pandas as pd
    import pyarrow as pa

    try:
        yield
    except (pa.ArrowException, OSError, pd.errors.ParserError, pd.errors.EmptyDataError,
            UnicodeDecodeError) as exc:  # fmt: skip
        raise unreadable(path, exc) from None


def read_csv(path: Path):
    import pandas as pd

    with readable(path):
        return pd.read_csv(path)


def read_parquet(path: Path, columns: list[str] | None = None):
    """A Parquet table (pyarrow), or one line naming it."""
    import pyarrow.parquet as pq

    with readable(path):
        return pq.read_table(path, columns=columns)


def row_groups(path: Path, wanted: set[str]) -> Iterator[Any]:
    """A Parquet table one row group at a time, with the columns of `wanted` it has."""
    import pyarrow.parquet as pq

    with readable(path):
        pf = pq.ParquetFile(path)
        columns = [c for c in pf.schema_arrow.names if c in wanted]
    for i in range(pf.num_row_groups):
        with readable(path):
            group = pf.read_row_group(i, columns=columns)
        yield group
