"""Checks of a robustness folder's signs and of its one-at-a-time table (oat.csv), on read.

Why (round 12): `robustness.csv`'s `nominal_sign` was checked to be −1, 0 or 1 but not to
agree with its `nominal_effect`, and `oat.csv` (sim/jobs/oat.py) was checked for its key
columns only: an effect of NaN, a coefficient outside its bounds, a factor the run never
used, a knife edge without a reason were charted and reported, exit 0. Each value is held to
what the writer can produce, the signs with the writer's own zero tolerances
(`sim/jobs/robustness.sign`) and the knife edges with its own rule (`knife_reasons`).
Called by sim/results_checks._check_robustness; each failure is one line naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.table_checks import check_values, fail
from sim.value_ranges import effect_range, level_range

UNSIGNED = ("outcome_class", "draws_p_")  # rows the writer gives nominal_sign 0
FLAGS = ("clipped", "sign_held", "knife_edge")


def check_nominal_signs(path: Path, frame: pd.DataFrame) -> None:
    """Each effect row's `nominal_sign` is the sign of its `nominal_effect` (0 within the
    writer's tolerance of 0: 1e-3, a point for the crisis share); the outcome class and the
    P(crisis), P(war) rows have none (0)."""
    from sim.jobs.robustness import sign

    if "nominal_sign" not in frame.columns:
        return
    for row in frame.itertuples(index=False):
        outcome = str(row.outcome)
        want = 0 if outcome.startswith(UNSIGNED) else sign(float(row.nominal_effect), outcome)
        if int(row.nominal_sign) != want:
            fail(path, f"column nominal_sign ({outcome}): {int(row.nominal_sign)}, expected "
                 f"{want} (the sign of nominal_effect {float(row.nominal_effect):g})")  # fmt: skip


def check_oat(path: Path, frame: pd.DataFrame, oat: Any) -> None:
    """What sim/jobs/oat.py writes: known coefficients (not the fixed thresholds) with their
    mechanism, the manifest's factors, the nominal and moved values within the coefficient's
    bounds, effects within `effect_range` and levels within the outcome's range, flags True
    or False, the signs, `sign_held`, `knife_edge` and `reason` as the writer derives them."""
    from sim.oat_rules import COLUMNS

    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        fail(path, f"missing column(s) {', '.join(missing)}")
    for name in FLAGS:
        bad = [v for v in frame[name].tolist() if str(v) not in ("True", "False")]
        if bad or frame[name].dtype != bool:
            fail(path, f"column {name}: {bad[0] if bad else 'text'!r}; expected True or False")
    factors = oat.get("factors") if isinstance(oat, dict) else None
    check_values(path, "factor", frame["factor"].to_numpy(float), 0.0, np.inf)
    if isinstance(factors, list) and not np.isin(frame["factor"], factors).all():
        bad = frame["factor"][~np.isin(frame["factor"], factors)].iloc[0]
        fail(path, f"column factor: {bad:g} is not among the manifest's factors {factors}")
    groups = frame.groupby(["coefficient", "outcome"], sort=False, dropna=False)
    for (coefficient, outcome), rows in groups:
        _check_coefficient(path, str(coefficient), rows)
        _check_effects(path, str(outcome), rows)


def _check_coefficient(path: Path, name: str, rows: pd.DataFrame) -> None:
    from sim.jobs.robustness import FIXED
    from sim.parameters import PARAMETERS

    if name not in PARAMETERS or name in FIXED:
        fail(path, f"column coefficient: {name!r} is not a coefficient the model perturbs")
    p = PARAMETERS[name]
    wrong = rows["mechanism"][rows["mechanism"].astype(str) != p.mechanism]
    if len(wrong):
        fail(path, f"column mechanism ({name}): {wrong.iloc[0]!r}, expected {p.mechanism!r}")
    for column in ("nominal_value", "value"):
        check_values(path, f"{column} ({name})", rows[column].to_numpy(float), p.lo, p.hi)
    moved = rows["nominal_value"].to_numpy(float) * rows["factor"].to_numpy(float)
    off = ~np.isclose(rows["value"].to_numpy(float), np.clip(moved, p.lo, p.hi), rtol=1e-12)
    off |= rows["clipped"].to_numpy(bool) != (rows["value"].to_numpy(float) != moved)
    if off.any():
        r = rows[off].iloc[0]
        fail(path, f"columns value, clipped ({name}): {r['value']:g}, {r['clipped']} for "
             f"{r['nominal_value']:g} × {r['factor']:g} within [{p.lo:g}, {p.hi:g}]")  # fmt: skip


def _check_effects(path: Path, outcome: str, rows: pd.DataFrame) -> None:
    from sim.jobs.robustness import sign
    from sim.oat_rules import knife_reasons

    lo, hi = effect_range(outcome)
    for column in ("nominal_effect", "effect_median", "effect_p5", "effect_p95"):
        check_values(path, f"{column} ({outcome})", rows[column].to_numpy(float), lo, hi)
    change = rows["change"].to_numpy(float)
    check_values(path, f"change ({outcome})", change, 2 * lo, 2 * hi)
    moved = rows["effect_median"].to_numpy(float) - rows["nominal_effect"].to_numpy(float)
    if not np.isclose(change, moved, rtol=1e-9, atol=1e-12).all():
        first = change[~np.isclose(change, moved, rtol=1e-9, atol=1e-12)][0]
        fail(path, f"column change ({outcome}): {first:g}, not effect_median − nominal_effect")
    for column in ("nominal_level", "level"):
        check_values(path, f"{column} ({outcome})", rows[column].to_numpy(float),
                     *level_range(outcome))  # fmt: skip
    for r in rows.itertuples(index=False):
        want = sign(r.nominal_effect, outcome), sign(r.effect_median, outcome)
        for column, of, expected in (("nominal_sign", "nominal_effect", want[0]),
                                     ("sign", "effect_median", want[1])):  # fmt: skip
            if getattr(r, column) != expected:
                fail(path, f"column {column} ({outcome}): {getattr(r, column)}, expected "
                     f"{expected} (the sign of {of} {getattr(r, of):g})")  # fmt: skip
        if r.sign_held != (want[0] == want[1]):
            fail(path, f"column sign_held ({outcome}): {r.sign_held}, but the signs are "
                 f"{want[0]} and {want[1]}")  # fmt: skip
        reasons = knife_reasons(outcome, want[0], want[1], r.change, r.level - r.nominal_level)
        reason = "" if pd.isna(r.reason) else str(r.reason)
        if r.knife_edge != bool(reasons) or reason != "; ".join(reasons):
            fail(path, f"columns knife_edge, reason ({outcome}): {r.knife_edge}, {reason!r}; "
                 f"the row's effects give {bool(reasons)}, {'; '.join(reasons)!r}")  # fmt: skip
