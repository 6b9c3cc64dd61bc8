"""The posterior summary of a calibration (weighted quantiles of each coefficient).

The charts of calibration and hindcast folders are in sim/plots/observe_charts.py and their
report pages in sim/report/ (like every other kind of results folder).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cdf = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][min(np.searchsorted(cdf, q), len(values) - 1)])


def posterior_summary(posterior: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Weighted mean and 5/50/95% quantiles of every calibrated coefficient."""
    w = posterior["weight"].to_numpy(float)
    rows = []
    for name in names:
        v = posterior[name].to_numpy(float)
        rows.append(
            {
                "coefficient": name,
                "mean": float(np.average(v, weights=w)),
                "q05": weighted_quantile(v, w, 0.05),
                "median": weighted_quantile(v, w, 0.5),
                "q95": weighted_quantile(v, w, 0.95),
            }
        )
    return pd.DataFrame(rows)
