"""Observation operators: from the model's monthly state to the predictive distribution of
one observable. Equations and the reason for each form are in docs/observations.md.

Every operator reads a `Window` (the months of one observation's period, for every
replication) and per-replication operator coefficients, and returns draws of the observable,
shaped (R, draws). The coefficients live in OPERATOR_COEFFICIENTS (one table, like
sim/parameters.py; in sim/observe/operator_table.py) and are estimated by
`alliance-sim calibrate` with the model's own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from sim.observe.observations import VOTE_TARGET, Observation
from sim.observe.operator_table import (  # re-exported: the table's users import it from here
    OPERATOR_COEFFICIENTS,
    OperatorCoefficient,  # noqa: F401
)
from sim.observe.series import definition

RELIABILITY_WEIGHT = {"solid": 1.0, "estimate": 0.8, "derived": 0.6, "contested": 0.3}


@dataclass(frozen=True)
class Window:
    """The model's state over the months of one observation's period, every replication.

    x: (M, R, N) escalation; C: (M, R, N, N) commitment; lev: (M, R, N) leverage in use;
    ids: actor order (`world.ids`); ready: (M, R, N, N) readiness to settle (ripeness), or
    None for paths recorded without it (read as 0, the mechanism off).
    """

    x: np.ndarray
    C: np.ndarray
    lev: np.ndarray
    ids: list[str]
    ready: np.ndarray | None = None

    def col(self, actor: str) -> int:
        return self.ids.index(actor)

    def mutual(self, i: str, j: str) -> np.ndarray:
        """(M, R) mean of C_ij and C_ji: how committed the pair is to each other."""
        a, b = self.col(i), self.col(j)
        return 0.5 * (self.C[:, :, a, b] + self.C[:, :, b, a])

    def readiness(self, i: str, j: str) -> np.ndarray | float:
        """(M, R) the pair's readiness to settle (symmetric), or 0.0 without a record."""
        if self.ready is None:
            return 0.0
        return self.ready[:, :, self.col(i), self.col(j)]


Coefs = Mapping[str, np.ndarray]  # name -> (R,) per-replication values


@dataclass(frozen=True)
class PairHistory:
    """A summit pair's earlier known observations in one set of paths (episodes.anchor_of):
    `count` summits (Y) in `months` months (M), and the pair's mutual commitment averaged
    over those months in each replication (c̄, shaped (R,))."""

    count: float
    months: int
    commitment: np.ndarray


# What an observation's operator reads of its pair's earlier known observations
# (sim/observe/episodes.py): for trade and exercises the latest one, its value and (trade)
# that period's mean mutual commitment per replication; for summits all of them, pooled.
Anchor = tuple[float, np.ndarray | None] | PairHistory
ANCHORED_KINDS = ("trade_value", "joint_exercise")  # anchored on the latest known value
POOLED_KINDS = ("summit",)  # a rate pooled from the pair's known history (PairHistory)
Draw = Callable[[Observation, Window, Coefs, np.random.Generator, int], np.ndarray]


def _poisson_total(rng: np.random.Generator, log_rate: np.ndarray, draws: int) -> np.ndarray:
    """Counts over the period: Poisson(Σ_months exp(log_rate)), log_rate shaped (M, R)."""
    lam = np.exp(np.clip(log_rate, -50, 20)).sum(axis=0)
    return rng.poisson(np.broadcast_to(lam[:, None], (lam.size, draws))).astype(float)


def dispersion_of(obs: Observation, k: Coefs) -> np.ndarray | None:
    """(R,) the launch count's over-dispersion φ, or None where the count is Poisson (every
    kind but launches; launches when φ is 0 in every replication or not given)."""
    phi = k.get("launch_dispersion") if obs.kind == "missile_launches" else None
    if phi is None or not np.any(np.asarray(phi) > 0):
        return None
    return np.asarray(phi, dtype=float)


def _mixed_total(
    rng: np.random.Generator, log_rate: np.ndarray, draws: int, phi: np.ndarray | None
) -> np.ndarray:
    """Counts over the period with each month's rate scaled by a Gamma(1/φ, φ) factor (mean
    1, variance φ), so a month's count is negative binomial with mean μ and variance μ + φμ².

    Why: real launches come in bursts (six launch days in January 2022, none in 2018) that a
    Poisson count around a slowly moving rate calls near-impossible
    (docs/preregistration-launch-dispersion.md). The factors are drawn month by month, as the
    bursts are. φ = 0 everywhere is `_poisson_total` exactly, the same random numbers."""
    if phi is None:
        return _poisson_total(rng, log_rate, draws)
    mu = np.exp(np.clip(log_rate, -50, 20))  # (M, R)
    phi = np.broadcast_to(phi, mu.shape[1:])
    on = phi > 0
    scale = np.where(on, phi, 1.0)[None, :, None]  # a replication at φ = 0 gets factor 1
    factor = rng.gamma(1.0 / scale, scale, (*mu.shape, draws))
    factor = np.where(on[None, :, None], factor, 1.0)
    return rng.poisson((mu[:, :, None] * factor).sum(axis=0)).astype(float)


def launch_log_rate(obs: Observation, w: Window, k: Coefs) -> np.ndarray:
    """(M, R) log monthly rate of launch events, α + β·x; a count of missiles fired adds the
    log of missiles per event, a count of ICBM launches the log ICBM share (one operator per
    unit, sim/observe/series.py)."""
    log_rate = k["launch_log_rate"] + k["launch_escalation"] * w.x[:, :, w.col(obs.actors[0])]
    unit = definition(obs)
    if unit == "missiles":
        return log_rate + k["launch_missiles_log_ratio"]
    if unit == "icbm":
        return log_rate + k["launch_icbm_log_share"]
    return log_rate


def nuclear_log_rate(obs: Observation, w: Window, k: Coefs) -> np.ndarray:
    return k["nuclear_log_rate"] + k["nuclear_escalation"] * w.x[:, :, w.col(obs.actors[0])]


def summit_log_rate(
    obs: Observation, w: Window, k: Coefs, history: PairHistory | None = None
) -> np.ndarray:
    """(M, R) log monthly summit rate: γ + δ·c_m, the common rate (the shipped operator).
    With a pair history (Y summits in M months at mean commitment c̄) and a pair weight
    ω_s > 0: the pair's rate r̂ = (ω_s·Y + μ0)/(ω_s·M + 1), the Poisson–Gamma posterior mean
    pooled toward the common rate μ0 = exp(γ + δ·c̄) with κ_s = 1/ω_s months of it, moved
    by the change of commitment since, δ·(c_m − c̄); δ then reads changes within a pair.
    Pre-registered and tried (docs/preregistration-summit-pair-rate.md); it lost to the
    common rate on the held-out summits, so ω_s = 0 (off) is the default.

    Either rate gains the factor exp(β_s·R_m), R the pair's readiness to settle (ripeness,
    docs/preregistration-ripeness.md): a pair in a hurting stalemate meets more often than
    its commitment says. β_s = 0 (the default), absent from `k` (draws fitted before it
    existed), or R = 0 leaves the rate as it was."""
    rate = _pair_or_common(obs, w, k, history)
    beta = k.get("summit_readiness")
    if beta is None:
        return rate
    return rate + np.asarray(beta, dtype=float) * w.readiness(*obs.actors)


def _pair_or_common(obs: Observation, w: Window, k: Coefs, history: PairHistory | None):
    """(M, R) the log rate before readiness: the pair's own pooled rate or the common one."""
    c = w.mutual(*obs.actors)
    common = k["summit_log_rate"] + k["summit_commitment"] * c
    if history is None:
        return common
    omega = np.asarray(k["summit_pair_weight"], dtype=float)
    if not (omega > 0).any():
        return common
    c_bar = history.commitment
    mu0 = np.exp(np.clip(k["summit_log_rate"] + k["summit_commitment"] * c_bar, -50, 20))
    pair_rate = (omega * history.count + mu0) / (omega * history.months + 1)
    pooled = np.log(pair_rate) + k["summit_commitment"] * (c - c_bar)
    return np.where(omega > 0, pooled, common)


def sanction_log_rate(obs: Observation, w: Window, k: Coefs) -> np.ndarray:
    return k["sanction_log_rate"] + k["sanction_leverage"] * w.lev[:, :, w.col(obs.actors[0])]


# (M, R) log monthly rate of each count kind: one formula, shared by the draws below and the
# likelihood (sim/observe/likelihood.py), so the filter weighs what the operators draw.
LOG_RATES = {
    "missile_launches": launch_log_rate,
    "nuclear_test": nuclear_log_rate,
    "summit": summit_log_rate,
    "sanction_measure": sanction_log_rate,
}


def log_rate(obs: Observation, w: Window, k: Coefs, anchor: Anchor | None = None) -> np.ndarray:
    """(M, R) log monthly rate of a count observation; a summit also reads its pair history."""
    if obs.kind in POOLED_KINDS:
        return LOG_RATES[obs.kind](obs, w, k, anchor)
    return LOG_RATES[obs.kind](obs, w, k)


def count_mean(obs: Observation, w: Window, k: Coefs, anchor: Anchor | None = None) -> np.ndarray:
    """(R,) expected count over the period: Σ_months exp(log rate), as _poisson_total."""
    return np.exp(np.clip(log_rate(obs, w, k, anchor), -50, 20)).sum(axis=0)


def launches(obs: Observation, w: Window, k: Coefs, rng: np.random.Generator, draws: int):
    return _mixed_total(rng, launch_log_rate(obs, w, k), draws, dispersion_of(obs, k))


def nuclear_tests(obs: Observation, w: Window, k: Coefs, rng: np.random.Generator, draws: int):
    return _poisson_total(rng, nuclear_log_rate(obs, w, k), draws)


def summits(
    obs: Observation,
    w: Window,
    k: Coefs,
    rng: np.random.Generator,
    draws: int,
    anchor: PairHistory | None = None,
):
    return _poisson_total(rng, summit_log_rate(obs, w, k, anchor), draws)


def sanctions(obs: Observation, w: Window, k: Coefs, rng: np.random.Generator, draws: int):
    return _poisson_total(rng, sanction_log_rate(obs, w, k), draws)


def vote_probabilities(obs: Observation, w: Window, k: Coefs) -> np.ndarray:
    """(R, 3) probabilities of no/veto, abstain, yes: a symmetric ordered logit."""
    a, t = w.col(obs.actors[0]), w.col(VOTE_TARGET)
    commit = w.C[:, :, a, t].mean(axis=0)
    lev = w.lev[:, :, a].mean(axis=0)
    eta = k["vote_intercept"] - k["vote_commitment"] * commit + k["vote_leverage"] * lev
    yes = 1 / (1 + np.exp(-(eta - k["vote_cut"])))
    no = 1 / (1 + np.exp(eta + k["vote_cut"]))
    return np.stack([no, 1 - yes - no, yes], axis=1)


def votes(obs: Observation, w: Window, k: Coefs, rng: np.random.Generator, draws: int):
    p = vote_probabilities(obs, w, k)
    u = rng.random((p.shape[0], draws))
    return np.where(u < p[:, :1], -1.0, np.where(u < p[:, :1] + p[:, 1:2], 0.0, 1.0))


def exercise_index(obs: Observation, w: Window) -> np.ndarray:
    """(R,) mean over the period of the pair's mean escalation plus mutual commitment."""
    a, b = w.col(obs.actors[0]), w.col(obs.actors[1])
    esc = 0.5 * (w.x[:, :, a] + w.x[:, :, b])
    return (esc + w.mutual(*obs.actors)).mean(axis=0)


def exercise_probability(
    obs: Observation, w: Window, k: Coefs, anchor: Anchor | None = None
) -> np.ndarray:
    """(R,) probability that the exercises are held in the period: a dynamic logit. Holding or
    suspending the allies' exercises is a standing policy, reviewed a season at a time (the
    2018 suspension lasted into 2022 whatever else moved), so the logit also carries the
    latest known status (the anchor): ±memory after a held / suspended season, 0 with none
    known (docs/observations.md)."""
    logit = k["exercise_intercept"] + k["exercise_slope"] * exercise_index(obs, w)
    if anchor is not None:
        logit = logit + k["exercise_memory"] * (2.0 * float(anchor[0] >= 0.5) - 1.0)
    return 1 / (1 + np.exp(-np.clip(logit, -50, 50)))


def exercises(
    obs: Observation,
    w: Window,
    k: Coefs,
    rng: np.random.Generator,
    draws: int,
    anchor: Anchor | None = None,
):
    p = exercise_probability(obs, w, k, anchor)
    return (rng.random((p.size, draws)) < p[:, None]).astype(float)


def trade(
    obs: Observation,
    w: Window,
    k: Coefs,
    rng: np.random.Generator,
    draws: int,
    anchor: Anchor | None = None,
) -> np.ndarray:
    """Lognormal around anchor_value · exp(κ·(c̄ − c̄_anchor)): the model has no trade
    volumes, so it predicts changes from the pair's latest known value (the anchor)."""
    mu = trade_log_mean(obs, w, k, anchor)
    z = rng.standard_normal((mu.size, draws))
    return np.exp(mu[:, None] + k["trade_log_sd"][:, None] * z)


def trade_log_mean(
    obs: Observation, w: Window, k: Coefs, anchor: Anchor | None = None
) -> np.ndarray:
    """(R,) mean log trade: log anchor_value + κ·(c̄ − c̄_anchor)."""
    c = w.mutual(*obs.actors).mean(axis=0)
    value, c_anchor = anchor if anchor is not None else (obs.value, c)
    return np.log(value) + k["trade_commitment"] * (c - c_anchor)


OPERATORS: dict[str, Draw] = {
    "missile_launches": launches,
    "nuclear_test": nuclear_tests,
    "summit": summits,
    "sanction_measure": sanctions,
    "unsc_vote": votes,
    "joint_exercise": exercises,
    "trade_value": trade,
}


def draw(
    obs: Observation,
    w: Window,
    k: Coefs,
    rng: np.random.Generator,
    draws: int,
    anchor: Anchor | None = None,
) -> np.ndarray:
    """Predictive draws (R, draws) of `obs` through its kind's operator; the anchor reaches
    the kinds that read one (ANCHORED_KINDS, and the pair history POOLED_KINDS)."""
    if obs.kind in ANCHORED_KINDS or obs.kind in POOLED_KINDS:
        return OPERATORS[obs.kind](obs, w, k, rng, draws, anchor)
    return OPERATORS[obs.kind](obs, w, k, rng, draws)


def _esc(a: str) -> str:
    return f"actors.{a}.escalation"


def _commit_both(a: str, b: str) -> set[str]:
    return {f"relations.{a}.{b}.commitment", f"relations.{b}.{a}.commitment"}


def reads(obs: Observation) -> frozenset[str]:
    """The state key paths (the event grammar of sim/scenario/targets.py) that the
    operator of `obs` reads. An event writing one of them in the observation's months
    would hand the model its own answer (docs/observations.md, "Inputs and outcomes");
    tests/test_history_events.py checks this table against the operators by perturbation."""
    a = obs.actors[0]
    if obs.kind in ("missile_launches", "nuclear_test"):
        return frozenset({_esc(a)})
    if obs.kind == "sanction_measure":
        return frozenset({f"actors.{a}.leverage"})
    if obs.kind == "unsc_vote":
        return frozenset({f"relations.{a}.{VOTE_TARGET}.commitment", f"actors.{a}.leverage"})
    b = obs.actors[1]
    if obs.kind == "joint_exercise":
        return frozenset({_esc(a), _esc(b), *_commit_both(a, b)})
    return frozenset(_commit_both(a, b))  # summit, trade_value


def transform(kind: str, values: np.ndarray | float) -> np.ndarray:
    """The scale distances are measured on: sqrt for counts (variance-stabilising for Poisson),
    log for trade values (errors are relative), the raw value for votes and exercises."""
    v = np.asarray(values, dtype=float)
    if kind == "trade_value":
        return np.log(v)
    if kind in ("unsc_vote", "joint_exercise"):
        return v
    return np.sqrt(v)


def default_coefficients(replications: int) -> dict[str, np.ndarray]:
    return {n: np.full(replications, c.default) for n, c in OPERATOR_COEFFICIENTS.items()}
