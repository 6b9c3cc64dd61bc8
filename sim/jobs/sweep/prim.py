"""Scenario discovery: PRIM boxes of parameter space where crisis or war is likely.

The PRIM algorithm (Friedman & Fisher 1999) is ema_workbench's (`ema_workbench.analysis.prim`,
the EMA Workbench's scenario-discovery tool), installed with the `prim` extra
(`pip install 'alliance-sim[prim]'`; `make test` and `make demo` install it).

Data: one row per run (x = its point's parameter values, y = the run had a crisis / a
war), so a box's *density* is the share of its runs that reach crisis (war) and its
*coverage* is the share of all crisis (war) runs that fall in it. Large sweeps are
thinned to the first k replications of every point (PRIM_MAX_RUNS in analysis.py).

Box choice: ema_workbench peels a trajectory of ever smaller boxes; we keep the box with
the largest coverage whose density is at least the threshold and that restricts at least
one parameter, then look for the next box in the runs not yet covered (at most
MAX_BOXES). The default threshold is max(0.5, (1 + base rate) / 2): more likely than not,
and at least halfway from the overall rate to certainty, so a box always says more than
"anywhere" (`--prim-threshold` sets it). Only restricted parameters are listed.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

MAX_BOXES = 3
COLUMNS = [
    "outcome",
    "box",
    "parameter",
    "low",
    "high",
    "coverage",
    "density",
    "values",
    "threshold",
]


class PrimUnavailable(Exception):
    pass


def _prim_module():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError as exc:
        raise PrimUnavailable(
            f"PRIM skipped: ema_workbench is not installed ({exc}); "
            "install it with: pip install 'alliance-sim[prim]'"
        ) from None
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim


def prim_table(
    points: pd.DataFrame,
    params: list[str],
    flags: pd.DataFrame,
    threshold: float | None = None,
    max_boxes: int = MAX_BOXES,
) -> pd.DataFrame:
    """Rows of prim.csv for the outcomes `crisis` and `war` (columns COLUMNS)."""
    prim = _prim_module()
    x = points.set_index("point").loc[flags["point"].to_numpy(), params].reset_index(drop=True)
    for col in params:
        if not pd.api.types.is_numeric_dtype(x[col]) or pd.api.types.is_bool_dtype(x[col]):
            x[col] = x[col].astype(str).astype("category")
    rows: list[tuple] = []
    for outcome in ("crisis", "war"):
        y = flags[outcome].to_numpy(dtype=bool)
        if not y.any() or y.all():
            continue  # nothing to discover: no run (or every run) has it
        level = threshold if threshold is not None else default_threshold(float(y.mean()))
        rows += [(*r, level) for r in _boxes(prim, x, y, outcome, level, max_boxes)]
    return pd.DataFrame(rows, columns=COLUMNS)


def default_threshold(base_rate: float) -> float:
    """More likely than not, and at least halfway from the base rate to certainty."""
    return max(0.5, (1.0 + base_rate) / 2.0)


def _boxes(prim, x: pd.DataFrame, y: np.ndarray, outcome: str, threshold: float,
           max_boxes: int) -> list[tuple]:  # fmt: skip
    rows: list[tuple] = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        alg = prim.Prim(x, y.astype(int), threshold=threshold, peel_alpha=0.05, mass_min=0.05)
        init = alg.box_init
        for number in range(1, max_boxes + 1):
            box = alg.find_box()
            if box is None:
                break
            traj = box.peeling_trajectory
            ok = traj[(traj["density"] >= threshold) & (traj["res_dim"] >= 1)]
            if ok.empty:
                break
            i = int(ok["coverage"].idxmax())
            box.select(i)
            lims = box.box_lims[i]
            coverage = float(traj.loc[i, "coverage"])
            density = float(traj.loc[i, "density"])
            for col in x.columns:
                lo, hi = lims[col].iloc[0], lims[col].iloc[1]
                if isinstance(lo, set):
                    if lo != init[col].iloc[0]:
                        shown = ";".join(sorted(map(str, lo)))
                        rows.append(
                            (outcome, number, col, np.nan, np.nan, coverage, density, shown)
                        )
                elif lo != init[col].iloc[0] or hi != init[col].iloc[1]:
                    rows.append((outcome, number, col, float(lo), float(hi), coverage, density, ""))
    return rows
