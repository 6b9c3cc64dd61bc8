"""ABC-SMC (Toni et al. 2009; Beaumont et al. 2009) in numpy, with a pseudo-marginal twist.

Generation 0 draws the population from the prior. Generation t sets ε_t to a quantile of the
previous generation's distances, proposes particles by resampling the previous population
and moving them with a Gaussian kernel of twice its weighted covariance, and keeps a particle
when at least one of its k simulated data sets lies within ε_t. Its importance weight is

    w ∝ (share of its k data sets within ε_t) · π(θ) / Σ_j W_j K(θ | θ_j),

an unbiased estimate of the ABC likelihood times the usual PMC weight (Del Moral et al. 2012
use the same share). Why our own: see docs/validation.md (pyabc evaluates one particle per
model call and brings a database server stack; this model simulates a whole batch of
particles in one vectorised ensemble call).

Randomness: batch b of generation t proposes with SeedSequence(root, spawn_key=(0, t, b));
the simulator derives its own seeds from (t, b), so results do not depend on workers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.errors import UsageError
from sim.observe.priors import Prior

# simulate(theta (B, D), generation, batch) -> distances (B, k) of k data sets per particle
Simulator = Callable[[np.ndarray, int, int], np.ndarray]


@dataclass
class Population:
    theta: np.ndarray  # (N, D)
    weights: np.ndarray  # (N,) normalised
    distances: np.ndarray  # (N, k)
    epsilon: float
    acceptance: float
    proposed: int

    @property
    def ess(self) -> float:
        return float(1.0 / np.sum(self.weights**2))


def generator(root_seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(root_seed, spawn_key=key)))


def log_prior(priors: list[Prior], theta: np.ndarray) -> np.ndarray:
    return sum(p.logpdf(theta[:, i]) for i, p in enumerate(priors))


def kernel_cov(pop: Population) -> np.ndarray:
    """Twice the weighted covariance of the population (Beaumont et al. 2009)."""
    cov = 2.0 * np.atleast_2d(np.cov(pop.theta, rowvar=False, aweights=pop.weights))
    return cov + np.eye(len(cov)) * 1e-12 * max(1.0, float(np.trace(cov)))


def propose(
    pop: Population, priors: list[Prior], rng: np.random.Generator, size: int
) -> np.ndarray:
    """Resample by weight, perturb, and redraw any proposal outside the prior's box."""
    chol = np.linalg.cholesky(kernel_cov(pop))
    lo = np.array([p.lo for p in priors])
    hi = np.array([p.hi for p in priors])
    out = np.empty((size, len(priors)))
    todo = np.arange(size)
    left = np.zeros(len(priors), dtype=np.int64)  # how often each coefficient's bounds were left
    for _ in range(1000):
        idx = rng.choice(len(pop.weights), size=len(todo), p=pop.weights)
        cand = pop.theta[idx] + rng.standard_normal((len(todo), len(priors))) @ chol.T
        inside = (cand >= lo) & (cand <= hi)
        left += (~inside).sum(axis=0)
        ok = np.all(inside, axis=1)
        out[todo[ok]] = cand[ok]
        todo = todo[~ok]
        if not len(todo):
            return out
    raise UsageError(_left_the_box(priors, left, len(todo), size))


def _left_the_box(priors: list[Prior], left: np.ndarray, outside: int, size: int) -> str:
    """Why the proposals keep leaving, and remedies that exist: "widen the prior bounds" was
    the only advice, impossible when they already are the coefficients' own bounds (every
    coefficient fitted over its whole range); with many coefficients a proposal must land
    inside in every dimension at once."""
    worst = [priors[i].name for i in np.argsort(-left, kind="stable")[:3] if left[i] > 0]
    return (
        f"the perturbation kernel kept leaving the prior's box: {outside} of {size} proposals "
        f"still outside after 1,000 rounds, most often below or above the bounds of "
        f"{', '.join(worst)}; with {len(priors)} coefficients in the fit, calibrate fewer of "
        "them or use `method: rejection` (docs/calibration.md)"
    )


def log_kernel_mixture(theta: np.ndarray, pop: Population) -> np.ndarray:
    """log Σ_j W_j N(theta_i; theta_j, Σ) for every row of theta."""
    cov = kernel_cov(pop)
    chol = np.linalg.cholesky(cov)
    diff = theta[:, None, :] - pop.theta[None, :, :]
    z = np.linalg.solve(chol, diff.reshape(-1, theta.shape[1]).T).T
    maha = (z**2).sum(axis=1).reshape(len(theta), len(pop.theta))
    log_norm = -0.5 * theta.shape[1] * np.log(2 * np.pi) - np.log(np.diag(chol)).sum()
    terms = np.log(pop.weights)[None, :] - 0.5 * maha + log_norm
    top = terms.max(axis=1, keepdims=True)
    return (top + np.log(np.exp(terms - top).sum(axis=1, keepdims=True)))[:, 0]


def first_generation(
    priors: list[Prior], simulate: Simulator, size: int, root_seed: int
) -> Population:
    rng = generator(root_seed, 0, 0, 0)
    theta = np.column_stack([p.sample(rng, size) for p in priors])
    d = simulate(theta, 0, 0)
    return Population(theta, np.full(size, 1.0 / size), d, float("inf"), 1.0, size)


def next_generation(
    prev: Population,
    priors: list[Prior],
    simulate: Simulator,
    t: int,
    root_seed: int,
    quantile: float,
    min_epsilon: float = 0.0,
    max_batches: int = 20,
) -> Population | None:
    """Generation t, or None when no particle was accepted within the batch budget."""
    finite = prev.distances[np.isfinite(prev.distances)]  # inf: a data set ruled out
    if not finite.size:
        return None
    eps = max(float(np.quantile(finite, quantile)), min_epsilon)
    size = len(prev.weights)
    kept_theta, kept_d, proposed = [], [], 0
    for b in range(max_batches):
        theta = propose(prev, priors, generator(root_seed, 0, t, b), size)
        d = simulate(theta, t, b)
        proposed += size
        ok = ((d <= eps) & np.isfinite(d)).any(axis=1)
        kept_theta.append(theta[ok])
        kept_d.append(d[ok])
        if sum(len(k) for k in kept_theta) >= size:
            break
    theta = np.concatenate(kept_theta)[:size]
    d = np.concatenate(kept_d)[:size]
    if not len(theta):
        return None
    hits = ((d <= eps) & np.isfinite(d)).mean(axis=1)
    logw = np.log(hits) + log_prior(priors, theta) - log_kernel_mixture(theta, prev)
    w = np.exp(logw - logw.max())
    return Population(theta, w / w.sum(), d, eps, len(theta) / proposed, proposed)


def abc_smc(
    priors: list[Prior],
    simulate: Simulator,
    size: int,
    generations: int,
    root_seed: int,
    quantile: float = 0.5,
    min_epsilon: float = 0.0,
    history: list[Population] | None = None,
    on_generation: Callable[[int, Population], None] | None = None,
    max_batches: int = 20,
) -> list[Population]:
    """Run (or continue, given `history`) ABC-SMC; return every generation's population."""
    pops = list(history or [])
    if not pops:
        pops.append(first_generation(priors, simulate, size, root_seed))
        if on_generation:
            on_generation(0, pops[0])
    for t in range(len(pops), generations):
        if pops[-1].epsilon <= min_epsilon:
            break
        pop = next_generation(
            pops[-1], priors, simulate, t, root_seed, quantile, min_epsilon, max_batches
        )
        if pop is None:
            break
        pops.append(pop)
        if on_generation:
            on_generation(t, pop)
    return pops
