"""What a one-at-a-time table (oat.csv) holds and when a row's conclusion changed.

Shared by the writer (sim/jobs/oat.py) and the check on read (sim/robustness_checks.py): the
check must judge a row by the writer's own rule, and importing the writer from the check made
an import circle (writer → results folder → checks → writer), so the rules live here.
"""

from __future__ import annotations

from sim.effects import CRISIS

CRISIS_MOVE = 0.5  # a 0/1 outcome moving by more than this is a changed conclusion
COLUMNS = (
    "coefficient", "mechanism", "factor", "nominal_value", "value", "clipped", "outcome",
    "nominal_effect", "effect_median", "effect_p5", "effect_p95", "change", "nominal_sign",
    "sign", "sign_held", "nominal_level", "level", "knife_edge", "reason",
)  # fmt: skip


def knife_reasons(outcome: str, nominal_sign: int, new_sign: int, change: float,
                  level_change: float) -> list[str]:  # fmt: skip
    """Why a row's conclusion differs from the nominal one (empty: it holds)."""
    reasons = []
    if nominal_sign != 0 and new_sign == -nominal_sign:
        reasons.append("sign flips")
    elif nominal_sign != 0 and new_sign == 0:
        reasons.append("effect vanishes")
    if outcome == CRISIS and abs(change) > CRISIS_MOVE:
        reasons.append(f"crisis effect moves > {CRISIS_MOVE:g}")
    if outcome == CRISIS and abs(level_change) > CRISIS_MOVE:
        reasons.append(f"P(crisis) moves > {CRISIS_MOVE:g}")
    return reasons
