"""Outputs: structural balance (Cartwright–Harary), the ladder, tension and distancing."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.ladder import EDGES, RUNGS, rung_of
from sim.metrics import (
    distancing_index,
    distancing_of,
    dyads_at,
    frustration,
    mutual_hostility,
    tension,
)
from sim.state import State


def state_with(C: np.ndarray) -> State:
    n = C.shape[-1]
    ones = np.ones((1, n))
    return State(
        x=np.zeros((C.shape[0], n)),
        C=C,
        C_anchor=C,
        lev=np.zeros((C.shape[0], n)),
        lev0=ones * 0,
        active=np.ones((1, n), dtype=bool),
        cap={},
        traits={},
        chan={},
        treaty_strength=np.zeros((1, 0)),
        O=np.zeros((1, n, n)),
        params={},
    )


def signed_graph(camp: list[int], weights: np.ndarray) -> np.ndarray:
    """Complete graph: positive inside a camp, negative across, magnitudes from weights."""
    camp_arr = np.array(camp)
    sign = np.where(camp_arr[:, None] == camp_arr[None, :], 1.0, -1.0)
    C = sign * weights
    np.fill_diagonal(C, 0.0)
    return C[None]


@st.composite
def complete_graphs(draw, camps: int):
    n = draw(st.integers(3, 9))
    camp = draw(st.lists(st.integers(0, camps - 1), min_size=n, max_size=n))
    w = np.array(draw(st.lists(st.floats(0.05, 1), min_size=n * n, max_size=n * n)))
    w = w.reshape(n, n)
    return camp, (w + w.T) / 2


@given(complete_graphs(camps=2))
@settings(max_examples=60, deadline=None)
def test_two_camps_are_balanced(graph):
    camp, w = graph
    assert frustration(state_with(signed_graph(camp, w)))[0] == 0.0


@given(complete_graphs(camps=5))
@settings(max_examples=60, deadline=None)
def test_three_or_more_camps_are_frustrated(graph):
    camp, w = graph
    if len(set(camp)) < 3:
        assert frustration(state_with(signed_graph(camp, w)))[0] == 0.0
    else:
        assert frustration(state_with(signed_graph(camp, w)))[0] > 0.0


def test_three_mutual_enemies_are_fully_unbalanced():
    C = -np.ones((1, 3, 3))
    C[0, np.arange(3), np.arange(3)] = 0
    assert frustration(state_with(C))[0] == 1.0


def test_frustration_matches_brute_force_triads():
    rng = np.random.default_rng(0)
    C = rng.uniform(-1, 1, (4, 6, 6))
    for r in range(4):
        np.fill_diagonal(C[r], 0)
    got = frustration(state_with(C))
    for r in range(4):
        S = (C[r] + C[r].T) / 2
        prods = [
            S[i, j] * S[j, k] * S[k, i]
            for i in range(6)
            for j in range(i + 1, 6)
            for k in range(j + 1, 6)
        ]
        want = sum(max(0, -p) for p in prods) / sum(abs(p) for p in prods)
        assert got[r] == np.float64(want) or abs(got[r] - want) < 1e-12


def test_ladder_edges_map_to_rungs():
    assert len(RUNGS) == len(EDGES) + 1 == 8
    levels = np.array([0.0, 0.0999, 0.1, 0.35, 0.5, 0.8, 0.95, 1.0])
    assert rung_of(levels).tolist() == [0, 0, 1, 3, 4, 6, 7, 7]


def test_tension_is_hostility_times_the_higher_escalation():
    """tension_ij = max(−C_ij, 0)·max(x_i, x_j): i's hostility toward j, at the level of the
    more escalated of the two; an allied or indifferent pair has none, an inactive actor
    none either."""
    C = np.array([[[0.0, -0.5, 0.6], [-0.2, 0.0, 0.0], [0.6, 0.0, 0.0]]])
    state = state_with(C)
    state.x = np.array([[0.2, 0.7, 0.9]])
    t = tension(state)
    assert t[0, 0, 1] == 0.5 * 0.7 and t[0, 1, 0] == 0.2 * 0.7
    assert t[0, 0, 2] == 0.0 and t[0, 1, 2] == 0.0  # allies, indifference
    state.active = np.array([[True, False, True]])
    assert t[0, 0, 1] > 0.0 and tension(state)[0, 0, 1] == 0.0


def test_distancing_of_a_series_is_the_distancing_of_each_step_row_by_row():
    """distancing_of on a (T, R, N, N) series gives (T, R): step t, replication r is
    `distancing_index` of that step's state (the fall of the actor's mean commitment to its
    partners since step 0), not a mean over replications."""
    rng = np.random.default_rng(3)
    C0 = rng.uniform(-1, 1, (1, 4, 4))
    world = SimpleNamespace(C0=C0, distancing_actor=0, distancing_partners=[1, 2, 3])
    C = rng.uniform(-1, 1, (3, 2, 4, 4))  # T = 3 steps, R = 2 replications
    got = distancing_of(C, world)
    assert got.shape == (3, 2)
    for t in range(3):
        want = distancing_index(state_with(C[t]), world)
        np.testing.assert_allclose(got[t], want, rtol=0, atol=1e-15)
        np.testing.assert_allclose(want, C0[0, 0, 1:].mean() - C[t, :, 0, 1:].mean(axis=-1))


def test_a_crisis_dyad_is_mutually_hostile_with_both_sides_at_or_above_the_threshold():
    """dyads_at: both sides hostile to each other, and both at *or above* the threshold;
    one side just below it, or one side not hostile, makes no dyad."""
    C = np.array([[[0.0, -0.5, 0.0], [-0.5, 0.0, 0.3], [0.0, -0.4, 0.0]]])
    state = state_with(C)
    threshold = np.array([0.6])
    state.x = np.array([[0.6, 0.6, 0.9]])
    got = dyads_at(state, threshold)
    assert got[0, 0, 1] and got[0, 1, 0]
    assert not got[0, 1, 2] and not got[0, 2, 1]  # only CC is hostile: no dyad
    state.x = np.array([[0.6, 0.59, 0.9]])
    assert not dyads_at(state, threshold).any()


def test_mutual_hostility_needs_a_negative_commitment_both_ways():
    """A pair is mutually hostile when both commitments are below 0; a commitment of exactly
    0 either way (indifference, or an actor not taking part) is not hostility."""
    live = np.array([[[0.0, -0.5, 0.0], [-0.5, 0.0, -0.2], [0.0, 0.0, 0.0]]])
    got = mutual_hostility(live)
    assert got[0, 0, 1] and got[0, 1, 0]
    assert not got[0, 1, 2] and not got[0, 2, 1]
    assert not got[0, 0, 2] and not got[0, 0, 0]
