"""Round 21: tests for the mutants that survived in files no earlier round had mutated
(docs/reliability.md §16.6). Each test fails on its mutant and passes on the original; each
asserts a rule the code documents, on small hand-made cases."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import limits
from sim.errors import UsageError
from sim.observe.leakage import event_conflicts
from sim.observe.observations import Observation, month_index
from sim.observe.operators import (
    PairHistory,
    Window,
    default_coefficients,
    launches,
    summit_log_rate,
)
from sim.observe.priors import Prior
from sim.observe.rejection import rejection_populations
from sim.observe.scoring import NULLS
from sim.observe.significance import interval_table, interval_words, skill_intervals
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Condition, Event

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "scenarios" / "history" / "base_2016.yaml"
SRC = {"publisher": "p", "title": "t", "date": "2020-01-01", "url": "https://e.org"}
PRK_ESCALATION = "actors.PRK.escalation"


# --- sim/observe/leakage.py -------------------------------------------------------------


@pytest.fixture(scope="module")
def history():
    return load_scenario(HISTORY).scenario


def _launches(first: int, last: int) -> Observation:
    """A launch count of North Korea over months first..last (its operator reads PRK's
    escalation)."""
    return Observation("launches", "missile_launches", ("PRK",), "p", first, last, 1.0, "u",
                       "solid", SRC, "f", 1)  # fmt: skip


def _with_events(scenario, **events: Event):
    return scenario.model_copy(update={"events": events})


def test_an_event_conflicts_from_the_month_before_an_observation_to_its_last_month(history):
    """The rule of `_overlaps`: an event fires at the start of its step and is first seen in
    the next month's state, so one in the month before the period counts, two months before
    does not, and one after the last month does not."""
    year, month = (int(p) for p in history.run.start.split("-"))
    start = month_index(year, month)
    obs = _launches(start + 6, start + 8)  # the 7th to the 9th month of the run
    hits = {}
    for at in range(3, 11):
        ev = Event(label="e", at=at, add={PRK_ESCALATION: 0.1})
        hits[at] = bool(event_conflicts(_with_events(history, e=ev), [obs]))
    # month start + at: 5 is the month before the period, 6..8 the period itself
    assert hits == {3: False, 4: False, 5: True, 6: True, 7: True, 8: True, 9: False, 10: False}


def test_a_conditional_event_may_fire_in_any_month_so_it_conflicts_with_every_period(history):
    """An event with no `at` (a `when` condition) can fire in any month: writing what an
    operator reads, it conflicts with an observation however far from the run's start; one
    writing something no operator of the observation reads does not."""
    when = Condition(metric="escalation", actor="KOR", above=0.45)
    reads_it = Event(label="r", when=when, add={PRK_ESCALATION: 0.1})
    other = Event(label="o", when=when, add={"actors.KOR.escalation": 0.1})
    far = _launches(month_index(2090, 1), month_index(2090, 3))
    conflicts = event_conflicts(_with_events(history, r=reads_it, o=other), [far])
    assert [(c.event, c.path, c.observation) for c in conflicts] == [
        ("r", PRK_ESCALATION, "launches")
    ]


# --- sim/observe/operators.py -----------------------------------------------------------


def _prk_window(months: int, reps: int) -> Window:
    """PRK alone, escalation 0 in every month and replication (all a launch count reads)."""
    shape = (months, reps)
    return Window(x=np.zeros((*shape, 1)), C=np.zeros((*shape, 1, 1)),
                  lev=np.zeros((*shape, 1)), ids=["PRK"])  # fmt: skip


@pytest.mark.parametrize("mu", [2.0, 0.25])
def test_a_replication_at_zero_dispersion_stays_poisson_beside_a_dispersed_one(mu):
    """φ per replication: a replication at φ = 0 gets the factor 1 (its count Poisson, mean
    = variance = Σμ) while its neighbour at φ = 1 has variance Σμ + φΣμ² (3 months at rate μ:
    mean 3μ in both, variance 3μ and 3μ + 3μ²). A rate below one a month (log rate < 0) is
    drawn at that rate too."""
    obs = Observation("l", "missile_launches", ("PRK",), "p", 0, 2, 1.0, "launch events",
                      "solid", SRC, "f", 1)  # fmt: skip
    k = default_coefficients(2)
    k["launch_log_rate"] = np.full(2, np.log(mu))
    k["launch_escalation"] = np.zeros(2)
    k["launch_dispersion"] = np.array([0.0, 1.0])
    values = launches(obs, _prk_window(3, 2), k, np.random.default_rng(4), 200_000)
    assert values.mean(axis=1) == pytest.approx([3 * mu, 3 * mu], rel=0.02)
    assert values.var(axis=1) == pytest.approx([3 * mu, 3 * mu + 3 * mu * mu], rel=0.05)


@pytest.mark.parametrize(
    "gamma, delta, c_bar", [(-4.0, 3.0, 0.2), (1.0, 2.0, 0.5), (2.0, 10.0, 1.0)]
)
def test_a_pair_whose_own_rate_is_the_common_rate_keeps_the_common_rate(gamma, delta, c_bar):
    """r̂ = (ω·Y + μ0)/(ω·M + 1) with μ0 = exp(γ + δ·c̄): a pair that met exactly at the
    common rate, Y = M·μ0, has r̂ = μ0 whatever ω, so its log rate is the common operator's
    γ + δ·c_m in every month. The last two cases put γ + δ·c̄ above 0 (2 and 12, inside the
    coefficients' bounds), where μ0 exceeds one summit a month."""
    months, reps = 4, 3
    c = np.array([c_bar - 0.3, c_bar, c_bar - 0.1, 0.0])  # the pair's mutual commitment
    C = np.zeros((months, reps, 2, 2))
    C[:, :, 0, 1] = C[:, :, 1, 0] = c[:, None]
    w = Window(x=np.zeros((months, reps, 2)), C=C, lev=np.zeros((months, reps, 2)),
               ids=["CHN", "PRK"])  # fmt: skip
    k = default_coefficients(reps)
    k.update(summit_log_rate=np.full(reps, gamma), summit_commitment=np.full(reps, delta),
             summit_pair_weight=np.array([0.05, 1.0, 20.0]))  # fmt: skip
    history = PairHistory(count=24 * np.exp(gamma + delta * c_bar), months=24,
                          commitment=np.full(reps, c_bar))  # fmt: skip
    obs = Observation("s", "summit", ("CHN", "PRK"), "p", 0, months - 1, 1.0, "summits",
                      "solid", SRC, "f", 1)  # fmt: skip
    got = summit_log_rate(obs, w, k, history)
    np.testing.assert_allclose(got, np.broadcast_to((gamma + delta * c)[:, None], got.shape),
                               rtol=0, atol=1e-9)  # fmt: skip


# --- sim/observe/rejection.py -----------------------------------------------------------


def _distance_to(target: float):
    """A simulator stand-in: each draw's distance to `target` on three data sets (the
    distance scales are moot here); a draw above 0.9 is a simulated war (infinitely far)."""

    def simulate(theta: np.ndarray, key: int, batch: int) -> np.ndarray:
        d = np.abs(theta[:, 0] - target)
        d = np.where(theta[:, 0] > 0.9, np.inf, d)
        return np.column_stack([d, 2 * d, d / 2])

    return simulate


def test_rejection_generations_are_weighted_and_counted_as_what_they_are():
    """Generation 0 is every prior draw, equally weighted (weights 1/draws, summing to 1, an
    effective sample of all of them) and all accepted; the kept generation holds `kept`
    draws of kept/accept, so its acceptance is kept/draws."""
    prior = [Prior("theta", "uniform", (), 0.0, 1.0)]
    every, kept = rejection_populations(_distance_to(0.3), prior, 10, 0.25, seed=5)
    assert len(every.weights) == every.proposed == 40 and kept.proposed == 40
    np.testing.assert_allclose(every.weights, 1 / 40)
    assert every.ess == pytest.approx(40) and every.acceptance == 1.0
    assert np.isinf(every.epsilon)
    assert len(kept.weights) == 10 and kept.acceptance == pytest.approx(10 / 40)
    np.testing.assert_allclose(kept.weights, 0.1)


def test_a_rejection_run_with_one_or_no_finite_draw_keeps_what_it_has():
    """Every prior draw a war: nothing is kept (ε infinite, acceptance 0) and no division
    fails; one draw not a war: it is kept alone, with the whole weight."""
    prior = [Prior("theta", "uniform", (), 0.0, 1.0)]

    def wars(theta, key, batch):
        return np.full((len(theta), 3), np.inf)

    def one_peace(theta, key, batch):
        d = np.full((len(theta), 3), np.inf)
        if batch == 0:
            d[0] = 0.5
        return d

    _, none = rejection_populations(wars, prior, 10, 0.25, seed=5)
    assert len(none.theta) == 0 and np.isinf(none.epsilon) and none.acceptance == 0.0
    every, one = rejection_populations(one_peace, prior, 10, 0.25, seed=5)
    assert one.weights.tolist() == [1.0] and one.epsilon == 0.5
    assert one.theta.tolist() == every.theta[:1].tolist()


# --- sim/observe/significance.py --------------------------------------------------------


def _two_kinds(n: int = 6) -> pd.DataFrame:
    """Long scored rows of two kinds, n observations each; the model's CRPS 0.7 of every
    null's on every observation."""
    rows = []
    for kind in ("launches", "votes"):
        for i in range(n):
            crps = 1.0 + i
            rows.append({"id": f"{kind}-{i}", "kind": kind, "forecaster": "model",
                         "crps": 0.7 * crps})  # fmt: skip
            rows += [{"id": f"{kind}-{i}", "kind": kind, "forecaster": null, "crps": crps}
                     for null in NULLS]  # fmt: skip
    return pd.DataFrame(rows)


def test_the_interval_table_gives_the_pooled_row_of_each_design_unless_asked_for_kinds():
    """`interval_table(views, seed)`: one row per design, its pooled skill; the kinds' rows
    only with `kinds=True`."""
    rows = _two_kinds()
    plain = interval_table({"a": rows, "b": rows}, seed=1)
    assert list(zip(plain["design"], plain["kind"], strict=True)) == [
        ("a", "pooled"),
        ("b", "pooled"),
    ]
    every = interval_table({"a": rows}, seed=1, kinds=True)
    assert list(every["kind"]) == ["launches", "votes", "pooled"]


def test_the_interval_words_are_one_sentence_with_its_full_stop():
    """The command line and the report print the pooled intervals as one sentence: it
    names every null once, separated by semicolons, and ends with a full stop."""
    words = interval_words(skill_intervals(_two_kinds(), seed=1))
    assert words.endswith(".") and not words.endswith("..")
    assert words.count("; ") == len(NULLS) - 1 + words.count("; 'tie'")


# --- sim/observe/priors.py --------------------------------------------------------------


@pytest.mark.parametrize(
    "family, args",
    [("uniform", ()), ("normal", (1.0, 0.5)), ("lognormal", (0.0, 0.5)), ("beta", (2.0, 3.0))],
)
def test_a_prior_has_no_density_outside_its_bounds(family, args):
    """`logpdf` is −inf outside [lo, hi] (a proposal there has prior weight 0), finite all
    the way between them, whatever the family's own support."""
    prior = Prior("c", family, args, 0.5, 2.0)
    out = prior.logpdf(np.array([-1.0, 0.25, 0.4999, 2.0001, 3.0, 10.0]))
    assert np.isneginf(out).all()
    assert np.isfinite(prior.logpdf(np.array([0.51, 1.0, 1.7, 1.99]))).all()


@pytest.mark.parametrize("lo, hi", [(0.015, 0.06), (0.0, 5.0)])
def test_the_mass_of_a_prior_flat_over_its_bounds_is_width_times_density(lo, hi):
    """A normal with sd 1e14 is flat over any bounds to rounding (its CDF cannot resolve
    them, so the mass comes from the density): P(lo ≤ X ≤ hi) = (hi − lo)·φ(0)/sd, on
    bounds narrower and wider than 1 (where log(hi − lo) is not 0)."""
    sd = 1.0e14
    prior = Prior("c", "normal", (0.0, sd), lo, hi)
    want = np.log((hi - lo) / (sd * np.sqrt(2 * np.pi)))
    assert prior.log_mass() == pytest.approx(want, rel=1e-9)


def test_a_beta_prior_spans_exactly_its_bounds():
    """beta(a, b) is stretched over [lo, hi]: all its mass lies within the bounds (log mass
    0) and its draws have the mean lo + (hi − lo)·a/(a + b) (here 0.5 + 1.5·0.4 = 1.1)."""
    prior = Prior("c", "beta", (2.0, 3.0), 0.5, 2.0)
    assert prior.log_mass() == pytest.approx(0.0, abs=1e-12)
    draws = prior.sample(np.random.default_rng(6), 20_000)
    assert draws.mean() == pytest.approx(1.1, abs=0.01)


@pytest.mark.parametrize("lo, hi", [(0.5, 2.0), (1.0, 1.5), (-3.0, -1.0)])
def test_the_mass_and_the_draws_of_a_truncated_normal(lo, hi):
    """normal(0, 1) on [lo, hi]: the log mass is log(Φ(hi) − Φ(lo)), and the draws follow
    the truncated normal (scipy's truncnorm); [1, 1.5] lies above the median, where the
    draws go through the survival function."""
    prior = Prior("c", "normal", (0.0, 1.0), lo, hi)
    assert prior.log_mass() == pytest.approx(np.log(stats.norm.cdf(hi) - stats.norm.cdf(lo)))
    draws = prior.sample(np.random.default_rng(8), 4000)
    assert draws.min() >= lo and draws.max() <= hi
    assert stats.kstest(draws, stats.truncnorm(lo, hi).cdf).pvalue > 1e-3


# --- sim/limits.py ----------------------------------------------------------------------


def test_a_count_at_its_cap_is_accepted_and_one_above_refused():
    """The caps are the largest values allowed (the schema's `le`): the API takes a count
    equal to its cap and refuses the next one; a design of MAX_POINTS points or MAX_RUNS
    runs too."""
    at_cap = {name: cap for name, cap in limits.CAPS.items() if name != "n"}
    limits.check_counts(**at_cap)  # no UsageError
    for name, cap in at_cap.items():
        with pytest.raises(UsageError, match=f"{name} must be at most"):
            limits.check_counts(**{name: cap + 1})
    limits.check_design_size(limits.MAX_POINTS, 1)
    with pytest.raises(UsageError, match="points, at most"):
        limits.check_design_size(limits.MAX_POINTS + 1, 1)
    limits.check_design_size(1000, limits.MAX_RUNS // 1000)  # exactly MAX_RUNS runs
    with pytest.raises(UsageError, match="the sweep has 1,000,001,000 runs, at most"):
        limits.check_design_size(1000, limits.MAX_RUNS // 1000 + 1)  # 1000 × 1,000,001


def test_a_summary_run_needs_disk_for_every_replications_summary_row():
    """`series="summary"` keeps one row of float64 values per replication: its disk estimate
    is at least 8 bytes per value of those rows, and grows with the replications."""
    n_actors, reps = 5, 10_000
    _, disk = limits.estimate_run_bytes(n_actors, reps, 100, "summary")
    assert disk >= reps * limits.summary_columns(n_actors) * 8
    assert limits.estimate_run_bytes(n_actors, 2 * reps, 100, "summary")[1] > disk


@pytest.mark.parametrize("series, more", [("full", True), ("summary", False)])
def test_a_run_too_large_for_memory_is_refused_in_the_units_it_needs(
    tmp_path, monkeypatch, series, more
):
    """The refusal gives both sizes in readable units (bytes, KB, …, PB by powers of 1024)
    and, for a run that keeps full series, the remedy of keeping summaries only."""
    monkeypatch.setattr("sim.limits.available_memory", lambda: 3 << 30)  # 3 GB free
    with pytest.raises(UsageError) as caught:
        limits.check_run_resources(5, 10**7, 100, series, tmp_path)
    words = str(caught.value)
    assert re.search(r"needs about \d+\.\d (GB|TB) of memory, 3\.0 GB is free", words), words
    assert ("or keep summaries only" in words) is more
    monkeypatch.setattr("sim.limits.available_memory", lambda: 1536)
    with pytest.raises(UsageError, match=r", 1\.5 KB is free"):
        limits.check_run_resources(5, 10, 10, series, tmp_path)


def test_an_estimate_beyond_a_petabyte_is_said_in_petabytes(tmp_path, monkeypatch):
    """PB is the largest unit: 2⁶⁰ bytes is 1024.0 PB, not an index past the units."""
    monkeypatch.setattr("sim.limits.available_memory", lambda: 3 << 30)
    with pytest.raises(UsageError, match=r"needs about 1024\.0 PB of memory, 3\.0 GB is free"):
        limits.check_fits("the run", 2**60, 0, tmp_path, "use less")


def test_a_machine_reporting_no_free_memory_gets_the_refusal_not_a_math_error(
    tmp_path, monkeypatch
):
    """0 bytes free (a container's limit reached) is said as such: the unit of 0 is bytes."""
    monkeypatch.setattr("sim.limits.available_memory", lambda: 0)
    with pytest.raises(UsageError, match=r"MB of memory, 0 bytes is free"):
        limits.check_run_resources(5, 10, 10, "summary", tmp_path)


def test_the_free_memory_is_read_in_kilobytes_from_meminfo(monkeypatch):
    """/proc/meminfo gives MemAvailable in kB (1024 bytes)."""
    text = "MemTotal:       8000 kB\nMemFree:         500 kB\nMemAvailable:   1000 kB\n"
    monkeypatch.setattr(limits, "open", lambda *a, **k: io.StringIO(text), raising=False)
    assert limits.available_memory() == 1000 * 1024
