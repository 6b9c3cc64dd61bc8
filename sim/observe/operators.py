"""Observation operators: from the model's monthly state to the predictive distribution of
one observable. Equations and the reason for each form are in docs/observations.md.

Every operator reads a `Window` (the months of one observation's period, for every
replication) and per-replication operator coefficients, and returns draws of the observable,
shaped (R, draws). The coefficients live in OPERATOR_COEFFICIENTS (one table, like
sim/parameters.py) and are estimated by `alliance-sim calibrate` with the model's own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from sim.observe.observations import VOTE_TARGET, Observation
from sim.observe.series import definition


@dataclass(frozen=True)
class OperatorCoefficient:
    default: float
    lo: float
    hi: float
    kind: str  # the observation kind that uses it
    meaning: str


OPERATOR_COEFFICIENTS: dict[str, OperatorCoefficient] = {
    "launch_log_rate": OperatorCoefficient(
        -1.0, -6, 3, "missile_launches", "α: log launch events per month at escalation 0"
    ),
    "launch_escalation": OperatorCoefficient(
        3.0, 0, 10, "missile_launches", "β: rise of the log monthly rate per unit of x_actor"
    ),
    "launch_missiles_log_ratio": OperatorCoefficient(
        0.7, 0, 2, "missile_launches", "log of missiles fired per launch event (unit: missiles)"
    ),
    "launch_icbm_log_share": OperatorCoefficient(
        -2.0, -6, 0, "missile_launches", "log share of launch events that are ICBMs (unit: ICBMs)"
    ),
    "nuclear_log_rate": OperatorCoefficient(
        -5.0, -10, 0, "nuclear_test", "log nuclear tests per month at escalation 0"
    ),
    "nuclear_escalation": OperatorCoefficient(
        4.0, 0, 12, "nuclear_test", "rise of the log monthly test rate per unit of x_actor"
    ),
    "trade_commitment": OperatorCoefficient(
        1.0, -5, 10, "trade_value", "κ: log trade change per unit change of mutual commitment"
    ),
    "trade_log_sd": OperatorCoefficient(
        0.25, 0.01, 2, "trade_value", "σ: s.d. of log trade around the operator's prediction"
    ),
    "vote_intercept": OperatorCoefficient(
        2.0, -5, 5, "unsc_vote", "η0: latent support for sanctions on North Korea"
    ),
    "vote_commitment": OperatorCoefficient(
        3.0, 0, 10, "unsc_vote", "fall of latent support per unit of the voter's C to PRK"
    ),
    "vote_leverage": OperatorCoefficient(
        2.0, -10, 10, "unsc_vote", "rise of latent support per unit of the voter's leverage"
    ),
    "vote_cut": OperatorCoefficient(
        1.0, 0.01, 5, "unsc_vote", "half-width of the abstain band of the ordered logit"
    ),
    "exercise_intercept": OperatorCoefficient(
        0.0, -10, 10, "joint_exercise", "logit of holding the exercises at index 0"
    ),
    "exercise_slope": OperatorCoefficient(
        5.0, -20, 20, "joint_exercise", "rise of that logit per unit of the pair's index"
    ),
    "exercise_memory": OperatorCoefficient(
        0.0,
        0,
        10,
        "joint_exercise",
        "half the logit gap between after a held and after a suspended exercise (0: memoryless)",
    ),
    "summit_log_rate": OperatorCoefficient(
        -4.0, -10, 2, "summit", "γ: log summits per month at mutual commitment 0"
    ),
    "summit_commitment": OperatorCoefficient(
        3.0, 0, 10, "summit", "δ: rise of the log monthly rate per unit of mutual commitment"
    ),
    "summit_pair_weight": OperatorCoefficient(
        0.0,
        0,
        2,
        "summit",
        "ω_s = 1/κ_s: weight of a month of a pair's own summits against the common rate (0: off)",
    ),
    "sanction_log_rate": OperatorCoefficient(
        -4.0, -10, 2, "sanction_measure", "log sanction measures per month at leverage 0"
    ),
    "sanction_leverage": OperatorCoefficient(
        3.0, 0, 10, "sanction_measure", "rise of the log monthly rate per unit of leverage"
    ),
}

RELIABILITY_WEIGHT = {"solid": 1.0, "estimate": 0.8, "derived": 0.6, "contested": 0.3}


@dataclass(frozen=True)
class Window:
    """The model's state over the months of one observation's period, every replication.

    x: (M, R, N) escalation; C: (M, R, N, N) commitment; lev: (M, R, N) leverage in use;
    ids: actor order (`world.ids`).
    """

    x: np.ndarray
    C: np.ndarray
    lev: np.ndarray
    ids: list[str]

    def col(self, actor: str) -> int:
        return self.ids.index(actor)

    def mutual(self, i: str, j: str) -> np.ndarray:
        """(M, R) mean of C_ij and C_ji: how committed the pair is to each other."""
        a, b = self.col(i), self.col(j)
        return 0.5 * (self.C[:, :, a, b] + self.C[:, :, b, a])


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
    common rate on the held-out summits, so ω_s = 0 (off) is the default."""
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
    return _poisson_total(rng, launch_log_rate(obs, w, k), draws)


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
