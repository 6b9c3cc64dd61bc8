"""Round 23e: tests for the mutants that survived in the rolling origin and the hindcast
(docs/reliability.md §16.11): which observations each origin trains on and forecasts, which
inputs its forecast may use (sim/observe/rolling.py), and what `alliance-sim hindcast`
scores (sim/observe/hindcast.py). Each test fails on its mutant and passes on the original;
each asserts the rule docs/validation.md states ("for each origin year Y = 2018 … 2023: fit
on the observations ending by December Y, forecast those of Y+1 and Y+2 with no event after
Y"), on observations whose expected split is derived in the test from their months."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.observe import rolling
from sim.observe.episodes import episode_of
from sim.observe.nulls import events_only_of, series_history
from sim.observe.observations import Observation, month_index
from sim.observe.rolling import (
    ORIGINS,
    Fold,
    folds,
    observations_of,
    origin_split,
    scored_targets,
    unseen_inputs,
)
from sim.observe.spec import load_spec
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "scenarios" / "calibration" / "history.yaml"
SRC = {"publisher": "p", "title": "t", "date": "2020-01-01", "url": "https://e.org"}


def obs(name: str, first: int, last: int) -> Observation:
    """A trade observation of the months first..last (month indices, inclusive)."""
    return Observation(
        name, "trade_value", ("CHN", "RUS"), name, first, last, 1.0, "USD bn per year",
        "solid", SRC, "f", 1,
    )  # fmt: skip


def boundary_observations(y: int) -> dict[str, Observation]:
    """Observations at the edges of origin y's training data and its two forecast years."""
    dec_y, jan_1, dec_2, jan_3 = (
        month_index(y, 12),
        month_index(y + 1, 1),
        month_index(y + 2, 12),
        month_index(y + 3, 1),
    )
    return {
        "year y": obs("year y", month_index(y, 1), dec_y),  # ends by December y
        "december y": obs("december y", dec_y, dec_y),
        "across the origin": obs("across the origin", dec_y, jan_1),  # in neither
        "january y+1": obs("january y+1", jan_1, jan_1),  # first forecast month
        "year y+2": obs("year y+2", month_index(y + 2, 1), dec_2),  # last forecast year
        "december y+2": obs("december y+2", dec_2, dec_2),
        "across the horizon": obs("across the horizon", dec_2, jan_3),  # in neither
        "january y+3": obs("january y+3", jan_3, jan_3),  # after the horizon
    }


# ------------------------------------------------------------------ sim/observe/rolling.py
def test_the_origins_are_the_decembers_of_2018_to_2023():
    """docs/validation.md: "For each origin year Y = 2018 … 2023"."""
    assert ORIGINS == (2018, 2019, 2020, 2021, 2022, 2023)


def test_each_origin_trains_on_what_ended_by_its_december_and_forecasts_its_next_two_years():
    """`origin_split` for every origin: training data are the observations whose last month
    is December Y or earlier; test data are those lying wholly inside January Y+1 to
    December Y+2; an observation across either edge is in neither; the last training month
    is December Y."""
    for y in ORIGINS:
        by_name = boundary_observations(y)
        train, test, end = origin_split(list(by_name.values()), y)
        assert end == month_index(y, 12)
        assert {o.id for o in train} == {"year y", "december y"}
        assert {o.id for o in test} == {"january y+1", "year y+2", "december y+2"}
        assert all(o.last <= month_index(y, 12) for o in train)
        assert all(month_index(y, 12) < o.first and o.last < month_index(y + 3, 1) for o in test)


def test_a_fold_may_see_an_observation_ending_in_its_last_training_month_and_nothing_later():
    """`Fold.keep` (what a fit sees) is the training split's rule: the last month of the
    observation is at most the fold's end."""
    end = month_index(2020, 12)
    fold = Fold(2020, [], [], end)
    assert fold.keep(obs("december", end, end))
    assert fold.keep(obs("a year", end - 11, end))
    assert not fold.keep(obs("january", end + 1, end + 1))
    assert not fold.keep(obs("across", end, end + 1))


def test_every_fold_of_the_history_forecasts_only_inside_its_horizon_from_earlier_data():
    """The shipped spec's folds: each fit sees exactly its training observations, all ended
    by its December; each target starts after it and ends by December Y+2, and has an earlier
    observation of its series in the training data (else the nulls could not forecast it)."""
    spec = load_spec(SHIPPED)
    observations = observations_of(spec)
    seen = []
    for fold in folds(spec, ORIGINS):
        seen.append(fold.origin)
        end = month_index(fold.origin, 12)
        assert fold.end == end and fold.targets
        assert {o.id for o in observations if fold.keep(o)} == {o.id for o in fold.train}
        assert all(o.last <= end for o in fold.train)
        for t in fold.targets:
            assert end < t.first and t.last <= month_index(fold.origin + 2, 12), t.id
            assert series_history(fold.train, t), t.id
    assert seen == sorted(seen) and set(seen) <= set(ORIGINS) and seen


def test_an_input_dated_in_the_origin_month_is_known_and_one_a_month_later_is_withheld():
    """`unseen_inputs` switches off the inputs dated after the origin month ("an input nobody
    knew at the origin"): one dated in that month itself was known then and stays on."""
    spec = load_spec(SHIPPED)
    ep = episode_of(load_scenario(spec.scenarios[0]))
    events = ep.loaded.scenario.events
    closure = ep.start + events["border_closure"].at  # a dated input inside the history
    at_origin = unseen_inputs(spec, closure)
    assert "events.border_closure.at" not in at_origin
    before = unseen_inputs(spec, closure - 1)
    assert "events.border_closure.at" in before
    for key in before:  # every withheld input is dated after the month given, and only those
        assert ep.start + events[key.split(".")[1]].at > closure - 1
    later = {k for k, ev in events.items() if ev.at is not None and ep.start + ev.at > closure}
    assert {k.split(".")[1] for k in at_origin} == later


def test_an_observation_is_scored_when_its_series_was_observed_before_the_origin():
    """`scored_targets` (module docstring: scored when the history covers it, it is not a
    trade anchor, and its series has an earlier observation): a 2019 trade value of a pair
    seen in 2017 is scored, its own anchor in the training data is the 2017 value; a pair
    first seen in 2019 is its own anchor and is not; one beyond the history's window is
    not."""
    spec = load_spec(SHIPPED)
    ep = episode_of(load_scenario(spec.scenarios[0]))
    y17, y19 = month_index(2017, 1), month_index(2019, 1)
    beyond = ep.start + ep.steps  # the first month after the history's window
    seen = obs("chn-rus 2017", y17, y17 + 11)
    again = obs("chn-rus 2019", y19, y19 + 11)
    new = dataclasses.replace(again, id="chn-prk 2019", actors=("CHN", "PRK"))
    late = dataclasses.replace(again, id="chn-rus beyond", first=beyond, last=beyond + 11)
    targets = scored_targets(spec, [seen], [again, new, late])
    assert [o.id for o in targets] == ["chn-rus 2019"]


class Stub:
    """rolling.fit and rolling.predictive_draws replaced by recorders (no ABC, no runs):
    every forecast is the observed value, so only the wiring and the nulls are exercised."""

    def __init__(self, monkeypatch, observations: list[Observation]):
        self.observations = observations
        self.fits: list[list[str]] = []
        self.draws: list[dict] = []
        self.workers: set[int] = set()
        monkeypatch.setattr(rolling, "fit", self.fit)
        monkeypatch.setattr(rolling, "predictive_draws", self.predictive_draws)

    def fit(self, spec, keep, workers=1, overrides=None):
        self.fits.append([o.id for o in self.observations if keep(o)])
        self.workers.add(workers)
        return pd.DataFrame(), None

    def predictive_draws(self, spec, post, targets, context, workers, seed_key, overrides=None):
        self.draws.append({"targets": targets, "context": context, "overrides": overrides})
        self.workers.add(workers)
        return {o.id: np.full(4, o.value) for o in targets}


def test_the_in_sample_fits_of_the_model_and_the_events_only_world_read_every_observation(
    monkeypatch,
):
    """`in_sample`: "the model and the events-only world fitted to every observation"."""
    spec = load_spec(SHIPPED)
    observations = observations_of(spec)
    stub = Stub(monkeypatch, observations)
    rolling.in_sample(spec)
    every = [o.id for o in observations]
    assert stub.fits == [every, every]


def test_each_origins_fits_and_forecasts_read_only_what_was_known_in_its_december(monkeypatch):
    """`rolling_forecasts` (the plain design): for each origin both fits see exactly the
    observations ended by December Y, both forecasts are given only those as context, and
    run with the inputs dated after December Y switched off (the events-only world's on top
    of its own overrides)."""
    spec = load_spec(SHIPPED)
    observations = observations_of(spec)
    stub = Stub(monkeypatch, observations)
    origins = (2018, 2021)
    rolling.rolling_forecasts(spec, origins, designs=False)
    assert len(stub.fits) == len(stub.draws) == 2 * len(origins)
    for k, y in enumerate(origins):
        end = month_index(y, 12)
        known = [o.id for o in observations if o.last <= end]
        assert stub.fits[2 * k : 2 * k + 2] == [known, known]
        unseen = unseen_inputs(spec, end)
        assert unseen  # the history has inputs after 2018 and after 2021
        model, only = stub.draws[2 * k : 2 * k + 2]
        assert model["overrides"] == unseen
        assert only["overrides"] == events_only_of(unseen)
        for d in (model, only):
            assert all(o.last <= end for o in d["context"])
            assert all(end < o.first and o.last <= month_index(y + 2, 12) for o in d["targets"])


def test_another_seed_draws_other_null_forecasts_at_every_origin(monkeypatch):
    """The spec's seed keys the null forecasters' draws of each origin (with the origin), so
    a rerun on another seed draws persistence and trend afresh: a seed that changed only the
    model's draws would leave the nulls' scores fixed at one draw."""
    spec = load_spec(SHIPPED)
    Stub(monkeypatch, observations_of(spec))
    rows = []
    for seed in (11, 12):
        other = dataclasses.replace(spec, settings={**spec.settings, "seed": seed})
        rows.append(rolling.rolling_forecasts(other, (2021,), designs=False).rows)
    a, b = (r[r.forecaster == "persistence"].crps.to_numpy() for r in rows)
    assert len(a) == len(b) > 0 and not np.array_equal(a, b)


def test_the_rolling_and_in_sample_calls_run_in_this_process_unless_given_workers(monkeypatch):
    """`rolling_origin`, `rolling_forecasts` and `in_sample` default to one worker (as the
    ensemble's library functions, docs/reliability.md §16.7): every fit and forecast they
    make is asked for one worker unless the caller gives more."""
    spec = load_spec(SHIPPED)
    for call in (
        lambda: rolling.rolling_origin(spec, (2021,)),
        lambda: rolling.rolling_forecasts(spec, (2021,), designs=False),
        lambda: rolling.in_sample(spec),
    ):
        stub = Stub(monkeypatch, observations_of(spec))
        call()
        assert stub.workers == {1}
    stub = Stub(monkeypatch, observations_of(spec))
    rolling.rolling_origin(spec, (2021,), workers=2)
    assert stub.workers == {2}


def test_each_forecast_reads_its_anchors_and_pair_histories_from_the_training_data():
    """`predictive_setup`: the forecast's episode holds the training data as context, so a
    2019–2020 trade value is forecast as a change from its pair's latest value known in
    December 2018 and a summit reads its pair's known summits; without the context every
    trade target was its own anchor (the model handed the value it is scored on)."""
    spec = load_spec(SHIPPED)
    fold = next(folds(spec, (2018,)))
    ep, _, _, _ = rolling.predictive_setup(spec, None, fold.targets, fold.train, 2018)
    known = {o.id for o in fold.train}
    trade = [t for t in fold.targets if t.kind == "trade_value"]
    assert trade
    for t in trade:
        assert ep.anchors[t.id] in known, t.id
    for t in fold.targets:
        assert set(ep.histories.get(t.id, ())) <= known, t.id
    summits = [t for t in fold.targets if t.kind == "summit" and t.id in ep.histories]
    assert summits  # some summit target has a known pair history


def test_in90_says_whether_the_observed_value_lies_in_the_central_90_percent_interval():
    """`score_rows`' in90 (the 90% coverage docs/validation.md reports): inside the 5% and
    95% quantiles of the forecast, edges included. For the sample 0, 1, …, 100 those are
    5 and 95."""
    sample = np.arange(101.0)
    y19 = month_index(2019, 1)
    train = [obs("2017", month_index(2017, 1), month_index(2017, 12))]
    values = {"below": 4.9, "low edge": 5.0, "middle": 50.0, "high edge": 95.0, "above": 95.1}
    targets = [dataclasses.replace(obs(k, y19, y19 + 11), value=v) for k, v in values.items()]
    fitted = {"model": {t.id: sample for t in targets}}
    rows = pd.DataFrame(rolling.score_rows("2018", targets, train, fitted, 0))
    model = rows[rows.forecaster == "model"].set_index("id")["in90"].to_dict()
    assert model == {"below": False, "low edge": True, "middle": True, "high edge": True,
                     "above": False}  # fmt: skip


def test_a_fit_runs_in_this_process_unless_given_workers(monkeypatch):
    """`fit`, a library entry point like `rolling_origin`, builds its problem for one
    worker unless the caller gives more."""
    asked = []

    class Built(Exception):
        pass

    def build_problem(spec, workers, keep=None, overrides=None):
        asked.append(workers)
        raise Built

    monkeypatch.setattr(rolling, "build_problem", build_problem)
    spec = load_spec(SHIPPED)
    for kwargs in ({}, {"workers": 3}):
        with pytest.raises(Built):
            rolling.fit(spec, lambda o: True, **kwargs)
    assert asked == [1, 3]


# ----------------------------------------------------------------- sim/observe/hindcast.py
def test_the_hindcasts_designs_forecast_each_year_from_the_observations_ended_before_it(
    monkeypatch,
):
    """`with_designs`: each scored observation is forecast "from the origin at the end of
    the year before it starts, conditioned on those observations that ended by then": the
    filter of year Y reads every observation of the episode ended by December Y−1 and none
    later, and forecasts the scored observations starting in Y."""
    from sim.observe import designs
    from sim.observe.episodes import assign, is_anchor
    from sim.observe.hindcast import with_designs

    calls = []

    def design_draws(ep, model, ops, reps, seed, rng, train, targets, draws):
        calls.append((train, targets))
        sample = {o.id: np.full(4, o.value) for o in targets}
        return designs.DesignDraws(sample, sample, tracked=sample)

    monkeypatch.setattr(designs, "design_draws", design_draws)
    spec = load_spec(SHIPPED)
    ep = episode_of(load_scenario(spec.scenarios[0]))
    assign([ep], observations_of(spec))
    out = with_designs(pd.DataFrame({"id": [o.id for o in ep.observations]}), ep, None, 2, 0)
    assert calls
    for train, targets in calls:
        year = targets[0].first // 12
        end = month_index(year - 1, 12)
        assert {o.id for o in train} == {o.id for o in ep.observations if o.last <= end}
        assert all(o.first // 12 == year and not is_anchor(ep, o) for o in targets)
    forecast = {o.id for _, targets in calls for o in targets}
    assert set(out.loc[out["crps_filtered"].notna(), "id"]) == forecast


def test_the_direction_of_change_is_from_the_latest_earlier_observation_of_the_series():
    """`previous` (the hindcast's direction of change): "the latest earlier observation of
    the same series", not the series' first, and none that ends after the observation
    starts."""
    from sim.observe.episodes import assign
    from sim.observe.hindcast import previous

    spec = load_spec(SHIPPED)
    ep = episode_of(load_scenario(spec.scenarios[0]))
    years = {y: obs(str(y), month_index(y, 1), month_index(y, 12)) for y in (2016, 2017, 2018)}
    assign([ep], list(years.values()))
    assert previous(ep, years[2018]) == years[2017]
    assert previous(ep, years[2017]) == years[2016]
    assert previous(ep, years[2016]) is None
