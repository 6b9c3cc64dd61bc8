"""The chart histograms' counts of one chunk (sim/histograms.py `sparse_counts` of
`Histograms.bin_of`), compiled: the same sparse counts, without sorting.

Why: a full-series worker spent ~36 ms per 250 × 200 chunk counting its series into the
chart histograms (five passes to bin the values, then a sort of every (step, group) row),
about a tenth of its time (issue 18). The values of one row (one step, one actor or pair,
every replication of the chunk) fall in a narrow band of bins, so counting them into a
small array and reading back the touched stretch gives the row's sorted bins directly.

The bin of a value is computed with the same operations as `Histograms.bin_of` (subtract,
divide, floor, clip, in that order, in float64), so the counts are the same integers;
tests/test_aggregates.py checks both against each other. Self-contained on purpose:
numba's cache notices edits only in the file that defines a function (sim/kernel/compiled.py).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def row_counts(values, keep, use_keep, lo, width, nbins):
    """(flat index, count) of the non-empty cells (t, g, bin) of values (T, R, G) binned
    from `lo` in `width`-wide bins (clipped to 0 … nbins − 1), skipping NaN/inf and, when
    `use_keep`, values whose `keep` is False; indices ascending."""
    t1, r, g = values.shape
    hits = np.zeros((g, nbins), np.int32)
    first, last = np.empty(g, np.int64), np.empty(g, np.int64)
    index, count = np.empty(t1 * r * g, np.int64), np.empty(t1 * r * g, np.int32)
    top = float(nbins - 1)
    m = 0
    for t in range(t1):
        first[:] = nbins
        last[:] = -1
        for i in range(r):
            for j in range(g):
                v = values[t, i, j]
                if not math.isfinite(v) or (use_keep and not keep[t, i, j]):
                    continue
                k = np.floor((v - lo) / width)  # a float, as numpy bins it (no overflow)
                k = 0.0 if k < 0.0 else (top if k > top else k)
                b = int(k)
                hits[j, b] += 1
                first[j] = min(first[j], b)
                last[j] = max(last[j], b)
        for j in range(g):
            base = (t * g + j) * nbins
            for b in range(first[j], last[j] + 1):
                if hits[j, b] != 0:
                    index[m] = base + b
                    count[m] = hits[j, b]
                    hits[j, b] = 0
                    m += 1
    return index[:m], count[:m]
