"""Sensitivity indices of a finished sweep (SALib): Sobol, Morris and RBD-FAST tables from
the per-point means, and which outcomes are worth an index. Split from
sim/jobs/sweep/analysis.py, which reads the folder, chooses what to compute and writes it."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

NOT_SENSITIVITY = ("first_crisis_step", "first_war_step")
CONF_LEVEL = 0.95
RESAMPLES = 200
# An outcome counts as constant across points when its spread is within floating-point noise
# of its size: an inactive actor's level differs between points only by rounding, and its
# "sensitivity" would be an index of that rounding.
CONSTANT_RTOL = 1e-9
CONSTANT_ATOL = 1e-12
# RBD-FAST sums the first M harmonics of a periodogram of the N outputs and removes its bias
# by 2M/N; its interval bootstraps half the points. With N ≤ 2M + 1 (or half of N) every
# index was 1.0 with an interval of 0, and N = 2M (or half of it) a ZeroDivisionError
# traceback (round 21: `sweep --design lhs --samples 20`, then `analyze`). So it needs more
# than 2M + 1 points in half the sample: N ≥ 4M + 4.
RBD_HARMONICS = 10  # SALib's default M
RBD_MIN_POINTS = 4 * RBD_HARMONICS + 4


def sensitivity_outcomes(by_point: pd.DataFrame, params: list[str]) -> tuple[list[str], list[str]]:
    """(outcomes to analyse, p_crisis and p_war first; constant outcomes left out)."""
    candidates = [c for c in by_point.columns if c not in ("point", *params, *NOT_SENSITIVITY)]
    ordered = [c for c in ("p_crisis", "p_war") if c in candidates]
    ordered += [c for c in candidates if c not in ordered]
    keep, constant = [], []
    for c in ordered:
        y = by_point[c].to_numpy(float)
        (keep if np.isfinite(y).all() and not is_constant(y) else constant).append(c)
    return keep, constant


def is_constant(y: np.ndarray) -> bool:
    """True when the values differ only by floating-point noise (see CONSTANT_RTOL)."""
    if len(y) == 0:
        return True
    return float(np.ptp(y)) <= CONSTANT_ATOL + CONSTANT_RTOL * float(np.max(np.abs(y)))


def salib_problem(manifest: dict[str, Any]) -> dict[str, Any]:
    from sim.jobs.sweep.designs import bounds
    from sim.jobs.sweep.params import Param

    params = []
    for p in manifest["parameters"]:
        values = tuple(p["values"]) if p.get("values") is not None else None
        params.append(
            Param(p["path"], (), p["kind"], p.get("low"), p.get("high"), values,
                  integer=bool(p.get("integer")))
        )  # fmt: skip
    return {
        "num_vars": len(params),
        "names": [p.path for p in params],
        "bounds": [list(bounds(p)) for p in params],
    }


def _quiet(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def sobol_tables(manifest, by_point, outcomes) -> dict[str, pd.DataFrame]:
    """sobol.csv, and sobol2.csv for a second-order design."""
    from SALib.analyze import sobol

    problem = salib_problem(manifest)
    second = bool(manifest.get("second_order"))
    rows, pairs = [], []
    names = problem["names"]
    for o in outcomes:
        res = _quiet(
            sobol.analyze, problem, by_point[o].to_numpy(float),
            calc_second_order=second, num_resamples=RESAMPLES, conf_level=CONF_LEVEL,
            print_to_console=False, seed=manifest["design_seed"],
        )  # fmt: skip
        for i, name in enumerate(names):
            rows.append((o, name, res["S1"][i], res["S1_conf"][i], res["ST"][i], res["ST_conf"][i]))
        if second:
            for i in range(len(names)):
                for j in range(i + 1, len(names)):
                    pairs.append((o, names[i], names[j], res["S2"][i, j], res["S2_conf"][i, j]))
    cols = ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    out = {"sobol": pd.DataFrame(rows, columns=cols)}
    if second:
        cols2 = ["outcome", "parameter_1", "parameter_2", "S2", "S2_conf"]
        out["sobol2"] = pd.DataFrame(pairs, columns=cols2)
    return out


def _design_indices(manifest, by_point, design, outcomes, analyze: Callable,
                    fields: tuple[str, ...], **options: Any) -> pd.DataFrame:  # fmt: skip
    """One row per outcome and parameter of the `fields` a SALib `analyze` of the design
    matrix returns (Morris and RBD-FAST read the design; Sobol reads its own order)."""
    problem = salib_problem(manifest)
    X = design[problem["names"]].to_numpy(float)
    rows = []
    for o in outcomes:
        res = _quiet(
            analyze, problem, X, by_point[o].to_numpy(float), num_resamples=RESAMPLES,
            conf_level=CONF_LEVEL, print_to_console=False, seed=manifest["design_seed"],
            **options,
        )  # fmt: skip
        for i, name in enumerate(problem["names"]):
            rows.append((o, name, *(res[f][i] for f in fields)))
    return pd.DataFrame(rows, columns=["outcome", "parameter", *fields])


def morris_table(manifest, by_point, design, outcomes) -> pd.DataFrame:
    from SALib.analyze import morris

    return _design_indices(manifest, by_point, design, outcomes, morris.analyze,
                           ("mu_star", "mu_star_conf", "sigma", "mu"),
                           num_levels=int(manifest["levels"]))  # fmt: skip


def rbd_min(d: int) -> int:
    """Points an LHS design of `d` parameters needs for RBD-FAST indices (RBD_MIN_POINTS)."""
    return max(2 * d + 2, RBD_MIN_POINTS)


def rbd_fast_table(manifest, by_point, design, outcomes) -> pd.DataFrame:
    from SALib.analyze import rbd_fast

    return _design_indices(manifest, by_point, design, outcomes, rbd_fast.analyze,
                           ("S1", "S1_conf"), M=RBD_HARMONICS)  # fmt: skip
