"""Liu–West rejuvenation of the static coefficients a particle filter carries.

Why: the bootstrap filter (sim/observe/assimilate.py) treats each particle's coefficients
as fixed. Every resampling copies some coefficient sets and drops others, and nothing makes
new ones, so after 19–40 assimilations the descendants of one to three of the 200 initial
sets are left (docs/validation.md, "filter-ess"): the filtered forecast becomes one
coefficient set's path. Liu & West (2001) move each resampled coefficient towards the
weighted mean and add a kernel jitter whose size restores the weighted variance:

    θ' = a·θ_k + (1 − a)·θ̄ + h·sd(θ)·ε,   a = (3δ − 1)/(2δ),   h² = 1 − a²,

so the mean and variance of the particle cloud are kept (no artificial spreading, West
1993) while copies of one set become distinct again. δ = 0.98 is the discount West
recommends (0.95–0.99); it was fixed before any score was computed and is not fitted.
Draws are clipped to each coefficient's documented bounds.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

import numpy as np

DISCOUNT = 0.98
SHRINK = (3 * DISCOUNT - 1) / (2 * DISCOUNT)  # a
JITTER = float(np.sqrt(1 - SHRINK**2))  # h


def weighted_moments(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of `values` under normalised `weights`."""
    mean = float(np.sum(weights * values))
    return mean, float(np.sqrt(max(np.sum(weights * (values - mean) ** 2), 0.0)))


def rejuvenate(
    values: np.ndarray,
    weights: np.ndarray,
    idx: np.ndarray,
    rng: np.random.Generator,
    bounds: tuple[float, float],
) -> np.ndarray:
    """The resampled coefficient `values[idx]` shrunk and jittered (module docstring);
    `weights` are those the resampling used. Uniform weights taught the filter nothing,
    so the values are returned resampled only (a flat filter stays the plain run)."""
    picked = values[idx]
    if _flat(weights):
        return picked
    if np.all(values == values[0]):  # held fixed (not fitted): nothing to jitter
        return np.clip(picked, *bounds)
    mean, sd = weighted_moments(values, weights)
    moved = SHRINK * picked + (1 - SHRINK) * mean + JITTER * sd * rng.standard_normal(idx.size)
    return np.clip(moved, *bounds)


def rejuvenate_all(
    coefs: Mapping[str, np.ndarray],
    weights: np.ndarray,
    idx: np.ndarray,
    rng: np.random.Generator,
    bounds: Mapping[str, tuple[float, float]],
) -> dict[str, np.ndarray]:
    """`rejuvenate` for every coefficient, each with its own stream keyed by its name under
    one draw of `rng`: adding, removing or fixing a coefficient leaves every other one's
    jitter unchanged (an unused operator coefficient used to shift every later one's draws,
    which moved the filtered designs' scores by up to 0.5: docs/validation.md)."""
    root = int(rng.integers(2**63))
    return {
        k: rejuvenate(np.asarray(coefs[k], float), weights, idx, _keyed(root, k), bounds[k])
        for k in sorted(coefs)
    }


def _flat(weights: np.ndarray) -> bool:
    """`np.allclose(weights, weights[0])` (its default tolerances), without its overhead:
    the filter asks it for every coefficient at every resampling."""
    return bool(np.max(np.abs(weights - weights[0])) <= 1e-8 + 1e-5 * abs(weights[0]))


def _keyed(root: int, name: str) -> np.random.Generator:
    return np.random.default_rng([root, zlib.crc32(name.encode("utf-8"))])
