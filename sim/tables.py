"""Ensemble arrays → tidy pandas tables (the column names users see)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.ensemble import ChunkResult, EventLog
from sim.ladder import RUNGS, rung_of
from sim.world import World

MONTHS_PER_STEP = {"month": 1, "quarter": 3, "year": 12}

# The per-step series tables (timeseries, pairs, system) store their values as 32-bit floats.
# Why: a full-series run is bound by encoding and moving these bytes (issue 18: 922 MB at
# 10,000 × 200); float32 halves them, and its 7 significant digits are far finer than any
# chart, band or analysis of a level on a 0–1 scale needs. The simulation, the summaries,
# the effects and the chart aggregates keep float64 (the aggregates are counted from the
# float64 series), and `rung` is the rung of the float64 level.
SERIES_FLOAT = np.float32


def stored(values: np.ndarray) -> np.ndarray:
    """A float series as the tables store it: flattened, at SERIES_FLOAT."""
    return np.asarray(values, dtype=SERIES_FLOAT).reshape(-1)


def step_dates(start: str, unit: str, steps: int) -> list[str]:
    """Calendar label of each step (YYYY-MM, or YYYY-MM-DD for weekly steps).

    Weekly dates are numpy days, not pandas Timestamps: a Timestamp ends in April 2262
    (weekly runs past it ended in a traceback) and formats years before 1000 unpadded,
    while every `run.start` the schema accepts (0001-01 … 9999-12) plus 10,000 weeks fits
    a datetime64[D] and prints as YYYY-MM-DD, like the monthly labels' YYYY-MM."""
    if unit == "week":
        days = np.datetime64(f"{start}-01", "D") + 7 * np.arange(steps + 1)
        return [str(day) for day in days]
    period = pd.Period(start, freq="M")
    return [str(period + k * MONTHS_PER_STEP[unit]) for k in range(steps + 1)]


def kept(ids: Sequence[str], shown: Sequence[str] | None) -> np.ndarray:
    """Indices of the actors a table shows: all, or those in `shown` (an actor never active
    in the run has no outcome, so its frozen level stays out of the tables)."""
    return np.array([i for i, a in enumerate(ids) if shown is None or a in shown], dtype=int)


def actor_table(world: World, result: ChunkResult, dates: list[str],
                shown: Sequence[str] | None = None) -> pd.DataFrame:  # fmt: skip
    """One row per replication × step × shown actor."""
    s = result.series
    assert s is not None
    idx = kept(world.ids, shown)
    t1, r, _ = s.escalation.shape
    n = len(idx)
    esc = s.escalation[:, :, idx].reshape(-1)
    rung = rung_of(esc)
    return pd.DataFrame(
        {
            "replication": np.tile(np.repeat(result.replications, n), t1),
            "step": np.repeat(np.arange(t1), r * n),
            "date": np.repeat(np.array(dates), r * n),
            "actor": np.tile(np.array(world.ids)[idx], t1 * r),
            "escalation": stored(esc),
            "rung": rung,
            "rung_name": pd.Categorical.from_codes(rung, categories=list(RUNGS)),
            "leverage": stored(s.leverage[:, :, idx]),
            "active": s.active[:, :, idx].reshape(-1),
        }
    )


def pair_table(world: World, result: ChunkResult, pairs: list[tuple[int, int]]) -> pd.DataFrame:
    """One row per replication × step × ordered pair (only pairs the scenario relates)."""
    s = result.series
    assert s is not None
    t1, r = s.distancing.shape
    src = np.array([i for i, _ in pairs])
    dst = np.array([j for _, j in pairs])
    k = len(pairs)
    ids = np.array(world.ids)
    return pd.DataFrame(
        {
            "replication": np.tile(np.repeat(result.replications, k), t1),
            "step": np.repeat(np.arange(t1), r * k),
            "source": np.tile(ids[src], t1 * r),
            "target": np.tile(ids[dst], t1 * r),
            "commitment": stored(s.commitment[:, :, src, dst]),
            "tension": stored(s.tension[:, :, src, dst]),
        }
    )


def system_table(result: ChunkResult, dates: list[str]) -> pd.DataFrame:
    """One row per replication × step: distancing, frustration, crisis and war flags."""
    s = result.series
    assert s is not None
    t1, r = s.distancing.shape
    return pd.DataFrame(
        {
            "replication": np.tile(result.replications, t1),
            "step": np.repeat(np.arange(t1), r),
            "date": np.repeat(np.array(dates), r),
            "distancing": stored(s.distancing),
            "frustration": stored(s.frustration),
            "crisis": s.crisis.reshape(-1),
            "war": s.war.reshape(-1),
        }
    )


def summary_table(result: ChunkResult, shown: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per replication; with `shown`, the per-actor columns of other actors (never
    active in the run) are left out."""
    columns = {k: v for k, v in result.summary.items() if shown is None or shows_column(k, shown)}
    return pd.DataFrame({"replication": result.replications, **columns})


def shows_column(column: str, shown: Sequence[str]) -> bool:
    """Whether a summary column belongs in a table of the `shown` actors (a column about
    no one actor always does)."""
    from sim.results.labels import actor_of

    actor = actor_of(column)
    return actor is None or actor in shown


def events_table(log: EventLog) -> pd.DataFrame:
    return pd.DataFrame(
        {"replication": log.replication, "step": log.step, "event": log.event, "label": log.label}
    )


def related_pairs(world: World, shown: Sequence[str] | None = None) -> list[tuple[int, int]]:
    """Ordered pairs with any initial commitment, dependence or treaty (between shown
    actors, when `shown` is given)."""
    link = np.abs(world.C0[0]) > 0
    for arr in world.chan.values():
        link |= arr[0] > 0
    for _, i, j in world.treaty_pairs:
        link[i, j] = True
    keep = set(kept(world.ids, shown).tolist())
    return [
        (i, j)
        for i in range(world.n)
        for j in range(world.n)
        if i != j and link[i, j] and i in keep and j in keep
    ]
