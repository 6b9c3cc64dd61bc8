"""The range of every model quantity a results table may hold, and of each reported outcome
and paired effect: what the checks on read (sim/results_checks.py, sim/robustness_checks.py)
compare values with. Kept apart so that neither check imports the other (an import circle).
"""

from __future__ import annotations

import numpy as np

OUTCOMES = ("calm", "tense", "crisis", "war")  # sim/ensemble.py outcome_class
# The range of every model quantity a table may hold (MODEL.md; sim/metrics.py).
RANGES: dict[str, tuple[float, float]] = {
    "escalation": (0.0, 1.0),
    "leverage": (0.0, 1.0),
    "commitment": (-1.0, 1.0),
    "tension": (0.0, 1.0),
    "distancing": (-2.0, 2.0),  # a fall in mean commitment, each in [-1, 1]
    "frustration": (0.0, 1.0),
    "share_same_sign": (0.0, 1.0),
    "share": (0.0, 1.0),  # of replications (crisis) or of draws
}
SUMMARY_PREFIXES = {"peak_escalation_": "escalation", "final_escalation_": "escalation",
                    "final_leverage_": "leverage"}  # fmt: skip
# The quantity of each outcome a robustness effect is taken of (sim/metrics.py summary);
# a key ending in "_" is a prefix (an actor or pair follows).
OUTCOME_QUANTITIES = {**SUMMARY_PREFIXES, "final_commitment_": "commitment",
                      "final_distancing": "distancing", "peak_frustration": "frustration",
                      "final_frustration": "frustration", "crisis": "share"}  # fmt: skip


def effect_range(outcome: str) -> tuple[float, float]:
    """What a paired effect (a difference of two values) of an outcome can be: ± the width
    of its quantity's range; a difference of shares for `crisis`; any finite number for an
    outcome of no bounded quantity."""
    lo, hi = level_range(outcome)
    return lo - hi, hi - lo


def level_range(outcome: str) -> tuple[float, float]:
    """The range of an outcome's value: its quantity's; any finite number if it has none."""
    quantity = next((q for key, q in OUTCOME_QUANTITIES.items()
                     if outcome == key or (key.endswith("_") and outcome.startswith(key))),
                    None)  # fmt: skip
    return (-np.inf, np.inf) if quantity is None else RANGES[quantity]
