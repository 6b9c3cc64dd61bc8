"""Liu–West rejuvenation of the filter's coefficients (sim/observe/rejuvenate.py,
sim/observe/assimilate.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.observe.assimilate import normalise, particle_filter, systematic_resample
from sim.observe.episodes import episode_of
from sim.observe.likelihood import log_likelihood
from sim.observe.observations import Observation, month_index
from sim.observe.operators import default_coefficients
from sim.observe.rejuvenate import rejuvenate, weighted_moments
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "scenarios" / "history" / "base_2016.yaml"
SRC = {"publisher": "p", "title": "t", "date": "2020-01-01", "url": "https://e.org"}


def test_rejuvenated_values_keep_the_weighted_mean_and_spread_and_become_distinct():
    rng = np.random.default_rng(1)
    values = rng.normal(2.0, 0.5, 1_000_000)
    w = normalise(-0.5 * (values - 2.3) ** 2 / 0.3**2)  # a likelihood centred at 2.3
    idx = systematic_resample(w, np.random.default_rng(2))
    new = rejuvenate(values, w, idx, np.random.default_rng(3), (-np.inf, np.inf))
    mean, sd = weighted_moments(values, w)
    assert new.mean() == pytest.approx(mean, abs=4 * sd / np.sqrt(values.size))
    # the kernel restores the weighted spread; halving its jitter would leave 0.992 of it
    assert new.std() == pytest.approx(sd, rel=0.003)
    assert np.unique(new).size == values.size > np.unique(values[idx]).size


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-5, 5), min_size=2, max_size=50),
    st.integers(0, 2**31 - 1),
    st.floats(-1, 0),
    st.floats(0, 1),
)
def test_rejuvenated_values_stay_inside_the_bounds(vals, seed, lo, hi):
    values = np.asarray(vals)
    rng = np.random.default_rng(seed)
    w = normalise(rng.normal(0, 3, values.size))
    idx = systematic_resample(w, rng)
    new = rejuvenate(values, w, idx, rng, (lo, hi))
    assert new.shape == idx.shape and np.all((new >= lo) & (new <= hi))


def test_uniform_weights_leave_the_resampled_values_unjittered():
    values = np.linspace(0, 1, 10)
    w = np.full(10, 0.1)
    idx = np.arange(10)
    assert np.array_equal(rejuvenate(values, w, idx, np.random.default_rng(0), (0, 1)), values)


def launches(year: int, month: int, value: float) -> Observation:
    m = month_index(year, month)
    return Observation(
        f"l-{year}-{month}", "missile_launches", ("PRK",), f"{year}-{month:02d}", m, m, value,
        "launch events", "solid", SRC, "f", 1,
    )  # fmt: skip


@pytest.mark.parametrize("rejuvenated", [True, False])
def test_the_filter_keeps_distinct_coefficients_only_with_rejuvenation(rejuvenated):
    """Ablation: 24 months of launch counts resample the particles 24 times. Without
    rejuvenation the surviving coefficient values are copies of the few surviving
    ancestors; with it every particle carries its own value."""
    ep = episode_of(load_scenario(HISTORY))
    n = 60
    prior = np.random.default_rng(7)
    coefs = {"reactivity": prior.uniform(0.02, 0.15, n)}
    ops = default_coefficients(n)
    ops["launch_log_rate"] = prior.normal(-1, 1.0, n)
    data = [launches(2016 + t // 12, t % 12 + 1, 2.0) for t in range(24)]
    f = particle_filter(
        ep, coefs, ops, n, 3, np.random.default_rng(5), data, log_likelihood,
        rejuvenate=rejuvenated,
    )  # fmt: skip
    rates = np.unique(f.ops["launch_log_rate"]).size
    if rejuvenated:
        assert rates == n and np.unique(f.model["reactivity"]).size == n
    else:
        assert rates == f.distinct < n and f.model == {}


def test_adding_or_fixing_a_coefficient_leaves_the_others_jitter_unchanged():
    """Each coefficient draws from its own stream keyed by its name: adding an unused one
    (summit_pair_weight, 0 everywhere), a fixed non-zero one (whose weighted s.d. can come
    out at 1e-16 instead of 0) or a fitted one changes no other coefficient's draws. Before,
    one stream ran through the sorted names, and an added coefficient shifted every later
    one's draws, moving the filtered designs' pooled skill by up to 0.5."""
    from sim.observe.rejuvenate import rejuvenate_all

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=50), rng.normal(size=50)
    bounds = {"a": (-9, 9), "b": (-9, 9), "ab_extra": (-9, 9)}
    extras = (np.zeros(50), np.full(50, -4.0), np.full(50, 0.3), rng.normal(size=50))
    for trial in range(20):
        w = rng.dirichlet(np.ones(50))
        idx = rng.choice(50, 50, p=w)
        two = rejuvenate_all({"a": a, "b": b}, w, idx, np.random.default_rng(trial), bounds)
        for extra in extras:
            coefs = {"a": a, "b": b, "ab_extra": extra}
            three = rejuvenate_all(coefs, w, idx, np.random.default_rng(trial), bounds)
            assert np.array_equal(two["a"], three["a"]) and np.array_equal(two["b"], three["b"])
            if np.all(extra == extra[0]):
                assert np.array_equal(
                    three["ab_extra"], extra[idx]
                )  # fixed: only resampled (in bounds)
