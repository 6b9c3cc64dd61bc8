"""Every model coefficient, its default, unit, range and meaning — the one place they live.

The scenario schema, `docs/parameters.md`, the JSON Schema and the model all read this
table, so a coefficient cannot be documented in one place and defaulted in another.
Rates are per step (one step = one month by default).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    default: float
    lo: float
    hi: float
    unit: str
    meaning: str
    mechanism: str


_RATE = "per month"
_PAY = "payoff per unit"  # commitment payoffs are in units of the inertia cost (MODEL.md §6)
PARAMETERS: dict[str, Param] = {
    # Action–reaction escalation (Richardson 1960)
    "reactivity": Param(
        0.06,
        0,
        2,
        _RATE,
        "a_i = reactivity·resolve_i: escalation per unit of perceived threat",
        "richardson",
    ),
    "grievance_gain": Param(
        0.02,
        0,
        1,
        _RATE,
        "revisionist drive per unit of grievance × strongest hostility",
        "richardson",
    ),
    "fatigue": Param(
        0.3,
        0,
        2,
        _RATE,
        "m_i = fatigue·(1 − risk_tolerance_i/2): cost of holding a posture",
        "richardson",
    ),
    "backing": Param(
        0.03,
        0,
        1,
        _RATE,
        "chain-ganging: escalation added per unit of an ally's threat × treaty × alignment",
        "alliance",
    ),
    "moral_hazard": Param(
        0.03,
        0,
        1,
        _RATE,
        "escalation drive of a backed client per unit of its patrons' commitment × treaty"
        " × its own risk tolerance",
        "alliance",
    ),
    "noise": Param(
        0.02, 0, 1, "level per √month", "s.d. of the monthly random shock to escalation", "noise"
    ),
    # Threat perception (Walt 1987)
    "threat_transfer": Param(
        0.5,
        0,
        2,
        "fraction",
        "threat an adversary's ally adds, per unit of its commitment",
        "threat",
    ),
    "nuclear_weight": Param(
        0.5,
        0,
        5,
        "ratio",
        "weight of nuclear capability relative to conventional in power",
        "threat",
    ),
    "economic_weight": Param(
        0.25,
        0,
        5,
        "ratio",
        "weight of economic capability (GDP share) relative to conventional in power",
        "threat",
    ),
    # Patron restraint (Morrow 1991; Hirschman 1945)
    "restraint": Param(
        0.5,
        0,
        5,
        _RATE,
        "extra fatigue per unit of patron hold × patron stability × leverage",
        "restraint",
    ),
    "alt_support": Param(
        2.0,
        0,
        20,
        "ratio",
        "how much a client's other dependencies dilute a patron's hold",
        "restraint",
    ),
    "leverage_response": Param(
        0.5,
        0,
        5,
        "ratio",
        "rise of a stability-minded patron's leverage per unit of its clients' escalation",
        "restraint",
    ),
    "leverage_rate": Param(
        0.2, 0, 1, _RATE, "speed at which leverage use adjusts to its target", "restraint"
    ),
    # Alignment as a choice (logit partial adjustment over tighten, hold, distance)
    "commit_step": Param(
        0.05,
        0,
        0.5,
        "commitment per month",
        "size of a tighten or distance move (the most commitment can change in a month)",
        "choice",
    ),
    "choice_temperature": Param(
        0.5,
        0.01,
        10,
        _PAY,
        "logit temperature: how noisily actors pick among tighten, hold and distance",
        "choice",
    ),
    "shared_threat": Param(
        0.8,
        0,
        5,
        _PAY,
        "security payoff of aligning with a partner against a common escalating adversary",
        "choice",
    ),
    "dependence_benefit": Param(
        0.3,
        0,
        5,
        _PAY,
        "economic payoff of the actor's reliance on the partner and its hold over it",
        "choice",
    ),
    "axis_cost": Param(
        0.3,
        0,
        5,
        _PAY,
        "reputational cost of an axis: aversion × an aligned partner's binding ties to others",
        "choice",
    ),
    "instability_cost": Param(
        0.3,
        0,
        5,
        _PAY,
        "cost of an aligned partner's escalation, × own stability preference",
        "choice",
    ),
    "alliance_fear": Param(
        0.4,
        0,
        5,
        _PAY,
        "Snyder's fears: entrapment (firmness × partner's excess escalation × its risk"
        " tolerance) and, at a fixed 1:1 ratio, abandonment (security need × partner's slack"
        " × its outside options)",
        "choice",
    ),
    "patron_competition": Param(
        0.3,
        0,
        5,
        _PAY,
        "payoff for tightening commitment to a client per unit of hold on it lost since the"
        " start (to a rival patron)",
        "choice",
    ),
    "hostility_spiral": Param(
        0.3,
        0,
        5,
        _PAY,
        "hostility deepening per unit of a hostile actor's escalation",
        "choice",
    ),
    # Ripeness: readiness to settle built by a mutually hurting stalemate (Zartman 2000;
    # docs/preregistration-ripeness.md). Off by default (rate 0): tried against the model
    # without it, it lost by the pre-registered decision rule and ships off.
    "ripeness_rate": Param(
        0.0,
        0,
        10,
        _RATE,
        "κ_r: readiness gained per unit of a hostile pair's pain above the threshold, × the"
        " readiness still missing (0: mechanism off)",
        "ripeness",
    ),
    "ripeness_threshold": Param(
        0.25,
        0,
        1,
        "level",
        "p*: the pain (larger dyadic tension of a mutually hostile pair) above which"
        " readiness builds; fixed, not fitted (one crisis cannot identify a threshold)",
        "ripeness",
    ),
    "ripeness_decay": Param(
        0.057762265046662105,
        0,
        1,
        _RATE,
        "φ_r: share of readiness lost each month (ln 2 / 12: a half-life of one year);"
        " fixed, a judgement",
        "ripeness",
    ),
    # Outcome thresholds (escalation level, 0–1)
    "crisis_threshold": Param(
        0.5,
        0,
        1,
        "level",
        "a dyad of mutually hostile actors both at or above this level is a crisis",
        "outputs",
    ),
    "war_threshold": Param(
        0.8,
        0,
        1,
        "level",
        "a dyad of mutually hostile actors both at or above this level is a war",
        "outputs",
    ),
}


def defaults() -> dict[str, float]:
    """Default value of every parameter (a fresh dict the caller may change)."""
    return {name: p.default for name, p in PARAMETERS.items()}


def not_fitted(name: str) -> str | None:
    """Why coefficient `name` may not be estimated (a calibration prior, a posterior column),
    or None. The outcome thresholds count crises and wars and move no state: fitted with the
    `no_war` pattern filter, war_threshold escapes it by rising (a simulated war is one at or
    above it), and a posterior of either makes its replications count by different rules."""
    p = PARAMETERS.get(name)
    if p is None or p.mechanism != "outputs":
        return None
    return (
        f"{name} is an output threshold (it counts crises and wars and moves no state), "
        "not a coefficient to fit"
    )
