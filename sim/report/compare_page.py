"""The sections of compare and sweep reports."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.plots.data import pick_outcomes
from sim.report.render import Section, Table
from sim.results.folder import ResultsFolder
from sim.results.labels import key_label, outcome_label
from sim.results.precision import effect_text, fmt, range_digits

SYSTEM_KEYS = ("crisis", "war", "final_distancing", "peak_frustration")


def compare_sections(res: ResultsFolder) -> tuple[list[Section], int]:
    m = res.manifest
    ref = m.get("reference") or (m.get("scenarios") or [{}])[0].get("name")
    rows = [
        [
            s.get("name", "") + (" (reference)" if s.get("name") == ref else ""),
            s.get("title") or "–",
            s.get("question") or "–",
            s.get("file") or "–",
        ]
        for s in m.get("scenarios", [])
    ]
    if res.common_random_numbers:
        note = (
            "Every scenario ran with the same seed, replications and steps, so replication r "
            "shares its random numbers across scenarios; differences are paired by "
            "replication (common random numbers)."
        )
    else:
        note = (
            "Every scenario ran with the same seed, replications and steps and differences "
            "are paired by replication, but the scenarios' random numbers differ: the "
            "differences include that noise."
        )
    first = Section(
        "Scenarios compared", [note], [Table(["scenario", "title", "question", "file"], rows)]
    )
    comp = res.comparison
    if comp is None or comp.empty:
        return [first], 1
    outcomes = [o for o in dict.fromkeys(comp["outcome"]) if not res.hidden_outcome(o)]
    shown = res.shown_actors()
    keys = [f"peak_escalation_{a}" for a in shown if f"peak_escalation_{a}" in outcomes]
    keys += [o for o in SYSTEM_KEYS if o in outcomes]
    key = Section(
        "Key outcomes",
        [
            "Median (5th–95th percentile) across replications; Δ is the median (5th–95th "
            "percentile) of the paired difference from the reference. For crisis and war (0/1 "
            "per replication) the share of replications is shown."
        ],
        [comparison_table(comp, keys, res.replications, ref)],
    )
    every = Section(
        "All compared outcomes", tables=[comparison_table(comp, outcomes, res.replications, ref)]
    )
    return [first, key, every], 2


def comparison_table(comp: pd.DataFrame, outcomes: list[str], n: int | None,
                     reference: str | None = None) -> Table:  # fmt: skip
    """One row per outcome and scenario. A row without a difference is the reference's, or
    an outcome the reference lacks (an actor only another scenario has): the Δ column says
    which, instead of calling every such scenario "the reference"."""
    rows = []
    for o in outcomes:
        for r in comp[comp["outcome"] == o].itertuples(index=False):
            rd = r._asdict()
            if o in ("crisis", "war") and "mean" in rd:
                level = f"{rd['mean']:.0%}"
                diff = rd.get("diff_mean", np.nan)
                delta = fmt(100 * diff, 0, signed=True) + " pp" if np.isfinite(diff) else "–"
            else:
                d = range_digits(rd["lo"], rd["hi"], n)
                level = f"{fmt(rd['median'], d)} ({fmt(rd['lo'], d)} to {fmt(rd['hi'], d)})"
                if np.isfinite(rd["diff_median"]):
                    delta = effect_text(rd["diff_median"], rd["diff_lo"], rd["diff_hi"], n)
                elif reference is None or rd["scenario"] == reference:
                    delta = "– (the reference)"
                else:
                    delta = f"– ({reference} has no such value)"
            rows.append([outcome_label(o), rd["scenario"], level, delta])
    return Table(["outcome", "scenario", "value", "Δ vs reference"], rows, (2, 3))


def sweep_sections(res: ResultsFolder) -> tuple[list[Section], int]:
    m = res.manifest
    out: list[Section] = []
    if res.scenario.get("question"):
        out.append(
            Section("The question of the base scenario", question=str(res.scenario["question"]))
        )
    facts = [
        ["scenario", m.get("scenario") or "–"],
        ["design", m.get("design") or "–"],
        ["design points", m.get("n_points") or "–"],
        ["replications per point", m.get("replications") or "–"],
        ["runs", m.get("n_runs") or "–"],
    ]
    design = Section("Design", tables=[Table(["item", "value"], facts)])
    rows = []
    for p in m.get("parameters") or []:
        values = p.get("values")
        span = (
            ", ".join(map(str, values))
            if values
            else f"{p.get('low', '–')} to {p.get('high', '–')}"
        )
        rows.append(
            [key_label(str(p.get("path", "?"))), p.get("path", "?"), p.get("kind") or "–", span]
        )
    if rows:
        design.tables.append(Table(["parameter", "key path", "kind", "values"], rows))
    out.append(design)
    bp = res.by_point
    if bp is not None and not bp.empty:
        paths = [p for p in res.parameter_paths() if p in bp]
        numeric = [
            c
            for c in bp.columns
            if c not in (*paths, "point")
            and pd.api.types.is_numeric_dtype(bp[c])
            and not res.hidden_outcome(c)
        ]
        keys = pick_outcomes([c for c in numeric if bp[c].nunique() > 1], 8)
        rows = [
            [outcome_label(o), fmt(bp[o].min(), 3), fmt(bp[o].median(), 3), fmt(bp[o].max(), 3)]
            for o in keys
        ]
        out.append(
            Section(
                "Outcomes across design points",
                tables=[
                    Table(
                        ["outcome (mean per point)", "lowest", "median", "highest"], rows, (1, 2, 3)
                    )
                ],
            )
        )
    before = len(out)
    for name, frame, cols in (
        ("Sobol indices", res.sobol, ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]),
        (
            "Morris screening",
            res.morris,
            ["outcome", "parameter", "mu_star", "mu_star_conf", "sigma"],
        ),
        (
            "PRIM boxes",
            res.prim,
            ["outcome", "box", "parameter", "low", "high", "coverage", "density"],
        ),
    ):
        if frame is None or frame.empty:
            continue
        shown = [c for c in cols if c in frame]
        rows = []
        for r in frame[shown].itertuples(index=False):
            cells = dict(zip(shown, r, strict=True))
            if "outcome" in cells:
                cells["outcome"] = outcome_label(str(cells["outcome"]))
            if "parameter" in cells:
                cells["parameter"] = key_label(str(cells["parameter"]))
            rows.append([f"{v:.3g}" if isinstance(v, float) else v for v in cells.values()])
        nums = tuple(i for i, c in enumerate(shown) if c not in ("outcome", "parameter"))
        out.append(Section(name, tables=[Table(shown, rows, nums)]))
    return out, before
