"""The sections of a hindcast report: set-up, the model beside the three null forecasters
(per kind and pooled, with the verdict in words), then every scored observation.

Why: the page was one wide table of raw columns that said "posterior None" and never
compared the model with anything; a reader must see first whether the model beats
persistence, a linear trend and the events-only world, and where it loses. The skill is
computed in one place (sim/observe/scoring.py: null_skill → skill_table).
"""

from __future__ import annotations

import pandas as pd

from sim.observe.scoring import (
    DESIGN_COLUMNS,
    FORECASTERS,
    NULLS,
    no_skill_reason,
    null_scope,
    null_skill,
)
from sim.observe.significance import interval_words, null_skill_intervals
from sim.observe.verdict import pooled_verdict, signed, verdict
from sim.report.other_pages import cell, interval_tables
from sim.report.render import Section, Table
from sim.results.folder import ResultsFolder, count

HEADER_NAMES = {"model": "model", "persistence": "persistence", "trend": "trend",
                "events_only": "events-only"}  # fmt: skip
POOLED_NOTE = (
    "– in the pooled row: CRPS is in each kind's own unit (launches, votes, …), so only the "
    "skill is pooled, as 1 − Σ n_k·(CRPS model/CRPS null)_k / Σ n_k."
)


def coefficients_words(manifest: dict) -> str:
    """'hand-set coefficients (no posterior)' or 'coefficients drawn from the posterior X'."""
    post = manifest.get("posterior")
    if post:
        return f"coefficients drawn from the posterior {post}"
    return "hand-set coefficients (the scenario's own; no posterior)"


DESIGNS = {  # the forecast designs besides the plain model (sim/observe/designs.py)
    "filtered": "the model's state is conditioned on the observations up to the end of the "
    "year before each observation (a particle filter), then run forward",
    "anomaly": "the last observed value plus the change the model predicts from that origin",
    "tracked": "filtered as above, with the structural drives and preferences following "
    "random walks so that the filter conditions the structure too",
}


def skill_frame(res: ResultsFolder, design: str = "plain") -> pd.DataFrame:
    """The folder's skill table of one design (empty when the folder lacks its scores)."""
    table = res.table("hindcast")
    if table is None or DESIGN_COLUMNS[design] not in table:
        return pd.DataFrame()
    return null_skill(table, design)


def design_verdicts(res: ResultsFolder) -> list[str]:
    """One verdict per forecast design the folder scored besides the plain model."""
    out = []
    for design in DESIGNS:
        skill = skill_frame(res, design)
        if not skill.empty:
            out.append(pooled_verdict(skill, f"The {design} forecast"))
    return out


def design_section(res: ResultsFolder) -> Section | None:
    """The other designs' pooled skill beside the plain model's."""
    rows = []
    for design in ("plain", *DESIGNS):
        skill = skill_frame(res, design)
        if skill.empty:
            continue
        pooled = skill.set_index("kind").loc["pooled"]
        rows.append([design, int(pooled["observations"])]
                    + [signed(pooled[f"skill vs {n}"]) for n in NULLS])  # fmt: skip
    if len(rows) < 2:
        return None
    headers = ["design", "observations", *(f"skill vs {HEADER_NAMES[n]}" for n in NULLS)]
    notes = [
        *design_verdicts(res),
        " ".join(f"{name.capitalize()}: {text}." for name, text in DESIGNS.items()),
        "Pooled skill on the observations every null and every design can forecast. "
        "docs/validation.md finds the anomaly design's gains over the plain model to be "
        "persistence's, not the dynamics'.",
    ]
    return Section("Forecast designs", notes, [Table(headers, rows, (1, 2, 3, 4))])


def skill_rows(skill: pd.DataFrame) -> list[list[object]]:
    rows = []
    for _, r in skill.iterrows():
        kind = "all kinds (pooled)" if r["kind"] == "pooled" else str(r["kind"]).replace("_", " ")
        rows.append(
            [kind, int(r["observations"])]
            + [cell(r[f"CRPS {f}"]) for f in FORECASTERS]
            + [signed(r[f"skill vs {n}"]) if pd.notna(r[f"skill vs {n}"]) else "–" for n in NULLS]
        )
    return rows


def skill_section(res: ResultsFolder) -> Section:
    """Model beside the nulls, per kind and pooled, opening with the verdict."""
    skill = skill_frame(res)
    if skill.empty:  # why, from the rows (was one reason whatever the cause)
        return Section("Against the null forecasters", [no_skill_reason(res.table("hindcast"))])
    n = int(skill.set_index("kind").loc["pooled", "observations"])
    nulls = null_scope(res.table("hindcast"))
    more = f"; {nulls - n} more that the nulls can forecast are left out" if nulls > n else ""
    headers = ["kind", "observations"]
    headers += [f"CRPS {HEADER_NAMES[f]}" for f in FORECASTERS]
    headers += [f"skill vs {HEADER_NAMES[x]}" for x in NULLS]
    seed = int(res.manifest.get("root_seed") or 0)  # the hindcast's own: same page, same words
    intervals = null_skill_intervals(res.table("hindcast"), seed)
    notes = [
        verdict(skill),
        interval_words(intervals),
        f"In sample: scored on the {count(n, 'observation')} of this window that every null "
        "and every "
        "forecast design can forecast (persistence and the trend need an earlier observation "
        "of the series, the designs one before the year the observation falls in"
        f"{more}). CRPS: lower is better, "
        "in the kind's unit. Skill = 1 − CRPS model / CRPS null: above 0 the model is "
        "better, below 0 the null is. The events-only world runs the scenario with "
        "mechanisms and noise off (same operator coefficients); persistence and the trend "
        "forecast from the series' earlier values.",
    ]
    table = Table(headers, skill_rows(skill), tuple(range(1, len(headers))))
    return Section("Against the null forecasters", notes, [table], footnotes=[POOLED_NOTE])


def hindcast_sections(res: ResultsFolder) -> tuple[list[Section], int]:
    m = res.manifest
    setup = Section(
        "Set-up",
        [
            f"Scenario {m.get('scenario_file') or m['scenario']}; observations "
            f"{m.get('observations') or '–'}; {coefficients_words(m)}. Observations outside "
            f"the scenario's window: {len(m.get('not_covered') or [])}."
        ],
    )
    table = res.table("hindcast")
    if table is None or table.empty:
        setup.notes.append("No hindcast.csv rows in this folder.")
        return [setup], 1
    notes, tables = interval_tables(table)
    designs = design_section(res)
    skill = [skill_section(res), *([designs] if designs is not None else [])]
    return [setup, *skill, Section("Every scored observation", notes, tables)], 1 + len(skill)
