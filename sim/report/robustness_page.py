"""The robustness report: its summary sentence and its sections (design, what survives,
regime probabilities with their uncertainty, and re-settled vs held structure).

Why: the page was titled like a sweep, printed effects to 17 digits and "nan", and never
said whether the start was re-settled per draw, the one choice that decides how strict the
test is (issue 16). Everything here is read from the folder (robustness.csv, regimes.csv,
structures.csv) through `ResultsFolder`.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.report.render import Section, Table
from sim.results.folder import ResultsFolder, count
from sim.results.labels import outcome_label
from sim.results.precision import digits_for, fmt

KEEPS = 0.9  # a conclusion kept in this share of draws is not a knife edge
DASH_NOTE = (
    "– : not defined. The outcome class has no sign or size, only whether the draw's most "
    "common class is the nominal one."
)
STRUCTURES = {
    "re-settled": "The structural terms were re-settled in every draw (the start recomputed "
    "under the draw's coefficients), so a draw moves only the response to events; holding "
    "them at nominal (--hold-structure) is the stricter test.",
    "nominal": "The structural terms were held at their nominal values (not re-settled per "
    "draw), so a draw also moves the start away from its fixed point: the stricter test.",
}


def _pct(p: float) -> str:
    return "–" if not math.isfinite(p) else f"{p:.0%}"


def effect_shares(res: ResultsFolder) -> pd.DataFrame:
    """The headline effects' rows of robustness.csv (no class, no regime rows)."""
    shares = res.table("shares")
    if shares is None or shares.empty:
        return pd.DataFrame()
    special = shares["outcome"].str.startswith("draws_") | (shares["outcome"] == "outcome_class")
    return shares[~special]


def class_share(res: ResultsFolder) -> float:
    shares = res.table("shares")
    if shares is None or shares.empty:
        return math.nan
    row = shares[shares["outcome"] == "outcome_class"]
    return float(row["share_same_sign"].iloc[0]) if len(row) else math.nan


def class_name(res: ResultsFolder) -> str:
    name = res.manifest.get("nominal_class")
    return f"the outcome class (“{name}”)" if name else "the most common outcome class"


def perturbed_words(res: ResultsFolder) -> str:
    """What each draw changes, in words."""
    m = res.manifest
    if m.get("posterior"):
        return f"each draw takes one coefficient set from the posterior {m['posterior']}"
    spread = float(m.get("spread") or 0)
    return (
        f"each draw moves every model coefficient independently and uniformly within "
        f"±{spread:.0%} of its value (clipped to its documented range)"
    )


def percent(p: float, se: float) -> str:
    """A probability as a percentage, to the digits its Monte Carlo error supports."""
    return fmt(100 * p, digits_for(100 * se)) + "%" if math.isfinite(p) else "–"


def points(se: float) -> str:
    """A Monte Carlo standard error in percentage points, to its own first digit."""
    return f"{fmt(100 * se, digits_for(100 * se))} pp"


def regime_words(res: ResultsFolder) -> str:
    """Each regime's probability at the nominal coefficients with its Monte Carlo error,
    and its mean and 5–95% range over the draws (empty without regimes.csv)."""
    reg = res.table("regimes")
    if reg is None or reg.empty:
        return ""
    bits = []
    for r in reg.itertuples():
        bits.append(
            f"{r.regime} {percent(r.nominal, r.mc_se)} ± {points(r.mc_se)} at the nominal "
            f"coefficients (Monte Carlo s.e.), {percent(r.draws_mean, r.mc_se)} on average "
            f"over the draws (5–95%: {percent(r.draws_p5, r.mc_se)} to "
            f"{percent(r.draws_p95, r.mc_se)})"
        )
    return "Headline regime probabilities in the scenario: " + "; ".join(bits) + "."


def robustness_summary(res: ResultsFolder) -> str:
    """The opening paragraph: what was perturbed, how many draws, the share of draws that
    keep each headline effect's sign and the outcome class, the structure, the regimes."""
    m = res.manifest
    label = (m.get("counterfactual") or {}).get("label")
    cf = f"“{label}”" if label else "its counterfactual"
    text = (
        f"This report asks whether the conclusions of “{res.scenario_title}” survive "
        f"changes of its coefficients: {perturbed_words(res)}; {m['draws']} draws × "
        f"{count(m['replications_per_draw'], 'replication')}, each against {cf} with "
        "common random numbers."
    )
    if m.get("structure") in STRUCTURES:
        text += " " + STRUCTURES[m["structure"]]
    eff = effect_shares(res)
    if not eff.empty:
        words = [
            f"{outcome_label(str(r.outcome), unit=False)} {_pct(r.share_same_sign)}"
            for r in eff.itertuples()
        ]
        kept = int((eff["share_same_sign"] >= KEEPS).sum())
        text += (
            " Share of draws in which each headline effect keeps its sign: "
            + "; ".join(words)
            + f" ({kept} of {len(eff)} in at least {KEEPS:.0%} of draws)."
        )
    share = class_share(res)
    if math.isfinite(share):
        text += f" {class_name(res).capitalize()} holds in {_pct(share)} of draws"
        text += "." if share >= KEEPS else f", under the {KEEPS:.0%} line: a knife edge."
    regimes = regime_words(res)
    return f"{text} {regimes}" if regimes else text


def robustness_rows(res: ResultsFolder) -> list[list[object]]:
    rows = []
    for r in effect_shares(res).itertuples():
        span = f"{fmt(r.effect_p5, 3, True)} to {fmt(r.effect_p95, 3, True)}"
        rows.append(
            [outcome_label(str(r.outcome)), fmt(r.nominal_effect, 3, True), _pct(r.share_same_sign),
             "–" if span.startswith("–") else span]
        )  # fmt: skip
    share = class_share(res)
    if math.isfinite(share):
        rows.append([class_name(res), "–", _pct(share), "–"])
    return rows


def regime_section(res: ResultsFolder) -> Section | None:
    reg = res.table("regimes")
    if reg is None or reg.empty:
        return None
    shares = res.table("shares")
    ge_half = {}
    if shares is not None:
        for key, label in (("crisis", "P(crisis)"), ("war", "P(war)")):
            row = shares[shares["outcome"] == f"draws_p_{key}_ge_half"]
            ge_half[label] = _pct(float(row["share_same_sign"].iloc[0])) if len(row) else "–"
    rows = [
        [r.regime, f"{percent(r.nominal, r.mc_se)} ± {points(r.mc_se)}",
         percent(r.draws_mean, r.mc_se),
         " – ".join(percent(v, r.mc_se) for v in (r.draws_p5, r.draws_median, r.draws_p95)),
         ge_half.get(r.regime, "–")]
        for r in reg.itertuples()
    ]  # fmt: skip
    headers = ["regime", "nominal ± Monte Carlo s.e.", "mean over draws", "draws 5% – 50% – 95%",
               "draws with P ≥ 50%"]  # fmt: skip
    note = (
        "The probability that a replication reaches a crisis (or a war) in the scenario: at "
        "the nominal coefficients with its binomial Monte Carlo error, and across the draws "
        "(the probability with the coefficients uncertain). Digits finer than the Monte "
        "Carlo error are not shown."
    )
    return Section("Regime probabilities", [note], [Table(headers, rows, (1, 2, 3, 4))])


def _band(row: pd.Series, key: str) -> str:
    """'10% (0% to 54%)': a regime's mean over the draws and their 5–95% range."""
    se = row[f"{key}_mc_se"]
    lo, hi = percent(row[f"{key}_p5"], se), percent(row[f"{key}_p95"], se)
    return f"{percent(row[f'{key}_mean'], se)} ({lo} to {hi})"


def structure_section(res: ResultsFolder) -> Section | None:
    frame = res.table("structures")
    if frame is None or frame.empty:
        return None
    keep = [c for c in frame.columns if c.startswith("keep_") and c != "keep_outcome_class"]
    rows = []
    for _, r in frame.iterrows():
        weakest = min(keep, key=lambda c: r[c])
        band = {k: _band(r, k) for k in ("p_crisis", "p_war")}
        rows.append([r["source"], r["structure"], _pct(r[weakest]),
                     outcome_label(weakest[5:], unit=False), _pct(r["keep_outcome_class"]),
                     band["p_crisis"], band["p_war"]])  # fmt: skip
    headers = ["box", "start", "weakest headline kept", "weakest headline",
               "outcome class kept", "P(crisis): mean over draws (5% to 95%)",
               "P(war): mean (5% to 95%)"]  # fmt: skip
    note = (
        "The same draws with the start re-settled per draw and with the structural terms "
        "held at nominal (MODEL.md §12). Where the held rows fall below the re-settled ones, "
        "the re-settled start was absorbing part of each draw."
    )
    return Section("Re-settled vs held structure", [note], [Table(headers, rows, (2, 4, 5, 6))])


def robustness_sections(res: ResultsFolder) -> tuple[list[Section], int]:
    m = res.manifest
    design = Section(
        "Design",
        [
            f"{count(m['draws'], 'draw')}; {perturbed_words(res)}, and runs "
            f"{count(m['replications_per_draw'], 'replication')} of the scenario and of its "
            "counterfactual with common random numbers. The outcome thresholds (crisis, war) "
            "stay fixed: they define the outcomes."
            + (" " + STRUCTURES[m["structure"]] if m.get("structure") in STRUCTURES else "")
        ],
    )  # fmt: skip
    if effect_shares(res).empty:
        design.notes.append("No robustness.csv rows in this folder.")
        return [design], 1
    table = Table(
        ["outcome", "nominal effect", "share of draws keeping it", "draws 5–95%"],
        robustness_rows(res),
        (1, 2, 3),
    )
    result = Section(
        "What survives",
        [
            f"A conclusion that holds in at least {KEEPS:.0%} of draws is not a knife edge. For "
            "an effect, “keeping it” means the draw's median paired effect has the nominal sign "
            "(an effect under 0.001, or 1 point for P(crisis), counts as zero)."
        ],
        [table],
        footnotes=[DASH_NOTE],
    )
    from sim.report.oat_page import oat_section

    sections = (regime_section(res), structure_section(res), oat_section(res))
    extra = [s for s in sections if s is not None]
    return [design, result, *extra], 2
