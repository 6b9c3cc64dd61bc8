"""The robustness report's "One at a time" section, read from oat.csv (sim/jobs/oat.py).

Why: the joint draws say how often a conclusion survives; reviewers also ask which single
coefficient it hangs on. The section names every knife edge plainly and, per headline
effect, the coefficient that moves it most, so nothing has to be read off the chart.
"""

from __future__ import annotations

import pandas as pd

from sim.report.render import Section, Table
from sim.results.folder import ResultsFolder, count
from sim.results.labels import outcome_label
from sim.results.precision import fmt

STRUCTURE = {
    "re-settled": "the start re-settled under each change",
    "nominal": "the structural terms held at nominal (the stricter test)",
}


def _name(outcome: str) -> str:
    return "P(crisis)" if outcome == "crisis" else outcome_label(outcome, unit=False)


def _edge_rows(oat: pd.DataFrame) -> list[list[object]]:
    edges = oat[oat["knife_edge"]]
    edges = edges.reindex(edges["change"].abs().sort_values(ascending=False).index)
    rows = []
    for r in edges.itertuples():
        level = ""
        if r.outcome == "crisis":
            level = f" (P(crisis) {fmt(r.nominal_level, 2)} → {fmt(r.level, 2)})"
        rows.append([
            r.coefficient, f"×{r.factor:g} ({fmt(r.nominal_value, 3)} → {fmt(r.value, 3)})",
            _name(r.outcome), fmt(r.nominal_effect, 3, True), fmt(r.effect_median, 3, True),
            f"{r.reason}{level}",
        ])  # fmt: skip
    return rows


def _mover_rows(oat: pd.DataFrame) -> list[list[object]]:
    """Per headline outcome: the nominal effect, the coefficient and factor that move it
    most, and the span of effects over every single change."""
    rows = []
    for outcome, g in oat.groupby("outcome", sort=False):
        top = g.loc[g["change"].abs().idxmax()]
        span = (
            f"{fmt(g['effect_median'].min(), 3, True)} to {fmt(g['effect_median'].max(), 3, True)}"
        )
        rows.append([
            _name(str(outcome)), fmt(top["nominal_effect"], 3, True),
            f"{top['coefficient']} ×{top['factor']:g}", fmt(top["effect_median"], 3, True), span,
            f"{g['sign_held'].mean():.0%}",
        ])  # fmt: skip
    return rows


def oat_section(res: ResultsFolder) -> Section | None:
    """The section (None for a folder made without --one-at-a-time)."""
    oat = res.table("oat")
    if oat is None or oat.empty:
        return None
    settings = res.manifest.get("one_at_a_time") or {}
    factors = ", ".join(f"×{f:g}" for f in sorted(oat["factor"].unique()))
    n = settings.get("replications")
    reps = f", {count(n, 'replication')} each" if n else ""
    structure = STRUCTURE.get(str(res.manifest.get("structure")), "")
    edges = int(oat["knife_edge"].sum())
    note = (
        f"Each of {oat['coefficient'].nunique()} coefficients moved alone by {factors} of its "
        f"value (clipped to its documented range), all others nominal{reps}, "
        f"{structure + ', ' if structure else ''}on the nominal replications and shocks, so a "
        "change is the coefficient's own doing. A knife edge is a nonzero nominal effect that "
        "flips sign or vanishes, or a crisis effect or P(crisis) that moves by more than 0.5. "
        + (f"{count(edges, 'knife edge')}: listed below." if edges else "No knife edges.")
    )
    tables = []
    if edges:
        tables.append(Table(["coefficient", "change", "outcome", "nominal effect",
                             "effect", "why"], _edge_rows(oat), (3, 4)))  # fmt: skip
    tables.append(Table(["outcome", "nominal effect", "moved most by", "its effect",
                         "effects over all changes", "changes keeping the sign"],
                        _mover_rows(oat), (1, 3, 5)))  # fmt: skip
    return Section("One at a time", [note], tables)
