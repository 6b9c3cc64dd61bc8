"""The sections of a hindcast report: set-up, the model beside the three null forecasters
(per kind and pooled, with the verdict in words), then every scored observation.

Why: the page was one wide table of raw columns that said "posterior None" and never
compared the model with anything; a reader must see first whether the model beats
persistence, a linear trend and the events-only world, and where it loses. The skill is
computed in one place (sim/observe/scoring.py: null_skill → skill_table).
"""

from __future__ import annotations

import pandas as pd

from sim.observe.scoring import FORECASTERS, NULLS, null_skill
from sim.observe.verdict import signed, verdict
from sim.report.other_pages import cell, interval_tables
from sim.report.render import Section, Table
from sim.results.folder import ResultsFolder

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


def skill_frame(res: ResultsFolder) -> pd.DataFrame:
    """The folder's skill table (empty when the folder has no null scores)."""
    table = res.table("hindcast")
    return pd.DataFrame() if table is None else null_skill(table)


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
    if skill.empty:
        return Section(
            "Against the null forecasters",
            [
                "No scored observation has an earlier observation of its own series, so "
                "persistence and the linear trend cannot forecast any: no skill is computed."
            ],
        )
    n = int(skill.set_index("kind").loc["pooled", "observations"])
    headers = ["kind", "observations"]
    headers += [f"CRPS {HEADER_NAMES[f]}" for f in FORECASTERS]
    headers += [f"skill vs {HEADER_NAMES[x]}" for x in NULLS]
    notes = [
        verdict(skill),
        f"In sample: scored on the {n} observations of this window that every null can "
        "forecast (those whose series has an earlier observation). CRPS: lower is better, "
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
    return [setup, skill_section(res), Section("Every scored observation", notes, tables)], 2
