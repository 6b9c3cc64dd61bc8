"""The particle filter (sim/observe/assimilate.py), the likelihood it weighs with
(sim/observe/likelihood.py) and the anomaly design (sim/observe/designs.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import poisson

from sim.ensemble import run_ensemble
from sim.observe.assimilate import (
    ess,
    flat_likelihood,
    normalise,
    particle_filter,
    systematic_resample,
)
from sim.observe.designs import anomaly_draws
from sim.observe.episodes import assign, episode_of, window
from sim.observe.likelihood import log_likelihood
from sim.observe.nulls import EVENTS_ONLY
from sim.observe.observations import Observation, month_index
from sim.observe.operators import default_coefficients, launches, vote_probabilities
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "scenarios" / "history" / "base_2016.yaml"
SRC = {"publisher": "p", "title": "t", "date": "2020-01-01", "url": "https://e.org"}
R = 300  # particles of the synthetic recovery test


def obs(kind: str, actors: tuple, year: int, month: int, value: float, unit: str = "n"):
    m = month_index(year, month)
    return Observation(
        f"{kind}-{'-'.join(actors)}-{year}-{month}", kind, actors, f"{year}-{month:02d}", m, m,
        value, unit, "solid", SRC, "f", 1,
    )  # fmt: skip


def test_weights_are_normalised_even_from_huge_log_weights():
    w = normalise(np.array([-1e6, -1e6 + 2.0, -1e6 + 1.0]))
    assert w.sum() == pytest.approx(1.0) and np.all(w > 0)
    assert w[1] / w[2] == pytest.approx(np.e)


def test_ess_is_n_for_uniform_one_for_a_single_particle_and_between_otherwise():
    assert ess(np.full(50, 1 / 50)) == pytest.approx(50)
    assert ess(np.eye(1, 50).ravel()) == pytest.approx(1)
    w = normalise(np.random.default_rng(0).normal(0, 2, 50))
    assert 1 <= ess(w) <= 50


def test_systematic_resampling_is_reproducible_and_follows_the_weights():
    w = normalise(np.random.default_rng(1).normal(0, 1, 40))
    a = systematic_resample(w, np.random.default_rng(7))
    b = systematic_resample(w, np.random.default_rng(7))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, systematic_resample(w, np.random.default_rng(8)))
    counts = np.bincount(a, minlength=40)
    assert np.all(np.abs(counts - 40 * w) < 1)  # systematic: floor or ceil of N·w
    uniform = systematic_resample(np.full(40, 1 / 40), np.random.default_rng(3))
    assert np.array_equal(uniform, np.arange(40))


def test_poisson_and_vote_likelihoods_are_the_operators_densities():
    ep = episode_of(load_scenario(HISTORY))
    run = run_ensemble(ep.loaded.scenario, 3, 5, ep.steps, keep_series=True).series
    k = default_coefficients(3)
    launch = obs("missile_launches", ("PRK",), 2017, 5, 4.0, "launch events")
    w = window(run, ep, launch)
    lam = np.exp(k["launch_log_rate"] + k["launch_escalation"] * w.x[0, :, w.col("PRK")])
    assert log_likelihood(launch, w, k) == pytest.approx(poisson.logpmf(4, lam))
    vote = obs("unsc_vote", ("CHN",), 2017, 9, 0.0)
    wv = window(run, ep, vote)
    p = vote_probabilities(vote, wv, k)[:, 1]
    assert log_likelihood(vote, wv, k) == pytest.approx(np.log(p))


def test_a_flat_filter_is_the_plain_run():
    ep = episode_of(load_scenario(HISTORY))
    coefs = {"reactivity": np.linspace(0.02, 0.15, 20)}
    plain = run_ensemble(ep.loaded.scenario, 20, 11, ep.steps, coefficients=coefs).series
    data = [obs("missile_launches", ("PRK",), 2017, m, 3.0, "launch events") for m in (1, 2, 3)]
    filt = particle_filter(
        ep, coefs, default_coefficients(20), 20, 11, np.random.default_rng(0), data,
        flat_likelihood,
    )  # fmt: skip
    assert np.array_equal(filt.paths.escalation, plain.escalation)
    assert [e for _, e in filt.ess] == pytest.approx([20.0] * 3)
    assert filt.distinct == 20  # uniform weights: every coefficient set survives


def synthetic_truth(ep, months: int) -> tuple[list[Observation], float]:
    """Monthly launch counts drawn from one run with a high North Korean drive and start,
    and that run's escalation at the origin (the last observed month)."""
    truth = {"drive_PRK": np.array([0.03]), "start_PRK": np.array([0.12])}
    s = run_ensemble(ep.loaded.scenario, 1, 999, ep.steps, coefficients=truth).series
    rng = np.random.default_rng(4)
    k = default_coefficients(1)
    data = []
    for t in range(months):
        year, month = 2016 + t // 12, t % 12 + 1
        o = obs("missile_launches", ("PRK",), year, month, 0.0, "launch events")
        value = float(launches(o, window(s, ep, o), k, rng, 1)[0, 0])
        data.append(obs("missile_launches", ("PRK",), year, month, value, "launch events"))
    return data, float(s.escalation[months - 1, 0, ep.ids.index("PRK")])


def test_the_filter_recovers_a_known_state_better_than_the_prior_and_flat_does_not():
    ep = episode_of(load_scenario(HISTORY))
    months = 36
    data, x_true = synthetic_truth(ep, months)
    prior = np.random.default_rng(2)
    coefs = {"drive_PRK": prior.normal(0, 0.02, R), "start_PRK": prior.normal(0, 0.1, R)}
    k = default_coefficients(R)
    origin = months - 1  # state index of the last observed month

    def error(likelihood) -> float:
        f = particle_filter(ep, coefs, k, R, 21, np.random.default_rng(5), data, likelihood)
        assert all(1 <= e <= R for _, e in f.ess) and len(f.ess) == months
        assert 1 <= f.distinct <= R
        return abs(float(f.paths.escalation[origin, :, ep.ids.index("PRK")].mean()) - x_true)

    plain = run_ensemble(ep.loaded.scenario, R, 21, ep.steps, coefficients=coefs).series
    prior_error = abs(float(plain.escalation[origin, :, ep.ids.index("PRK")].mean()) - x_true)
    assert error(log_likelihood) < 0.5 * prior_error
    assert error(flat_likelihood) == pytest.approx(prior_error)  # no likelihood, no gain


def test_anomaly_of_a_constant_world_is_the_last_observation():
    """With mechanisms and noise off nothing an operator reads moves, so the model's change
    is zero and the anomaly forecast is the last observed value (as an observable)."""
    ep = episode_of(load_scenario(HISTORY, EVENTS_ONLY))
    first = obs("trade_value", ("CHN", "RUS"), 2016, 6, 69.0)
    last = obs("trade_value", ("CHN", "RUS"), 2018, 6, 107.0)
    target = obs("trade_value", ("CHN", "RUS"), 2020, 6, 108.0)
    assign([ep], [first, last, target])
    k = default_coefficients(4)
    plain = particle_filter(ep, {}, k, 4, 3, np.random.default_rng(0), [])
    d = anomaly_draws(ep, plain, [first, last], [target], np.random.default_rng(1), 5)
    assert d[target.id] == pytest.approx(np.full(20, 107.0))


def test_anomaly_moves_the_last_observation_by_the_models_change():
    """With the dynamics on, log trade moves by κ·(c̄_target − c̄_last) in each replication,
    whatever the anchor."""
    ep = episode_of(load_scenario(HISTORY))
    first = obs("trade_value", ("CHN", "RUS"), 2016, 6, 69.0)
    last = obs("trade_value", ("CHN", "RUS"), 2018, 6, 107.0)
    target = obs("trade_value", ("CHN", "RUS"), 2022, 6, 190.0)
    assign([ep], [first, last, target])
    k = default_coefficients(6)
    plain = particle_filter(ep, {}, k, 6, 3, np.random.default_rng(0), [])
    d = anomaly_draws(ep, plain, [first, last], [target], np.random.default_rng(1), 2)
    c = [window(plain.paths, ep, o).mutual("CHN", "RUS").mean(axis=0) for o in (target, last)]
    change = k["trade_commitment"] * (c[0] - c[1])
    assert np.any(np.abs(change) > 1e-3)  # the dynamics do move the pair
    assert d[target.id] == pytest.approx(np.repeat(107.0 * np.exp(change), 2))


def test_the_designs_never_read_the_value_they_forecast():
    """Leakage guard: the filtered and anomaly samples of a target do not change when its
    observed value does (only observations up to the origin are assimilated)."""
    import dataclasses

    from sim.observe.designs import design_draws

    ep = episode_of(load_scenario(HISTORY))
    train = [obs("missile_launches", ("PRK",), 2016, m, float(m % 4), "launch events")
             for m in range(1, 13)]  # fmt: skip
    target = obs("missile_launches", ("PRK",), 2017, 3, 2.0, "launch events")
    k = default_coefficients(30)
    coefs = {"drive_PRK": np.random.default_rng(0).normal(0, 0.02, 30)}
    out = []
    for value in (2.0, 40.0):
        t = dataclasses.replace(target, value=value)
        d = design_draws(ep, coefs, k, 30, 5, np.random.default_rng(1), train, [t], 5)
        out.append((d.filtered[t.id], d.anomaly[t.id]))
    assert np.array_equal(out[0][0], out[1][0]) and np.array_equal(out[0][1], out[1][1])


def test_exercise_anchor_is_the_latest_known_status_and_the_first_is_still_scored():
    """Exercises are anchored like trade (the latest earlier season the forecaster knows),
    but a season with no known earlier status has no anchor and stays scored."""
    from sim.observe.episodes import anchor_of, is_anchor

    ep = episode_of(load_scenario(HISTORY))
    pair = ("USA", "KOR")
    s16, s18, s19 = (
        obs("joint_exercise", pair, y, 8, v) for y, v in ((2016, 1), (2018, 0), (2019, 0))
    )
    assign([ep], [s16, s18, s19], known={s16.id})
    assert ep.anchors == {s18.id: s16.id, s19.id: s16.id}  # a forecaster at 2016 knows 2016 only
    assert not any(is_anchor(ep, o) for o in (s16, s18, s19))
    paths = run_ensemble(ep.loaded.scenario, 2, 1, ep.steps).series
    assert anchor_of(ep, paths, s16) is None
    assert anchor_of(ep, paths, s19) == (1.0, None)
    ep2 = episode_of(load_scenario(HISTORY))
    assign([ep2], [s16, s18, s19])  # a fit knows every season: the previous one
    assert ep2.anchors == {s18.id: s16.id, s19.id: s18.id}


def test_exercise_draws_follow_the_anchor_only_through_the_memory_coefficient():
    """Ablation: with exercise_memory 0 a season's draws do not depend on the status before
    it; with memory they follow it."""
    from sim.observe.episodes import draw_observables

    pair = ("USA", "KOR")
    mean = {}
    for before in (0.0, 1.0):
        for memory in (0.0, 4.0):
            ep = episode_of(load_scenario(HISTORY))
            prior, target = (
                obs("joint_exercise", pair, 2018, 8, before),
                obs("joint_exercise", pair, 2019, 8, 1),
            )
            assign([ep], [prior, target])
            k = default_coefficients(8) | {
                "exercise_memory": np.full(8, memory),
                "exercise_slope": np.zeros(8),  # memoryless: held with probability 1/2
            }
            d = draw_observables(ep, {}, k, 8, 4, np.random.default_rng(0), draws=500)
            mean[before, memory] = float(d.values[target.id].mean())
    assert mean[0.0, 0.0] == mean[1.0, 0.0]
    assert mean[0.0, 4.0] < 0.1 < 0.4 < mean[0.0, 0.0] < 0.6 < 0.9 < mean[1.0, 4.0]
