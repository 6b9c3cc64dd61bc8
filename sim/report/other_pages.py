"""The sections of calibration reports, and what the calibration and hindcast pages share:
readable cells and the per-observation interval table (robustness and hindcast pages have
their own modules)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.report.render import Section, Table
from sim.results.folder import ResultsFolder, count
from sim.results.labels import calibration_method, coefficient_label


def cell(value: Any, digits: int = 3) -> str:
    """A table cell a reader can read: '–' for a missing number, never 'nan' or 'None'."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    text = str(value)
    return "–" if text.lower() in ("nan", "none", "") else text


# ---------------------------------------------------------------------- calibration
def calibration_sections(res: ResultsFolder) -> tuple[list[Section], int]:
    from sim.observe.report import posterior_summary

    m = res.manifest
    names = [str(n) for n in m["coefficients"]]
    setup = Section(
        "Set-up",
        [
            f"Spec {m.get('spec') or '–'}; episodes: {', '.join(m['episodes'])}. Observations "
            f"outside every episode (not used): {len(m.get('not_covered') or [])}."
        ],
    )
    out = [setup]
    post = res.table("posterior")
    if post is not None and not post.empty:
        summ = posterior_summary(post, names)
        rows = [
            [
                coefficient_label(r.coefficient),
                r.coefficient,
                cell(r.mean),
                cell(r.q05),
                cell(r.median),
                cell(r.q95),
            ]
            for r in summ.itertuples()
        ]
        out.append(
            Section(
                "Posterior",
                ["Weighted over the last generation's particles."],
                [Table(["coefficient", "name", "mean", "5%", "median", "95%"], rows, (2, 3, 4, 5))],
            )
        )
    diag = res.table("diagnostics")
    if diag is not None and not diag.empty:
        rows = [[cell(v) for v in r] for r in diag.itertuples(index=False)]
        out.append(
            Section(
                f"{calibration_method(res.manifest)} diagnostics",
                tables=[
                    Table(
                        [c.replace("_", " ") for c in diag.columns],
                        rows,
                        tuple(range(len(diag.columns))),
                    )
                ],
            )
        )
    ppc = res.table("predictive_check")
    if ppc is not None and not ppc.empty:
        out.append(Section("Posterior predictive check", *interval_tables(ppc)))
    return out, 1


# ---------------------------------------------------------------------- per observation
INTERVAL_COLUMNS = (
    "id",
    "kind",
    "actors",
    "period",
    "observed",
    "median",
    "q05",
    "q95",
    "in50",
    "in90",
    "crps",
    "direction_observed",
    "direction_model",
)


def interval_tables(table: pd.DataFrame) -> tuple[list[str], list[Table]]:
    """(notes, tables): coverage in words, then one row per scored observation."""
    from sim.observe.scoring import coverage

    c = coverage(table)
    scored = table[table["scored"]] if "scored" in table else table
    notes = [
        f"{count(c['observations'], 'observation')} scored. Inside the 50% predictive "
        "interval: "
        f"{_share(c['coverage50'])} (a calibrated model: about 50%); inside the 90% interval: "
        f"{_share(c['coverage90'])} (about 90%). Mean CRPS {cell(c['mean_crps'])} (lower is "
        "better, in the observation's units)."
    ]
    rows = []
    for r in scored.to_dict("records"):
        rows.append(
            [
                cell(r.get("id")),
                cell(r.get("kind")).replace("_", " "),
                cell(r.get("actors")),
                cell(r.get("period")),
                cell(r.get("observed")),
                f"{cell(r.get('median'))} ({cell(r.get('q05'))} to {cell(r.get('q95'))})",
                cell(bool(r.get("in50"))),
                cell(bool(r.get("in90"))),
                cell(r.get("crps")),
                _direction(r),
            ]
        )
    headers = [
        "observation",
        "kind",
        "actors",
        "period",
        "observed",
        "model median (90%)",
        "in 50%",
        "in 90%",
        "CRPS",
        "direction observed / model",
    ]
    return notes, [Table(headers, rows, (4, 5, 8))]


def _share(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{x:.0%}"


def _direction(r: dict) -> str:
    obs, mod = cell(r.get("direction_observed")), cell(r.get("direction_model"))
    return "–" if obs == "–" else f"{obs} / {mod}"
