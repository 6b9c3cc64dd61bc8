"""Round 23b: tests for the mutants that survived in the particle filter (docs/reliability.md
§16.9): its weights, evidence, effective sample size, systematic resampling and bookkeeping.
Each test fails on its mutant and passes on the original; each asserts a definition or a
count computed independently in the test (tests/test_mutation_round23_fit.py has the
likelihood and the ABC distance)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sim.ensemble import run_ensemble
from sim.observe.assimilate import (
    log_mean_exp,
    normalise,
    particle_filter,
    systematic_resample,
)
from sim.observe.drift import DRIVE_SD, PREFERENCE_SD, SCALES, TRACK_SCALE, drift
from sim.observe.episodes import episode_of
from sim.observe.observations import Observation, month_index
from sim.observe.operators import default_coefficients
from sim.observe.rejuvenate import rejuvenate, rejuvenate_all, weighted_moments
from sim.scenario.loader import load_scenario

SRC = {"publisher": "p", "title": "t", "date": "2020-01-01", "url": "https://e.org"}


# --- sim/observe/assimilate.py: weights, evidence, resampling, the filter's bookkeeping --


def test_weights_from_log_weights_far_apart_are_one_and_zero_not_nan():
    w = normalise(np.array([0.0, -800.0, -2.0]))
    assert np.all(np.isfinite(w))
    np.testing.assert_allclose(w, [1 / (1 + math.exp(-2)), 0.0, math.exp(-2) / (1 + math.exp(-2))])


def test_log_mean_exp_is_the_log_of_the_mean_likelihood_even_where_exp_underflows():
    x = np.array([-1.0, 0.5, 2.0, -3.0])
    assert log_mean_exp(x) == pytest.approx(math.log(np.mean(np.exp(x))), rel=1e-14)
    # exp underflows to 0 at −1e6: the mean of (e^a, 3e^a) is 2e^a
    huge = np.array([-1e6, -1e6 + math.log(3.0)])
    assert log_mean_exp(huge) == pytest.approx(-1e6 + math.log(2.0), abs=1e-9)
    spread = np.array([0.0, -800.0])  # shifting by the least would overflow
    assert log_mean_exp(spread) == pytest.approx(math.log(0.5), rel=1e-12)


class _Fixed:
    """A generator whose one uniform is `u` (systematic resampling draws only one)."""

    def __init__(self, u: float):
        self.u = u

    def random(self) -> float:
        return self.u


def test_systematic_resampling_of_known_weights_gives_the_counts_of_the_definition():
    """u_i = (U + i)/N against the cumulative weights [.5, .75, .875, 1]: particle 0 twice,
    1 once, and the last slot goes to 2 or 3 as U is below or above 1/2."""
    w = np.array([0.5, 0.25, 0.125, 0.125])
    assert systematic_resample(w, _Fixed(0.2)).tolist() == [0, 0, 1, 2]
    assert systematic_resample(w, _Fixed(0.7)).tolist() == [0, 0, 1, 3]
    assert systematic_resample(w, _Fixed(0.0)).tolist() == [0, 0, 1, 2]


def test_resampling_never_passes_the_last_particle_when_the_weights_sum_below_one():
    """u = (U + i)/N with U = 1 − 1e-10: the last u passes the cumulative weights' end
    (1 − 1e-9), and its index is the last particle's, not one past it."""
    w = np.array([0.3, 0.3, 0.4 - 1e-9])  # u ≈ 1/3, 2/3, 1 − 3e-11
    assert systematic_resample(w, _Fixed(0.9999999999)).tolist() == [1, 2, 2]
    w = np.array([0.2, 0.2, 0.2, 0.2, 0.2 - 1e-9])
    assert systematic_resample(w, _Fixed(0.9999999999)).tolist() == [0, 1, 2, 3, 4]


ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "scenarios" / "history" / "base_2016.yaml"


def _launch(year: int, month: int, months: int = 1) -> Observation:
    m = month_index(year, month)
    return Observation(
        f"l-{year}-{month}-{months}", "missile_launches", ("PRK",), f"{year}-{month:02d}",
        m, m + months - 1, 1.0, "launch events", "solid", SRC, "f", 1,
    )  # fmt: skip


def test_the_filter_assimilates_each_observation_when_its_period_ends():
    """A likelihood of log 2 per observation for every particle: the weights stay uniform
    (ESS N at each assimilation), each assimilation multiplies the evidence by 2 per
    observation, and the ESS is recorded at the month each period ends. An observation
    outside the episode is not assimilated."""
    ep = episode_of(load_scenario(HISTORY))
    data = [_launch(2016, 3), _launch(2016, 3, 1), _launch(2016, 5, 3), _launch(2015, 6)]
    data[1] = dataclasses.replace(data[1], id="second")
    calls = []

    def two(o, w, k, anchor=None):
        calls.append((o.id, w.x.shape[0]))
        return np.full(w.x.shape[1], math.log(2.0))

    f = particle_filter(ep, {}, default_coefficients(8), 8, 3, np.random.default_rng(0), data,
                        two)  # fmt: skip
    assert [m for m, _ in f.ess] == [month_index(2016, 3), month_index(2016, 7)]
    assert [e for _, e in f.ess] == pytest.approx([8.0, 8.0])
    assert f.log_evidence == pytest.approx(3 * math.log(2.0), rel=1e-12)
    assert sorted(calls) == sorted([("l-2016-3-1", 1), ("second", 1), ("l-2016-5-3", 3)])


def test_a_filter_whose_likelihood_picks_one_particle_carries_its_path_and_coefficients():
    """Only particle 3 fits the first observation (its launch rate is marked): after that
    month every slot descends from it, its coefficients and its path up to the month are
    copied into every slot (the plain run's replication 3), and the copies then diverge on
    their own noise."""
    ep = episode_of(load_scenario(HISTORY))
    n = 6
    model = {"reactivity": np.linspace(0.02, 0.15, n)}
    ops = default_coefficients(n)
    ops["launch_log_rate"] = np.arange(n, dtype=float)

    def only_three(o, w, k, anchor=None):
        return np.where(k["launch_log_rate"] == 3.0, 0.0, -1e4)

    first = _launch(2016, 4)
    t = first.last - ep.start
    plain = run_ensemble(ep.loaded.scenario, n, 11, ep.steps, coefficients=model).series
    for rejuvenated in (False, True):
        f = particle_filter(ep, model, ops, n, 11, np.random.default_rng(0), [first],
                            only_three, rejuvenate=rejuvenated)  # fmt: skip
        assert f.ancestors.tolist() == [3] * n and f.distinct == 1
        assert f.ess == [(first.last, pytest.approx(1.0))]
        np.testing.assert_allclose(f.ops["launch_log_rate"], 3.0, rtol=1e-12)
        for slot in range(n):
            np.testing.assert_array_equal(
                f.paths.escalation[: t + 1, slot], plain.escalation[: t + 1, 3]
            )
        assert not np.array_equal(f.paths.escalation[-1, 0], f.paths.escalation[-1, 1])
        if rejuvenated:
            np.testing.assert_allclose(f.model["reactivity"], model["reactivity"][3])
        else:
            assert f.model == {}
    default = particle_filter(ep, model, ops, n, 11, np.random.default_rng(0), [first],
                              only_three)  # fmt: skip
    assert set(default.model) == {"reactivity"}  # rejuvenated unless told not to


def test_a_flat_filter_records_every_path_of_the_plain_run_month_by_month():
    """The flat filter is the plain run (tests/test_assimilate.py checks the escalation):
    so are its commitment, leverage and readiness paths, one state per month from the start
    to the end of the episode, T + 1 of each."""
    ep = episode_of(load_scenario(HISTORY))
    plain = run_ensemble(ep.loaded.scenario, 5, 11, ep.steps).series
    f = particle_filter(ep, {}, default_coefficients(5), 5, 11, np.random.default_rng(0),
                        [_launch(2016, 3)], lambda o, w, k, anchor=None: np.zeros(5))  # fmt: skip
    for name in ("escalation", "commitment", "leverage", "readiness"):
        got, want = getattr(f.paths, name), getattr(plain, name)
        assert got.shape[0] == ep.steps + 1
        np.testing.assert_array_equal(got, want, err_msg=name)


# --- sim/observe/rejuvenate.py: the Liu–West kernel's shrinkage and jitter ---------------


def test_the_kernel_shrinks_by_a_and_jitters_by_h_of_the_discount_098():
    """θ' = a·θ_k + (1 − a)·θ̄ + h·sd·ε with a = (3δ − 1)/(2δ), h² = 1 − a², δ = 0.98 (the
    module docstring, Liu & West 2001): regressed on the resampled values, the rejuvenated
    ones have slope a and residual s.d. h·sd. Any a keeps the mean and the spread, so the
    moments alone (tests/test_rejuvenate.py) do not fix it."""
    delta = 0.98
    a = (3 * delta - 1) / (2 * delta)
    g = np.random.default_rng(4)
    values = g.normal(1.0, 2.0, 400_000)
    w = normalise(-0.5 * (values - 1.5) ** 2 / 3.0**2)
    idx = systematic_resample(w, np.random.default_rng(5))
    new = rejuvenate(values, w, idx, np.random.default_rng(6), (-np.inf, np.inf))
    picked = values[idx]
    slope = np.cov(picked, new)[0, 1] / picked.var(ddof=1)
    _, sd = weighted_moments(values, w)
    residual = new - a * picked
    assert slope == pytest.approx(a, abs=0.002)  # a = 0.9898; a mutant's 0.951 is far
    assert residual.std() == pytest.approx(math.sqrt(1 - a * a) * sd, rel=0.01)
    assert residual.mean() == pytest.approx((1 - a) * weighted_moments(values, w)[0], abs=0.01)


def test_weights_count_as_uniform_exactly_where_numpy_allclose_says_so():
    """rejuvenate returns the resampled values unjittered for uniform weights, "uniform"
    being `np.allclose(weights, weights[0])` with its default tolerances (|w − w0| ≤ 1e-8 +
    1e-5·|w0|), as `_flat` states; here 6e-8 at w0 = 0.005."""
    values, idx = np.linspace(0.0, 1.0, 200), np.arange(200)
    for dev in (4.5e-8, 5.5e-8, 6.5e-8, 1.5e-8, 0.5e-8):
        for w0 in (0.005, 0.0):
            w = np.full(200, w0)
            w[7] += dev
            new = rejuvenate(values, w, idx, np.random.default_rng(0), (-9.0, 9.0))
            assert np.array_equal(new, values) == np.allclose(w, w[0]), (dev, w0)


def test_each_resampling_draws_fresh_jitter():
    """Two resamplings with one generator jitter differently: each draws its own root for
    the per-coefficient streams (a fixed root would repeat one ε at every assimilation)."""
    g = np.random.default_rng(1)
    coefs = {"a": g.normal(size=50), "b": g.normal(size=50)}
    w = normalise(g.normal(0, 1, 50))
    idx = systematic_resample(w, g)
    bounds = {"a": (-9.0, 9.0), "b": (-9.0, 9.0)}
    rng = np.random.default_rng(2)
    first = rejuvenate_all(coefs, w, idx, rng, bounds)
    second = rejuvenate_all(coefs, w, idx, rng, bounds)
    for k in coefs:
        assert not np.allclose(first[k], second[k])


# --- sim/observe/drift.py: the walks of the structural terms -------------------------------


def test_a_months_walk_moves_the_structure_from_where_it_was_by_scale_sd_shock():
    walk = drift(5, np.arange(3), 4, ["CHN", "PRK"], 2.0)
    g = np.random.default_rng(0)
    u0, r0 = g.normal(0, 0.1, (3, 2)), g.normal(0, 0.3, (3, 2, 2))
    state = SimpleNamespace(u=u0.copy(), r=r0.copy())
    walk.apply(state, 2)
    np.testing.assert_allclose(state.u - u0, 2.0 * DRIVE_SD * walk.u[2], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(state.r - r0, 2.0 * PREFERENCE_SD * walk.r[2], rtol=1e-12,
                               atol=1e-15)  # fmt: skip
    assert np.any(walk.u[2] != 0) and np.any(walk.r[2] != 0)


def test_the_tracked_scale_spreads_the_terms_by_their_prior_sd_over_the_history():
    """docs/validation.md: the tracked design's walk has, over the 100-month history, the
    prior s.d. of the given terms (0.02 for a drive, 0.15 for a preference); the evidence is
    computed for scales 0, 0.5, 1, 2 and 4."""
    walk = drift(3, np.arange(4000), 100, ["CHN", "RUS", "PRK"], TRACK_SCALE)
    assert (walk.scale * DRIVE_SD * walk.u.sum(axis=0)).std() == pytest.approx(0.02, rel=0.05)
    total_r = walk.scale * PREFERENCE_SD * walk.r.sum(axis=0)[:, 0, 1]
    assert total_r.std() == pytest.approx(0.15, rel=0.05)
    text = " ".join((ROOT / "docs" / "validation.md").read_text().split())
    assert "computed for scales 0, 0.5, 1, 2 and 4" in text
    assert SCALES == (0.0, 0.5, 1.0, 2.0, 4.0)
