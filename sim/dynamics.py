"""One month of alliance dynamics, as array operations over a leading replication axis.

Each function is one mechanism of MODEL.md; `advance` composes them. The same code
serves a single Mesa run (R = 1) and a 10,000-replication ensemble. Every operation is
row-wise, so a replication's numbers do not depend on which others share its array.

The start is settled (MODEL.md §2): `settle` measures what the mechanisms would do in the
evidenced initial state and stores the opposite as structural terms, so that without
events or noise nothing moves, and every later movement has a cause.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.facts import CHANNELS
from sim.state import State

EPS = 1e-12
Z_MAX = 50.0  # logit argument cap: exp(50) is finite, and the choice is decided by then


def _p(state: State, name: str) -> np.ndarray:
    """A parameter shaped (R|1, 1) for broadcasting against (R, N)."""
    return state.params[name]


def _pm(state: State, name: str) -> np.ndarray:
    """A parameter shaped (R|1, 1, 1) for broadcasting against (R, N, N)."""
    return state.params[name][..., None]


def _cols(v: np.ndarray) -> np.ndarray:
    """(R, N) → (R, 1, N): the value of column j in entry [i, j]."""
    return v[:, None, :]


def _rows(v: np.ndarray) -> np.ndarray:
    """(R, N) → (R, N, 1): the value of row i in entry [i, j]."""
    return v[:, :, None]


def _t(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, 1, 2)


@dataclass
class Derived:
    """Quantities several mechanisms share within one step."""

    mask: np.ndarray  # (R|1, N, N) 1.0 where both active and i != j
    chan: dict[str, np.ndarray]  # the channels in force (theatres applied)
    need: np.ndarray  # (R|1, N, N) i's need for j: mean of the four dependency channels
    H: np.ndarray  # (R, N, N) hostility max(-C, 0) among active actors
    A: np.ndarray  # (R, N, N) alliance max(C, 0) among active actors
    hold: np.ndarray  # (R, N, N) [i, p]: patron p's hold on client i
    threat: np.ndarray  # (R, N) perceived threat


def derive(state: State) -> Derived:
    act = state.active.astype(float)
    n = act.shape[1]
    mask = _rows(act) * _cols(act) * (1.0 - np.eye(n))
    ch = channels(state)
    need = sum(ch[c] for c in CHANNELS) / 4.0  # trade, political cover, military, security
    C = state.C * mask
    H = np.maximum(-C, 0.0)
    A = np.maximum(C, 0.0)
    hold = patron_hold(state, need, mask)
    return Derived(mask, ch, need, H, A, hold, perceived_threat(state, H, A, mask))


def channels(state: State) -> dict[str, np.ndarray]:
    """The dependency channels in force: a channel a theatre feeds is its value times the
    theatre's intensity (Russia's need for North Korean munitions follows the war in
    Ukraine, seed lines 16, 19; MODEL.md §2)."""
    if not state.theatre_feeds:
        return state.chan
    out = dict(state.chan)
    for k, i, j, name in state.theatre_feeds:
        scaled = out[name] * np.ones((state.theatre_intensity.shape[0], 1, 1))
        scaled[:, i, j] = scaled[:, i, j] * state.theatre_intensity[:, k]
        out[name] = scaled
    return out


def patron_hold(state: State, need: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """[i, p]: patron p's hold on client i, from asymmetric dependence whatever the
    alignment (Hirschman 1945): what i needs from p beyond what p needs from i, diluted by
    i's other dependencies (influence grows with a dependant's lack of alternatives).
    Russian military supply is one such alternative for North Korea: it makes China's
    control harder (seed line 21). A hostile but dependent client is held too."""
    live = need * mask
    others = live.sum(axis=-1, keepdims=True) - live
    net = np.maximum(live - _t(live), 0.0)
    return net / (1.0 + _pm(state, "alt_support") * others)


def perceived_threat(state: State, H: np.ndarray, A: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """T_i = Σ_k (1 − R_ik)·E_ik·w_ik·x_k: hostile, powerful, escalating actors and their
    allies (Walt), discounted by the pair's readiness to settle (ripeness, MODEL.md §10b:
    a side ready to negotiate reads the other's posture as less of a threat). R is 0 for
    pairs never mutually hostile and whenever ripeness is off, so T is then unchanged."""
    cap = state.cap
    power = cap["military"] + _p(state, "nuclear_weight") * cap["nuclear"]
    power = power + _p(state, "economic_weight") * cap["economic"]  # aggregate power (Walt)
    w = 2.0 * _cols(power) / (_rows(power) + _cols(power) + EPS)
    E = np.minimum(H + _pm(state, "threat_transfer") * (H @ _t(A)), 1.0) * mask
    if ripe(state):
        E = (1.0 - state.ready) * E
    return (E * w * _cols(state.x)).sum(axis=-1)


def ripe(state: State) -> bool:
    """Whether ripeness can act: some replication has a readiness rate or a pair already
    ready. Without either R stays 0 exactly, so its arithmetic is skipped (the mechanism
    is off by default and cost the numpy engine ~8% a step)."""
    return bool((state.params["ripeness_rate"] > 0).any() or state.ready.any())


def pain(state: State, d: Derived) -> np.ndarray:
    """P_ij = max(H_ij, H_ji)·max(x_i, x_j) where the pair is mutually hostile, else 0: the
    larger of its two dyadic tensions (MODEL.md §10), what a stalemate costs the pair."""
    hostile = (d.H > 0.0) & (_t(d.H) > 0.0)
    top = np.maximum(_rows(state.x), _cols(state.x))
    return np.maximum(d.H, _t(d.H)) * top * hostile


def readiness_update(state: State, d: Derived) -> np.ndarray:
    """R ← R + κ_r·(1 − R)·max(P − p*, 0) − φ_r·R, kept in [0, 1]: a mutually hurting
    stalemate makes both sides ready to settle (Zartman 2000), and readiness fades when the
    pain does (a pair no longer mutually hostile keeps its R, which decays). The clip binds
    only when κ_r·(P − p*) > 1, a step larger than the readiness still missing."""
    excess = np.maximum(pain(state, d) - _pm(state, "ripeness_threshold"), 0.0)
    R = state.ready
    grow = _pm(state, "ripeness_rate") * (1.0 - R) * excess
    return np.clip(R + grow - _pm(state, "ripeness_decay") * R, 0.0, 1.0)


def escalation_rate(state: State, d: Derived) -> np.ndarray:
    """Richardson drift a·T + g + chain-ganging + moral hazard − (fatigue + restraint)·x + u
    (R, N)."""
    t = state.traits
    a = _p(state, "reactivity") * t["resolve"]
    g = _p(state, "grievance_gain") * t["grievance"] * d.H.max(axis=-1)
    m = _p(state, "fatigue") * (1.0 - 0.5 * t["risk_tolerance"])
    drive = a * d.threat + g + chain_ganging(state, d) + moral_hazard(state, d)
    return drive - (m + restraint(state, d)) * state.x + state.u


def chain_ganging(state: State, d: Derived) -> np.ndarray:
    """b_i = backing·Σ_j O_ij·A_ij·T_j: an ally under threat pulls i up with it (Christensen
    & Snyder 1990): i escalates in response to its ally's threat, in proportion to the
    treaty binding them and i's alignment with the ally."""
    return _p(state, "backing") * (state.O * d.A * _cols(d.threat)).sum(axis=-1)


def moral_hazard(state: State, d: Derived) -> np.ndarray:
    """h_i = moral_hazard·risk_tolerance_i·maxⱼ H_ij·Σ_p A_pi·O_pi: a client backed by a
    credible patron (the patron's alignment with it times the treaty obliging the patron)
    takes more risk against its adversaries (Snyder 1984; Benson 2012). Like grievance it
    needs a target (the strongest hostility), but no threat: that is what separates it from
    chain-ganging, which answers an ally's threat."""
    credibility = (_t(d.A) * state.O).sum(axis=-1)
    bold = state.traits["risk_tolerance"] * d.H.max(axis=-1)
    return _p(state, "moral_hazard") * bold * credibility


def restraint(state: State, d: Derived) -> np.ndarray:
    """ρ_i: patrons restrain clients in proportion to their hold, their own preference for
    stability and the leverage they are using (seed lines 15, 21, 39–41)."""
    patron = _cols(state.traits["stability"] * state.lev)
    return _p(state, "restraint") * (d.hold * patron).sum(axis=-1)


def clients(d: Derived, x: np.ndarray) -> np.ndarray:
    """(R, N): how much escalation patron p holds a stake in, Σ_i hold_ip·x_i."""
    return (d.hold * _rows(x)).sum(axis=1)


def leverage_update(state: State, d: Derived) -> np.ndarray:
    """A stability-minded patron leans harder on clients that escalate beyond the settled
    state (and eases off when they calm down)."""
    excess = clients(d, state.x) - state.clients0
    target = state.lev0 + _p(state, "leverage_response") * state.traits["stability"] * excess
    target = np.clip(target, 0.0, 1.0)
    return state.lev + _p(state, "leverage_rate") * (target - state.lev)


def payoffs(state: State, d: Derived) -> np.ndarray:
    """Marginal payoff to i of more commitment to j (R, N, N), before inertia (MODEL.md §6)."""
    C, H, x = state.C, d.H, state.x
    t = state.traits
    pay = _pm(state, "shared_threat") * ((H * _cols(x)) @ _t(H))
    pay += _pm(state, "dependence_benefit") * (d.need + _t(d.hold))
    pay -= axis_cost(state, d)
    pay -= _pm(state, "instability_cost") * _rows(t["stability"]) * _cols(x) * (C > 0)
    pay -= entrapment_fear(state, d) + _pm(state, "hostility_spiral") * H * _cols(x)
    pay += abandonment_fear(state, d) + patron_competition(state, d)
    return pay * d.mask


def axis_cost(state: State, d: Derived) -> np.ndarray:
    """[i, j]: the reputational cost to i of more commitment to an *aligned* partner j that
    is bound to third parties (China "never wants to be seen as part of a new axis", seed
    line 33): aversion_i × j's binding ties A_jk·O_jk to others than i. Being associated
    is what costs, so a hostile dyad bears none of it."""
    bound = d.A * state.O
    ties = _cols(bound.sum(axis=-1)) - _t(bound)  # j's binding ties to others than i
    aligned = state.C > 0
    return _pm(state, "axis_cost") * _rows(state.traits["axis_aversion"]) * ties * aligned


def patron_competition(state: State, d: Derived) -> np.ndarray:
    """[p, i]: a patron's payoff for tightening its commitment to client i in proportion
    to the hold on i it has lost since the start — the hold a rival patron's support
    dilutes (Hirschman's hold, §5). The alternative to distancing: China re-engaging North
    Korea as Russia moves in (as it did in 2018–19; Cha 2016 on patron competition)."""
    lost = np.maximum(state.hold0 - d.hold, 0.0)  # [i, p]
    return _pm(state, "patron_competition") * _t(lost)


# Snyder's two fears share one weight, `alliance_fear`; abandonment is weighed at this
# fixed ratio to entrapment. 1: Snyder (1984) presents them as the two horns of one dilemma
# with no a-priori precedence; the history does not separate them (MODEL.md §6).
ABANDONMENT_RATIO = 1.0


def entrapment_fear(state: State, d: Derived) -> np.ndarray:
    """Snyder (1984): the firmer i's commitment to j (alignment plus treaty) and the more j
    out-escalates i and takes risks, the more i fears being dragged into j's conflict."""
    firm = d.A + state.O
    excess = np.maximum(_cols(state.x) - _rows(state.x), 0.0)
    return _pm(state, "alliance_fear") * firm * excess * _cols(state.traits["risk_tolerance"])


def abandonment_fear(state: State, d: Derived) -> np.ndarray:
    """Snyder (1984): i fears being abandoned by j when it needs j for its security, j's
    commitment to i is slack, and j has other partners to turn to."""
    secure = np.maximum(d.chan["security_guarantee"], state.O)
    slack = 1.0 - _t(d.A)
    weight = ABANDONMENT_RATIO * _pm(state, "alliance_fear")
    return weight * secure * slack * (1.0 + outside_options(d.A)) / 2.0


def outside_options(A: np.ndarray) -> np.ndarray:
    """[i, j]: j's strongest alignment with anyone but i (R, N, N)."""
    n = A.shape[-1]
    if n < 2:
        return np.zeros_like(A)
    top2 = np.sort(A, axis=-1)[..., -2:]  # [r, j, (second, first)]
    best_is = np.argmax(A, axis=-1)  # [r, j]: j's best partner
    first, second = _cols(top2[..., 1]), _cols(top2[..., 0])
    mine = best_is[:, None, :] == np.arange(n)[None, :, None]  # [r, i, j]: is i j's best?
    return np.where(mine, second, first)


def logit_move(mu: np.ndarray, temperature: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Logit partial adjustment: the expected change of commitment when an actor picks
    tighten (+step), hold (0) or distance (−step) with multinomial-logit probabilities of
    their payoffs +mu, 0, −mu (McFadden 1974): step·(e^z − e^−z)/(e^z + 1 + e^−z),
    z = mu/temperature. Each actor adjusts against the others' current commitments; no
    equilibrium of beliefs is solved, so this is not quantal response equilibrium.

    The expected move is used, not a sampled one: the choice's randomness is the logit
    spread itself, and the noise-free model stays deterministic."""
    z = mu / temperature
    a = np.exp(-np.minimum(np.abs(z), Z_MAX))
    # (1 − a²)/(1 + a + a²) with a = e^−|z| is the same ratio, written so that rounding
    # keeps it monotone in z (every operation is monotone in a) and exactly odd.
    share = (1.0 - a * a) / ((1.0 + a) + a * a)
    return step * np.sign(z) * share


def commitment_rate(state: State, d: Derived) -> np.ndarray:
    """Change of each ordered commitment C_ij this month (R, N, N)."""
    mu = payoffs(state, d) - (state.C - state.C_anchor) + state.r
    move = logit_move(mu, _pm(state, "choice_temperature"), _pm(state, "commit_step"))
    return move * d.mask


def settle(state: State, drives: bool = True) -> None:
    """Store the structural terms that make the current state a fixed point of the
    noise-free dynamics: u (escalation drive), r (alignment preference) and the
    leverage and hold references. They stand for everything outside the model that holds the
    evidenced world where it is (MODEL.md §2); events and noise then move it.

    An actor inactive at the start (Iran, Ukraine) gets its terms from the world with it
    switched on, so that switching it on later moves neither it nor its relations by
    itself; the others then answer its arrival (its threat, its alliances). (Exact when
    actors join one at a time; two joining together see each other as they did alone.)

    With `drives=False` (`run.settle: false`) u and r stay 0: the pure mechanisms, as in
    the Richardson special case."""
    state.u = np.zeros_like(state.x)
    state.r = np.zeros_like(state.C)
    d = derive(state)
    state.clients0 = clients(d, state.x)
    state.hold0 = d.hold
    if not drives:
        return
    u, r = -escalation_rate(state, d), -payoffs(state, d) * d.mask
    live = np.broadcast_to(state.active, state.x.shape)
    active = state.active
    for k in np.flatnonzero(~live.all(axis=0)):  # actors inactive at the start (any row)
        late = ~live[:, k]  # (R,) rows in which actor k joins later
        state.active = live.copy()
        state.active[:, k] = True
        joined = derive(state)
        u_k, r_k = -escalation_rate(state, joined), -payoffs(state, joined) * joined.mask
        u[late, k] = u_k[late, k]
        r[late, k, :] = r_k[late, k, :]
        r[late, :, k] = r_k[late, :, k]
    state.active = active
    state.u, state.r = u, r


def advance(state: State, shock: np.ndarray) -> None:
    """Move `state` one step forward in place; `shock` is (R, N) standard normal noise."""
    d = derive(state)
    x_new = state.x + escalation_rate(state, d) + _p(state, "noise") * shock
    x_new = np.clip(x_new, 0.0, 1.0)
    C_new = np.clip(state.C + commitment_rate(state, d), -1.0, 1.0)
    keep_sign = (state.C >= 0) & (state.C_anchor >= 0)
    np.maximum(C_new, 0.0, out=C_new, where=keep_sign)
    lev_new = leverage_update(state, d)
    if ripe(state):
        state.ready = readiness_update(state, d)
    live = state.active
    state.x = np.where(live, x_new, state.x)
    state.C = C_new
    state.lev = np.where(live, lev_new, state.lev)
    state.step += 1
