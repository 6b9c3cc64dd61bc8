"""Per-observation log-likelihood and expected level from the observation operators.

The operators (sim/observe/operators.py) draw observables; a particle filter needs the
density of the observed value under each replication's state instead, and the anomaly
forecast needs the operator's expected level. Both come from the same formulas the draws
use, so the filter weighs exactly what the operators would draw:

- counts (launches, tests, summits, sanctions): Poisson(Σ_months exp(log rate)); a summit's
  rate also reads its pair history (the anchor argument); launches with an over-dispersion
  φ > 0: the negative binomial with the draws' mean Σμ and variance Σμ + φΣμ² (exact for a
  period of one month, moment-matched for longer ones);
- UN votes: the ordered logit's probability of the observed outcome;
- exercises: Bernoulli with the operator's probability;
- trade: lognormal around the anchored mean with the operator's s.d.

Expected levels are on the scale the null forecasters use (sim/observe/nulls.level): the
monthly rate for counts, log value for trade, the expected vote (P(yes) − P(no)) and the
probability of holding the exercises.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln

from sim.observe.observations import COUNT_KINDS, Observation
from sim.observe.operators import (
    Anchor,
    Coefs,
    Window,
    count_mean,
    dispersion_of,
    exercise_probability,
    log_rate,
    trade_log_mean,
    vote_probabilities,
)

TINY = 1e-300  # floor of a probability before its log (a certain miss is not −inf)


def log_likelihood(
    obs: Observation,
    w: Window,
    k: Coefs,
    anchor: Anchor | None = None,
) -> np.ndarray:
    """(R,) log p(obs.value | each replication's state over the observation's months)."""
    y = obs.value
    if obs.kind in COUNT_KINDS:
        lam = count_mean(obs, w, k, anchor)
        poisson = y * np.log(np.maximum(lam, TINY)) - lam - gammaln(y + 1.0)
        phi = dispersion_of(obs, k)
        if phi is None:
            return poisson
        return np.where(phi > 0, _negative_binomial(y, lam, obs, w, k, phi), poisson)
    if obs.kind == "unsc_vote":
        p = vote_probabilities(obs, w, k)[:, round(y) + 1]
        return np.log(np.maximum(p, TINY))
    if obs.kind == "joint_exercise":
        p = exercise_probability(obs, w, k, anchor)
        return np.log(np.maximum(p if y >= 0.5 else 1.0 - p, TINY))
    if obs.kind == "trade_value":
        sd = np.asarray(k["trade_log_sd"], dtype=float)
        z = (math.log(y) - trade_log_mean(obs, w, k, anchor)) / sd
        return -math.log(y) - np.log(sd) - 0.5 * math.log(2 * math.pi) - 0.5 * z * z
    raise ValueError(f"no likelihood for kind {obs.kind!r}")


def _negative_binomial(
    y: float, lam: np.ndarray, obs: Observation, w: Window, k: Coefs, phi: np.ndarray
) -> np.ndarray:
    """(R,) log NB(y) with mean `lam` and the mixed draws' variance lam + φ Σ_months μ²."""
    mu = np.exp(np.clip(log_rate(obs, w, k), -50, 20))
    extra = np.maximum(phi * (mu * mu).sum(axis=0), TINY)  # variance above the Poisson's
    lam = np.maximum(lam, TINY)
    r = lam * lam / extra  # the NB's size: variance = lam + lam² / r
    return (gammaln(y + r) - gammaln(r) - gammaln(y + 1.0)
            + r * np.log(r / (r + lam)) + y * np.log(lam / (r + lam)))  # fmt: skip


def expected_level(
    obs: Observation,
    w: Window,
    k: Coefs,
    anchor: Anchor | None = None,
) -> np.ndarray:
    """(R,) the operator's expected level of `obs` (nulls.level's scale)."""
    if obs.kind in COUNT_KINDS:
        return count_mean(obs, w, k, anchor) / (obs.last - obs.first + 1)
    if obs.kind == "unsc_vote":
        p = vote_probabilities(obs, w, k)
        return p[:, 2] - p[:, 0]
    if obs.kind == "joint_exercise":
        return exercise_probability(obs, w, k, anchor)
    if obs.kind == "trade_value":
        return trade_log_mean(obs, w, k, anchor)
    raise ValueError(f"no expected level for kind {obs.kind!r}")
