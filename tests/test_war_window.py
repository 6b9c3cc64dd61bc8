"""The `no_war` pattern filter reads only the months the fit's data read
(sim/observe/episodes.py `war_window`): a rolling-origin fit must not know that no war
broke out after its origin."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from sim.observe.episodes import assign, episode_of, war_window
from sim.observe.observations import month_index
from sim.observe.rolling import fit, folds, observations_of, unseen_inputs
from sim.observe.spec import load_spec
from sim.scenario.loader import load_scenario

SHIPPED = Path(__file__).resolve().parents[1] / "scenarios" / "calibration" / "history.yaml"


def small(population: int = 8):
    spec = load_spec(SHIPPED)
    return dataclasses.replace(spec, settings={**spec.settings, "population": population})


def test_the_window_ends_with_the_last_month_an_observation_reads():
    spec = load_spec(SHIPPED)
    ep = episode_of(load_scenario(spec.scenarios[0]))
    assert war_window(ep) == ep.steps  # no observations: the whole run
    end = month_index(2018, 12)
    assign([ep], [o for o in observations_of(spec) if o.last <= end])
    last = max(o.last for o in ep.observations)
    assert last <= end
    assert war_window(ep) == last - ep.start + 1 < ep.steps


def test_a_fit_at_an_origin_does_not_depend_on_the_inputs_after_it():
    """With the filter reading the whole run, withholding the invasion of Ukraine and the
    other later inputs changed which particles the 2018 fit rejected."""
    spec = small()
    fold = next(folds(spec, (2018,)))
    withheld = unseen_inputs(spec, fold.end)
    assert withheld  # the history has inputs after 2018
    seen, _ = fit(spec, fold.keep)
    blind, _ = fit(spec, fold.keep, overrides=withheld)
    np.testing.assert_array_equal(seen.to_numpy(), blind.to_numpy())
