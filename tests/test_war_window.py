"""The `no_war` pattern filter reads only the months the fit's data read
(sim/observe/episodes.py `war_window`): a rolling-origin fit must not know that no war
broke out after its origin."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.observe.abc import generator
from sim.observe.calibrate import build_problem
from sim.observe.distance import coefficient_arrays, simulated_matrix
from sim.observe.episodes import assign, episode_of, war_window
from sim.observe.observations import month_index
from sim.observe.rolling import folds, observations_of, unseen_inputs
from sim.observe.spec import load_spec
from sim.scenario.loader import load_scenario

SHIPPED = Path(__file__).resolve().parents[1] / "scenarios" / "calibration" / "history.yaml"


def test_the_window_ends_with_the_last_month_an_observation_reads():
    spec = load_spec(SHIPPED)
    ep = episode_of(load_scenario(spec.scenarios[0]))
    assert war_window(ep) == 0  # nothing observed: no war is known not to have happened
    end = month_index(2018, 12)
    assign([ep], [o for o in observations_of(spec) if o.last <= end])
    last = max(o.last for o in ep.observations)
    assert last <= end
    assert war_window(ep) == last - ep.start + 1 < ep.steps


def prior_draws(spec, names: list[str], n: int) -> np.ndarray:
    rng = generator(7, 1)
    by_name = {p.name: p for p in spec.priors}
    return np.column_stack([by_name[k].sample(rng, n) for k in names])


def test_which_simulated_histories_the_filter_rejects_ignores_the_inputs_after_the_origin():
    """Same coefficients, same noise, the 2018 fold's observations: with the inputs dated
    after 2018 (the invasion of Ukraine among them) and without them, the same
    replications reach a war inside the window and the same draws are scored. With the
    whole run read the war flags differed (the fits' hindsight leak), which this fails on."""
    spec = load_spec(SHIPPED)
    fold = next(folds(spec, (2018,)))
    withheld = unseen_inputs(spec, fold.end)
    assert withheld  # the history has inputs after 2018
    runs = []
    for overrides in ({}, withheld):
        prob, _ = build_problem(spec, keep=fold.keep, overrides=overrides)
        theta = prior_draws(spec, prob.names, 100)
        k = prob.replications
        runs.append(
            simulated_matrix(prob, coefficient_arrays(prob.names, theta, k), 100 * k, (0, 0))
        )
    (seen, war_seen), (blind, war_blind) = runs
    assert war_seen.any()  # the filter has something to reject
    np.testing.assert_array_equal(war_seen, war_blind)
    np.testing.assert_array_equal(seen, blind)
