"""Outputs: structural balance (Cartwright–Harary), the ladder, tension and distancing."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.ladder import EDGES, RUNGS, rung_of
from sim.metrics import frustration, tension
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
