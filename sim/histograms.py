"""Fixed-bin histograms of bounded series, kept sparse until they fill, and quantiles read
from them: what `sim.aggregates` folds each chunk of a run into (split from it).

Quantiles come from the histograms: each order statistic is taken as the midpoint of its
bin and neighbouring order statistics are interpolated linearly (numpy's default
quantile rule), so every quantile is within half a bin (RESOLUTION) of the exact one for
values inside the series' range.
"""

from __future__ import annotations

import sys

import numpy as np

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
BIN_WIDTH = 0.001
RESOLUTION = BIN_WIDTH / 2  # largest gap between a histogram quantile and the exact one
Sparse = tuple[np.ndarray, np.ndarray]  # (flat indices into counts, their counts), sorted


class Histograms:
    """Counts of values per (step, group, bin) of one bounded series.

    Why two stores: the dense array has a cell for every bin of every (step, group), 2,000
    bins for commitment; at 300 actors' 4,500 related pairs and 37 steps that is 1.3 GB,
    while 20 replications fill at most 20 cells a row (3.3 million). The counts stay sparse
    (sorted flat indices and their counts) until they would take a third of the dense
    array's bytes, then become dense for good: never more than the dense array's memory,
    and the same counts, so the same quantiles, either way."""

    def __init__(self, steps: int, groups: int, lo: float, hi: float):
        self.lo = lo
        self.bins = round((hi - lo) / BIN_WIDTH)
        self.shape, self._rows = (steps, groups, self.bins), steps * groups
        self._dense: np.ndarray | None = None
        self._sparse: Sparse = (np.zeros(0, np.int64), np.zeros(0, np.int32))

    @property
    def counts(self) -> np.ndarray:
        """The dense (steps, groups, bins) counts, made dense for good on first read.
        32-bit: a cell counts one value per replication at most (the schema caps a run at
        10 million); sums and running totals are taken in 64 bits."""
        if self._dense is None:
            self._densify()
        return self._dense

    def merge(self, sparse: Sparse) -> None:
        """Add counts from `count` (here or in a worker)."""
        if self._dense is not None:
            add_sparse(self._dense, sparse)
            return
        self._sparse = merge_sparse(self._sparse, sparse)
        if 3 * 12 * len(self._sparse[0]) > 4 * self._rows * self.bins:  # 8 + 4 bytes a cell
            self._densify()

    def _densify(self) -> None:
        """Move the sparse counts into a dense array, for good."""
        self._dense = np.zeros(self.shape, dtype=np.int32)
        add_sparse(self._dense, self._sparse)
        self._sparse = (np.zeros(0, np.int64), np.zeros(0, np.int32))

    def bin_of(self, values: np.ndarray) -> np.ndarray:
        """Bin index of each value; values at or beyond the bounds go to the edge bins."""
        k = np.subtract(values, self.lo)
        np.divide(k, BIN_WIDTH, out=k)
        np.floor(k, out=k)
        np.clip(k, 0, self.bins - 1, out=k)  # in place: these arrays are a chunk's series
        return k.astype(np.int32)  # bins number thousands: 32 bits sort twice as fast

    def add(self, values: np.ndarray, keep: np.ndarray | None = None) -> None:
        """Fold (steps, R, groups) values in; `keep` (same shape) masks values out."""
        self.merge(self.count(values, keep))

    def count(self, values: np.ndarray, keep: np.ndarray | None = None) -> Sparse:
        """The counts `add` would add, as (flat index, count) of the non-empty bins; compiled
        where numba is loaded already (`compiled_counts`: the same counts)."""
        fast = compiled_counts()
        if fast is not None:
            return fast(self.shape, values, keep, self.lo, BIN_WIDTH)
        ok = np.isfinite(values)
        if keep is not None:
            ok &= keep
        if ok.all():  # the usual case: no masked copy of the values first (bin_of copies)
            return sparse_counts(self.shape, self.bin_of(values), ok)
        return sparse_counts(self.shape, self.bin_of(np.where(ok, values, self.lo)), ok)

    def n(self) -> np.ndarray:
        if self._dense is not None:
            return self._dense.sum(axis=-1)
        return row_totals(self._sparse, self._rows, self.bins).reshape(self.shape[:2])

    def quantiles(self) -> np.ndarray:
        """(steps, groups, len(QUANTILES)); NaN where a step × group has no values."""
        if self._dense is not None:
            return histogram_quantiles(self._dense, self.lo)
        ranks = Ranks.of_sparse(self._sparse, self._rows, self.bins)
        found = quantiles_of(ranks, self.n().reshape(-1), self.lo, self.bins)
        return found.reshape(*self.shape[:2], len(QUANTILES))


def compiled_counts():
    """`sim.kernel.counts` as a `Histograms.count`, or None unless numba is loaded in this
    process already (a worker running the numba engine): loading numba only to count would
    cost a small run more than it saves (~0.3 s)."""
    if "numba" not in sys.modules or sys.modules["numba"] is None:
        return None
    from sim.kernel.counts import row_counts

    def count(shape: tuple[int, ...], values: np.ndarray, keep: np.ndarray | None, lo: float,
              width: float) -> Sparse:  # fmt: skip
        t1, g, nbins = shape
        values = np.ascontiguousarray(values, dtype=np.float64)
        mask = np.ones((1, 1, 1), bool) if keep is None else np.ascontiguousarray(keep, bool)
        index, n = row_counts(values, mask, keep is not None, lo, width, nbins)
        kind = np.int32 if t1 * g * nbins < 2**31 else np.int64  # as sparse_counts
        return index.astype(kind), n

    return count


def sparse_counts(shape: tuple[int, ...], bins: np.ndarray, ok: np.ndarray) -> Sparse:
    """How many values fall in each (t, g, bins[t, r, g]) wherever ok[t, r, g], as the flat
    indices of the non-empty cells of a `shape` array and their counts.

    Why sparse: a worker counts its chunk and sends the counts to the process that merges
    them (issue 18); the dense commitment histogram alone is 64 MB per chunk, while a chunk
    fills at most one cell per value. The flat index (t, g, bin) of every value is computed
    at once; laid out row by row (t, g), each row's indices only need sorting among
    themselves (rows are already in order), which is 3× faster than one sort of them all.
    Counts are integers, so sums do not depend on the order they are added in."""
    t1, g, width = shape
    kind = np.int32 if t1 * g * width < 2**31 else np.int64  # half the bytes where it fits
    rows = np.arange(t1, dtype=kind)[:, None] * (g * width) + np.arange(g, dtype=kind) * width
    cells = bins.astype(kind, copy=False) + rows[:, None, :]  # (t, r, g)
    if not ok.all():
        cells[~ok] = -1  # sorts first in its row; dropped below
    flat = np.sort(cells.transpose(0, 2, 1), axis=-1).reshape(-1)
    if flat[:1].size and flat.min() < 0:
        flat = flat[flat >= 0]
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]]) if len(flat) else flat
    return flat[starts], np.diff(np.r_[starts, len(flat)]).astype(np.int32)


def add_sparse(counts: np.ndarray, sparse: Sparse) -> None:
    """Add sparse counts (`sparse_counts` of an array of counts' shape) into `counts`."""
    index, n = sparse
    counts.reshape(-1)[index] += n  # the indices are unique: no update is lost


def merge_sparse(a: Sparse, b: Sparse) -> Sparse:
    """The sum of two sparse counts, as sorted unique flat indices and their counts."""
    index = np.concatenate([a[0], b[0].astype(np.int64, copy=False)])
    n = np.concatenate([a[1], b[1]])
    order = np.argsort(index, kind="stable")
    index, n = index[order], n[order]
    starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]]) if len(index) else index
    return index[starts], np.add.reduceat(n, starts) if len(index) else n


def row_totals(sparse: Sparse, rows: int, width: int) -> np.ndarray:
    """Each row's sum of sparse counts of a (rows, width) array (exact below 2**53)."""
    return np.bincount(sparse[0] // width, weights=sparse[1], minlength=rows).astype(np.int64)


def histogram_quantiles(counts: np.ndarray, lo: float) -> np.ndarray:
    """Quantiles (QUANTILES) along the last axis of bin counts of width BIN_WIDTH from `lo`."""
    shape = counts.shape[:-1]
    flat = counts.reshape(-1, counts.shape[-1])
    quantiles = quantiles_of(Ranks(flat), flat.sum(axis=1), lo, flat.shape[1])
    return quantiles.reshape(*shape, len(QUANTILES))


def quantiles_of(ranks: Ranks, total: np.ndarray, lo: float, width: int) -> np.ndarray:
    """(rows, len(QUANTILES)) from each row's `Ranks` and number of values; NaN if none."""
    has = total > 0
    mids = lo + (np.arange(width) + 0.5) * BIN_WIDTH
    out = np.full((len(total), len(QUANTILES)), np.nan)
    n = total[has]
    for j, q in enumerate(QUANTILES):
        pos = q * (n - 1)
        k = np.floor(pos).astype(np.int64)
        frac = pos - k
        below = mids[ranks.bin_of(k, has)]
        above = mids[ranks.bin_of(np.minimum(k + 1, n - 1), has)]
        out[has, j] = below + frac * (above - below)
    return out


class Ranks:
    """The bin holding a given rank in rows of bin counts, by one binary search over the
    running total of the non-empty bins of all rows.

    Why: a run's histograms are mostly empty (the commitment one has 12 million bins, 96 MB,
    of which a few hundred thousand are non-empty), and binary searches over the dense
    cumulative counts of every bin missed the cache at every step; the quantile table was
    a quarter of a second of the run's serial end (issue 18). Rows follow each other in
    the running total, so it never decreases, and a row's rank k is the total before the
    row plus k: the first non-empty bin whose running total exceeds that is the first bin
    of the row whose cumulative count exceeds k (an empty bin never does first)."""

    def __init__(self, counts: np.ndarray):
        flat = counts.reshape(-1)
        cells = np.flatnonzero(flat)
        self._fill((cells, flat[cells]), *counts.shape)

    @classmethod
    def of_sparse(cls, sparse: Sparse, rows: int, width: int) -> Ranks:
        """The same search from the sorted sparse counts of a (rows, width) array."""
        ranks = object.__new__(cls)
        ranks._fill(sparse, rows, width)
        return ranks

    def _fill(self, sparse: Sparse, rows: int, width: int) -> None:
        self.bins = sparse[0] % width
        self.cum = np.cumsum(sparse[1], dtype=np.int64)
        totals = row_totals(sparse, rows, width)
        self.before = np.cumsum(totals) - totals  # values in the rows before each row

    def bin_of(self, rank: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The bin holding the rank-th smallest value (0-based) of each row (of the rows
        `rows` selects, a boolean mask or indices; all rows by default)."""
        before = self.before if rows is None else self.before[rows]
        return self.bins[np.searchsorted(self.cum, rank + before, side="right")]
