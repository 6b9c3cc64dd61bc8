"""Per-step aggregates of what the run charts draw, accumulated chunk by chunk during a run.

Why: the charts show quantile bands, rung shares and crisis shares per step, not rows. Reading
every per-step row back (82 million pair rows at 10,000 × 200) cost the chart process
gigabytes (issue 18). Here each chunk's series are folded into fixed-bin histograms with
integer counts as the chunk arrives; counts add up the same whatever the chunking, the
number of workers or the order chunks arrive in, so `aggregates.parquet` is byte-identical
for 1 or N workers and any chunk size.

Quantiles come from the histograms (sim/histograms.py), within half a bin (RESOLUTION) of
the exact ones for values inside the series' range (all series are bounded by the model:
see RANGES).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from sim import histograms
from sim.histograms import (  # noqa: F401  (re-exported: the names of sim.aggregates before)
    BIN_WIDTH,
    QUANTILES,
    RESOLUTION,
    Histograms,
    Ranks,
    Sparse,
    add_sparse,
    sparse_counts,
)
from sim.ladder import RUNGS, rung_of

if TYPE_CHECKING:
    from sim.ensemble import ChunkResult, Series
    from sim.world import World

Q_COLUMNS = tuple(f"q{round(q * 100):02d}" for q in QUANTILES)  # q05 q25 q50 q75 q95
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


def rung_counts(shape: tuple[int, ...], escalation: np.ndarray, active: np.ndarray) -> Sparse:
    """Counts of (step, actor, rung) over the active replications: a rung is a bin of
    width 1 from 0, so the compiled count gives the same integers where numba is loaded."""
    fast = histograms.compiled_counts()  # one place to switch it off (tests)
    rungs = rung_of(escalation)
    if fast is not None:
        return fast(shape, rungs.astype(np.float64), active, 0.0, 1.0)
    return sparse_counts(shape, rungs, active)


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
