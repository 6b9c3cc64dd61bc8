"""The sections of a run's report: question, effects, outcome summary, events, evidence."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.ladder import RUNGS
from sim.plots.style import OUTCOME_CLASSES, actor_label
from sim.report.evidence import evidence_section
from sim.report.render import Section, Table
from sim.results.folder import ResultsFolder, count
from sim.results.labels import outcome_label
from sim.results.precision import effect_text, fmt, interval, spread_interval


def run_sections(res: ResultsFolder) -> tuple[list[Section], int]:
    """(sections, how many come before the charts)."""
    before = [*scenario_sections(res), *effects_section(res), summary_section(res)]
    after = [s for s in (events_section(res), evidence_section(res)) if s is not None]
    return before + after, len(before)


def scenario_sections(res: ResultsFolder) -> list[Section]:
    """The question, then its assumptions, the author's expectation and the events."""
    sc = res.scenario
    first = Section("The question", question=str(sc.get("question") or ""))
    if not first.question:
        first.notes.append("The scenario states no question.")
    out = [first]
    if sc.get("assumptions"):
        out.append(Section("Assumptions", items=[str(a) for a in sc["assumptions"]], level=3))
    if sc.get("expected"):
        out.append(Section("What the scenario's author expected", [str(sc["expected"])], level=3))
    events = sc.get("events") or {}
    if events:
        rows = []
        for eid, ev in events.items():
            when = f"step {ev['at']}" if ev.get("at") is not None else condition(ev.get("when"))
            rows.append([eid, ev.get("label", ""), when])
        table = Table(["event", "label", "fires"], rows)
        out.append(Section("Scheduled and conditional events", tables=[table], level=3))
    return out


def condition(cond: Any) -> str:
    if not isinstance(cond, dict):
        return "–"
    who = cond.get("actor", "")
    if cond.get("partner"):
        who += f"→{cond['partner']}"
    op = f"above {cond['above']}" if cond.get("above") is not None else f"below {cond.get('below')}"
    return f"when {cond.get('metric', '?')} {who} {op}".replace("  ", " ")


def effect_cell(row: Any, n: int | None) -> str:
    """'+0.16 (+0.07 to +0.25)' to the digits the replications support."""
    if row.outcome == "crisis":
        return interval(row.effect_median, row.effect_p5, row.effect_p95, 2, signed=True)
    return effect_text(row.effect_median, row.effect_p5, row.effect_p95, n)


def effects_section(res: ResultsFolder) -> list[Section]:
    """The headline effects against the counterfactual (effects.csv), first: they are the
    run's findings; the levels below also carry the start and everything held fixed."""
    eff = res.effects
    if eff is None or eff.empty:
        return []
    label = (res.manifest.get("counterfactual") or {}).get("label", "the counterfactual")
    rows = []
    for r in eff.itertuples():
        if res.hidden_outcome(r.outcome):
            continue
        share = r.outcome == "crisis"
        show = (lambda v: fmt(100 * v, 0) + "%") if share else (lambda v: fmt(v, 3))
        rows.append(
            [
                "P(crisis)" if share else outcome_label(r.outcome),
                show(r.counterfactual_median),
                show(r.scenario_median),
                effect_cell(r, res.replications),
            ]
        )
    note = (
        f"Each outcome in this scenario minus the same outcome in “{label}”, paired "
        "replication by replication with common random numbers: the median paired effect "
        "with the 5th to 95th percentile (for P(crisis), the difference in shares and its "
        "90% interval). Digits beyond what the replications support are dropped."
    )
    table = Table(["outcome", "counterfactual", "scenario", "effect"], rows, (1, 2, 3))
    return [Section("Effects against the counterfactual", [note], [table])]


def summary_section(res: ResultsFolder) -> Section:
    s = res.summary
    sec = Section("Outcome summary")
    if s is None or s.empty:
        sec.notes.append("No summary.csv in this folder.")
        return sec
    sec.notes.append(
        f"Median across {count(len(s), 'replication')}, with the 5th to 95th percentile in "
        "brackets. "
        f"Escalation is a level from 0 to 1 on the ladder ({', '.join(RUNGS)})."
    )
    names = res.actor_names()
    rows = []
    for a in res.shown_actors():
        if f"peak_escalation_{a}" not in s:
            continue
        rung = s[f"final_rung_{a}"].astype(int)
        mode = int(rung.mode().iloc[0])
        rows.append(
            [
                actor_label(a, names),
                spread_interval(s[f"peak_escalation_{a}"]),
                spread_interval(s[f"final_escalation_{a}"]),
                f"{RUNGS[mode]} ({(rung == mode).mean():.0%})",
            ]
        )
    sec.tables.append(
        Table(
            ["actor", "peak escalation", "final escalation", "most common final rung"], rows, (1, 2)
        )
    )
    sec.tables.append(Table(["outcome", "value"], system_rows(s)))
    return sec


def system_rows(s: pd.DataFrame) -> list[list[object]]:
    rows: list[list[object]] = []
    if "outcome" in s:
        shares = s["outcome"].value_counts(normalize=True)
        rows.append(
            ["outcome class", ", ".join(f"{c} {shares.get(c, 0):.0%}" for c in OUTCOME_CLASSES)]
        )
    if "first_crisis_step" in s:
        first = s["first_crisis_step"]
        hit = first[first >= 0]
        when = f"; median first crisis at step {hit.median():.0f}" if len(hit) else ""
        rows.append(["replications with a crisis", f"{(first >= 0).mean():.0%}{when}"])
    if "first_war_step" in s:
        rows.append(["replications with a war", f"{(s['first_war_step'] >= 0).mean():.0%}"])
    for col in ("crisis_months", "final_distancing", "peak_frustration", "final_frustration"):
        if col in s:
            rows.append([outcome_label(col), spread_interval(s[col], col == "final_distancing")])
    return rows


def events_section(res: ResultsFolder) -> Section | None:
    ev = res.events
    if ev is None or ev.empty or "event" not in ev:
        return None
    n = res.replications or int(ev["replication"].nunique())
    first = ev.sort_values("step").drop_duplicates(["replication", "event"])
    rows = []
    for eid, g in first.groupby("event", sort=False):
        label = g["label"].iloc[0] if "label" in g else ""
        rows.append(
            [eid, label, f"{g['replication'].nunique() / n:.0%}", f"{g['step'].median():.0f}"]
        )
    headers = ["event", "label", "replications where it fired", "median step of first firing"]
    return Section("Events that fired", tables=[Table(headers, rows, (2, 3))])
