"""The sections of robustness, calibration and hindcast reports."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.report.render import Section, Table
from sim.results.folder import ResultsFolder
from sim.results.labels import calibration_method, coefficient_label, outcome_label

KEEPS = 0.9  # a conclusion kept in this share of draws is not a knife edge


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


# ---------------------------------------------------------------------- robustness
def robustness_rows(shares: pd.DataFrame) -> list[list[object]]:
    rows = []
    for r in shares.itertuples():
        if r.outcome.startswith("draws_"):
            what = "P(crisis) ≥ 0.5" if "crisis" in r.outcome else "P(war) ≥ 0.5"
            rows.append([f"draws with {what}", "–", f"{r.share_same_sign:.0%}", "–"])
            continue
        name = "outcome class" if r.outcome == "outcome_class" else outcome_label(r.outcome)
        span = "–" if pd.isna(r.effect_p5) else f"{r.effect_p5:+.3f} to {r.effect_p95:+.3f}"
        nominal = "–" if pd.isna(r.nominal_effect) else f"{r.nominal_effect:+.3f}"
        rows.append([name, nominal, f"{r.share_same_sign:.0%}", span])
    return rows


def robustness_sections(res: ResultsFolder) -> tuple[list[Section], int]:
    m = res.manifest
    shares = res.table("shares")
    spread = float(m.get("spread") or 0)
    design = Section(
        "Design",
        [
            f"{m['draws']} draws; each moves every model coefficient independently and uniformly "
            f"within ±{spread:.0%} of its value (clipped to its documented range) and runs "
            f"{m['replications_per_draw']} replications of the scenario and of its counterfactual "
            "with common random numbers. The outcome thresholds (crisis, war) stay fixed: they "
            "define the outcomes."
        ],
    )
    if shares is None or shares.empty:
        design.notes.append("No robustness.csv in this folder.")
        return [design], 1
    table = Table(
        ["outcome", "nominal effect", "share of draws keeping it", "draws 5–95%"],
        robustness_rows(shares),
        (1, 2, 3),
    )
    result = Section(
        "What survives",
        [
            f"A conclusion that holds in at least {KEEPS:.0%} of draws is not a knife edge. For an "
            "effect, “keeping it” means the draw's median paired effect has the nominal sign "
            "(an effect under 0.001, or 1 point for P(crisis), counts as zero)."
        ],
        [table],
    )
    return [design, result], 2


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


# ---------------------------------------------------------------------- hindcast
def hindcast_sections(res: ResultsFolder) -> tuple[list[Section], int]:
    m = res.manifest
    posterior = m.get("posterior")
    setup = Section(
        "Set-up",
        [
            f"Scenario {m.get('scenario_file') or m['scenario']}; observations "
            f"{m.get('observations') or '–'}; coefficients: "
            + (f"posterior {posterior}" if posterior else "the scenario's own (no posterior)")
            + f". Observations outside the scenario's window: {len(m.get('not_covered') or [])}."
        ],
    )
    table = res.table("hindcast")
    if table is None or table.empty:
        setup.notes.append("No hindcast.csv rows in this folder.")
        return [setup], 1
    return [setup, Section("Scores", *interval_tables(table))], 1


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
        f"{c['observations']} observations scored. Inside the 50% predictive interval: "
        f"{_share(c['coverage50'])} (a calibrated model: about 50%); inside the 90% interval: "
        f"{_share(c['coverage90'])} (about 90%). Mean CRPS {cell(c['mean_crps'])} (lower is "
        "better, in the observation's units)."
    ]
    rows = []
    for r in scored.to_dict("records"):
        rows.append(
            [
                cell(r.get("id")),
                cell(r.get("kind")),
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
