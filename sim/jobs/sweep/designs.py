"""Design points: full-factorial grid, Latin hypercube (scipy.stats.qmc), Sobol/Saltelli and
Morris (SALib). No sampler is written here; this module only maps between the samplers'
unit boxes and scenario values.

Every parameter has a *sampler interval* the samplers draw from:
- a real range: [low, high];
- a whole-number range (e.g. an event's `at`): [low, high + 1), floored, so each whole
  number is equally likely;
- a choice of k values: [0, k), floored to the index of a value.
The design matrix in those units (design.parquet) is what SALib's analysers read back.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from sim.jobs.sweep.params import Param
from sim.jobs.sweep.spec import SweepSpec


@dataclass
class Design:
    params: list[Param]  # grid ranges carry their levels in `values`
    points: pd.DataFrame  # one column per key path, scenario values
    matrix: np.ndarray  # (n_points, D) in sampler units
    seed: int  # seed the sampler used

    @property
    def n_points(self) -> int:
        return len(self.points)


def design_seed(root_seed: int) -> int:
    """The sampler's seed, derived from (not equal to) the sweep's root seed."""
    return int(np.random.SeedSequence([root_seed, 0x5357454550]).generate_state(1)[0])


def bounds(p: Param) -> tuple[float, float]:
    if p.kind == "choice":
        return 0.0, float(len(p.values or ()))
    if p.integer:
        return float(p.low), float(p.high) + 1.0
    return float(p.low), float(p.high)


def problem(params: list[Param]) -> dict[str, Any]:
    """SALib's problem definition in sampler units."""
    return {
        "num_vars": len(params),
        "names": [p.path for p in params],
        "bounds": [list(bounds(p)) for p in params],
    }


def decode(p: Param, column: np.ndarray) -> list:
    """Sampler units → scenario values (Python scalars)."""
    lo, hi = bounds(p)
    if p.kind == "choice":
        values = p.values or ()
        idx = np.clip(np.floor(column), 0, len(values) - 1).astype(int)
        return [values[i] for i in idx]
    if p.integer:
        return [int(v) for v in np.clip(np.floor(column), p.low, p.high).astype(int)]
    return [float(v) for v in np.clip(column, lo, hi)]


def _tidy(x: float) -> float:
    return float(f"{x:.12g}")


def grid_levels(p: Param, default_levels: int) -> tuple:
    if p.kind == "choice":
        return tuple(p.values or ())
    n = p.levels or default_levels
    raw = np.linspace(float(p.low), float(p.high), n)
    if p.integer:
        return tuple(int(v) for v in np.unique(np.round(raw).astype(int)))
    return tuple(_tidy(v) for v in raw)


def make_design(spec: SweepSpec) -> Design:
    params = spec.params
    seed = design_seed(spec.seed)
    n = spec.n_samples
    if spec.design == "grid":
        params = [replace(p, values=grid_levels(p, n)) if p.kind == "range" else p for p in params]
        combos = list(itertools.product(*[p.values for p in params]))
        values = {p.path: [c[i] for c in combos] for i, p in enumerate(params)}
        matrix = np.array(
            [
                [
                    p.values.index(c[i]) if p.kind == "choice" else float(c[i])
                    for i, p in enumerate(params)
                ]
                for c in combos
            ],
            dtype=float,
        ).reshape(len(combos), len(params))
        return Design(params, _frame(params, values), matrix, seed)
    if spec.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(params), rng=np.random.default_rng(seed)).random(n)
        lo = np.array([bounds(p)[0] for p in params])
        hi = np.array([bounds(p)[1] for p in params])
        matrix = lo + unit * (hi - lo)
    elif spec.design == "sobol":
        from SALib.sample import sobol

        matrix = sobol.sample(
            problem(params), n, calc_second_order=spec.second_order, scramble=True, seed=seed
        )
    elif spec.design == "morris":
        from SALib.sample import morris

        matrix = morris.sample(problem(params), n, num_levels=spec.levels, seed=seed)
    else:  # guarded by the spec loader
        raise ValueError(f"unknown design {spec.design!r}")
    values = {p.path: decode(p, matrix[:, i]) for i, p in enumerate(params)}
    return Design(params, _frame(params, values), np.asarray(matrix, dtype=float), seed)


def _frame(params: list[Param], values: dict[str, list]) -> pd.DataFrame:
    cols: dict[str, Any] = {}
    for p in params:
        col = values[p.path]
        if p.kind == "range":
            cols[p.path] = np.array(col, dtype=np.int64 if p.integer else float)
        elif all(isinstance(v, bool) for v in col):
            cols[p.path] = np.array(col, dtype=bool)
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in col):
            cols[p.path] = np.array(col, dtype=np.int64)
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in col):
            cols[p.path] = np.array(col, dtype=float)
        else:
            cols[p.path] = pd.array([str(v) for v in col], dtype="str")
    frame = pd.DataFrame(cols)
    frame.insert(0, "point", np.arange(len(frame), dtype=np.int64))
    return frame


def expected_points(spec: SweepSpec) -> int:
    """How many points a design makes (for messages and tests)."""
    d = len(spec.params)
    n = spec.n_samples
    if spec.design == "grid":
        return math.prod(len(grid_levels(p, n)) for p in spec.params)
    if spec.design == "lhs":
        return n
    if spec.design == "sobol":
        return n * (2 * d + 2 if spec.second_order else d + 2)
    return n * (d + 1)
