"""Effects against a counterfactual: the scenario minus the world it names in
`counterfactual:`, paired replication by replication.

Both worlds run with the same root seed, replications and actors, so replication r sees
the same shocks in both (common random numbers) and the paired difference is the effect
of the removed events alone, not noise. Reporting effects rather than levels is what makes
a number a finding: a level also carries the start and everything held fixed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.errors import UsageError
from sim.scenario.schema import Scenario

CRISIS = "crisis"  # derived 0/1 outcome: any crisis step (first_crisis_step >= 0)
QUANTILES = (5, 50, 95)


def counterfactual_of(scenario: Scenario) -> Scenario:
    """The counterfactual world: the same scenario without the events it removes."""
    cf = scenario.counterfactual
    if cf is None:
        raise UsageError(f"scenario {scenario.name!r} names no counterfactual")
    events = {k: v for k, v in scenario.events.items() if k not in set(cf.remove_events)}
    return scenario.model_copy(
        update={"events": events, "counterfactual": None, "name": f"{scenario.name}_cf"}
    )


def headline(scenario: Scenario, summary: Mapping[str, np.ndarray]) -> list[str]:
    """The headline outcomes: the scenario's `counterfactual.headline`, or else the
    distancing index and every active actor's final escalation."""
    cf = scenario.counterfactual
    if cf is not None and cf.headline:
        names = list(cf.headline)
    else:
        active = [a for a, actor in scenario.actors.items() if actor.active]
        names = ["final_distancing", *(f"final_escalation_{a}" for a in active)]
    unknown = [n for n in names if n not in summary and n != CRISIS]
    if unknown:
        known = ", ".join(sorted(k for k in summary if k != "outcome"))
        raise UsageError(f"counterfactual.headline: unknown outcome {unknown[0]!r}; known: {known}")
    return names


def reported(scenario: Scenario, summary: Mapping[str, np.ndarray]) -> list[str]:
    """What `run` reports: the headline outcomes, then the crisis share."""
    names = headline(scenario, summary)
    return names if CRISIS in names else [*names, CRISIS]


def outcome_values(summary: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    if name == CRISIS:
        return (np.asarray(summary["first_crisis_step"]) >= 0).astype(float)
    return np.asarray(summary[name], dtype=float)


def effects_table(summary: Mapping[str, np.ndarray], cf_summary: Mapping[str, np.ndarray],
                  outcomes: list[str]) -> pd.DataFrame:  # fmt: skip
    """One row per outcome: levels in both worlds and the paired effect's median, 5–95%
    interval, mean and the share of replications in which it is positive.

    For a 0/1 outcome (crisis) the effect is the difference in shares, and its interval is
    the normal interval of a paired mean difference (5–95%)."""
    rows = []
    for name in outcomes:
        a, b = outcome_values(summary, name), outcome_values(cf_summary, name)
        diff = a - b
        lo, med, hi = np.percentile(diff, QUANTILES)
        if name == CRISIS:
            se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
            med = diff.mean()
            lo, hi = med - 1.645 * se, med + 1.645 * se
        rows.append(
            {
                "outcome": name,
                "scenario_median": float(np.median(a)) if name != CRISIS else float(a.mean()),
                "counterfactual_median": float(np.median(b)) if name != CRISIS else float(b.mean()),
                "effect_median": float(med),
                "effect_p5": float(lo),
                "effect_p95": float(hi),
                "effect_mean": float(diff.mean()),
                "share_positive": float((diff > 0).mean()),
                "replications": len(diff),
            }
        )
    return pd.DataFrame(rows)


def effect_lines(table: pd.DataFrame, label: str, replications: int | None = None) -> list[str]:
    """The terminal lines: each headline effect with its interval, to the digits the
    replications support (sim/results/precision.py)."""
    from sim.results.precision import fmt, range_digits

    lines = [f"effects against the counterfactual ({label}), paired, median [5–95%]:"]
    for row in table.itertuples():
        name = "P(crisis)" if row.outcome == CRISIS else row.outcome
        d = (
            2
            if row.outcome == CRISIS
            else range_digits(row.effect_p5, row.effect_p95, replications)
        )
        lines.append(
            f"  {name:<28} {fmt(row.effect_median, d, True)} "
            f"[{fmt(row.effect_p5, d, True)}, {fmt(row.effect_p95, d, True)}]"
            f"   ({fmt(row.counterfactual_median, d)} → {fmt(row.scenario_median, d)})"
        )
    return lines
