"""The per-step chart data of a run, from `aggregates.parquet` (written during the run by
sim/aggregates.py) or, for folders written before it existed, from the per-step tables.

Why: the aggregates are a few thousand rows whatever the number of replications, while the
per-step tables grow with it (82 million pair rows at 10,000 × 200). A chart that finds
the aggregates never loads the per-step tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.plots.data import QUANTILES, Results

Q_COLUMNS = tuple(f"q{round(q * 100):02d}" for q in QUANTILES)


def rows(res: Results, series: str, source: str = "", target: str | None = "") -> pd.DataFrame:
    """One series' rows (sorted by step); `target=None` keeps every target."""
    agg = res.aggregates
    assert agg is not None
    pick = (agg["series"] == series) & (agg["source"] == source)
    if target is not None:
        pick &= agg["target"] == target
    return agg[pick].sort_values(["step", "target"], kind="stable")


def bands(res: Results, series: str, source: str = "", target: str = "") -> dict[float, np.ndarray]:
    """The quantile bands of one series per step ({quantile: array}), as `quantile_bands`."""
    frame = rows(res, series, source, target)
    return {q: frame[c].to_numpy(dtype=float) for q, c in zip(QUANTILES, Q_COLUMNS, strict=True)}


def shares(res: Results, series: str, source: str = "") -> np.ndarray:
    """Share (0–1) of replications counted per step (crisis, war)."""
    frame = rows(res, series, source)
    return frame["count"].to_numpy(dtype=float) / np.maximum(frame["of"].to_numpy(), 1)


def rung_counts(res: Results, actor: str, rungs: list[str]) -> np.ndarray:
    """(steps, rungs): active replications of `actor` on each rung per step."""
    frame = rows(res, "rung", actor, None)
    table = frame.pivot(index="step", columns="target", values="count")
    return table.reindex(columns=rungs, fill_value=0).to_numpy(dtype=float)


def replications(res: Results) -> int:
    """Number of replications the aggregates were drawn from."""
    agg = res.aggregates
    assert agg is not None
    return int(agg["of"].max()) if len(agg) else 0


def active_share(res: Results, step: int) -> dict[str, float]:
    """Share of replications in which each actor is active at `step`."""
    agg = res.aggregates
    assert agg is not None
    frame = agg[(agg["series"] == "escalation") & (agg["step"] == step)]
    return {
        str(a): c / max(o, 1)
        for a, c, o in zip(frame["source"], frame["count"], frame["of"], strict=True)
    }


def median_commitment(res: Results, step: int) -> pd.Series:
    """Median commitment per (source, target) at `step` (as the rows' groupby median)."""
    agg = res.aggregates
    assert agg is not None
    frame = agg[(agg["series"] == "commitment") & (agg["step"] == step) & (agg["count"] > 0)]
    return frame.set_index(["source", "target"])["q50"]
