"""CSV text of plain numeric tables, byte for byte what `DataFrame.to_csv(index=False)`
writes, several times faster.

Why: a 100,000-replication run's summary.csv (45 columns) took pandas ~6 s in the main
process after the workers had finished: numpy's float → str cast costs ~0.8 µs a value,
Python's `repr` of a float ~0.1 µs, and both give the shortest string that reads back as
the same float, positional from 1e-4 to 1e16 and scientific outside (issue 18).
tests/test_results.py holds the two writers to the same bytes on random tables.

Only what is certain to match is written here: float, integer and boolean columns, and
text columns of plain strings (no delimiter, quote, line break or empty string, so
pandas never quotes them). Anything else returns None and pandas writes the table.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

NEEDS_QUOTES = (",", '"', "\n", "\r")


def _plain_text(values: np.ndarray) -> list[str] | None:
    """The column as strings, or None when pandas might quote or convert some value."""
    out = values.tolist()
    for v in out:
        if type(v) is not str or not v or any(c in v for c in NEEDS_QUOTES):
            return None
    return out


def _column(series: pd.Series) -> list[str] | None:
    """One column's fields as pandas writes them, or None if not certain to match."""
    kind = series.dtype.kind
    values = series.to_numpy()
    if kind == "f" and series.dtype == np.float64:
        text = list(map(float.__repr__, values.tolist()))
        for i in np.flatnonzero(np.isnan(values)).tolist():
            text[i] = ""  # pandas' na_rep
        return text
    if kind in "iub":
        return list(map(str, values.tolist()))
    if kind == "O":
        return _plain_text(values)
    return None


def csv_text(frame: pd.DataFrame) -> str | None:
    """`frame.to_csv(index=False)` for tables of plain columns, else None."""
    names = [str(c) for c in frame.columns]
    if frame.columns.has_duplicates or _plain_text(np.array(names, dtype=object)) is None:
        return None
    columns = []
    for _, series in frame.items():
        text = _column(series)
        if text is None:
            return None
        columns.append(text)
    if len(columns) == 1:
        return None  # a one-field row is quoted when empty: leave such tables to pandas
    lines = [",".join(names), *map(",".join, zip(*columns, strict=True))]
    return os.linesep.join(lines) + os.linesep  # pandas ends lines with os.linesep


def open_csv(path: Path) -> TextIO:
    """A CSV file opened as pandas opens one (UTF-8, line ends written as given)."""
    return open(path, "w", encoding="utf-8", newline="")


class CsvAppender:
    """One CSV table written chunk by chunk, the same bytes as `to_csv` of all the rows.

    Why: a run's summary.csv was formatted after the last chunk, while the workers sat
    idle (~2 s at 100,000 replications); chunk by chunk the main process formats each part
    while the workers compute the next (issue 18). Rows are formatted independently of
    each other, so the parts concatenate to the whole table's text."""

    def __init__(self, path: Path):
        self.path = path
        self._file: TextIO | None = None

    def add(self, frame: pd.DataFrame) -> None:
        first = self._file is None
        text = csv_text(frame)
        if text is None:
            text = frame.to_csv(index=False, header=first)
        elif not first:  # drop the header line (csv_text's column names are plain)
            text = text[text.index(os.linesep) + len(os.linesep) :]
        if self._file is None:
            self._file = open_csv(self.path)
        self._file.write(text)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
