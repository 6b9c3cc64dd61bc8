"""The per-step chart data of a run, from `aggregates.parquet` (written during the run by
sim/aggregates.py) or, for folders written before it existed, from the per-step tables.

Why: the aggregates are a few thousand rows whatever the number of replications, while the
per-step tables grow with it (82 million pair rows at 10,000 × 200). A chart that finds
the aggregates never loads the per-step tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.ladder import RUNGS
from sim.plots.data import QUANTILES, quantile_bands, wide
from sim.results.folder import ResultsFolder as Results

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


# ------------------------------------------- chart data from either source
def rung_table(
    res: Results, ts: pd.DataFrame | None, actor: str, steps: np.ndarray
) -> pd.DataFrame:
    """(steps × rung index) counts of replications where `actor` is active, from the
    aggregates when `ts` is None, else from the per-step rows."""
    if ts is None:
        counts = rung_counts(res, actor, list(RUNGS))
        return pd.DataFrame(counts, columns=range(len(RUNGS))).reindex(index=steps, fill_value=0)
    g = ts[ts["actor"] == actor]
    if "active" in g:
        g = g[g["active"]]
    return pd.crosstab(g["step"], g["rung"]).reindex(
        index=steps, columns=range(len(RUNGS)), fill_value=0
    )


def network_at(res: Results, ts: pd.DataFrame | None, pairs: pd.DataFrame | None,
                step: int) -> tuple[dict[str, float], pd.Series]:  # fmt: skip
    """(share of replications each actor is active in, median commitment per pair) at
    `step`: from the aggregates when the per-step frames are None."""
    if ts is None or pairs is None:
        return active_share(res, step), median_commitment(res, step)
    n_rep = int(ts["replication"].nunique())
    at = ts[ts["step"] == step]
    live = at[at["active"]] if "active" in at else at
    share = live.groupby("actor")["replication"].nunique() / max(n_rep, 1)
    med = pairs[pairs["step"] == step].groupby(["source", "target"])["commitment"].median()
    return share.to_dict(), med


def system_bands(res: Results, sysf: pd.DataFrame | None, column: str) -> dict:
    """Quantile bands of a system series: from the aggregates when `sysf` is None."""
    if sysf is None:
        return bands(res, column)
    return quantile_bands(wide(sysf, column))


def flag_share(res: Results, sysf: pd.DataFrame | None, flag: str, x: np.ndarray) -> np.ndarray:
    """Share (0–1) of replications with `flag` set at each step."""
    if sysf is None:
        return shares(res, flag)
    return sysf.groupby("step")[flag].mean().reindex(x).to_numpy()
