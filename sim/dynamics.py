"""One month of alliance dynamics, as array operations over a leading replication axis.

Each function is one mechanism of MODEL.md; `advance` composes them. The same code
serves a single Mesa run (R = 1) and a 10,000-replication ensemble.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.reductions import along_i, along_j, max_last, sum_last, sum_mid
from sim.state import State

EPS = 1e-12


@dataclass
class Static:
    """Per-step constants: recomputed only when an event changes the world (state.version)."""

    act: np.ndarray  # (R|1, N) 1.0 where active
    mask: np.ndarray  # (R|1, N, N) 1.0 where both active and i != j
    dep: np.ndarray  # (R|1, N, N) trade + political dependence of row on column
    dep_all: np.ndarray  # (R|1, N, N) mean dependence over all four channels
    supply: np.ndarray  # (R|1, N, N) row's reliance on column's military supply
    base_power: np.ndarray  # (R|1, N)
    reactivity: np.ndarray  # (R|1, N) a_i
    grievance: np.ndarray  # (R|1, N) g_i before targeting
    fatigue: np.ndarray  # (R|1, N) m_i before emboldening
    stab: np.ndarray  # (R|1, N)
    aversion: np.ndarray  # (R|1, N)
    version: int


def _p(state: State, name: str) -> np.ndarray:
    """A parameter shaped (R|1, 1) for broadcasting against (R, N)."""
    return state.params[name]


def _pm(state: State, name: str) -> np.ndarray:
    """A parameter shaped (R|1, 1, 1) for broadcasting against (R, N, N)."""
    return state.params[name][..., None]


def statics(state: State) -> Static:
    cached = state.cache
    if cached is not None and cached.version == state.version:
        return cached
    t, ch = state.traits, state.chan
    act = state.active.astype(float)
    n = act.shape[1]
    mask = act[:, :, None] * act[:, None, :] * (1.0 - np.eye(n))
    risk_share = 1.0 - _p(state, "risk_discount") * t["risk_tolerance"]
    state.cache = Static(
        act=act,
        mask=mask,
        dep=0.5 * (ch["trade"] + ch["political_cover"]),
        dep_all=sum(ch.values()) / len(ch),
        supply=ch["military_supply"],
        base_power=state.cap["military"] + _p(state, "nuclear_weight") * state.cap["nuclear"],
        reactivity=_p(state, "reactivity") * t["resolve"],
        grievance=_p(state, "grievance_gain") * t["grievance"],
        fatigue=_p(state, "fatigue") * risk_share,
        stab=t["stability"],
        aversion=t["axis_aversion"],
        version=state.version,
    )
    return state.cache


@dataclass
class Derived:
    """Quantities several mechanisms share within one step."""

    H: np.ndarray  # (R, N, N) hostility max(-C, 0) among active actors
    A: np.ndarray  # (R, N, N) alliance max(C, 0) among active actors
    threat: np.ndarray  # (R, N)
    support: np.ndarray  # (R, N) military supply received from allies
    supplied: np.ndarray  # (R, N, N) supply × alliance


def derive(state: State, s: Static) -> Derived:
    C = state.C * s.mask
    H = np.maximum(-C, 0.0)
    A = np.maximum(C, 0.0)
    supplied = s.supply * A
    support = sum_last(supplied)
    p = s.base_power + _p(state, "supply_power") * sum_last(supplied * s.base_power[:, None, :])
    pj = along_j(p)
    w = 2.0 * pj / (along_i(p) + pj + EPS)
    transfer = H @ np.swapaxes(A, 1, 2)
    E = np.minimum(H + _pm(state, "threat_transfer") * transfer * s.mask, 1.0)
    threat = sum_last(E * w * along_j(state.x * s.act))
    return Derived(H=H, A=A, threat=threat, support=support, supplied=supplied)


def escalation_rate(state: State, s: Static, d: Derived) -> np.ndarray:
    """Richardson drift a·threat + g + backing − (fatigue + restraint)·x (R, N)."""
    g = s.grievance * max_last(d.H)
    backing = _p(state, "backing") * sum_last(state.O * d.A * along_j(d.threat))
    m = s.fatigue / (1.0 + _p(state, "embolden") * d.support)
    return s.reactivity * d.threat + g + backing - (m + restraint(state, s, d)) * state.x


def restraint(state: State, s: Static, d: Derived) -> np.ndarray:
    """Patron restraint: dependence × alignment × patron stability × leverage, diluted
    by military support from other suppliers (seed lines 15, 21, 39–41)."""
    others = along_i(d.support) - d.supplied
    pull = s.dep * d.A * along_j(s.stab * state.lev)
    diluted = pull / (1.0 + _pm(state, "alt_support") * others)
    return _p(state, "restraint") * sum_last(diluted)


def leverage_update(state: State, s: Static, d: Derived) -> np.ndarray:
    """A stability-minded patron leans on escalating dependants (R, N)."""
    clients = sum_mid(s.dep * d.A * along_i(state.x))
    target = state.lev0 + _p(state, "leverage_response") * s.stab * clients
    target = np.clip(target, 0.0, 1.0)
    return state.lev + _p(state, "leverage_rate") * (target - state.lev)


def commitment_rate(state: State, s: Static, d: Derived) -> np.ndarray:
    """Change of each ordered commitment C_ij this month (R, N, N)."""
    C, H, A, x = state.C, d.H, d.A, state.x
    xj = along_j(x)
    room = 1.0 - C  # headroom towards +1
    rate = _pm(state, "anchor") * (state.C_anchor - C)
    rate -= _pm(state, "hostility_spiral") * xj * np.minimum(1.0 + C, 1.0) * (C < 0)
    shared = (H * xj) @ np.swapaxes(H, 1, 2)
    pull = _pm(state, "shared_threat") * shared
    pull += _pm(state, "dependence_pull") * s.dep_all * (C >= 0)
    pull += _pm(state, "abandonment") * state.O * along_j(d.threat)
    rate += pull * room
    reckless = np.maximum(xj - along_i(x), 0.0) * (0.5 + s.stab[:, :, None])
    shed = _pm(state, "entrapment") * (1.0 - state.O) * reckless
    excess = association_cost(state, s, d) - association_benefit(state, s, d)
    shed += _pm(state, "distancing") * np.maximum(excess, 0.0)
    rate -= shed * A
    return rate


def association_cost(state: State, s: Static, d: Derived) -> np.ndarray:
    """Cost to i of standing with j: axis image, j's instability, the counter-escalation j draws."""
    bound = d.A * state.O
    axis = along_j(sum_last(bound)) - np.swapaxes(bound, 1, 2)  # j's ties except to i
    counter = sum_mid(d.H * along_i(state.x))  # escalation of those hostile to j
    cost = _pm(state, "axis_cost") * s.aversion[:, :, None] * axis
    cost += _pm(state, "instability_cost") * s.stab[:, :, None] * along_j(state.x)
    cost += _pm(state, "counter_cost") * along_j(counter)
    return cost


def association_benefit(state: State, s: Static, d: Derived) -> np.ndarray:
    """Benefit to i of standing with j: shared rivals and j's dependence on i.

    j's dependence is worth less to i when j has other military suppliers, diluted as in
    `restraint`: a patron values the hold it has (seed lines 21, 37)."""
    n_active = np.maximum(s.act.sum(axis=1), 3.0)[:, None, None]
    shared = d.H @ np.swapaxes(d.H, 1, 2) / (n_active - 2.0)
    others = along_i(d.support) - d.supplied  # [j, i]: j's military support from others
    held = s.dep_all / (1.0 + _pm(state, "alt_support") * others)
    dependence = np.swapaxes(held, 1, 2)
    return _pm(state, "shared_benefit") * shared + _pm(state, "dependence_benefit") * dependence


def advance(state: State, shock: np.ndarray) -> None:
    """Move `state` one step forward in place; `shock` is (R, N) standard normal noise."""
    s = statics(state)
    d = derive(state, s)
    x_new = state.x + escalation_rate(state, s, d) + _p(state, "noise") * shock
    x_new = np.clip(x_new, 0.0, 1.0)
    C_new = np.clip(state.C + commitment_rate(state, s, d) * s.mask, -1.0, 1.0)
    keep_sign = (state.C >= 0) & (state.C_anchor >= 0)
    np.maximum(C_new, 0.0, out=C_new, where=keep_sign)
    lev_new = leverage_update(state, s, d)
    live = state.active
    state.x = np.where(live, x_new, state.x)
    state.C = C_new
    state.lev = np.where(live, lev_new, state.lev)
    state.step += 1
