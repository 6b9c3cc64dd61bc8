"""Drifting structure (sim/observe/drift.py): random walks of the structural drives and
preferences that give the particle filter state to condition (the tracked design)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.observe.assimilate import flat_likelihood, particle_filter
from sim.observe.drift import DRIVE_SD, PREFERENCE_SD, drift
from sim.observe.episodes import episode_of, window
from sim.observe.likelihood import log_likelihood
from sim.observe.operators import default_coefficients, launches
from sim.scenario.loader import load_scenario
from tests.test_assimilate import obs

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "scenarios" / "history" / "base_2016.yaml"
IDS = ["CHN", "RUS", "PRK"]


def test_walks_are_per_entity_with_no_self_preference():
    """Adding an actor leaves every other actor's and pair's walk as it was (the shocks are
    keyed by entity name, as the escalation shocks are), and no actor prefers itself."""
    reps = np.arange(5)
    a = drift(7, reps, 12, IDS, 1.0)
    b = drift(7, reps, 12, [*IDS, "USA"], 1.0)
    assert np.array_equal(a.u, b.u[:, :, :3])
    assert np.array_equal(a.r, b.r[:, :, :3, :3])
    assert np.all(b.r[:, :, np.arange(4), np.arange(4)] == 0.0)
    assert not np.array_equal(a.u, drift(8, reps, 12, IDS, 1.0).u)  # the seed matters


def test_walks_spread_as_the_square_root_of_time_at_the_stated_scale():
    """After t months a drive has moved by N(0, t·(scale·DRIVE_SD)²): at scale 1 over the
    100-month history its s.d. is the given drive prior's 0.02 (the module's argument)."""
    walk = drift(3, np.arange(4000), 100, IDS, 1.0)
    total_u = walk.scale * DRIVE_SD * walk.u.sum(axis=0)
    total_r = walk.scale * PREFERENCE_SD * walk.r.sum(axis=0)[:, 0, 1]
    assert total_u.std() == pytest.approx(0.02, rel=0.05)
    assert total_r.std() == pytest.approx(0.15, rel=0.05)
    assert abs(total_u.mean()) < 0.002


def test_the_walk_moves_the_state_and_scale_zero_is_the_fixed_structure():
    ep = episode_of(load_scenario(HISTORY))
    k = default_coefficients(20)

    def run(scale: float):
        rng = np.random.default_rng(0)
        return particle_filter(ep, {}, k, 20, 11, rng, [], flat_likelihood, drift_scale=scale)

    fixed, zero, walking = run(0.0), run(0.0), run(1.0)
    assert np.array_equal(fixed.paths.escalation, zero.paths.escalation)
    assert not np.allclose(walking.paths.escalation[-1], fixed.paths.escalation[-1])
    assert not np.allclose(walking.paths.commitment[-1], fixed.paths.commitment[-1])
    assert np.array_equal(walking.paths.escalation[0], fixed.paths.escalation[0])


def drifting_truth(ep, months: int, scale: float):
    """Monthly North Korean launch counts from one run of the drifting structure, and that
    run's escalation at the last observed month."""
    k1 = default_coefficients(1)
    truth = particle_filter(
        ep, {}, k1, 1, 4242, np.random.default_rng(1), [], flat_likelihood, drift_scale=scale
    )
    rng = np.random.default_rng(4)
    data = []
    for t in range(months):
        year, month = 2016 + t // 12, t % 12 + 1
        o = obs("missile_launches", ("PRK",), year, month, 0.0, "launch events")
        value = float(launches(o, window(truth.paths, ep, o), k1, rng, 1)[0, 0])
        data.append(obs("missile_launches", ("PRK",), year, month, value, "launch events"))
    return data, float(truth.paths.escalation[months - 1, 0, ep.ids.index("PRK")])


def test_a_drifting_filter_tracks_a_drifting_world_that_the_fixed_filter_cannot():
    """The ablation of the tracked design: the same data, particles and seed, with and
    without the walk. Where the world's structure drifts, only the drifting filter follows
    it to the origin, and the data's marginal likelihood says so."""
    ep = episode_of(load_scenario(HISTORY))
    months, scale, n = 72, 2.0, 300
    data, x_true = drifting_truth(ep, months, scale)
    k = default_coefficients(n)
    prk = ep.ids.index("PRK")

    def filtered(s: float):
        rng = np.random.default_rng(5)
        return particle_filter(ep, {}, k, n, 21, rng, data, log_likelihood, drift_scale=s)

    fixed, walking = filtered(0.0), filtered(scale)
    err_fixed = abs(float(fixed.paths.escalation[months - 1, :, prk].mean()) - x_true)
    err_walk = abs(float(walking.paths.escalation[months - 1, :, prk].mean()) - x_true)
    assert err_walk < 0.5 * err_fixed
    assert walking.log_evidence > fixed.log_evidence
