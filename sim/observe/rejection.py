"""Rejection ABC (Pritchard et al. 1999; Beaumont et al. 2002): draw from the prior, keep the
closest share. Used by the validation (rolling origins, identifiability, structures).

Why not ABC-SMC there: with the 22 coefficients of the continuous history (dynamics, given
structural terms, operators) the SMC importance weights collapse — an effective sample of
1.5 to 6 particles out of 300 in every generation (measured, docs/validation.md), because a
perturbed proposal's prior density varies over e^30 in 22 dimensions. Prior draws kept by
distance all weigh the same, so the posterior sample is as large as what is kept, and a
posterior that does not narrow is visibly the prior. The distance, its scales and the seeds
are those of sim/observe/calibrate.py.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.limits import REJECTION_BATCH as BATCH
from sim.observe.abc import Population, generator
from sim.observe.priors import Prior

# simulate(theta, key, batch) -> distances (draws × data sets): calibrate.simulator(prob),
# passed in so that this module does not import the calibration it serves; if it has a
# `map(tasks)` (calibrate.Simulator), the batches after the first go through it at once
Simulate = Callable[[np.ndarray, int, int], np.ndarray]
KEY = 9  # keeps these draws apart from the SMC's seed keys (0, 1, 2)


def rejection_abc(
    simulate: Simulate, priors: list[Prior], kept: int, accept: float, seed: int
) -> Population:
    """Draw kept/accept particles from the prior, keep the `kept` with the smallest median
    distance over their data sets (a simulated war counts as infinitely far)."""
    return rejection_populations(simulate, priors, kept, accept, seed)[1]


def rejection_populations(
    simulate: Simulate, priors: list[Prior], kept: int, accept: float, seed: int
) -> tuple[Population, Population]:
    """The prior draws with their distances (equal weights; what `calibrate` writes as
    generation 0, so the prior-and-posterior chart compares the posterior with the prior it
    was drawn from) and the kept ones."""
    draws = int(np.ceil(kept / accept))
    rng = generator(seed, KEY)
    theta = np.column_stack([p.sample(rng, draws) for p in priors])
    tasks = [(theta[b : b + BATCH], KEY, b // BATCH) for b in range(0, draws, BATCH)]
    first = simulate(*tasks[0])  # fixes the distance scales for the other batches
    more = getattr(simulate, "map", None)  # calibrate.Simulator: batches on the workers
    rest = more(tasks[1:]) if more is not None else [simulate(*task) for task in tasks[1:]]
    dist = np.concatenate([first, *rest])
    score = np.median(dist, axis=1)
    order = np.argsort(score, kind="stable")[:kept]
    order = order[np.isfinite(score[order])]
    eps = float(score[order[-1]]) if len(order) else float("inf")
    weights = np.full(len(order), 1.0 / max(len(order), 1))
    prior = Population(theta, np.full(draws, 1.0 / draws), dist, float("inf"), 1.0, draws)
    return prior, Population(theta[order], weights, dist[order], eps, len(order) / draws, draws)
