"""The effects table as an analyst reads it: labelled, signed, rounded, with its interval.

`sim.run(...).effects` has one row per headline outcome with medians and percentiles as
floats (17 digits in a raw dump). The page shows each outcome by its name and unit, the
scenario and counterfactual medians, the paired effect as a signed median with its 5–95%
interval, and how often the effect is positive.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.plots.data import outcome_parts

COLUMNS = (
    "outcome",
    "unit",
    "scenario (median)",
    "counterfactual (median)",
    "effect (median)",
    "effect 5–95%",
    "effect > 0",
)


def label(outcome: str) -> tuple[str, str]:
    """(name, unit) of an effects row: the charts' labels, with pairs written A → B."""
    if outcome.startswith("final_commitment_"):
        a, _, b = outcome.removeprefix("final_commitment_").partition("_")
        return f"final commitment, {a} → {b}", "commitment level"
    return outcome_parts(outcome)


def _num(value: float, digits: int, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text.replace("-", "−")  # a real minus sign lines up with the plus


def effects_display(table: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """One row per outcome, every cell a string ready to show."""
    rows = []
    for rec in table.to_dict("records"):
        name, unit = label(str(rec["outcome"]))
        lo, hi = (_num(rec[k], digits, signed=True) for k in ("effect_p5", "effect_p95"))
        rows.append(
            (
                name,
                unit,
                _num(rec["scenario_median"], digits),
                _num(rec["counterfactual_median"], digits),
                _num(rec["effect_median"], digits, signed=True),
                f"[{lo}, {hi}]",
                f"{100 * rec['share_positive']:.0f}% of {int(rec['replications'])}",
            )
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))
