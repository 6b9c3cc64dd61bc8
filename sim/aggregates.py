"""Per-step aggregates of what the run charts draw, accumulated chunk by chunk during a run.

Why: the charts show quantile bands, rung shares and crisis shares per step, not rows. Reading
every per-step row back (82 million pair rows at 10,000 × 200) cost the chart process
gigabytes (issue 18). Here each chunk's series are folded into fixed-bin histograms with
integer counts as the chunk arrives; counts add up the same whatever the chunking, the
number of workers or the order chunks arrive in, so `aggregates.parquet` is byte-identical
for 1 or N workers and any chunk size.

Quantiles come from the histograms: each order statistic is taken as the midpoint of its
bin and neighbouring order statistics are interpolated linearly (numpy's default
quantile rule), so every quantile is within half a bin (RESOLUTION) of the exact one for
values inside the series' range (all series are bounded by the model: see RANGES).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from sim.ladder import RUNGS, rung_of

if TYPE_CHECKING:
    from sim.ensemble import ChunkResult, Series
    from sim.world import World

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
Q_COLUMNS = tuple(f"q{round(q * 100):02d}" for q in QUANTILES)  # q05 q25 q50 q75 q95
BIN_WIDTH = 0.001
RESOLUTION = BIN_WIDTH / 2  # largest gap between a histogram quantile and the exact one
# The model's bounds of each series (sim/dynamics.py clips; sim/metrics.py documents).
RANGES = {
    "escalation": (0.0, 1.0),
    "commitment": (-1.0, 1.0),
    "tension": (0.0, 1.0),
    "distancing": (-2.0, 2.0),
    "frustration": (0.0, 1.0),
}
SERIES = ("escalation", "rung", "commitment", "tension", "distancing", "frustration", "crisis",
          "war")  # fmt: skip
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
            self._dense = np.zeros(self.shape, dtype=np.int32)
            add_sparse(self._dense, self._sparse)
            self._sparse = (np.zeros(0, np.int64), np.zeros(0, np.int32))
        return self._dense

    def merge(self, sparse: Sparse) -> None:
        """Add counts from `count` (here or in a worker)."""
        if self._dense is not None:
            add_sparse(self._dense, sparse)
            return
        self._sparse = merge_sparse(self._sparse, sparse)
        if 3 * 12 * len(self._sparse[0]) > 4 * self._rows * self.bins:  # 8 + 4 bytes a cell
            self._dense = self.counts  # dense for good from here

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


def rung_counts(shape: tuple[int, ...], escalation: np.ndarray, active: np.ndarray) -> Sparse:
    """Counts of (step, actor, rung) over the active replications: a rung is a bin of
    width 1 from 0, so the compiled count gives the same integers where numba is loaded."""
    fast = compiled_counts()
    rungs = rung_of(escalation)
    if fast is not None:
        return fast(shape, rungs.astype(np.float64), active, 0.0, 1.0)
    return sparse_counts(shape, rungs, active)


def add_sparse(counts: np.ndarray, sparse: Sparse) -> None:
    """Add sparse counts (`sparse_counts` of an array of counts' shape) into `counts`."""
    index, n = sparse
    counts.reshape(-1)[index] += n  # the indices are unique: no update is lost


def pair_values(series: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """(steps, R, pairs) values of the ordered pairs (src[k], dst[k]) of (steps, R, N, N)
    series: `series[:, :, src, dst]`, taken along the flattened pair axis (one index per
    pair instead of two: 3.5× faster on a full-series chunk, the same values)."""
    t1, r, n, _ = series.shape
    return np.take(series.reshape(t1, r, n * n), src * n + dst, axis=2)


def pair_series(series: Series, src: np.ndarray, dst: np.ndarray) -> dict[str, np.ndarray]:
    """The chunk's commitment and tension of the ordered pairs (src[k], dst[k]), (steps, R,
    pairs) each: what both its counts and its pairs table read, taken once."""
    return {
        name: pair_values(getattr(series, name), src, dst) for name in ("commitment", "tension")
    }


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


@dataclass
class ChunkCounts:
    """One chunk's share of a run's aggregates: sparse histogram and rung counts, and the
    per-step crisis and war counts (small enough to send from a worker)."""

    replications: int
    hist: dict[str, Sparse]
    rungs: Sparse
    flags: dict[str, np.ndarray]


class RunAggregates:
    """Accumulates every chart's per-step aggregates over the chunks of one run."""

    def __init__(self, world: World, pairs: list[tuple[int, int]], dates: list[str]):
        t1, n = len(dates), world.n
        self.ids, self.pairs, self.dates = list(world.ids), pairs, dates
        self.src = np.array([i for i, _ in pairs], dtype=np.int64)
        self.dst = np.array([j for _, j in pairs], dtype=np.int64)
        self.replications = 0
        self.hist = {
            "escalation": Histograms(t1, n, *RANGES["escalation"]),
            "commitment": Histograms(t1, len(pairs), *RANGES["commitment"]),
            "tension": Histograms(t1, len(pairs), *RANGES["tension"]),
            "distancing": Histograms(t1, 1, *RANGES["distancing"]),
            "frustration": Histograms(t1, 1, *RANGES["frustration"]),
        }
        self.rungs = np.zeros((t1, n, len(RUNGS)), dtype=np.int64)
        self.flags = {"crisis": np.zeros(t1, np.int64), "war": np.zeros(t1, np.int64)}

    def add(self, chunk: ChunkResult) -> None:
        """Fold one chunk's series in (a chunk without series is skipped)."""
        if chunk.series is not None:
            self.merge(self.count(chunk))

    def count(self, chunk: ChunkResult, paired: dict[str, np.ndarray] | None = None) -> ChunkCounts:
        """One chunk's contribution, sparse (what a worker sends instead of its series).
        `paired`: the chunk's `pair_series`, when the caller has them already."""
        s = chunk.series
        assert s is not None
        active = s.active.astype(bool)
        hist = self.hist
        paired = pair_series(s, self.src, self.dst) if paired is None else paired
        return ChunkCounts(
            replications=len(chunk.replications),
            hist={
                "escalation": hist["escalation"].count(s.escalation, active),
                "commitment": hist["commitment"].count(paired["commitment"]),
                "tension": hist["tension"].count(paired["tension"]),
                "distancing": hist["distancing"].count(s.distancing[:, :, None]),
                "frustration": hist["frustration"].count(s.frustration[:, :, None]),
            },
            rungs=rung_counts(self.rungs.shape, s.escalation, active),
            flags={f: np.asarray(getattr(s, f), dtype=bool).sum(axis=1) for f in self.flags},
        )

    def merge(self, counts: ChunkCounts) -> None:
        """Add one chunk's counts (from `count`, here or in a worker)."""
        self.replications += counts.replications
        for name, sparse in counts.hist.items():
            self.hist[name].merge(sparse)
        add_sparse(self.rungs, counts.rungs)
        for flag, total in self.flags.items():
            total += counts.flags[flag]

    def table(self) -> pa.Table:
        """The long table of docs/results-format.md (`aggregates.parquet`)."""
        parts = [
            self._quantile_rows("escalation", self.ids, [""] * len(self.ids)),
            self._rung_rows(),
            self._quantile_rows("commitment", *self._pair_names()),
            self._quantile_rows("tension", *self._pair_names()),
            self._quantile_rows("distancing", [""], [""]),
            self._quantile_rows("frustration", [""], [""]),
        ]
        t1 = len(self.dates)
        for flag, total in self.flags.items():
            parts.append(self._rows(flag, [""], [""], total[:, None], _no_quantiles(t1, 1)))
        columns = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        arrays = {
            "series": pa.array(columns["series"], pa.string()).dictionary_encode(),
            "step": pa.array(columns["step"], pa.int64()),
            "date": pa.array(columns["date"], pa.string()),
            "source": pa.array(columns["source"], pa.string()),
            "target": pa.array(columns["target"], pa.string()),
            "count": pa.array(columns["count"], pa.int64()),
            "of": pa.array(columns["of"], pa.int64()),
        }
        for j, name in enumerate(Q_COLUMNS):
            arrays[name] = pa.array(columns["q"][:, j], pa.float64())
        return pa.table(arrays)

    def _pair_names(self) -> tuple[list[str], list[str]]:
        return [self.ids[i] for i in self.src], [self.ids[j] for j in self.dst]

    def _quantile_rows(self, name: str, sources: list[str], targets: list[str]) -> dict:
        h = self.hist[name]
        return self._rows(name, sources, targets, h.n(), h.quantiles())

    def _rung_rows(self) -> dict:
        t1, n, width = self.rungs.shape
        sources = [a for a in self.ids for _ in range(width)]
        targets = list(RUNGS) * n
        counts = self.rungs.reshape(t1, n * width)
        return self._rows("rung", sources, targets, counts, _no_quantiles(t1, n * width))

    def _rows(self, name: str, sources: list[str], targets: list[str], counts: np.ndarray,
              qs: np.ndarray) -> dict:  # fmt: skip
        """Rows step-major: (steps × groups) of one series."""
        t1, g = counts.shape
        return {
            "series": np.array([name] * (t1 * g), dtype=object),
            "step": np.repeat(np.arange(t1), g),
            "date": np.repeat(np.array(self.dates, dtype=object), g),
            "source": np.tile(np.array(sources, dtype=object), t1),
            "target": np.tile(np.array(targets, dtype=object), t1),
            "count": counts.reshape(-1),
            "of": np.full(t1 * g, self.replications, dtype=np.int64),
            "q": qs.reshape(t1 * g, len(QUANTILES)),
        }


def _no_quantiles(steps: int, groups: int) -> np.ndarray:
    """Quantile columns of a count-only series (rung, crisis, war): NaN."""
    return np.full((steps, groups, len(QUANTILES)), np.nan)
