"""Properties of the scores in sim/observe/scoring.py that a wrong sign, a wrong constant or a
swapped comparison would break: CRPS of a perfect point forecast is 0, CRPS is the pairwise
formula E|X − y| − ½E|X − X'|, it is proper (minimised at the truth), a forecaster compared
with itself has skill 0, and the pooled skill weighs kinds by their counts (hand-computed).
Written from mutation testing of the validation layer: each test here fails for at least one
fault the rest of the suite let through."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.observe.scoring import (
    NULLS,
    coverage,
    crps_normal,
    crps_sample,
    design_skill,
    interval_row,
    no_skill_reason,
    null_rows,
    null_scope,
    null_skill,
    sign_word,
    skill_table,
)

finite = st.floats(-50, 50, allow_nan=False)


def crps_pairs(x: np.ndarray, y: float) -> float:
    """The definition, O(n²): mean |x_i − y| − ½ mean over all pairs |x_i − x_j|."""
    x = np.asarray(x, dtype=float)
    return float(np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :])))


# ----------------------------------------------------------------------------- crps_sample
@settings(max_examples=60, deadline=None)
@given(x=st.lists(finite, min_size=1, max_size=12), y=finite)
def test_sample_crps_is_the_pairwise_definition(x, y):
    assert crps_sample(np.array(x), y) == pytest.approx(crps_pairs(np.array(x), y), abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(c=finite, n=st.integers(1, 9), y=finite)
def test_a_point_forecast_scores_its_absolute_error_and_zero_at_the_truth(c, n, y):
    sample = np.full(n, c)
    assert crps_sample(sample, c) == pytest.approx(0.0, abs=1e-12)
    assert crps_sample(sample, y) == pytest.approx(abs(c - y), abs=1e-9)


def test_sample_crps_hand_computed_three_points():
    # {0, 1, 3}, y = 1: E|X − y| = (1 + 0 + 2)/3 = 1; |xi − xj| over the 9 ordered pairs
    # sums to 2·(1 + 3 + 2) = 12, so E|X − X'| = 4/3 and the CRPS is 1 − 2/3 = 1/3.
    assert crps_sample(np.array([3.0, 0.0, 1.0]), 1.0) == pytest.approx(1 / 3)
    # the order of the sample and its shape do not matter
    assert crps_sample(np.array([[1.0, 3.0], [0.0, 3.0]]), 1.0) == pytest.approx(
        crps_pairs(np.array([1.0, 3.0, 0.0, 3.0]), 1.0)
    )


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_sample_crps_is_proper_the_truths_own_sample_scores_best_on_average(seed):
    """E_Y CRPS(F, Y) over Y ~ G is smallest for F = G: a shifted, a too wide or a too narrow
    sample scores worse on average against the very outcomes G produces."""
    rng = np.random.default_rng(seed)
    truth = rng.normal(0.0, 1.0, 400)
    outcomes = truth[:200]
    own = np.mean([crps_sample(truth, y) for y in outcomes])
    for other in (truth + 0.5, truth - 0.5, 3.0 * truth, 0.3 * truth):
        assert np.mean([crps_sample(other, y) for y in outcomes]) > own


@settings(max_examples=30, deadline=None)
@given(x=st.lists(finite, min_size=1, max_size=9), d=st.floats(0.1, 20))
def test_sample_crps_is_least_at_the_median_and_grows_away_from_it(x, d):
    s = np.array(x)
    m = float(np.median(s))
    lo, hi = float(s.min()), float(s.max())
    at = crps_sample(s, m)
    assert crps_sample(s, hi + d) > at
    assert crps_sample(s, lo - d) > at
    assert crps_sample(s, hi + 2 * d) > crps_sample(s, hi + d)


# ----------------------------------------------------------------------------- crps_normal
def test_normal_crps_at_the_mean_by_hand():
    # z = 0: σ(0 + 2φ(0) − 1/√π) = σ(√2 − 1)/√π
    for sigma in (0.5, 1.0, 3.0):
        assert crps_normal(2.0, sigma, 2.0) == pytest.approx(
            sigma * (math.sqrt(2) - 1) / math.sqrt(math.pi)
        )


@settings(max_examples=40, deadline=None)
@given(mu=st.floats(-5, 5), sigma=st.floats(0.1, 4), d=st.floats(0, 10))
def test_normal_crps_is_symmetric_scales_with_sigma_and_grows_with_the_error(mu, sigma, d):
    up, down = crps_normal(mu, sigma, mu + d), crps_normal(mu, sigma, mu - d)
    assert up == pytest.approx(down, rel=1e-9, abs=1e-12)
    assert crps_normal(0.0, sigma, sigma * d) == pytest.approx(sigma * crps_normal(0.0, 1.0, d))
    assert crps_normal(mu, sigma, mu + d + 0.5) > up
    assert up > 0  # a normal predictive is never perfect


def test_normal_crps_far_from_the_mean_is_the_error_less_sigma_over_root_pi():
    # |z| large: Φ → 0 or 1 and φ → 0, so the CRPS → σ(|z| − 1/√π)
    assert crps_normal(1.0, 2.0, 41.0) == pytest.approx(2.0 * (20 - 1 / math.sqrt(math.pi)))
    assert crps_normal(1.0, 2.0, -39.0) == pytest.approx(2.0 * (20 - 1 / math.sqrt(math.pi)))


# ------------------------------------------------------------------ interval_row, coverage
def test_the_interval_ends_are_inside_the_intervals():
    sample = np.arange(101.0)  # quantiles 5, 25, 50, 75, 95 exactly
    for y, in50, in90 in ((25, True, True), (75, True, True), (5, False, True), (95, False, True)):
        row = interval_row(sample, float(y))
        assert (row["in50"], row["in90"]) == (in50, in90), y
    row = interval_row(sample, 4.0)
    assert (row["in50"], row["in90"]) == (False, False)
    assert row["crps"] == crps_sample(sample, 4.0)


def scored_rows(crps, scored, directions) -> pd.DataFrame:
    n = len(crps)
    return pd.DataFrame(
        {
            "in50": [True, False, True, False][:n],
            "in90": [True, True, False, False][:n],
            "crps": crps,
            "scored": scored,
            "direction_observed": [d[0] for d in directions],
            "direction_model": [d[1] for d in directions],
        }
    )


def test_coverage_means_only_the_scored_rows():
    t = scored_rows(
        [1.0, 2.0, 6.0, 100.0],
        [True, True, True, False],
        [("up", "up"), ("up", "down"), ("down", "down"), ("up", "up")],
    )
    c = coverage(t)
    assert c["observations"] == 3
    assert c["mean_crps"] == pytest.approx(3.0)  # (1 + 2 + 6)/3; the unscored 100 left out
    assert c["coverage50"] == pytest.approx(2 / 3)
    assert c["coverage90"] == pytest.approx(2 / 3)
    assert c["direction_hits"] == pytest.approx(2 / 3)


def test_coverage_of_nothing_scored_and_of_no_direction_is_nan():
    t = scored_rows([1.0, 2.0], [False, False], [("up", "up"), ("up", "up")])
    c = coverage(t)
    assert c["observations"] == 0
    assert all(math.isnan(c[k]) for k in ("coverage50", "coverage90", "mean_crps"))
    t = scored_rows([1.0, 2.0], [True, True], [("", ""), (None, "up")])
    c = coverage(t)
    assert c["observations"] == 2 and math.isnan(c["direction_hits"])


def test_sign_word():
    assert (sign_word(0.2), sign_word(-0.2), sign_word(0.0)) == ("up", "down", "same")


# ----------------------------------------------------------------------------- skill_table
def long(scores: dict[str, dict[str, list[float]]]) -> pd.DataFrame:
    rows = []
    for kind, by in scores.items():
        for f, values in by.items():
            for i, v in enumerate(values):
                rows.append({"id": f"{kind}-{i}", "kind": kind, "forecaster": f, "crps": v})
    return pd.DataFrame(rows)


def every(values: list[float]) -> dict[str, list[float]]:
    """The same scores for the model and every null."""
    return {f: list(values) for f in ("model", *NULLS)}


def row(table: pd.DataFrame, kind: str) -> pd.Series:
    return table.set_index("kind").loc[kind]


@settings(max_examples=25, deadline=None)
@given(
    a=st.lists(st.floats(0.01, 50), min_size=1, max_size=5),
    b=st.lists(st.floats(0.01, 5), min_size=1, max_size=5),
)
def test_a_forecaster_against_itself_has_skill_zero(a, b):
    t = skill_table(long({"launches": every(a), "votes": every(b)}))
    for null in NULLS:
        assert np.allclose(t[f"skill vs {null}"].to_numpy(float), 0.0)


def test_skill_table_by_hand():
    """launches: 2 observations, model mean 4, persistence 8 (skill 0.5), trend 2 (skill −1),
    events-only 4 (0); votes: 1 observation, model 0.3, every null 0.6 (skill 0.5).
    Pooled: 1 − (2·ratio_launches + 1·ratio_votes)/3."""
    rows = long(
        {
            "launches": {
                "model": [3.0, 5.0],
                "persistence": [6.0, 10.0],
                "trend": [1.0, 3.0],
                "events_only": [4.0, 4.0],
            },
            "votes": {"model": [0.3], "persistence": [0.6], "trend": [0.6], "events_only": [0.6]},
        }
    )
    t = skill_table(rows)
    assert list(t["kind"]) == ["launches", "votes", "pooled"]
    launches, votes, pooled = row(t, "launches"), row(t, "votes"), row(t, "pooled")
    assert (launches["observations"], votes["observations"], pooled["observations"]) == (2, 1, 3)
    assert launches["CRPS model"] == 4.0 and launches["CRPS persistence"] == 8.0
    assert launches["CRPS trend"] == 2.0 and votes["CRPS events_only"] == 0.6
    assert launches["skill vs persistence"] == pytest.approx(0.5)
    assert launches["skill vs trend"] == pytest.approx(-1.0)
    assert launches["skill vs events_only"] == pytest.approx(0.0)
    assert votes["skill vs trend"] == pytest.approx(0.5)
    assert pooled["skill vs persistence"] == pytest.approx(1 - (2 * 0.5 + 1 * 0.5) / 3)
    assert pooled["skill vs trend"] == pytest.approx(1 - (2 * 2.0 + 1 * 0.5) / 3)
    assert pooled["skill vs events_only"] == pytest.approx(1 - (2 * 1.0 + 1 * 0.5) / 3)
    assert math.isnan(pooled["CRPS model"])


def test_a_worse_model_has_negative_skill_and_a_better_one_positive():
    base = [1.0, 2.0, 4.0]
    for factor, sign in ((0.5, 1), (2.0, -1)):
        rows = long({"k": {"model": [factor * v for v in base], **{n: base for n in NULLS}}})
        t = skill_table(rows)
        for null in NULLS:
            assert np.sign(row(t, "k")[f"skill vs {null}"]) == sign
            assert np.sign(row(t, "pooled")[f"skill vs {null}"]) == sign


def test_a_kind_the_null_forecast_perfectly_is_left_out_of_that_nulls_pooled_skill():
    rows = long(
        {
            "exercise": {
                "model": [0.2, 0.2],
                "persistence": [0.4, 0.4],
                "trend": [0.0, 0.0],
                "events_only": [0.4, 0.4],
            },
            "votes": {"model": [0.1], "persistence": [0.4], "trend": [0.5], "events_only": [0.4]},
        }
    )
    t = skill_table(rows)
    assert math.isnan(row(t, "exercise")["skill vs trend"])
    assert row(t, "pooled")["skill vs trend"] == pytest.approx(1 - 0.1 / 0.5)  # votes alone
    assert row(t, "pooled")["skill vs persistence"] == pytest.approx(1 - (2 * 0.5 + 0.25) / 3)
    only = long({"exercise": {"model": [0.2], **{n: [0.0] for n in NULLS}}})
    assert row(skill_table(only), "pooled")[[f"skill vs {n}" for n in NULLS]].isna().all()


# ------------------------------------------------------- null_rows, null_skill, null_scope
def hindcast_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "kind": ["summit", "summit", "summit", "summit"],
            "scored": [True, True, True, False],
            "crps": [1.0, 3.0, 2.0, 9.0],
            "crps_filtered": [0.5, 1.5, np.nan, 9.0],
            "crps_persistence": [2.0, 2.0, 2.0, 9.0],
            "crps_trend": [4.0, 4.0, np.nan, 9.0],
            "crps_events_only": [1.0, 1.0, 1.0, 9.0],
        }
    )


def test_null_rows_keep_the_scored_rows_every_forecaster_and_design_can_score():
    t = hindcast_table()
    rows = null_rows(t, "plain")
    assert sorted(rows["id"].unique()) == ["a", "b"]  # c: no trend, no filtered; d: unscored
    assert set(rows["forecaster"]) == {"model", *NULLS}
    model = rows[rows["forecaster"] == "model"].set_index("id")["crps"]
    assert model.to_dict() == {"a": 1.0, "b": 3.0}
    filtered = null_rows(t, "filtered")
    assert filtered[filtered["forecaster"] == "model"].set_index("id")["crps"].to_dict() == {
        "a": 0.5,
        "b": 1.5,
    }
    s = null_skill(t, "plain").set_index("kind")
    assert s.loc["summit", "skill vs trend"] == pytest.approx(1 - 2.0 / 4.0)
    assert s.loc["summit", "skill vs events_only"] == pytest.approx(1 - 2.0 / 1.0)
    assert null_scope(t) == 2  # c has no trend forecast
    assert null_scope(t.drop(columns="crps_trend")) == 0
    assert null_rows(t.drop(columns="crps_trend")).empty
    assert null_skill(t.assign(scored=False)).empty


def test_no_skill_reason_counts_in_words():
    t = hindcast_table()
    assert "no crps_trend column " in no_skill_reason(t.drop(columns="crps_trend"))
    assert "no crps, crps_trend columns " in no_skill_reason(t.drop(columns=["crps_trend", "crps"]))
    assert no_skill_reason(t.assign(crps_trend=np.nan)).startswith("No scored observation")
    single = t.assign(crps_trend=[4.0, np.nan, np.nan, 9.0])
    assert no_skill_reason(single).startswith("1 scored observation has ")
    assert no_skill_reason(t).startswith("2 scored observations have ")


def test_design_skill_stacks_designs_in_their_order_kinds_sorted_pooled_last():
    t = hindcast_table()
    views = {}
    for design in ("plain", "filtered"):
        rows = null_rows(t, design)
        views[design] = pd.concat([rows, rows.assign(kind="launch", id=rows["id"] + "L")])
    d = design_skill(views)
    assert list(zip(d["kind"], d["design"], strict=True)) == [
        ("launch", "plain"),
        ("launch", "filtered"),
        ("summit", "plain"),
        ("summit", "filtered"),
        ("pooled", "plain"),
        ("pooled", "filtered"),
    ]
    filtered = d[(d["kind"] == "summit") & (d["design"] == "filtered")].iloc[0]
    assert filtered["CRPS"] == pytest.approx(1.0)
    assert filtered["skill vs persistence"] == pytest.approx(0.5)
