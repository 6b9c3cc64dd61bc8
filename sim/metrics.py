"""Outputs computed from the state: tension, distancing, bloc frustration, crisis and war."""

from __future__ import annotations

import numpy as np

from sim.state import State
from sim.world import World


def live_commitment(state: State) -> np.ndarray:
    act = state.active.astype(float)
    return state.C * (act[:, :, None] * act[:, None, :])  # exact: act is 0.0 or 1.0


def tension(state: State, live: np.ndarray | None = None) -> np.ndarray:
    """(R, N, N): hostility of i toward j times the higher of their escalation levels.
    (`live`: `live_commitment(state)` when the caller has it already, as every metric here
    takes: a full-series recorder computes it once per step, not four times.)"""
    H = np.maximum(-(live_commitment(state) if live is None else live), 0.0)
    return H * np.maximum(state.x[:, :, None], state.x[:, None, :])


def distancing_index(state: State, world: World) -> np.ndarray:
    """(R,): fall in the actor's mean commitment to the partners since step 0.

    Positive = moving away (China from the Russia–North Korea pair, seed line 33);
    range −2…2.
    """
    return distancing_of(state.C, world)


def distancing_of(C: np.ndarray, world: World) -> np.ndarray:
    """`distancing_index` of commitments C (..., N, N): (R, N, N) gives (R,), a (T, R, N, N)
    series gives (T, R) with the same numbers row by row (the same reduction per row)."""
    c, partners = world.distancing_actor, world.distancing_partners
    start = world.C0[:, c, partners].mean(axis=-1)
    return start - C[..., c, partners].mean(axis=-1)


def frustration(state: State, live: np.ndarray | None = None) -> np.ndarray:
    """(R,): weighted share of unbalanced triads in the signed alignment graph.

    With S the symmetrised commitment, tr(S³) sums triad signs and tr(|S|³) their
    weights, so the unbalanced share is (tr|S|³ − trS³) / (2·tr|S|³): 0 exactly when the
    graph splits into at most two camps (Cartwright & Harary 1956).
    """
    C = live_commitment(state) if live is None else live
    S = 0.5 * (C + np.swapaxes(C, 1, 2))
    absS = np.abs(S)
    signed = ((S @ S) * S).sum(axis=(1, 2))  # S symmetric, so S_ki = S_ik
    total = ((absS @ absS) * absS).sum(axis=(1, 2))
    out = np.zeros_like(total)
    nz = total > 1e-15
    out[nz] = (total[nz] - signed[nz]) / (2.0 * total[nz])
    return np.clip(out, 0.0, 1.0)


def dyads_at(state: State, threshold: np.ndarray, mutual: np.ndarray | None = None) -> np.ndarray:
    """(R, N, N): mutually hostile active pairs with both sides at or above `threshold`.

    A crisis is between states (MODEL.md §10): one actor's posture alone — Russia's noise,
    say — never makes one. (`mutual`: `mutual_hostility` of the live commitment, if known.)
    """
    if mutual is None:
        mutual = mutual_hostility(live_commitment(state))
    up = state.active & (state.x >= threshold[:, None])
    return mutual & up[:, :, None] & up[:, None, :]


def mutual_hostility(live: np.ndarray) -> np.ndarray:
    """(R, N, N): pairs whose live commitments are negative both ways."""
    return (live < 0) & (np.swapaxes(live, 1, 2) < 0)


def flags(state: State, live: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(crisis, war) per replication: any dyad at mobilisation, or at war, on both sides."""
    mutual = mutual_hostility(live_commitment(state) if live is None else live)
    crisis = dyads_at(state, state.params["crisis_threshold"][:, 0], mutual).any(axis=(1, 2))
    war = dyads_at(state, state.params["war_threshold"][:, 0], mutual).any(axis=(1, 2))
    return crisis, war
