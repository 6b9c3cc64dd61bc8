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
PARAMETERS: dict[str, Param] = {
    # Action–reaction escalation (Richardson 1960)
    "reactivity": Param(
        0.09,
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
        "g_i = grievance_gain·grievance_i: constant revisionist drive",
        "richardson",
    ),
    "fatigue": Param(
        0.25, 0, 2, _RATE, "m_i: cost of holding a posture, pulling escalation down", "richardson"
    ),
    "risk_discount": Param(
        0.5, 0, 1, "fraction", "share of fatigue a fully risk-tolerant actor ignores", "richardson"
    ),
    "noise": Param(
        0.02, 0, 1, "level per √month", "s.d. of the monthly random shock to escalation", "noise"
    ),
    # Threat perception
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
    "supply_power": Param(
        0.5,
        0,
        5,
        "ratio",
        "share of a supplier's power its military supplies add to the recipient",
        "threat",
    ),
    # Alliances (Snyder 1984)
    "backing": Param(
        0.03,
        0,
        1,
        _RATE,
        "escalation added per unit of an ally's threat × treaty strength",
        "alliance",
    ),
    "abandonment": Param(
        0.04, 0, 1, _RATE, "commitment gained when a treaty partner is threatened", "alliance"
    ),
    "entrapment": Param(
        0.1, 0, 2, _RATE, "commitment lost per unit a partner out-escalates the actor", "alliance"
    ),
    "obligation_automatic": Param(
        1.0, 0, 1, "strength", "default strength of an automatic defence clause", "alliance"
    ),
    "obligation_conditional": Param(
        0.6, 0, 1, "strength", "default strength of a conditional clause", "alliance"
    ),
    "obligation_vague": Param(
        0.3, 0, 1, "strength", "default strength of a deliberately vague clause", "alliance"
    ),
    "obligation_consultation": Param(
        0.1, 0, 1, "strength", "default strength of a consultation-only pact", "alliance"
    ),
    # Patron restraint
    "restraint": Param(
        0.5,
        0,
        5,
        _RATE,
        "extra fatigue per unit of dependence × patron stability × leverage",
        "restraint",
    ),
    "alt_support": Param(
        2.0,
        0,
        20,
        "ratio",
        "how much other military suppliers dilute a patron's leverage",
        "restraint",
    ),
    "embolden": Param(
        1.0,
        0,
        10,
        "ratio",
        "fatigue divisor gained per unit of military supply from allies",
        "restraint",
    ),
    "leverage_response": Param(
        0.5,
        0,
        5,
        "ratio",
        "how strongly a stability-minded patron raises its leverage",
        "restraint",
    ),
    "leverage_rate": Param(
        0.2, 0, 1, _RATE, "speed at which leverage use adjusts to its target", "restraint"
    ),
    # Commitment dynamics
    "anchor": Param(
        0.05, 0, 1, _RATE, "pull of commitment back to its structural (initial) level", "commitment"
    ),
    "hostility_spiral": Param(
        0.04,
        0,
        1,
        _RATE,
        "hostility deepening per unit of the adversary's escalation",
        "commitment",
    ),
    "shared_threat": Param(
        0.08, 0, 2, _RATE, "alignment gained from a shared, escalating adversary", "counter"
    ),
    "dependence_pull": Param(
        0.04, 0, 1, _RATE, "alignment gained per unit of dependence on the partner", "commitment"
    ),
    # Distancing
    "distancing": Param(
        0.15,
        0,
        2,
        _RATE,
        "commitment shed per unit that association cost exceeds benefit",
        "distancing",
    ),
    "axis_cost": Param(
        0.6,
        0,
        5,
        "ratio",
        "cost of being seen in an axis: aversion × partner's bindings",
        "distancing",
    ),
    "instability_cost": Param(
        0.4,
        0,
        5,
        "ratio",
        "cost of a partner's escalation, × own stability preference",
        "distancing",
    ),
    "counter_cost": Param(
        0.2,
        0,
        5,
        "ratio",
        "cost of the counter-escalation a partner draws from others",
        "distancing",
    ),
    "shared_benefit": Param(
        0.3, 0, 5, "ratio", "benefit of shared hostility to the same rivals", "distancing"
    ),
    "dependence_benefit": Param(
        0.4, 0, 5, "ratio", "benefit of the partner's dependence on the actor", "distancing"
    ),
    # Outcome thresholds (escalation level, 0–1)
    "crisis_threshold": Param(
        0.5, 0, 1, "level", "an actor at or above this level (mobilisation) is a crisis", "outputs"
    ),
    "war_threshold": Param(
        0.8, 0, 1, "level", "an actor at or above this level (war rung) is a war", "outputs"
    ),
}


def defaults() -> dict[str, float]:
    """Default value of every parameter (a fresh dict the caller may change)."""
    return {name: p.default for name, p in PARAMETERS.items()}
