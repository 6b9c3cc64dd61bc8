"""Round 22: tests for the mutants that survived in the files round 21 left (docs/reliability.md
§16.7): the ensemble's recorder and chunking, the last of the skill intervals, the caps and
estimates. Each test fails on its mutant and passes on the original; each asserts a rule the
code or a document states, on small cases whose expected values are derived in the test."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sim.ensemble import (
    MIN_SHARE,
    Arm,
    iter_arms,
    iter_ensemble,
    merge,
    outcome_class,
    prepare,
    run_chunk,
    run_ensemble,
)
from sim.facts import OUTCOMES
from sim.ladder import EDGES, RUNGS, rung_of
from sim.observe.scoring import NULLS
from sim.observe.significance import (
    cell,
    kind_scores,
    pooled_skill,
    skill_intervals,
    summary,
)
from sim.pool import command_pool
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
ARMS_TRANSFERS = RUNGS.index("arms transfers")


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE).scenario


# --- sim/ensemble.py: the summary of each replication (MODEL.md §10, results-format.md) --


@pytest.fixture(scope="module")
def thresholds_run(baseline):
    """Six replications of the baseline whose crisis and war thresholds differ (coefficients
    by replication): at 0 every mutually hostile dyad is in crisis (or at war) from the
    settled start on, at 1 none ever is, at the defaults (0.5, 0.8) it depends on the path."""
    crisis = np.array([0.0, 0.0, 0.3, 0.5, 0.5, 1.0])
    war = np.array([0.0, 0.9, 0.9, 0.8, 0.8, 1.0])
    coefficients = {"crisis_threshold": crisis, "war_threshold": war}
    return run_ensemble(baseline, 6, 3, 24, coefficients=coefficients)


def _first(flags: np.ndarray) -> np.ndarray:
    """The first recorded step at which each replication's flag is set, −1 if never."""
    return np.where(flags.any(axis=0), flags.argmax(axis=0), -1)


def test_the_summary_of_a_replication_is_what_its_series_says(thresholds_run):
    """summary.csv's per-replication columns restate the per-step series (MODEL.md §10):
    the peak is the highest level recorded, `first_crisis_step` the first step in crisis (−1
    = none), `crisis_months` the steps in crisis, `peak_frustration` the highest
    frustration; the outcome is war if any step is at war, else crisis if any is in crisis,
    else tense if an active actor ends at arms transfers or above, else calm."""
    s, summary = thresholds_run.series, thresholds_run.summary
    crisis_at_start = s.crisis[0] & ~s.war.any(axis=0)
    assert s.war[0, 0] and crisis_at_start.any()  # the cases the run is built to have:
    assert (_first(s.crisis) > 0).any() and (~s.crisis.any(axis=0)).any()  # later, never
    assert (s.crisis[1:].sum(axis=0) > 0)[crisis_at_start].all()  # and in crisis again
    ids = [k.removeprefix("peak_escalation_") for k in summary if k.startswith("peak_esc")]
    for i, a in enumerate(ids):
        assert np.array_equal(summary[f"peak_escalation_{a}"], s.escalation[:, :, i].max(axis=0))
    assert np.array_equal(summary["first_crisis_step"], _first(s.crisis))
    assert np.array_equal(summary["first_war_step"], _first(s.war))
    assert np.array_equal(summary["crisis_months"], s.crisis.sum(axis=0))
    assert np.array_equal(summary["peak_frustration"], s.frustration.max(axis=0))
    final_rung = np.where(s.active[-1], rung_of(s.escalation[-1]), 0)
    expected = np.where(
        s.war.any(axis=0), "war",
        np.where(s.crisis.any(axis=0), "crisis",
                 np.where((final_rung >= ARMS_TRANSFERS).any(axis=1), "tense", "calm")),
    )  # fmt: skip
    assert list(summary["outcome"]) == list(expected)


def test_the_peak_frustration_is_the_highest_of_the_run():
    """`peak_frustration` is the highest frustration any recorded step had (MODEL.md §10's
    "peak and final frustration"). The shipped scenarios split into two camps (frustration
    0 throughout); round 19's joiner scenario has unbalanced triads whose share rises and
    falls, so the peak is above both the start and the end."""
    joiner = load_scenario(ROOT / "tests" / "data" / "round19" / "joiner_at_zero.yaml").scenario
    run = run_ensemble(joiner, 3, 3, 24)
    frustration = run.series.frustration
    peak = frustration.max(axis=0)
    assert ((peak > frustration[0]) & (peak > frustration[-1])).any()
    assert np.array_equal(run.summary["peak_frustration"], peak)
    assert np.array_equal(run.summary["final_frustration"], frustration[-1])


def _outcome(x, active, first_crisis=-1, first_war=-1) -> str:
    """The outcome class of one replication whose actors end at levels `x`."""
    state = SimpleNamespace(x=np.array([x], dtype=float), active=np.array([active]))
    rec = SimpleNamespace(first_crisis=np.array([first_crisis]), first_war=np.array([first_war]))
    return str(outcome_class(rec, state)[0])


def test_the_outcome_class_follows_the_rule_of_model_md():
    """war (any war step) > crisis > tense (an *active* actor ends at arms transfers, a
    level of 0.35, or above) > calm. An inactive actor's frozen level counts for nothing,
    and a crisis or war at step 0 (the settled start) counts as one."""
    edge = float(EDGES[ARMS_TRANSFERS - 1])
    assert edge == 0.35 and rung_of(np.array([edge]))[0] == ARMS_TRANSFERS
    assert _outcome([0.1, 0.2], [True, True]) == "calm"
    assert _outcome([0.1, edge], [True, True]) == "tense"  # at the edge: on the rung
    assert _outcome([0.1, 0.9], [True, False]) == "calm"  # not yet entered
    assert _outcome([0.1, 0.2], [True, True], first_crisis=0) == "crisis"
    assert _outcome([0.1, 0.9], [True, True], first_crisis=5) == "crisis"
    assert _outcome([0.1, 0.2], [True, True], first_crisis=0, first_war=0) == "war"
    assert _outcome([0.1, 0.2], [True, True], first_crisis=3, first_war=7) == "war"
    assert set(OUTCOMES) == {"calm", "tense", "crisis", "war"}


def _same_summaries(a, b) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_the_library_functions_default_to_the_same_run(baseline):
    """`run_chunk`, `run_ensemble`, `iter_ensemble` and `iter_arms` are documented library
    functions (docs/performance.md); left at their defaults they settle each replication's
    start under its own coefficients (`resettle=True`, sim.engine.start), so a chunk is the
    same replications of its ensemble whichever function ran it. `run_ensemble` and
    `iter_ensemble` keep the per-step series by default, `run_chunk` only when asked (the
    summaries-only path). Control: `resettle=False` moves the starts."""
    coefficients = {"reactivity": np.array([0.03, 0.06, 0.12, 0.2, 0.3])}
    world, events = prepare(baseline)
    chunk = run_chunk(world, events, np.arange(5), 4, 12, coefficients=coefficients)
    assert chunk.series is None
    whole = run_ensemble(baseline, 5, 4, 12, coefficients=coefficients)
    assert _same_summaries(chunk.summary, whole.summary)
    pieces = list(iter_ensemble(baseline, 5, 4, 12, coefficients=coefficients))
    assert _same_summaries(merge(pieces).summary, whole.summary)
    assert np.array_equal(merge(pieces).series.escalation, whole.series.escalation)
    arms = [group[0] for group in iter_arms([Arm(baseline, False)], 5, 4, 12,
                                             coefficients=coefficients)]  # fmt: skip
    assert _same_summaries(merge(arms).summary, whole.summary)
    held = run_ensemble(baseline, 5, 4, 12, coefficients=coefficients, resettle=False)
    assert not _same_summaries(held.summary, whole.summary)


def test_a_library_ensemble_runs_in_this_process_unless_given_workers(baseline):
    """`workers=1` is the default of `run_ensemble`, `iter_ensemble` and `iter_arms`: an
    ensemble large enough to share among workers, or cut in two chunks, starts none unless
    asked (a library caller's process is not forked behind its back), and an ensemble of one
    chunk runs here even when given workers; with `workers=2` the large ensemble starts them
    (the control), with the same summaries."""
    steps = 20
    big = 2 * MIN_SHARE // steps + 40  # two workers' shares (tests/test_pool.py's BIG)
    with command_pool(2) as pool:
        alone = run_ensemble(baseline, big, 1, steps, keep_series=False)
        list(iter_ensemble(baseline, 4, 1, steps, keep_series=False, chunk_size=2))
        list(iter_arms([Arm(baseline, False)], 4, 1, steps, chunk_size=2))
        list(iter_ensemble(baseline, 4, 1, steps, keep_series=False, workers=2))  # one chunk
        assert pool.launches == 0
        shared = run_ensemble(baseline, big, 1, steps, keep_series=False, workers=2)
        assert pool.launches == 2
    assert _same_summaries(alone.summary, shared.summary)


def test_an_ensemble_prints_no_progress_bar_unless_asked(baseline, capfd):
    """Library functions are quiet by default (`progress=False`): a caller's own output, a
    notebook or a report, gets no bar on stderr; `progress=True` draws one (the control)."""
    run_ensemble(baseline, 3, 1, 2)
    list(iter_ensemble(baseline, 3, 1, 2))
    list(iter_arms([Arm(baseline, False)], 3, 1, 2))
    assert capfd.readouterr().err == ""
    run_ensemble(baseline, 3, 1, 2, progress=True)
    assert "run" in capfd.readouterr().err


def test_an_ensemble_on_two_workers_is_cut_in_one_share_per_worker(baseline, monkeypatch):
    """`run_ensemble` shrinks its chunks so that every worker gets a share (iter_ensemble:
    "run_ensemble shrinks it to share work among workers"): an ensemble of two workers'
    shares on two workers is two chunks of half the replications (rounded up), not one
    chunk per replication (each chunk pays a round trip to its worker, the reason for
    MIN_SHARE); on one worker the chunk size asked for is kept. The summaries are the same
    either way."""
    from sim import ensemble

    sizes, real = [], ensemble.iter_ensemble

    def recording(*args):
        sizes.append(args[5])  # chunk_size, as run_ensemble passes it
        return real(*args)

    monkeypatch.setattr(ensemble, "iter_ensemble", recording)
    steps = 20
    big = 2 * MIN_SHARE // steps + 40  # 440 replications at MIN_SHARE 4,000
    with command_pool(2):
        shared = run_ensemble(baseline, big, 1, steps, keep_series=False, workers=2)
    alone = run_ensemble(baseline, big, 1, steps, keep_series=False, chunk_size=300)
    assert sizes == [(big + 1) // 2, 300]
    assert _same_summaries(shared.summary, alone.summary)


def test_arms_of_other_actors_each_run_as_they_would_alone(baseline):
    """`iter_arms` shares a chunk's shocks among arms of the same actors (common random
    numbers); an arm of other actors draws its own, so each arm's summaries are those of
    its own ensemble (`iter_arms` takes any list of scenarios)."""
    two = load_scenario(ROOT / "tests" / "data" / "round19" / "tiny_commitment.yaml").scenario
    assert list(two.actors) == ["AA", "BB"]
    (group,) = list(iter_arms([Arm(baseline, False), Arm(two, False)], 4, 2, 6))
    for arm, scenario in zip(group, (baseline, two), strict=True):
        alone = run_ensemble(scenario, 4, 2, 6, keep_series=False)
        assert _same_summaries(arm.summary, alone.summary)


# --- sim/observe/significance.py --------------------------------------------------------


def _scored(n: int = 6, fits: int = 1) -> pd.DataFrame:
    """Long rows of one kind: n observations, each scored by the model (CRPS 0.7·(i + 1))
    and by every null (i + 1), in each fit."""
    rows = []
    for g in range(fits):
        for i in range(n):
            rows.append({"fit": g, "id": f"k-{i}", "kind": "k", "forecaster": "model",
                         "crps": 0.7 * (i + 1)})  # fmt: skip
            rows += [{"fit": g, "id": f"k-{i}", "kind": "k", "forecaster": null,
                      "crps": float(i + 1)} for null in NULLS]  # fmt: skip
    return pd.DataFrame(rows)


def test_rows_that_do_not_score_the_same_observations_are_refused():
    """The resampling pairs forecasters and fits on each observation (kind_scores: "every
    fit must score the same observations"): a null that missed one observation, or a fit
    in which the model scored nothing, is refused in one line, not resampled with a gap."""
    assert len(kind_scores(_scored(fits=2), ("model", *NULLS))) == 1  # the whole rows: fine
    rows = _scored()
    gap = rows.drop(rows.index[(rows["id"] == "k-3") & (rows["forecaster"] == NULLS[0])])
    with pytest.raises(ValueError, match="do not score the same observations"):
        kind_scores(gap, ("model", *NULLS))
    rows = _scored(fits=2)
    no_model = rows.drop(rows.index[(rows["fit"] == 1) & (rows["forecaster"] == "model")])
    with pytest.raises(ValueError, match="do not score the same observations"):
        kind_scores(no_model, ("model", *NULLS))


def test_a_resample_with_no_usable_kind_has_no_pooled_skill_and_no_warning():
    """pooled_skill leaves out a kind whose null mean is 0 (skill_table's rule); a resample
    in which every kind is left out has no pooled skill (NaN), without a numpy warning on
    the command line. Resample 2: model 1, null 2 over 3 forecasts: 1 − 3·(1/2)/3 = 0.5;
    resample 3 the same over a single forecast: 1 − 1·(1/2)/1 = 0.5 (one forecast is
    enough for skill_table)."""
    means = [np.array([[1.0, 0.0], [1.0, 2.0], [1.0, 2.0]])]  # (resamples, [model, null])
    forecasts = [np.array([3.0, 3.0, 1.0])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        skill = pooled_skill(means, forecasts, 1)
    assert np.isnan(skill[0]) and list(skill[1:]) == [0.5, 0.5]


def test_kinds_of_one_observation_give_the_pooled_skill_no_interval():
    """Each kind is resampled among its own observations, so a kind of one is the same in
    every resample (`varying`): five such kinds give a pooled point but no interval, where
    they once gave one of width 0 and a verdict from five observations."""
    rows = pd.concat([_scored(n=1).assign(kind=f"k{j}", id=f"k{j}-0") for j in range(5)])
    table = skill_intervals(rows, seed=1, draws=200)
    pooled = table[table["kind"] == "pooled"]
    assert len(pooled) == len(NULLS) and (pooled["observations"] == 5).all()
    assert pooled["skill"].notna().all()
    assert pooled["low"].isna().all() and pooled["high"].isna().all()
    pairs = pd.concat([_scored(n=2).assign(kind=f"k{j}") for j in range(3)])  # 3 kinds of 2
    pairs["id"] = pairs["kind"] + pairs["id"]
    pooled = skill_intervals(pairs, seed=1, draws=200).query("kind == 'pooled'")
    assert (pooled["observations"] == 6).all() and pooled["low"].notna().all()


def test_the_interval_is_the_central_level_of_the_resamples_and_zero_is_not_above_zero():
    """`summary`: the central 90% of the finite resampled skills (the 5% and 95% quantiles:
    of 0, 1, …, 100 those are 5 and 95), and the share of resamples *above* 0: a skill of
    exactly 0 (a model scoring as the null) is not a gain, so 100 of the 101 are above."""
    row = summary(0.5, np.arange(101.0), 0.90, 101)
    assert (row["low"], row["high"]) == pytest.approx((5.0, 95.0))  # 0.05 and 0.95 in floats
    assert row["share above 0"] == 100 / 101
    assert summary(0.0, np.zeros(40), 0.90, 40)["share above 0"] == 0.0


def test_a_row_with_only_skill_and_interval_prints_its_verdict():
    """`cell` reads the resample counts with defaults (`row.get`), so a row of the skill and
    its interval alone, as `cell` documents it, prints '+0.04 (−0.05 to +0.12) tie', not
    'unstable'; a row that counts resamples without a skill says so, and says why there is
    no interval when none had one."""
    row = pd.Series({"skill": 0.04, "low": -0.05, "high": 0.12})
    assert cell(row) == "+0.04 (-0.05 to +0.12) tie"
    counted = pd.Series({"skill": 0.04, "low": -0.05, "high": 0.12, "degenerate": 3,
                         "resamples": 400})  # fmt: skip
    assert cell(counted) == "+0.04 (-0.05 to +0.12) unstable (3 of 400 resamples without a skill)"
    none = pd.Series({"skill": 0.04, "low": np.nan, "high": np.nan, "degenerate": 400,
                      "resamples": 400})  # fmt: skip
    assert cell(none) == "+0.04 (no interval: 400 of 400 resamples without a skill)"
