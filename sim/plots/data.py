"""Chart helpers over a results folder (read through sim/results); never runs the model."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

# Outcome labels live in sim/results/labels.py; these names stay importable from here too.
from sim.results.labels import outcome_label, outcome_parts

__all__ = ["KEY_OUTCOMES", "outcome_label", "outcome_parts", "pick_outcomes", "quantile_bands",
           "wide"]  # fmt: skip
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def quantile_bands(values: np.ndarray) -> dict[float, np.ndarray]:
    """Quantiles across axis 1 (replications) of a (steps, replications) array; NaN-aware."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        qs = np.nanquantile(values, QUANTILES, axis=1)
    return dict(zip(QUANTILES, qs, strict=True))


def wide(frame: pd.DataFrame, value: str) -> np.ndarray:
    """(steps, replications) array of one column; missing cells are NaN. Steps where every
    value is NaN stay (an actor switched on by an event is NaN before it), so rows keep
    lining up with the dates."""
    table = frame.pivot_table(
        index="step", columns="replication", values=value, aggfunc="first", dropna=False
    )
    steps = np.sort(frame["step"].unique())
    return table.reindex(steps).sort_index().to_numpy(dtype=float)


# Outcomes a reader asks about first; charts that show a few outcomes pick from this list.
KEY_OUTCOMES = (
    "p_crisis",
    "crisis",
    "final_distancing",
    "peak_frustration",
    "peak_escalation_PRK",
    "peak_escalation_KOR",
    "peak_escalation_CHN",
    "crisis_months",
    "p_war",
    "war",
    "final_frustration",
)


def pick_outcomes(available: list[str], limit: int) -> list[str]:
    """Key outcomes first (in KEY_OUTCOMES order), then the rest in their own order."""
    first = [o for o in KEY_OUTCOMES if o in available]
    rest = [o for o in available if o not in first]
    return (first + rest)[:limit]
