"""Paired bootstrap intervals of skill (sim/observe/significance.py): every resample is scored
by skill_table's own rules, the resampling is paired and clustered by observation, and the
verdict follows the interval, not the point."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.observe.scoring import NULLS, skill_table
from sim.observe.significance import (
    MIN_OBSERVATIONS,
    cell,
    interval_table,
    interval_words,
    kind_scores,
    pooled_skill,
    resample_fits,
    resample_means,
    resample_weights,
    skill_intervals,
)
from sim.observe.significance import (
    interval_verdict as verdict,
)

FORECASTERS = ("model", *NULLS)


def long_rows(scores: dict[str, dict[str, np.ndarray]], origins: int = 1) -> pd.DataFrame:
    """Long rows from {kind: {forecaster: per-observation CRPS}}; each observation forecast
    from `origins` origins with the same scores."""
    rows = []
    for kind, by in scores.items():
        n = len(next(iter(by.values())))
        for i in range(n):
            for origin in range(origins):
                for f, values in by.items():
                    rows.append(
                        {
                            "origin": origin,
                            "id": f"{kind}-{i}",
                            "kind": kind,
                            "forecaster": f,
                            "crps": float(values[i]),
                        }
                    )
    return pd.DataFrame(rows)


def world(seed: int, n: int = 30, better: float = 1.0) -> pd.DataFrame:
    """Two kinds of different units; the model's CRPS is `better` × a null's, with noise."""
    rng = np.random.default_rng(seed)
    scores = {}
    for kind, unit in (("launches", 10.0), ("votes", 0.5)):
        base = rng.gamma(2.0, unit, n)
        scores[kind] = {
            "model": base * better * rng.uniform(0.9, 1.1, n),
            **{null: base * rng.uniform(0.9, 1.1, n) for null in NULLS},
        }
    return long_rows(scores)


def pooled(table: pd.DataFrame, null: str) -> pd.Series:
    return table[(table["kind"] == "pooled") & (table["null"] == null)].iloc[0]


# ------------------------------------------------------------ every resample is a skill_table
@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 8),
    zero_null=st.booleans(),
    origins=st.integers(1, 2),
)
def test_each_resample_scores_as_skill_table_on_the_resampled_rows(seed, n, zero_null, origins):
    rng = np.random.default_rng(seed)
    scores = {
        kind: {f: rng.gamma(1.5, scale, n) for f in FORECASTERS}
        for kind, scale in (("a", 5.0), ("b", 0.3), ("c", 1.0))
    }
    if zero_null:  # a null that forecast a kind perfectly: that kind leaves its pooled score
        scores["c"]["trend"] = np.zeros(n)
    rows = long_rows(scores, origins)
    kinds = kind_scores(rows, FORECASTERS)
    weights = [resample_weights(k, 5, seed) for k in kinds]
    boot = [resample_means(k, w) for k, w in zip(kinds, weights, strict=True)]
    means, forecasts = [b[0] for b in boot], [b[1] for b in boot]
    for d in range(5):
        picked = []
        for k, w in zip(kinds, weights, strict=True):
            for i, times in enumerate(w[d]):
                part = rows[rows["id"] == k.ids[i]]
                picked += [part.assign(id=f"{k.ids[i]}#{j}") for j in range(int(times))]
        expected = skill_table(pd.concat(picked)).set_index("kind").loc["pooled"]
        for j, null in enumerate(NULLS, start=1):
            got = pooled_skill(means, forecasts, j)[d]
            assert got == pytest.approx(expected[f"skill vs {null}"], rel=1e-12, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), fits=st.integers(2, 4))
def test_with_fits_each_resample_is_skill_table_of_as_many_drawn_fits(seed, n, fits):
    """The point over fits is skill_table of all of them; a resample pools as many fits,
    drawn with replacement, each with the same resampled observations."""
    rng = np.random.default_rng(seed)
    rows = pd.concat(
        long_rows(
            {
                kind: {f: rng.gamma(1.5, scale, n) for f in FORECASTERS}
                for kind, scale in (("a", 5.0), ("b", 0.3))
            },
            origins=int(rng.integers(1, 3)),
        ).assign(fit=g)
        for g in range(fits)
    )
    rows = rows.drop_duplicates(["fit", "origin", "id", "forecaster"])
    kinds = kind_scores(rows, FORECASTERS)
    drawn = resample_fits(fits, 4, seed)
    weights = [resample_weights(k, 4, seed) for k in kinds]
    boot = [resample_means(k, w, drawn) for k, w in zip(kinds, weights, strict=True)]
    means, forecasts = [b[0] for b in boot], [b[1] for b in boot]
    for d in range(4):
        picked = []
        for slot, g in enumerate(drawn[d]):
            for k, w in zip(kinds, weights, strict=True):
                for i, times in enumerate(w[d]):
                    part = rows[(rows["id"] == k.ids[i]) & (rows["fit"] == g)]
                    picked += [part.assign(id=f"{k.ids[i]}#{slot}#{j}") for j in range(int(times))]
        expected = skill_table(pd.concat(picked)).set_index("kind").loc["pooled"]
        for j, null in enumerate(NULLS, start=1):
            got = pooled_skill(means, forecasts, j)[d]
            assert got == pytest.approx(expected[f"skill vs {null}"], rel=1e-12, abs=1e-12)


def test_the_point_is_skill_table_and_the_interval_brackets_it():
    rows = world(1, better=0.8)
    table = skill_intervals(rows, seed=5)
    point = skill_table(rows).set_index("kind")
    for _, r in table.iterrows():
        assert r["skill"] == pytest.approx(point.loc[r["kind"], f"skill vs {r['null']}"])
        assert r["low"] <= r["skill"] <= r["high"]


# ------------------------------------------------------------ the verdict follows the interval
def test_a_model_better_on_every_observation_is_better_and_one_worse_is_worse():
    better = skill_intervals(world(2, better=0.7), seed=3)
    worse = skill_intervals(world(2, better=1.3), seed=3)
    for null in NULLS:
        b, w = pooled(better, null), pooled(worse, null)
        assert verdict(b["low"], b["high"]) == "better" and b["share above 0"] == 1.0
        assert verdict(w["low"], w["high"]) == "worse" and w["share above 0"] == 0.0


def test_the_verdict_at_the_edges_of_its_interval():
    """An interval touching 0 is a tie (not better or worse: 'the whole interval above 0');
    one with either end missing has no verdict."""
    assert (verdict(0.0, 0.3), verdict(-0.3, 0.0)) == ("tie", "tie")
    assert (verdict(0.01, 0.3), verdict(-0.3, -0.01)) == ("better", "worse")
    assert verdict(np.nan, 0.3) == verdict(0.1, np.nan) == verdict(np.nan, np.nan) == "–"


def test_the_same_forecaster_twice_is_a_tie_of_width_zero():
    rows = world(3)
    same = rows[rows["forecaster"] == "persistence"].assign(forecaster="model")
    rows = pd.concat([rows[rows["forecaster"] != "model"], same])
    r = pooled(skill_intervals(rows, seed=1), "persistence")
    assert r["skill"] == r["low"] == r["high"] == 0.0
    assert verdict(r["low"], r["high"]) == "tie"


def test_noisy_small_gain_is_a_tie_where_the_point_says_better():
    base = np.linspace(0.5, 3.0, 12)
    factor = np.tile([0.6, 1.35], 6)  # better on half, worse on half; a little better overall
    scores = {"k": {"model": base * factor, **{x: base for x in NULLS}}}
    r = pooled(skill_intervals(long_rows(scores), seed=2), "trend")
    assert r["skill"] > 0 and r["low"] < 0 < r["high"]
    assert cell(r).endswith(" tie")


# ------------------------------------------------------------ paired and clustered: ablations
def test_pairing_is_what_makes_a_uniform_gain_certain():
    """The model is 0.9 × the null on every observation, whose CRPS varies tenfold: paired,
    every resample gives skill 0.1 exactly. Breaking the pairing (the null's scores shuffled
    across observations: the same scores, other partners) widens the interval."""
    rng = np.random.default_rng(4)
    base = rng.gamma(1.0, 1.0, 40)
    paired = {"k": {"model": 0.9 * base, **{x: base for x in NULLS}}}
    shuffled = {"k": {"model": 0.9 * base, **{x: rng.permutation(base) for x in NULLS}}}
    a = pooled(skill_intervals(long_rows(paired), seed=1), "trend")
    b = pooled(skill_intervals(long_rows(shuffled), seed=1), "trend")
    assert a["skill"] == pytest.approx(0.1) and b["skill"] == pytest.approx(0.1)
    assert a["high"] - a["low"] < 1e-12
    assert b["high"] - b["low"] > 0.1


def test_an_observation_forecast_twice_is_resampled_as_one():
    """Forecasting every observation from two origins (same scores) changes nothing: the
    cluster is the observation. Resampling rows instead would narrow the interval by √2."""
    once = skill_intervals(world(5, n=20, better=0.95), seed=9)
    rows = world(5, n=20, better=0.95)
    twice = skill_intervals(pd.concat([rows, rows.assign(origin=1)]), seed=9)
    cols = ["skill", "low", "high", "share above 0"]
    np.testing.assert_allclose(twice[cols].to_numpy(), once[cols].to_numpy(), rtol=1e-12)
    assert (twice["forecasts"] == 2 * once["forecasts"]).all()
    assert (twice["observations"] == once["observations"]).all()


# ------------------------------------------------------------ reproducible, order-free, honest
def test_same_seed_same_table_any_row_order_other_seed_other_interval():
    rows = world(6, better=0.95)
    a = skill_intervals(rows, seed=11)
    b = skill_intervals(rows.sample(frac=1.0, random_state=3), seed=11)
    c = skill_intervals(rows, seed=12)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["low"], c["low"])


def test_too_few_observations_get_no_interval():
    rows = world(7, n=MIN_OBSERVATIONS - 1, better=0.5)
    table = skill_intervals(rows, seed=1)
    kinds = table[table["kind"] != "pooled"]
    assert kinds["low"].isna().all() and kinds["high"].isna().all()
    assert cell(kinds.iloc[0]).endswith("(too few to resample)")
    # pooled over both kinds there are 2 × 4 = 8 observations: enough
    assert pooled(table, "trend")[["low", "high"]].notna().all()


def test_interval_table_and_words():
    rows = world(9, better=0.7)
    t = interval_table({"plain": rows, "other": rows}, seed=1, kinds=True)
    assert list(t["design"]) == ["plain"] * 3 + ["other"] * 3
    assert list(t["kind"]) == ["launches", "votes", "pooled"] * 2
    assert t["skill vs events_only (90%)"].str.endswith("better").all()
    words = interval_words(skill_intervals(rows, seed=1))
    assert words.startswith("Pooled skill with its 90% interval over the 60 observations")
    assert "the events-only world +0.30 (" in words and "better" in words
    assert skill_intervals(rows.iloc[:0], seed=1).empty and interval_words(pd.DataFrame()) == ""


def test_several_fits_put_the_fits_noise_into_the_interval():
    """Two fits of one world: in fit 0 the model is 0.9 × the null on every observation, in
    fit 1 it equals it. Each alone gives an interval of width 0 (0.1 and 0); together the
    interval reaches from 0 to 0.1, and the point is the skill of their mean scores."""
    base = np.linspace(0.5, 5.0, 20)
    fits = []
    for g, factor in enumerate((0.9, 1.0)):
        one = long_rows({"k": {"model": factor * base, **{x: base for x in NULLS}}})
        fits.append(one.assign(fit=g))
        r = pooled(skill_intervals(one, seed=1), "trend")
        assert r["low"] == pytest.approx(r["high"]) == pytest.approx(1 - factor)
    both = pooled(skill_intervals(pd.concat(fits), seed=1), "trend")
    assert both["skill"] == pytest.approx(0.05)
    assert both["low"] == pytest.approx(0.0, abs=1e-12)
    assert both["high"] == pytest.approx(0.1)
    assert both["observations"] == 20 and both["forecasts"] == 20
    with pytest.raises(ValueError, match="do not score the same observations"):
        skill_intervals(pd.concat([fits[0], fits[1].iloc[4:]]), seed=1)


def structure_rows(factors: dict[str, np.ndarray]) -> pd.DataFrame:
    """compare_structures' rows for 24 observations of two kinds: structure s scores
    factors[s][i] × observation i's base CRPS, persistence the base."""
    base = np.linspace(0.5, 5.0, 24)
    return pd.DataFrame(
        [
            {
                "structure": name,
                "origin": 2020,
                "id": f"o{i}",
                "kind": "k" if i % 2 else "j",
                "crps": base[i] * f[i],
                "crps_persistence": base[i],
            }
            for name, f in factors.items()
            for i in range(24)
        ]
    )


def test_a_structure_is_compared_with_the_full_model_on_the_same_observations():
    """structure_table's interval column: a structure 0.9 × the full model's CRPS on every
    observation is surely better (+0.10 exactly), one equal to it ties with width 0, and one
    better on half the observations and worse on the other half ties with a wide interval."""
    from sim.observe.structures import structure_table

    factors = {
        "full": np.ones(24),
        "uniformly better": np.full(24, 0.9),
        "same": np.ones(24),
        "mixed": np.tile([0.6, 0.6, 1.35, 1.35], 6),  # both ways within each kind
    }
    rows = structure_rows(factors)
    table = structure_table(rows, seed=3).set_index("structure")["vs full, 90% interval"]
    assert table["full"] == "–"
    assert table["uniformly better"] == "+0.10 (+0.10 to +0.10) better"
    assert table["same"] == "+0.00 (+0.00 to +0.00) tie"
    assert table["mixed"].endswith(" tie") and "(-0." in table["mixed"]


def test_the_interval_over_fits_is_of_the_point_it_stands_beside():
    """The point over several fits is skill_table of all their rows: the skill of the fits'
    mean scores. Its interval must be of that statistic, so each resample draws as many fits
    as there are (with replacement) and pools them. Drawing one fit per resample gave the
    interval of a single fit's skill instead: with one fit of four at 0.5 × the null and
    three equal to it, the point is 0.125 and that interval reached 0.5, the outlier's own
    value, which four fits averaged reach only if all four draws are the outlier (0.4%)."""
    base = np.linspace(0.5, 5.0, 20)
    fits = [
        long_rows({"k": {"model": factor * base, **{x: base for x in NULLS}}}).assign(fit=g)
        for g, factor in enumerate((0.5, 1.0, 1.0, 1.0))
    ]
    r = pooled(skill_intervals(pd.concat(fits), seed=1, level=0.8), "trend")
    assert r["skill"] == pytest.approx(0.125)
    # the outlier drawn k of 4 times (binomial, p ¼): skill k/8; P(k = 0) 32%, P(k ≤ 2) 95%
    assert r["low"] == pytest.approx(0.0, abs=1e-12)
    assert r["high"] == pytest.approx(0.25)


def test_nan_crps_is_refused_not_scored_as_zero():
    """skill_table's mean skips a NaN score; the bootstrap's sums took it as 0 with its
    forecast still counted, so the resamples centred on another number than the point."""
    rows = world(10)
    rows.loc[rows.index[3], "crps"] = np.nan
    with pytest.raises(ValueError, match="CRPS is missing"):
        skill_intervals(rows, seed=1)


def _seed_run(monkeypatch, tmp_path, chart_fails: bool = False) -> tuple[dict, dict]:
    """benchmarks.calibrate.seed_blocks on synthetic rows (one world per seed), with the
    chart's intervals captured instead of drawn: (blocks, {label: intervals})."""
    from types import SimpleNamespace

    import sim.plots.skill_chart as chart
    import sim.plots.style as style
    from benchmarks import calibrate as bench

    drawn: dict[str, pd.DataFrame] = {}

    def forest(intervals, title, provenance):
        if chart_fails:
            raise RuntimeError("the chart failed")
        drawn.update(intervals)

    monkeypatch.setattr(chart, "skill_forest", forest)
    monkeypatch.setattr(style, "save", lambda fig, path: None)
    monkeypatch.setattr(bench, "with_settings", lambda spec, seed: seed)

    def seeded(seed: int, better: float) -> pd.DataFrame:  # votes play the exercises
        rows = world(seed, 12, better)
        return rows.assign(kind=rows["kind"].replace("votes", bench.UNSTABLE_KIND))

    monkeypatch.setattr(bench, "rolling_forecasts", lambda s, workers: SimpleNamespace(
        plain=seeded(s % 1000, 0.9)))  # fmt: skip
    monkeypatch.setattr(bench, "holdout_forecasts", lambda s, workers, folder: SimpleNamespace(
        view=lambda v: seeded(s % 1000 + 50, 1.1)))  # fmt: skip
    args = SimpleNamespace(seeds=[20160101, 20160102, 20160103], workers=1,
                           holdout=bench.HOLDOUT)  # fmt: skip
    try:
        return bench.seed_blocks(None, tmp_path, args), drawn
    except RuntimeError:
        return {}, drawn


def test_the_seed_chart_draws_each_seed_with_the_interval_its_table_row_prints(
    monkeypatch, tmp_path
):
    """seed_table bootstraps each seed's rows with that seed's own streams; the chart beside
    it (docs/img/validation-seeds-skill.png) drew every seed with the first seed's, so its
    intervals for the other seeds were not the table's (e.g. trend +0.45 against +0.44)."""
    blocks, drawn = _seed_run(monkeypatch, tmp_path)
    for label, intervals in drawn.items():
        if label.endswith("all seeds"):
            continue
        kind, seed = label.rsplit(" ", 1)
        p = intervals[intervals["kind"] == "pooled"].set_index("null")
        block = blocks["seeds-rolling" if kind == "rolling" else "seeds-holdout"]
        row = next(r for r in block.splitlines() if r.startswith(f"| {seed} |"))
        for null in NULLS:
            low, high = (f"{p.loc[null, k]:+.2f}".replace("+-", "-") for k in ("low", "high"))
            assert f"({low} to {high})" in row, (label, null)


def test_the_seed_runs_rows_are_written_before_the_chart_is_drawn(monkeypatch, tmp_path):
    """Four seeds' fits take hours; a chart that failed took their CSVs with it."""
    _seed_run(monkeypatch, tmp_path, chart_fails=True)
    assert (tmp_path / "seeds_rolling.csv").exists() and (tmp_path / "seeds_holdout.csv").exists()


def test_the_table_without_the_unstable_kind_is_the_seed_table_of_the_other_rows():
    """The sensitivity table (docs/validation.md, four seeds) drops one kind's rows and
    bootstraps the rest exactly as the seed table does: the same rows give the same
    intervals, and a kind where the model is much worse moves the pooled verdict."""
    from benchmarks import calibrate as bench

    frames = []
    for k, fit in enumerate((20160101, 20160102)):
        rows = world(k, 12, 0.8)
        bad = world(k + 100, 12, 4.0)
        bad = bad.assign(kind=bench.UNSTABLE_KIND, id=bad["id"] + "-x")
        frames.append(pd.concat([rows, bad]).assign(fit=fit))
    kept = [f[f["kind"] != bench.UNSTABLE_KIND] for f in frames]
    without = bench.without_kind(frames)
    pd.testing.assert_frame_equal(without, bench.seed_table(bench.seed_intervals(kept)))
    full = bench.seed_table(bench.seed_intervals(frames))
    column = "skill vs persistence (90%)"
    assert full[column].str.endswith("worse").all()
    assert without[column].str.endswith("better").all()


def test_the_seed_run_writes_the_table_without_the_unstable_kind_for_both_parts(
    monkeypatch, tmp_path
):
    blocks, _ = _seed_run(monkeypatch, tmp_path)
    lines = blocks["seeds-sans-exercises"].splitlines()
    assert lines[0].startswith("| part | seed |")
    assert sum(line.startswith("| rolling origin |") for line in lines) == 4  # 3 seeds + all
    assert sum(line.startswith("| held out |") for line in lines) == 4
    # the other kind's 12 observations of each seed's 24 (the seed tables keep all 24)
    assert all(line.split("|")[3].strip() == "12" for line in lines[2:])
    assert all(
        line.split("|")[2].strip() == "24" for line in blocks["seeds-rolling"].splitlines()[2:]
    )


def test_the_table_without_a_kind_refuses_a_kind_no_row_has():
    """Before: a kind named in none of the rows (a misspelling, or the kind renamed) gave
    the full table, printed in docs/validation.md under "the exercises left out"."""
    from benchmarks import calibrate as bench

    frames = [world(k, 12, 0.8).assign(fit=fit) for k, fit in enumerate((20160101, 20160102))]
    with pytest.raises(ValueError, match="no row of kind 'exercise'"):
        bench.without_kind(frames, "exercise")


def test_the_table_without_a_kind_refuses_to_leave_no_row():
    """Before: rows all of the dropped kind were an IndexError from pandas."""
    from benchmarks import calibrate as bench

    frames = [
        world(k, 12, 0.8).assign(fit=fit, kind=bench.UNSTABLE_KIND)
        for k, fit in enumerate((20160101, 20160102))
    ]
    with pytest.raises(ValueError, match="seed 20160101 has no row but of kind 'joint_exercise'"):
        bench.without_kind(frames)


def test_resamples_whose_null_scores_zero_are_counted_and_mark_the_interval_unstable():
    """A kind whose null is exact on 5 of its 6 observations: every resample that draws none
    of the sixth has a null CRPS of 0 and a skill of −inf. Before, those resamples were
    dropped without a word, so the interval (and its verdict) stood on the others only."""
    n = 6
    null = np.zeros(n)
    null[0] = 1.0
    rows = long_rows({"tests": {"model": np.full(n, 0.5), **{m: null for m in NULLS}}})
    table = skill_intervals(rows, seed=3, draws=400)
    row = table[(table["kind"] == "tests") & (table["null"] == "trend")].iloc[0]
    (k,) = kind_scores(rows, ("model", *NULLS))
    weights = resample_weights(k, 400, 3)
    expected = int((weights[:, k.ids.index("tests-0")] == 0).sum())
    assert 0 < expected < 400
    assert row["degenerate"] == expected
    assert cell(row).endswith(f"unstable ({expected} of 400 resamples without a skill)")
    assert verdict(row["low"], row["high"], row["degenerate"]) == "unstable"
    clean = skill_intervals(world(9, better=0.7), seed=1)
    assert (clean["degenerate"] == 0).all()
    assert not cell(clean.iloc[0]).count("unstable")


def test_a_structure_verdict_is_given_seed_by_seed_and_over_the_seeds():
    """structure_seed_table: a structure 0.9 × the full model in both seeds is better in each
    and over both; one better in one seed and worse in the other (a lucky fit, not a
    mechanism) gets both verdicts seed by seed and ties over the seeds, whose interval
    resamples the fits."""
    from sim.observe.structures import structure_seed_table

    factors = {
        "full": {11: 1.0, 12: 1.0},
        "steady": {11: 0.9, 12: 0.9},
        "lucky": {11: 0.8, 12: 1.25},
    }
    rows = pd.concat(
        structure_rows({n: np.full(24, f[seed]) for n, f in factors.items()}).assign(fit=seed)
        for seed in (11, 12)
    )
    table = structure_seed_table(rows).set_index("structure")
    assert list(table.columns) == ["seed 11", "seed 12", "all 2 seeds"]
    assert "full" not in table.index
    assert set(table.loc["steady"]) == {"+0.10 (+0.10 to +0.10) better"}
    assert table.loc["lucky", "seed 11"] == "+0.20 (+0.20 to +0.20) better"
    assert table.loc["lucky", "seed 12"] == "-0.25 (-0.25 to -0.25) worse"
    # the point: the skill of the seeds' mean scores, 1 − (0.8 + 1.25) / 2 = −0.025
    assert table.loc["lucky", "all 2 seeds"].startswith("-0.02 (-0.25 to +0.20)")
    assert table.loc["lucky", "all 2 seeds"].endswith(" tie")
