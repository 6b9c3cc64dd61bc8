"""Observation operators: the direction each observable moves with the state it reads, and
CRPS and coverage computed right (closed form, hand-checkable examples)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.observe.observations import Observation
from sim.observe.operators import (
    OPERATOR_COEFFICIENTS,
    OPERATORS,
    Window,
    default_coefficients,
    exercise_index,
    vote_probabilities,
)
from sim.observe.scoring import coverage, crps_normal, crps_sample, interval_row

IDS = ["CHN", "PRK", "USA", "KOR"]
SRC = {"publisher": "p", "title": "t", "date": "2020-01-01", "url": "https://e.org"}


def obs(kind: str, actors: tuple[str, ...], value: float = 1.0) -> Observation:
    return Observation("o", kind, actors, "2017", 0, 11, value, "u", "solid", SRC, "f", 1)


def window(x: float = 0.3, c: float = 0.0, lev: float = 0.0, months: int = 12, r: int = 1):
    X = np.full((months, r, len(IDS)), x)
    C = np.full((months, r, len(IDS), len(IDS)), c)
    L = np.full((months, r, len(IDS)), lev)
    return Window(X, C, L, IDS)


def coefs(r: int = 1, **values: float) -> dict[str, np.ndarray]:
    k = default_coefficients(r)
    k.update({n: np.full(r, v) for n, v in values.items()})
    return k


def mean_draw(kind, actors, w, k, seed=0, draws=4000) -> float:
    return float(
        OPERATORS[kind](obs(kind, actors), w, k, np.random.default_rng(seed), draws).mean()
    )


unit = st.floats(0, 1)
signed = st.floats(-1, 1)


@settings(max_examples=25, deadline=None)
@given(x_low=unit, x_high=unit, slope=st.floats(0.5, 10))
def test_launch_rate_rises_with_escalation(x_low, x_high, slope):
    assume(x_high - x_low > 0.2)
    k = coefs(launch_escalation=slope)
    low = mean_draw("missile_launches", ("PRK",), window(x=x_low), k)
    high = mean_draw("missile_launches", ("PRK",), window(x=x_high), k)
    assert high > low


def test_launch_mean_is_the_poisson_sum_over_months():
    k = coefs(launch_log_rate=-1.0, launch_escalation=2.0)
    expected = 12 * np.exp(-1.0 + 2.0 * 0.4)
    got = mean_draw("missile_launches", ("PRK",), window(x=0.4), k, draws=200_000)
    assert abs(got - expected) < 0.05
    shorter = mean_draw("missile_launches", ("PRK",), window(x=0.4, months=3), k, draws=200_000)
    assert abs(shorter - expected / 4) < 0.02


@settings(max_examples=25, deadline=None)
@given(c_low=signed, c_high=signed)
def test_summits_rise_with_mutual_commitment(c_low, c_high):
    assume(c_high - c_low > 0.3)
    k = coefs(summit_log_rate=-1.0)
    low = mean_draw("summit", ("CHN", "PRK"), window(c=c_low), k)
    high = mean_draw("summit", ("CHN", "PRK"), window(c=c_high), k)
    assert high > low


@settings(max_examples=40, deadline=None)
@given(c_low=signed, c_high=signed, lev=unit, cut=st.floats(0.01, 5))
def test_china_votes_for_sanctions_less_the_more_committed_to_prk(c_low, c_high, lev, cut):
    assume(c_high > c_low + 0.05)
    k = coefs(vote_cut=cut)
    o = obs("unsc_vote", ("CHN",))
    low = vote_probabilities(o, window(c=c_low, lev=lev), k)[0]
    high = vote_probabilities(o, window(c=c_high, lev=lev), k)[0]
    assert np.isclose(low.sum(), 1) and (low >= 0).all()
    assert high[2] < low[2]  # P(yes) falls
    assert high[0] > low[0]  # P(no or veto) rises


@settings(max_examples=25, deadline=None)
@given(lev_low=unit, lev_high=unit)
def test_more_leverage_in_use_more_sanction_votes(lev_low, lev_high):
    assume(lev_high > lev_low + 0.05)
    o = obs("unsc_vote", ("CHN",))
    k = coefs()
    assert OPERATOR_COEFFICIENTS["vote_leverage"].default > 0
    yes_low = vote_probabilities(o, window(c=0.3, lev=lev_low), k)[0, 2]
    yes_high = vote_probabilities(o, window(c=0.3, lev=lev_high), k)[0, 2]
    assert yes_high > yes_low


@settings(max_examples=25, deadline=None)
@given(a=unit, b=unit, slope=st.floats(0.5, 20))
def test_exercises_more_likely_with_higher_pair_index(a, b, slope):
    assume(b > a + 0.1)
    o = obs("joint_exercise", ("USA", "KOR"))
    assert exercise_index(o, window(x=b, c=b))[0] > exercise_index(o, window(x=a, c=a))[0]
    k = coefs(exercise_intercept=-slope * 0.8, exercise_slope=slope)
    low = mean_draw("joint_exercise", o.actors, window(x=a, c=a), k, draws=20_000)
    high = mean_draw("joint_exercise", o.actors, window(x=b, c=b), k, draws=20_000)
    assert high >= low


@settings(max_examples=25, deadline=None)
@given(dc=st.floats(-0.8, 0.8), kappa=st.floats(0.1, 5))
def test_trade_moves_with_commitment_change_from_the_anchor(dc, kappa):
    assume(abs(dc) > 0.05)
    from sim.observe.operators import trade

    o = obs("trade_value", ("CHN", "PRK"), 5.0)
    k = coefs(trade_commitment=kappa, trade_log_sd=0.01)
    draws = trade(
        o, window(c=0.2 + dc / 2), k, np.random.default_rng(0), 200, anchor=(5.0, np.array([0.2]))
    )
    median = float(np.median(draws))
    assert np.isclose(np.log(median / 5.0), kappa * dc / 2, atol=0.01)


@settings(max_examples=25, deadline=None)
@given(memory=st.floats(0.1, 8), x=unit, c=signed)
def test_exercise_memory_tilts_towards_the_latest_known_status(memory, x, c):
    """Dynamic logit: after a held season holding is likelier than after a suspended one, by
    exactly ±memory on the logit; with no status known, or memory 0, the memoryless operator
    (ablation)."""
    from sim.observe.operators import exercise_probability

    o, w = obs("joint_exercise", ("USA", "KOR")), window(x=x, c=c)
    k = coefs(exercise_memory=memory)
    held, none, suspended = (
        exercise_probability(o, w, k, a)[0] for a in ((1.0, None), None, (0.0, None))
    )
    assert suspended < none < held

    def logit(p):
        return np.log(p / (1 - p))

    assume(suspended > 1e-9 and held < 1 - 1e-9)
    assert logit(held) - logit(none) == pytest.approx(memory, rel=1e-6)
    assert logit(none) - logit(suspended) == pytest.approx(memory, rel=1e-6)
    off = coefs(exercise_memory=0.0)
    assert exercise_probability(o, w, off, (1.0, None)) == exercise_probability(o, w, off)


def test_operator_coefficient_defaults_inside_bounds_and_every_kind_covered():
    from sim.observe.observations import KINDS

    for c in OPERATOR_COEFFICIENTS.values():
        assert c.lo <= c.default <= c.hi
    assert set(OPERATORS) == set(KINDS)
    assert {c.kind for c in OPERATOR_COEFFICIENTS.values()} == set(KINDS)


# --- scoring ---------------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(mu=st.floats(-5, 5), sigma=st.floats(0.1, 4), y=st.floats(-10, 10))
def test_sample_crps_matches_the_normal_closed_form(mu, sigma, y):
    x = np.random.default_rng(1).normal(mu, sigma, 100_000)
    assert abs(crps_sample(x, y) - crps_normal(mu, sigma, y)) < 0.02 * sigma + 0.01


def test_crps_known_values():
    assert crps_normal(0, 1, 0) == 2 * np.exp(0) / np.sqrt(2 * np.pi) - 1 / np.sqrt(np.pi)
    assert crps_sample(np.array([3.0]), 1.0) == 2.0  # a point forecast: absolute error
    # two-point sample {0, 2}, y = 1: E|X-y| = 1, E|X-X'| = 1 -> 1 - 0.5
    assert crps_sample(np.array([0.0, 2.0]), 1.0) == 0.5


def test_intervals_and_coverage_by_hand():
    sample = np.arange(101.0)  # quantiles 5, 25, 50, 75, 95 exactly
    row = interval_row(sample, 80.0)
    assert (row["q05"], row["q25"], row["median"], row["q75"], row["q95"]) == (5, 25, 50, 75, 95)
    assert (row["in50"], row["in90"]) == (False, True)
    table = pd.DataFrame(
        [
            {
                **interval_row(sample, y),
                "scored": s,
                "direction_observed": do,
                "direction_model": dm,
            }
            for y, s, do, dm in [
                (50, True, "up", "up"),
                (80, True, "down", "up"),
                (99, True, "", ""),
                (60, False, "up", "up"),
            ]
        ]
    )
    c = coverage(table)
    assert c["observations"] == 3  # the unscored anchor is left out
    assert c["coverage50"] == 1 / 3  # only 50 lies in [25, 75]
    assert c["coverage90"] == 2 / 3  # 50 and 80 lie in [5, 95]; 99 does not
    assert c["direction_hits"] == 0.5


def test_direction_of_change_uses_the_paired_change_per_replication():
    """Observed 3 -> 5 (up). Model: replication-wise the later value is lower in most
    replications although the pooled medians rise, so the paired direction is 'down'."""
    from sim.observe.episodes import Episode
    from sim.observe.hindcast import _row

    first = Observation(
        "a", "summit", ("CHN", "PRK"), "2017-01", 0, 0, 3.0, "u", "solid", SRC, "f", 1
    )
    later = Observation(
        "b", "summit", ("CHN", "PRK"), "2017-02", 1, 1, 5.0, "u", "solid", SRC, "f", 2
    )
    ep = Episode("e", None, IDS, 0, 12, [first, later])
    samples = {"a": np.array([[1.0], [2.0], [9.0]]), "b": np.array([[0.0], [5.0], [8.0]])}
    row = _row(ep, later, samples)
    assert (row["previous"], row["direction_observed"], row["direction_model"]) == (
        "a",
        "up",
        "down",
    )
    assert _row(ep, first, samples)["previous"] == ""


def test_docs_list_every_operator_coefficient_as_the_table_says():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "observations.md").read_text()
    for name, c in OPERATOR_COEFFICIENTS.items():
        row = f"| `{name}` | {c.kind} | {c.default:g} | [{c.lo:g}, {c.hi:g}] | {c.meaning} |"
        assert row in text, row


def test_each_launch_definition_has_its_own_rate():
    """One operator per unit: missiles fired = events × exp(log ratio), ICBMs = events ×
    exp(log share); the unit string decides (sim/observe/series.py)."""
    k = coefs(launch_log_rate=-1.0, launch_escalation=2.0)
    k["launch_missiles_log_ratio"] = np.full(1, 0.7)
    k["launch_icbm_log_share"] = np.full(1, -2.0)
    events = 12 * np.exp(-1.0 + 2.0 * 0.4)
    for unit, factor in (
        ("launch events per year", 1.0),
        ("ballistic missiles fired per year", np.exp(0.7)),
        ("ICBM launch events per year", np.exp(-2.0)),
    ):
        o = Observation(
            "o", "missile_launches", ("PRK",), "2017", 0, 11, 1.0, unit, "solid", SRC, "f", 1
        )
        got = OPERATORS["missile_launches"](o, window(x=0.4), k, np.random.default_rng(0), 200_000)
        assert abs(got.mean() - events * factor) < 0.05 * max(1.0, events * factor), unit
