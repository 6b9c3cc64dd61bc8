"""Ripeness (Zartman 2000): readiness to settle built by a mutually hurting stalemate, as
pre-registered in docs/preregistration-ripeness.md before any code. The tests that page
requires: ablation (rate 0 is today's model exactly), growth only above the threshold, the
orientation (readiness lowers both escalations of the pair, and only through the threat it
discounts), a ready pair's summit rate above an unready one's, R in [0, 1] and symmetric
under generated states, and the compiled kernel equal to the numpy reference with it on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from sim import dynamics
from sim.engine import start
from sim.ensemble import prepare, run_chunk, run_ensemble
from sim.kernel import numba_available
from sim.observe.assimilate import flat_likelihood, particle_filter
from sim.observe.episodes import episode_of, window
from sim.observe.observations import Observation, month_index
from sim.observe.operators import PairHistory, Window, default_coefficients, summit_log_rate
from sim.scenario.loader import load_scenario
from sim.scenario.overrides import apply
from sim.world import compile_input
from tests.test_model_properties import scenarios

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
HISTORY = ROOT / "scenarios" / "history" / "base_2016.yaml"
SPEC = ROOT / "scenarios" / "calibration" / "history.yaml"
VARIANT = ROOT / "scenarios" / "calibration" / "history-ripeness.yaml"
SRC = {"publisher": "p", "title": "t", "date": "2020-01-01", "url": "https://e.org"}


def world_of(path: Path = BASELINE, **params: float):
    changes = {f"parameters.{k}": v for k, v in params.items()}
    return prepare(apply(load_scenario(path).model_input, changes))


def run(path: Path = BASELINE, steps: int = 36, reps: int = 3, seed: int = 1, **params):
    world, events = world_of(path, **params)
    out = run_chunk(world, events, np.arange(reps), seed, steps, keep_series=True)
    return world, out


def pair_state(c_ij: float, c_ji: float, x_i: float, x_j: float, **params: float):
    """A settled baseline start with PRK–USA set to the given commitments and escalations."""
    world, _ = world_of(**params)
    state = start(world, np.arange(1))
    i, j = world.ids.index("PRK"), world.ids.index("USA")
    state.C[0, i, j], state.C[0, j, i] = c_ij, c_ji
    state.x[0, i], state.x[0, j] = x_i, x_j
    return state, i, j


# ---------------------------------------------------------------- the update itself


@pytest.mark.parametrize(
    ("c_ij", "c_ji", "x_i", "x_j", "grows"),
    [
        (-0.8, -0.6, 0.6, 0.3, True),  # pain 0.8·0.6 = 0.48 > 0.25: a hurting stalemate
        (-0.8, -0.6, 0.2, 0.3, False),  # pain 0.8·0.3 = 0.24 < 0.25: not hurting enough
        (-0.8, 0.1, 0.9, 0.9, False),  # not mutually hostile: no stalemate, however tense
        (0.5, 0.5, 0.9, 0.9, False),  # allies
    ],
)
def test_readiness_grows_exactly_by_the_excess_pain_of_a_mutually_hostile_pair(
    c_ij, c_ji, x_i, x_j, grows
):
    state, i, j = pair_state(c_ij, c_ji, x_i, x_j, ripeness_rate=0.5)
    new = dynamics.readiness_update(state, dynamics.derive(state))
    pain = max(-c_ij, -c_ji) * max(x_i, x_j) if (c_ij < 0 and c_ji < 0) else 0.0
    expected = 0.5 * max(pain - 0.25, 0.0)  # from R = 0: κ_r·(1 − 0)·excess
    assert new[0, i, j] == pytest.approx(expected, abs=1e-15)
    assert new[0, j, i] == new[0, i, j]  # one readiness per pair
    assert (new[0, i, j] > 0) == grows


def test_readiness_grows_by_the_share_still_missing_and_decays_at_the_same_time():
    state, i, j = pair_state(-0.8, -0.6, 0.6, 0.3, ripeness_rate=0.5)
    state.ready[0, i, j] = state.ready[0, j, i] = 0.6
    new = dynamics.readiness_update(state, dynamics.derive(state))
    expected = 0.6 + 0.5 * (1 - 0.6) * (0.48 - 0.25) - np.log(2) / 12 * 0.6
    assert new[0, i, j] == pytest.approx(expected, abs=1e-12)


def test_readiness_decays_at_its_rate_once_the_pain_is_gone():
    state, i, j = pair_state(0.2, 0.2, 0.1, 0.1, ripeness_rate=0.5)
    state.ready[0, i, j] = state.ready[0, j, i] = 0.6
    new = dynamics.readiness_update(state, dynamics.derive(state))
    assert new[0, i, j] == pytest.approx(0.6 * (1 - np.log(2) / 12), abs=1e-15)


def test_readiness_discounts_exactly_the_ready_partners_share_of_the_threat():
    state, i, j = pair_state(-0.8, -0.6, 0.6, 0.3)
    d = dynamics.derive(state)
    before = dynamics.perceived_threat(state, d.H, d.A, d.mask)
    E = np.minimum(
        d.H + state.params["threat_transfer"][..., None] * (d.H @ np.swapaxes(d.A, 1, 2)), 1.0
    )
    power = state.cap["military"] + state.params["nuclear_weight"] * state.cap["nuclear"]
    power = power + state.params["economic_weight"] * state.cap["economic"]
    w = 2.0 * power[0, j] / (power[0, i] + power[0, j] + dynamics.EPS)
    share = E[0, i, j] * d.mask[0, i, j] * w * state.x[0, j]
    state.ready[0, i, j] = state.ready[0, j, i] = 1.0
    after = dynamics.perceived_threat(state, d.H, d.A, d.mask)
    assert share > 0
    assert after[0, i] == pytest.approx(before[0, i] - share, abs=1e-12)
    others = np.ones(state.x.shape[1], bool)
    others[[i, j]] = False
    assert np.array_equal(after[0, others], before[0, others])  # only the pair's own reading


# ---------------------------------------------------------------- ablation and orientation


def test_rate_zero_is_todays_model_exactly_whatever_the_other_ripeness_coefficients():
    """κ_r = 0 switches the mechanism off: R stays 0 and no output moves by a bit, even with
    the threshold and decay changed (nothing else reads them)."""
    _, ref = run()
    _, off = run(ripeness_rate=0.0, ripeness_threshold=0.01, ripeness_decay=0.5)
    _, on = run(ripeness_rate=1.0)
    assert not off.series.readiness.any()
    for name in ref.series.__dataclass_fields__:
        assert np.array_equal(getattr(off.series, name), getattr(ref.series, name)), name
    for key, v in ref.summary.items():
        assert np.array_equal(off.summary[key], v), key
    assert on.series.readiness.max() > 0.1  # the switch is not inert
    assert not np.array_equal(on.series.escalation, ref.series.escalation)


def test_readiness_lowers_both_escalations_of_the_ready_pair_and_vanishes_without_it():
    """Orientation: in the noise-free baseline the US–North Korea pair is in a hurting
    stalemate, readiness builds, and both sides end lower than without the mechanism."""
    world, on = run(reps=1, ripeness_rate=1.0, noise=0.0)
    _, off = run(reps=1, ripeness_rate=0.0, noise=0.0)
    prk, usa = world.ids.index("PRK"), world.ids.index("USA")
    assert on.series.readiness[-1, 0, prk, usa] > 0.3
    for a in (prk, usa):
        assert on.series.escalation[-1, 0, a] < off.series.escalation[-1, 0, a] - 0.02
    # the summary's own reading: both peaks are no higher, both finals lower
    for a in ("PRK", "USA"):
        assert on.summary[f"final_escalation_{a}"][0] < off.summary[f"final_escalation_{a}"][0]


# ---------------------------------------------------------------- invariants


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_readiness_stays_in_the_unit_interval_symmetric_and_off_the_diagonal(scenario):
    changes = {"parameters.ripeness_rate": 10.0, "parameters.ripeness_threshold": 0.0}
    world, events = prepare(apply(compile_input(scenario, {}), changes))  # the largest steps
    s = run_chunk(world, events, np.arange(3), 5, scenario.run.steps, keep_series=True).series
    R = s.readiness
    assert R.min() >= 0.0 and R.max() <= 1.0
    assert np.array_equal(R, np.swapaxes(R, -1, -2))
    assert not np.diagonal(R, axis1=-2, axis2=-1).any()


# ---------------------------------------------------------------- the summit operator


def summit(value: float = 0.0) -> Observation:
    m = month_index(2018, 6)
    return Observation(
        "summit-USA-PRK-2018-06", "summit", ("USA", "PRK"), "2018-06", m, m, value, "summits",
        "solid", SRC, "f", 1,
    )  # fmt: skip


def window_with(ready: float | None) -> Window:
    ids = ["USA", "PRK"]
    C = np.full((1, 2, 2, 2), -0.5)
    R = None if ready is None else np.full((1, 2, 2, 2), ready)
    return Window(np.full((1, 2, 2), 0.5), C, np.zeros((1, 2, 2)), ids, R)


@pytest.mark.parametrize("history", [None, PairHistory(3.0, 27, np.array([-0.4, -0.4]))])
def test_a_ready_hostile_pair_meets_more_often_by_exp_beta_times_readiness(history):
    k = default_coefficients(2)
    k["summit_pair_weight"] = np.full(2, 0.1)
    k["summit_readiness"] = np.full(2, 2.0)
    ready = summit_log_rate(summit(), window_with(0.5), k, history)
    unready = summit_log_rate(summit(), window_with(0.0), k, history)
    assert ready == pytest.approx(unready + 2.0 * 0.5, abs=1e-12)
    # no record of readiness, or β_s = 0, or a draw fitted before β_s existed: the old rate
    assert np.array_equal(summit_log_rate(summit(), window_with(None), k, history), unready)
    k["summit_readiness"] = np.zeros(2)
    assert np.array_equal(summit_log_rate(summit(), window_with(0.5), k, history), unready)
    del k["summit_readiness"]
    assert np.array_equal(summit_log_rate(summit(), window_with(0.5), k, history), unready)


def test_the_filter_paths_carry_the_readiness_the_plain_run_recorded():
    ep = episode_of(load_scenario(HISTORY))
    coefs = {"ripeness_rate": np.linspace(0.5, 3.0, 8)}
    plain = run_ensemble(ep.loaded.scenario, 8, 11, ep.steps, coefficients=coefs).series
    m = month_index(2017, 3)
    data = [Observation("l", "missile_launches", ("PRK",), "2017-03", m, m, 3.0,
                        "launch events", "solid", SRC, "f", 1)]  # fmt: skip
    filt = particle_filter(
        ep, coefs, default_coefficients(8), 8, 11, np.random.default_rng(0), data,
        flat_likelihood,
    )  # fmt: skip
    assert plain.readiness.max() > 0
    assert np.array_equal(filt.paths.readiness, plain.readiness)
    w = window(filt.paths, ep, data[0])  # what the operators read: the same readiness
    assert w.ready is not None and np.array_equal(w.ready, plain.readiness[w_slice(ep, data[0])])


def w_slice(ep, obs: Observation) -> slice:
    return slice(obs.first - ep.start, obs.last - ep.start + 1)


# ---------------------------------------------------------------- the compiled kernel


@pytest.mark.skipif(not numba_available(), reason="numba is not installed")
def test_the_kernel_equals_numpy_with_ripeness_on():
    from tests.test_kernel import assert_same, both

    world, events = world_of(ripeness_rate=1.5, ripeness_threshold=0.2)
    reps = np.arange(37)
    history = world_of(HISTORY, ripeness_rate=2.0)  # events between spans: R written back
    ref, new = both(*history, reps, 4, 100, keep=True)
    assert ref.series.readiness.max() > 0.3
    assert_same(ref, new)
    summary = both(world, events, reps, 4, 60, keep=False)
    series = both(world, events, reps, 4, 60, keep=True)
    assert series[0].series.readiness.max() > 0.3
    for ref, new in (summary, series):
        assert_same(ref, new)


# ---------------------------------------------------------------- the calibration variant


def test_the_variant_spec_is_the_shipped_one_plus_the_preregistered_priors():
    from sim.observe.spec import load_spec

    priors = {p.name: p for p in load_spec(VARIANT).priors}
    shipped = {p.name for p in load_spec(SPEC).priors}
    assert set(priors) - shipped == {"ripeness_rate", "summit_readiness"}
    assert shipped <= set(priors)
    k = priors["ripeness_rate"]
    assert k.family == "lognormal" and np.exp(k.args[0]) == pytest.approx(0.5, rel=1e-4)
    assert (k.args[1], k.lo, k.hi) == (1.0, 0.01, 10.0)
    b = priors["summit_readiness"]
    assert (b.family, b.lo, b.hi) == ("uniform", 0.0, 5.0)
    lines = SPEC.read_text(encoding="utf-8").splitlines()
    variant = VARIANT.read_text(encoding="utf-8").splitlines()
    body = variant[variant.index(lines[0]) :]
    body = [x.replace("name: history-ripeness", "name: history") for x in body]
    body = [x for x in body if "ripeness" not in x and "summit_readiness" not in x]
    body = [x for x in body if "β_s" not in x]
    body = [x.replace("(22 when measured, 27 here)", "(22 when measured, 25 now)") for x in body]
    assert body == lines


def test_the_memory_guard_counts_every_series_array_the_recorder_keeps():
    """sim.limits and sim.chunks size a run's series before it starts; the readiness series
    (N² floats a step) must be counted like the commitment series, or the guard under-counts
    by ~40%."""
    from sim.chunks import series_bytes_per_step as _series_bytes_per_step
    from sim.ensemble import Recorder

    world, _ = world_of()
    s = Recorder(world, 1, 9, keep_series=True).s
    held = sum(getattr(s, f).nbytes for f in s.__dataclass_fields__) / 10  # per step
    assert _series_bytes_per_step(world.n) == held


def test_the_state_paths_command_reads_the_history_with_and_without_ripeness():
    """benchmarks.state_paths (the diagnostic behind the Outcome's "no 2017 crisis in the
    state"): readiness 0 with ripeness off, above 0 with it on, one row every six months."""
    from benchmarks.state_paths import paths

    off = paths({}, ("USA", "PRK"), 2, 3)
    on = paths({"parameters.ripeness_rate": 0.46}, ("USA", "PRK"), 2, 3)
    assert [r["month"] for r in off][:3] == ["2016-01", "2016-07", "2017-01"]
    assert all(r["readiness"] == 0.0 for r in off)
    assert on[0]["readiness"] == 0.0 and on[-1]["readiness"] > 0.1
    assert on[0]["pain"] == pytest.approx(0.8 * 0.4)  # the evidenced start: H 0.8, x_PRK 0.4


def test_the_cost_benchmark_times_both_arms_and_they_differ_only_in_the_rate():
    from benchmarks.ripeness_cost import best_pair

    arms = [world_of(ripeness_rate=k) for k in (0.0, 0.5)]
    assert arms[0][0].params["ripeness_rate"][0, 0] == 0.0
    assert arms[1][0].params["ripeness_rate"][0, 0] == 0.5
    off, on = best_pair(arms, "numpy", 4, False, 1)
    assert off > 0 and on > 0


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--set", "foo"], "expected KEY=NUMBER"),
        (["--set", "parameters.nope=1"], "unknown parameter"),
        (["--pair", "USA", "XXX"], "must be actors"),
    ],
)
def test_the_state_paths_command_refuses_bad_input_in_one_line(capsys, argv, words):
    from benchmarks.state_paths import main

    assert main([*argv, "-n", "1"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and words in err
