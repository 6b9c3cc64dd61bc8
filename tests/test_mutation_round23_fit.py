"""Round 23b: tests for the mutants that survived in the fitting chain (docs/reliability.md
§16.9): the filter's likelihood, the ABC distance, the particle filter's weights, effective
sample size and resampling. Each test fails on its mutant and passes on the original; each
asserts a definition (a density, a distance, a count) computed independently in the test."""

from __future__ import annotations

import contextlib
import copy
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit
from scipy.stats import lognorm, nbinom, norm, poisson

import sim.pool
from sim.observe import distance
from sim.observe.distance import (
    SCALE_FLOOR,
    FitSetup,
    batch_distances,
    coefficient_arrays,
    robust_scales,
    simulator,
)
from sim.observe.likelihood import TINY, expected_level, log_likelihood
from sim.observe.observations import COUNT_KINDS, Observation, month_index
from sim.observe.operators import Window, default_coefficients

SRC = {"publisher": "p", "title": "t", "date": "2020-01-01", "url": "https://e.org"}
IDS = ["CHN", "PRK", "USA", "KOR"]


def obs(kind: str, actors: tuple, value: float, months: int = 1) -> Observation:
    """An observation of `months` months from January 2017."""
    m = month_index(2017, 1)
    return Observation(
        f"{kind}-{'-'.join(actors)}", kind, actors, "2017", m, m + months - 1, value, "n",
        "solid", SRC, "f", 1,
    )  # fmt: skip


def random_window(months: int, r: int, seed: int = 0) -> Window:
    """A window of the four actors whose escalation, commitment and leverage differ by month
    and by replication (so a wrong axis or a wrong term shows)."""
    g = np.random.default_rng(seed)
    n = len(IDS)
    return Window(
        x=g.uniform(0, 1, (months, r, n)),
        C=g.uniform(-1, 1, (months, r, n, n)),
        lev=g.uniform(0, 1, (months, r, n)),
        ids=IDS,
    )


# --- sim/observe/likelihood.py: each kind's density of the observed value ----------------


def _vote_p(w: Window, k: dict) -> tuple[np.ndarray, np.ndarray]:
    """P(no), P(yes) of the symmetric ordered logit (docs/observations.md), by hand."""
    commit = w.C[:, :, 0, 1].mean(axis=0)  # CHN's commitment to PRK, the vote target
    lev = w.lev[:, :, 0].mean(axis=0)
    eta = k["vote_intercept"] - k["vote_commitment"] * commit + k["vote_leverage"] * lev
    return expit(-eta - k["vote_cut"]), expit(eta - k["vote_cut"])


def test_the_likelihood_of_each_vote_outcome_is_its_ordered_logit_probability():
    w, k = random_window(3, 5), default_coefficients(5)
    no, yes = _vote_p(w, k)
    for y, p in ((-1.0, no), (0.0, 1 - yes - no), (1.0, yes)):
        got = log_likelihood(obs("unsc_vote", ("CHN",), y, 3), w, k)
        np.testing.assert_allclose(got, np.log(p), rtol=1e-12)


def test_the_expected_vote_is_the_probability_of_yes_minus_that_of_no():
    w, k = random_window(3, 5, seed=1), default_coefficients(5)
    no, yes = _vote_p(w, k)
    got = expected_level(obs("unsc_vote", ("CHN",), 1.0, 3), w, k)
    np.testing.assert_allclose(got, yes - no, rtol=1e-12)


def _exercise_p(w: Window, k: dict) -> np.ndarray:
    a, b = IDS.index("USA"), IDS.index("KOR")
    index = 0.5 * (w.x[:, :, a] + w.x[:, :, b]) + 0.5 * (w.C[:, :, a, b] + w.C[:, :, b, a])
    return expit(k["exercise_intercept"] + k["exercise_slope"] * index.mean(axis=0))


def test_an_exercise_season_is_bernoulli_held_with_p_and_suspended_with_one_minus_p():
    w, k = random_window(2, 6, seed=2), default_coefficients(6)
    p = _exercise_p(w, k)
    held = log_likelihood(obs("joint_exercise", ("USA", "KOR"), 1.0, 2), w, k)
    suspended = log_likelihood(obs("joint_exercise", ("USA", "KOR"), 0.0, 2), w, k)
    np.testing.assert_allclose(held, np.log(p), rtol=1e-12)
    np.testing.assert_allclose(suspended, np.log1p(-p), rtol=1e-10)
    np.testing.assert_allclose(np.exp(held) + np.exp(suspended), 1.0, rtol=1e-12)
    got = expected_level(obs("joint_exercise", ("USA", "KOR"), 1.0, 2), w, k)
    np.testing.assert_allclose(got, p, rtol=1e-12)


def test_a_certain_miss_has_a_finite_log_likelihood():
    """A season the operator holds for certain (p rounds to 1) observed suspended, or a
    vote outcome of probability 0: floored at TINY, not −inf (the filter's weights stay
    defined when every particle misses)."""
    w, k = random_window(1, 3, seed=3), default_coefficients(3)
    k["exercise_intercept"] = np.full(3, 60.0)  # logit clipped at 50: 1 − p is 0.0 in floats
    got = log_likelihood(obs("joint_exercise", ("USA", "KOR"), 0.0), w, k)
    assert np.all(np.isfinite(got)) and np.all(got <= math.log(1e-250))
    assert np.all(got >= math.log(TINY) - 1e-9)
    k = default_coefficients(3)
    k["vote_intercept"] = np.full(3, 1e4)  # P(no) underflows to 0
    with np.errstate(over="ignore"):
        got = log_likelihood(obs("unsc_vote", ("CHN",), -1.0), w, k)
    assert np.all(np.isfinite(got)) and np.all(got <= math.log(1e-250))


def test_a_trade_value_has_the_lognormal_density_around_the_anchored_mean():
    w, k = random_window(4, 5, seed=4), default_coefficients(5)
    k["trade_log_sd"] = np.array([0.05, 0.1, 0.2, 0.4, 1.5])
    a, b = IDS.index("CHN"), IDS.index("USA")
    c = (0.5 * (w.C[:, :, a, b] + w.C[:, :, b, a])).mean(axis=0)
    c_anchor = np.linspace(-0.5, 0.5, 5)
    anchor = (80.0, c_anchor)
    mean = np.log(80.0) + k["trade_commitment"] * (c - c_anchor)
    for y in (60.0, 80.0, 130.0):
        got = log_likelihood(obs("trade_value", ("CHN", "USA"), y, 4), w, k, anchor)
        want = lognorm.logpdf(y, s=k["trade_log_sd"], scale=np.exp(mean))
        np.testing.assert_allclose(got, want, rtol=1e-12)
    level = expected_level(obs("trade_value", ("CHN", "USA"), 60.0, 4), w, k, anchor)
    np.testing.assert_allclose(level, mean, rtol=1e-12)


def _launch_coefs(r: int, alpha: float, phi) -> dict[str, np.ndarray]:
    k = default_coefficients(r)
    k["launch_log_rate"] = np.full(r, alpha)
    k["launch_escalation"] = np.full(r, 1.0)
    k["launch_dispersion"] = np.broadcast_to(np.asarray(phi, float), (r,)).copy()
    return k


def test_a_count_is_poisson_at_zero_dispersion_and_negative_binomial_beside_it():
    """One call with φ = 0 in one replication and φ > 0 in the others (a fit that frees φ):
    each replication has its own density, the Poisson one at φ = 0. The rates are below one
    launch a month (log rate < 0), where a wrong floor of the rates would show."""
    w = random_window(1, 3, seed=5)
    k = _launch_coefs(3, math.log(0.25), [0.0, 0.7, 2.0])
    mu = 0.25 * np.exp(w.x[0, :, IDS.index("PRK")])
    for y in (0, 1, 3):
        got = log_likelihood(obs("missile_launches", ("PRK",), float(y)), w, k)
        n = 1 / k["launch_dispersion"][1:]
        want = np.r_[poisson.logpmf(y, mu[0]), nbinom.logpmf(y, n, n / (n + mu[1:]))]
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_the_expected_count_level_is_the_mean_monthly_rate_of_the_period():
    w = random_window(5, 4, seed=6)
    k = _launch_coefs(4, math.log(0.8), 0.0)
    rate = 0.8 * np.exp(w.x[:, :, IDS.index("PRK")])  # (M, R) monthly rates
    got = expected_level(obs("missile_launches", ("PRK",), 2.0, 5), w, k)
    np.testing.assert_allclose(got, rate.mean(axis=0), rtol=1e-12)
    one = Window(w.x[:1], w.C[:1], w.lev[:1], IDS)
    got = expected_level(obs("missile_launches", ("PRK",), 2.0, 1), one, k)
    np.testing.assert_allclose(got, rate[0], rtol=1e-12)


# --- sim/observe/distance.py: the ABC distance of a batch of particles -------------------

TARGETS = [
    (0, obs("missile_launches", ("PRK",), 4.0)),  # distance floor 0.5
    (0, obs("trade_value", ("CHN", "USA"), 100.0)),  # distance floor 0.1
]


def fake_simulations(monkeypatch) -> list:
    """Replace the simulation of a batch by a known function of the coefficient `a`: target
    0 simulates a + j/10 and target 1 simulates a/100 − j/10 in replication j of a particle;
    replications whose `a` passes 10 reach war. Returns the coefficient arrays it was given."""
    seen = []

    def simulated(prob, coefs, reps, key):
        a = coefs["a"]
        assert a.shape == (reps,)
        seen.append(coefs)
        j = np.arange(reps) % prob.replications
        return np.column_stack([a + j / 10, a / 100 - j / 10]), a > 10

    monkeypatch.setattr(distance, "simulated_matrix", simulated)
    return seen


def problem(k: int = 2, observed=(1.0, 0.5), **kw) -> FitSetup:
    return FitSetup(
        episodes=[], names=["a"], targets=TARGETS, observed=np.array(observed),
        weights=np.array([1.0, 0.6]), replications=k, root_seed=3, **kw,
    )  # fmt: skip


def test_the_abc_distance_is_the_weighted_rms_of_the_scaled_gaps(monkeypatch):
    fake_simulations(monkeypatch)
    prob = problem(k=3, scales=np.array([0.5, 2.0]))
    theta = np.array([[1.0], [2.5], [7.0]])
    got = batch_distances(prob, theta, 1, 0)
    assert got.shape == (3, 3)  # (particles, data sets)
    for p, (a,) in enumerate(theta):
        for j in range(3):
            z0 = (a + j / 10 - 1.0) / 0.5
            z1 = (a / 100 - j / 10 - 0.5) / 2.0
            want = math.sqrt((1.0 * z0**2 + 0.6 * z1**2) / 1.6)
            assert got[p, j] == pytest.approx(want, rel=1e-12)
    one = problem(k=1, scales=np.array([0.5, 2.0]), observed=(1.0, 0.01))
    d = batch_distances(one, np.array([[1.0], [1.2], [2.0], [5.0]]), 0, 0)[:, 0]
    assert d[0] == 0.0 and np.all(np.diff(d) > 0)  # identical data at 0, growing with the gap


def test_the_first_batch_fixes_the_scales_at_the_mad_or_the_kinds_floor(monkeypatch):
    fake_simulations(monkeypatch)
    prob = problem(k=1)
    batch_distances(prob, np.array([[0.0], [1.0], [2.0], [3.0], [4.0]]), 0, 0)
    # target 0: a − median = −2..2, median |·| = 1, so 1.4826 (above its floor 0.5);
    # target 1: a/100, MAD 1.4826/100, below its floor 0.1
    assert SCALE_FLOOR["trade_value"] == 0.1
    np.testing.assert_allclose(prob.scales, [1.4826, 0.1], rtol=1e-12)
    batch_distances(prob, np.array([[0.0], [50.0], [900.0]]), 0, 1)
    np.testing.assert_allclose(prob.scales, [1.4826, 0.1], rtol=1e-12)  # kept
    assert SCALE_FLOOR["missile_launches"] == 0.5
    sims = np.array([[1.0, 5.0], [1.0, 5.0], [1.1, 5.0]])
    np.testing.assert_allclose(robust_scales(sims, np.array([0.5, 0.1])), [0.5, 0.1])


def test_replication_r_runs_particle_r_div_k_with_the_other_coefficients_at_defaults():
    theta = np.array([[0.1, 5.0], [0.2, 6.0], [0.3, 7.0]])
    out = coefficient_arrays(["reactivity", "launch_log_rate"], theta, 2)
    np.testing.assert_array_equal(out["reactivity"], [0.1, 0.1, 0.2, 0.2, 0.3, 0.3])
    np.testing.assert_array_equal(out["launch_log_rate"], [5.0, 5.0, 6.0, 6.0, 7.0, 7.0])
    default = default_coefficients(6)
    assert out["trade_log_sd"].tolist() == default["trade_log_sd"].tolist()


def test_a_simulated_war_never_fits_when_the_data_had_none(monkeypatch):
    fake_simulations(monkeypatch)
    theta = np.array([[1.0], [11.0], [2.0]])
    scales = np.array([0.5, 2.0])
    d = batch_distances(problem(k=2, scales=scales.copy(), no_war=True), theta, 0, 0)
    assert np.isinf(d[1]).all() and np.isfinite(d[[0, 2]]).all()
    free = batch_distances(problem(k=2, scales=scales.copy()), theta, 0, 0)
    assert np.isfinite(free).all()
    np.testing.assert_array_equal(d[[0, 2]], free[[0, 2]])


class _InProcessPool:
    """A stand-in for the command's worker pool: runs each task on a copy of its arguments
    (as a worker receives them) and counts the tasks it was given."""

    def __init__(self):
        self.tasks = 0

    def imap(self, fn, tasks):
        for task in tasks:
            self.tasks += 1
            yield fn(*copy.deepcopy(task))


def test_batches_go_to_the_pool_only_with_workers_several_tasks_and_fixed_scales(monkeypatch):
    fake_simulations(monkeypatch)
    pool = _InProcessPool()

    @contextlib.contextmanager
    def pool_for(workers):
        yield pool

    monkeypatch.setattr(sim.pool, "pool_for", pool_for)
    tasks = [(np.array([[float(i)], [i + 0.5]]), 0, i) for i in range(3)]
    # scales not yet fixed: in this process, the first batch fixes them for all
    prob = problem(k=2, workers=2)
    first = simulator(prob).map(tasks)
    assert pool.tasks == 0 and prob.scales is not None
    here = [batch_distances(problem(k=2, scales=prob.scales.copy()), *t) for t in tasks]
    for a, b in zip(first, here, strict=True):
        np.testing.assert_array_equal(a, b)
    # one worker, or one task: in this process
    simulator(problem(k=2, scales=prob.scales.copy())).map(tasks)
    simulator(problem(k=2, workers=2, scales=prob.scales.copy())).map(tasks[:1])
    assert pool.tasks == 0
    shipped = simulator(problem(k=2, workers=2, scales=prob.scales.copy())).map(tasks)
    assert pool.tasks == 3
    simulator(problem(k=2, workers=2, scales=prob.scales.copy())).map(tasks[:2])
    assert pool.tasks == 5  # two batches are already several
    for a, b in zip(shipped, here, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_distance_floors_are_those_docs_observations_states():
    """docs/observations.md: "with a floor (0.5; 0.1 for log trade)" for every kind."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "observations.md").read_text()
    assert "with a floor (0.5; 0.1 for log trade)" in " ".join(text.split())
    assert {k: 0.1 if k == "trade_value" else 0.5 for k in SCALE_FLOOR} == SCALE_FLOOR
    assert set(SCALE_FLOOR) == set(COUNT_KINDS) | {"unsc_vote", "joint_exercise", "trade_value"}


def test_the_scale_of_a_normal_prior_predictive_is_its_standard_deviation():
    """MAD·1.4826 is the consistent estimate of a normal's s.d. (the constant is 1/Φ⁻¹(3/4))."""
    assert 1 / norm.ppf(0.75) == pytest.approx(1.4826, abs=1e-4)
    g = np.random.default_rng(0)
    sims = g.normal(0.0, [2.0, 5.0], (200_000, 2)) + np.array([3.0, -1.0])
    np.testing.assert_allclose(robust_scales(sims, np.array([0.5, 0.1])), [2.0, 5.0], rtol=0.01)
