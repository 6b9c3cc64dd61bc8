"""The ABC-SMC algorithm on a toy model whose posterior is known in closed form."""

from __future__ import annotations

import itertools

import numpy as np

from sim.observe.abc import abc_smc, generator
from sim.observe.priors import Prior

Y = 1.0  # observed mean of 20 unit-variance draws: posterior of θ is N(1, 1/20) (flat prior)
N_OBS = 20


def toy(root_seed: int, ruled_out_below: float | None = None):
    def simulate(theta: np.ndarray, t: int, b: int) -> np.ndarray:
        rng = generator(root_seed, 9, t, b)
        sims = theta[:, :1] + rng.standard_normal((len(theta), 3, N_OBS)).mean(axis=2)
        d = np.abs(sims - Y)
        if ruled_out_below is not None:
            d[theta[:, 0] < ruled_out_below] = np.inf
        return d

    return simulate


PRIOR = [Prior("theta", "uniform", (), -5.0, 5.0)]


def weighted(pop):
    mean = float(np.average(pop.theta[:, 0], weights=pop.weights))
    sd = float(np.sqrt(np.average((pop.theta[:, 0] - mean) ** 2, weights=pop.weights)))
    return mean, sd


def test_abc_smc_approaches_the_closed_form_posterior():
    pops = abc_smc(PRIOR, toy(1), 400, 8, root_seed=3, quantile=0.5)
    mean, sd = weighted(pops[-1])
    exact_sd = 1 / np.sqrt(N_OBS)
    assert abs(mean - Y) < 0.1
    assert exact_sd * 0.8 < sd < exact_sd * 2.0  # ABC at ε > 0 is a little wider, never narrower
    eps = [p.epsilon for p in pops[1:]]
    assert all(a > b for a, b in itertools.pairwise(eps))  # tolerance shrinks
    assert all(1 <= p.ess <= len(p.weights) for p in pops)
    assert np.isclose(pops[-1].weights.sum(), 1)


def test_ruled_out_data_sets_never_enter_the_posterior():
    pops = abc_smc(PRIOR, toy(1, ruled_out_below=1.0), 200, 4, root_seed=3)
    assert (pops[0].theta[:, 0] < 1.0).any()  # generation 0 is the prior
    assert all((p.theta[:, 0] >= 1.0).all() for p in pops[1:])


def test_same_seed_same_populations_and_resume_continues_identically():
    a = abc_smc(PRIOR, toy(2), 100, 4, root_seed=5)
    b = abc_smc(PRIOR, toy(2), 100, 2, root_seed=5)
    c = abc_smc(PRIOR, toy(2), 100, 4, root_seed=5, history=b)
    for x, y in zip(a, c, strict=True):
        assert np.array_equal(x.theta, y.theta) and np.array_equal(x.weights, y.weights)
