"""`report.html`: one self-contained file (charts embedded as base64 PNG) a person can email.

Built only from a results folder (docs/results-format.md); the model is never run. For a
run: the scenario's question and assumptions, the outcome summary, the charts, the events
that fired, and the evidence table (every weight with its ledger ids and claims).
For a compare or sweep folder: the scenarios or the design, the key tables, the charts.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.ladder import RUNGS
from sim.plots import Chart, build, charts_for
from sim.plots.data import Results, count, outcome_label, parameter_label, pick_outcomes
from sim.plots.style import OUTCOME_CLASSES, actor_label

REPORT_NAME = "report.html"
PNG_DPI = 110
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #1a1a1a; max-width: 1180px; margin: 2em auto; padding: 0 1.2em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
.meta { color: #555; font-size: 0.92em; }
.note { color: #555; font-size: 0.9em; }
.question { font-size: 1.08em; background: #f4f7fb; border-left: 4px solid #0072B2;
            padding: 0.6em 0.9em; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.6em 0 1em; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 0.25em 0.7em; text-align: left;
         vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:nth-child(even) td { background: #fafafa; }
table.evidence td { font-size: 0.95em; }
table.evidence td.path { font-family: ui-monospace, Menlo, Consolas, monospace; }
figure { margin: 1.2em 0 2em; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #333; font-size: 0.92em; margin-top: 0.3em; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.92em; }
"""


def write_report(results_dir: Path, out: Path | None = None, reuse_charts: bool = True) -> Path:
    """Write `results_dir/report.html` (or `out`) and return its path.

    Charts already drawn into `charts/NAME.png` are embedded as they are (a results folder
    never changes once written); the others are drawn for the report.
    """
    results_dir = Path(results_dir)
    res = Results(results_dir)
    sections = {
        "run": _run_sections,
        "compare": _compare_sections,
        "sweep": _sweep_sections,
        "robustness": _robustness_sections,
    }
    body = sections[res.kind](res, reuse_charts)
    text = _page(res, body)
    target = Path(out) if out is not None else results_dir / REPORT_NAME
    if target.is_dir():
        target = target / REPORT_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


# ---------------------------------------------------------------------- html helpers
def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    numeric: Sequence[int] = (),
    cls: str = "",
    raw: Sequence[int] = (),
) -> str:
    """An HTML table; cells are escaped unless their column index is in `raw`."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            attr = ' class="num"' if i in numeric else ""
            cells.append(f"<td{attr}>{cell if i in raw else esc(cell)}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    klass = f' class="{cls}"' if cls else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def _num(v: float, digits: int = 2, signed: bool = False) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    return f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"


def _interval(values: pd.Series, digits: int = 2, signed: bool = False) -> str:
    v = values.dropna().to_numpy(dtype=float)
    if len(v) == 0:
        return "–"
    lo, mid, hi = np.percentile(v, [5, 50, 95])
    return f"{_num(mid, digits, signed)} ({_num(lo, digits, signed)} to {_num(hi, digits, signed)})"


def chart_png(chart: Chart, res: Results, reuse: bool = True) -> bytes | None:
    """The chart as PNG bytes: the saved charts/NAME.png when present, else drawn now."""
    import matplotlib.pyplot as plt

    saved = res.path / "charts" / f"{chart.name}.png"
    if reuse and saved.is_file():
        data = saved.read_bytes()
        if data[:8] == PNG_MAGIC:
            return data
    fig = build(chart, res)
    if fig is None:
        return None
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue()


def _charts(res: Results, reuse: bool) -> str:
    parts = ["<h2>Charts</h2>"]
    pngs = [(c, chart_png(c, res, reuse)) for c in charts_for(res.kind)]
    drawn = [(c, png) for c, png in pngs if png is not None]
    if not drawn:
        parts.append('<p class="note">This folder has no data the charts can use.</p>')
    for chart, png in drawn:
        data = base64.b64encode(png).decode("ascii")
        parts.append(
            f'<figure id="chart-{esc(chart.name)}"><img src="data:image/png;base64,{data}" '
            f'alt="{esc(chart.caption)}"><figcaption><b>{esc(chart.name)}.</b> '
            f"{esc(chart.caption)} <span class=note>(from <code>{esc(chart.reads)}</code>; "
            f"also saved as <code>charts/{esc(chart.name)}.png</code> by "
            f"<code>alliance-sim plot</code>)</span></figcaption></figure>"
        )
    return "\n".join(parts)


def _provenance(res: Results) -> str:
    m = res.manifest
    rows = [
        ("results folder", str(res.path)),
        ("kind", res.kind),
        ("created (UTC)", m.get("created_utc", "–")),
        ("command", " ".join(map(str, m.get("command", [])))),
        ("root seed", m.get("root_seed", "–")),
    ]
    for key in ("scenario_file", "scenario_hash", "design", "n_points", "n_runs", "chunk_size"):
        if key in m:
            rows.append((key.replace("_", " "), m[key]))
    versions = m.get("versions") or {}
    if versions:
        rows.append(("versions", ", ".join(f"{k} {v}" for k, v in versions.items())))
    return "<h2>Provenance</h2>" + table(["item", "value"], rows)


def _page(res: Results, body: str) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    m = res.manifest
    bits = [f"{res.kind} results"]
    if res.replications:
        bits.append(count(res.replications, "replication"))
    if m.get("steps"):
        bits.append(f"{m['steps']} steps of one {res.step_unit}")
    if "root_seed" in m:
        bits.append(f"seed {m['root_seed']}")
    return (
        "<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(res.title)} — alliance-sim report</title>\n<style>{CSS}</style>\n"
        "</head>\n<body>\n"
        f"<h1>{esc(res.title)}</h1>\n"
        f'<p class="meta">alliance-sim report · {esc(" · ".join(bits))} · '
        f"folder <code>{esc(res.name)}</code> · written {esc(now)}</p>\n"
        f"{body}\n{_provenance(res)}\n"
        '<p class="note">Every number and chart here is read from the results folder; the '
        "report never runs the model. Bands and intervals show the spread across "
        "replications (model noise), not uncertainty about the real world.</p>\n"
        "</body>\n</html>\n"
    )


# ---------------------------------------------------------------------- robustness
def _robustness_sections(res: Results, reuse: bool) -> str:
    """What survives ±spread on every coefficient: the share of draws per headline effect."""
    shares = res._csv("robustness.csv")
    if shares is None or shares.empty:
        return '<p class="note">No robustness.csv in this folder.</p>'
    m = res.manifest
    rows = []
    for r in shares.itertuples():
        if r.outcome.startswith("draws_"):
            what = "P(crisis) ≥ 0.5" if "crisis" in r.outcome else "P(war) ≥ 0.5"
            rows.append((f"draws with {what}", "–", f"{r.share_same_sign:.1%}", "–"))
            continue
        name = "outcome class" if r.outcome == "outcome_class" else outcome_label(r.outcome)
        interval = "–" if np.isnan(r.effect_p5) else f"{r.effect_p5:+.3f} to {r.effect_p95:+.3f}"
        nominal = "–" if np.isnan(r.nominal_effect) else f"{r.nominal_effect:+.3f}"
        rows.append((name, nominal, f"{r.share_same_sign:.1%}", interval))
    note = (
        f"{esc(m.get('draws'))} draws; each moves every coefficient independently within "
        f"±{float(m.get('spread', 0)):.0%} of its value and runs "
        f"{esc(m.get('replications_per_draw'))} replications against the counterfactual "
        "with common random numbers. A conclusion "
        "that holds in at least 90% of draws is not a knife edge."
    )
    parts = [
        "<h2>Robustness</h2>",
        f'<p class="note">{note}</p>',
        table(
            ["outcome", "nominal effect", "share keeping it", "draws 5–95%"],
            rows,
            numeric=(1, 2, 3),
        ),
        _charts(res, reuse),
    ]
    return "\n".join(parts)


# ---------------------------------------------------------------------- run
def _run_sections(res: Results, reuse: bool) -> str:
    parts = [_scenario_section(res), _effects(res), _run_summary(res), _charts(res, reuse)]
    parts.append(_events(res))
    parts.append(_evidence_section(res))
    return "\n".join(p for p in parts if p)


def _scenario_section(res: Results) -> str:
    sc = res.scenario
    parts = ["<h2>The question</h2>"]
    if sc.get("question"):
        parts.append(f'<p class="question">{esc(sc["question"])}</p>')
    else:
        parts.append('<p class="note">The scenario states no question.</p>')
    if sc.get("assumptions"):
        items = "".join(f"<li>{esc(a)}</li>" for a in sc["assumptions"])
        parts.append(f"<h3>Assumptions</h3><ul>{items}</ul>")
    if sc.get("expected"):
        parts.append(f"<h3>What the scenario's author expected</h3><p>{esc(sc['expected'])}</p>")
    events = sc.get("events") or {}
    if events:
        rows = []
        for eid, ev in events.items():
            when = f"step {ev['at']}" if ev.get("at") is not None else _condition(ev.get("when"))
            rows.append((eid, ev.get("label", ""), when))
        parts.append("<h3>Scheduled and conditional events</h3>")
        parts.append(table(["event", "label", "fires"], rows))
    return "\n".join(parts)


def _effects(res: Results) -> str:
    """The headline effects against the counterfactual (effects.csv), first: they are the
    run's findings; the levels below also carry the start and everything held fixed."""
    eff = res._csv("effects.csv")
    if eff is None or eff.empty:
        return ""
    label = (res.manifest.get("counterfactual") or {}).get("label", "the counterfactual")
    rows = []
    for r in eff.itertuples():
        share = r.outcome == "crisis"
        fmt = (lambda v: f"{v:.0%}") if share else (lambda v: f"{v:.3f}")
        interval = f"{r.effect_median:+.3f} ({r.effect_p5:+.3f} to {r.effect_p95:+.3f})"
        rows.append(("P(crisis)" if share else outcome_label(r.outcome),
                     fmt(r.counterfactual_median), fmt(r.scenario_median), interval))  # fmt: skip
    note = (
        f"Each outcome in this scenario minus the same outcome in <em>{esc(label)}</em>, paired "
        "replication by replication with common random numbers: the median paired effect "
        "with the 5th to 95th percentile (for P(crisis), the difference in shares and its "
        "90% interval)."
    )
    return "\n".join(
        [
            "<h2>Effects against the counterfactual</h2>",
            f'<p class="note">{note}</p>',
            table(["outcome", "counterfactual", "scenario", "effect"], rows, numeric=(1, 2, 3)),
        ]
    )


def _condition(cond: Any) -> str:
    if not isinstance(cond, dict):
        return "–"
    who = cond.get("actor", "")
    if cond.get("partner"):
        who += f"→{cond['partner']}"
    op = f"above {cond['above']}" if cond.get("above") is not None else f"below {cond.get('below')}"
    return f"when {cond.get('metric', '?')} {who} {op}".replace("  ", " ")


def _run_summary(res: Results) -> str:
    s = res.summary
    if s is None or s.empty:
        return '<h2>Outcome summary</h2><p class="note">No summary.csv in this folder.</p>'
    names = res.actor_names()
    parts = [
        "<h2>Outcome summary</h2>",
        f'<p class="note">Median across {len(s)} replications, with the 5th to 95th '
        "percentile in brackets. Escalation is a level from 0 to 1 on the ladder "
        f"({esc(', '.join(RUNGS))}).</p>",
    ]
    rows = []
    for a in res.shown_actors():
        if f"peak_escalation_{a}" not in s:
            continue
        rung = s[f"final_rung_{a}"].astype(int)
        mode = int(rung.mode().iloc[0])
        rows.append(
            (
                actor_label(a, names),
                _interval(s[f"peak_escalation_{a}"]),
                _interval(s[f"final_escalation_{a}"]),
                f"{RUNGS[mode]} ({(rung == mode).mean():.0%})",
            )
        )
    parts.append(
        table(
            ["actor", "peak escalation", "final escalation", "most common final rung"],
            rows,
            numeric=(1, 2),
        )
    )
    sys_rows = []
    if "outcome" in s:
        shares = s["outcome"].value_counts(normalize=True)
        sys_rows.append(
            ("outcome class", ", ".join(f"{c} {shares.get(c, 0):.0%}" for c in OUTCOME_CLASSES))
        )
    if "first_crisis_step" in s:
        first = s["first_crisis_step"]
        hit = first[first >= 0]
        when = f"; median first crisis at step {hit.median():.0f}" if len(hit) else ""
        sys_rows.append(("replications with a crisis", f"{(first >= 0).mean():.0%}{when}"))
    if "first_war_step" in s:
        sys_rows.append(("replications with a war", f"{(s['first_war_step'] >= 0).mean():.0%}"))
    for col in ("crisis_months", "final_distancing", "peak_frustration", "final_frustration"):
        if col in s:
            digits = 1 if col == "crisis_months" else 3
            signed = col == "final_distancing"
            sys_rows.append((outcome_label(col), _interval(s[col], digits, signed)))
    parts.append(table(["outcome", "value"], sys_rows, numeric=()))
    return "\n".join(parts)


def _events(res: Results) -> str:
    ev = res.events
    if ev is None or ev.empty or "event" not in ev:
        return ""
    n = res.replications or int(ev["replication"].nunique())
    first = ev.sort_values("step").drop_duplicates(["replication", "event"])
    rows = []
    for eid, g in first.groupby("event", sort=False):
        label = g["label"].iloc[0] if "label" in g else ""
        rows.append(
            (eid, label, f"{g['replication'].nunique() / n:.0%}", f"{g['step'].median():.0f}")
        )
    return "<h2>Events that fired</h2>" + table(
        ["event", "label", "replications where it fired", "median step of first firing"],
        rows,
        numeric=(2, 3),
    )


# ---------------------------------------------------------------------- evidence
def locate_ledger(res: Results) -> Path | None:
    """`seeds/ledger.yaml` at or above the scenario file's folder.

    A relative `scenario_file` is tried against the current directory and against every
    folder above the results folder (results usually live inside the project).
    """
    from sim.scenario.ledger import find_ledger

    name = res.manifest.get("scenario_file")
    if not name:
        return None
    scenario_file = Path(str(name))
    if scenario_file.is_absolute():
        folders = [scenario_file.parent]
    else:
        bases = [Path.cwd(), *res.path.resolve().parents]
        folders = [base / scenario_file.parent for base in bases]
    for folder in folders:
        if folder.is_dir():
            found = find_ledger(folder.resolve())
            if found is not None:
                return found
    return None


def evidence_rows_for(res: Results) -> tuple[list, str]:
    """(rows, note): every weight with evidence ids (and claims when the ledger is found)."""
    from pydantic import ValidationError

    from sim.errors import ScenarioError
    from sim.evidence import EvidenceRow, evidence_rows
    from sim.scenario.ledger import load_ledger
    from sim.scenario.loader import LoadedScenario
    from sim.scenario.schema import Scenario

    raw = res.scenario
    path = locate_ledger(res)
    ledger, note = None, ""
    if path is None:
        note = (
            "The evidence ledger (seeds/ledger.yaml) was not found near the scenario file "
            f"{res.manifest.get('scenario_file', '?')!r}, so only evidence ids are shown."
        )
    else:
        try:
            ledger = load_ledger(path)
            note = f"Claims as recorded in {path} (seed line numbers refer to the source article)."
        except ScenarioError as exc:
            note = f"The ledger {path} could not be read ({exc.problems[0]}); ids only."
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError:
        rows = [EvidenceRow(p, v, tuple(ids), ()) for p, v, ids in _raw_weights(raw)]
        return rows, note + " (The scenario no longer matches the schema; read from the raw file.)"
    loaded = LoadedScenario(
        scenario=scenario, raw=raw, path=Path(str(raw.get("name"))), ledger=ledger
    )
    return evidence_rows(loaded), note


def _raw_weights(node: Any, path: tuple = ()) -> Iterable[tuple[str, float, list[str]]]:
    if isinstance(node, dict):
        if "value" in node and isinstance(node["value"], int | float) and "evidence" in node:
            yield ".".join(path), float(node["value"]), [str(e) for e in node["evidence"]]
            return
        for key, item in node.items():
            yield from _raw_weights(item, (*path, str(key)))


def _evidence_section(res: Results) -> str:
    rows, note = evidence_rows_for(res)
    if not rows:
        return ""
    missing = sum(1 for r in rows if not r.evidence)
    body = [
        (
            r.path,
            f"{r.value:.4g}",
            ", ".join(r.evidence) or "(none)",
            "<br>".join(esc(c) for c in r.claims) or "–",
        )
        for r in rows
    ]
    return (
        "<h2>Evidence behind the weights</h2>"
        f'<p class="note">{esc(note)} {len(rows)} weights, {len(rows) - missing} with evidence, '
        f"{missing} without.</p>"
        + table(
            ["weight", "value", "evidence ids", "claims"],
            body,
            numeric=(1,),
            cls="evidence",
            raw=(3,),
        )
    )


# ---------------------------------------------------------------------- compare
def _compare_sections(res: Results, reuse: bool) -> str:
    m = res.manifest
    parts = ["<h2>Scenarios compared</h2>"]
    ref = m.get("reference") or (m.get("scenarios") or [{}])[0].get("name")
    rows = [
        (
            s.get("name", "") + (" (reference)" if s.get("name") == ref else ""),
            s.get("title", ""),
            s.get("question") or "–",
            s.get("file", ""),
        )
        for s in m.get("scenarios", [])
    ]
    parts.append(table(["scenario", "title", "question", "file"], rows))
    if res.common_random_numbers:
        note = (
            "Every scenario ran with the same seed, replications and steps, so replication r "
            "shares its random numbers across scenarios; differences are paired by "
            "replication (common random numbers)."
        )
    else:
        note = (
            "Every scenario ran with the same seed, replications and steps and differences "
            "are paired by replication, but the scenarios list different actors, so their "
            "random numbers differ: the differences include that noise."
        )
    parts.append(f'<p class="note">{note}</p>')
    comp = res.comparison
    if comp is not None and not comp.empty:
        parts.append("<h2>Key outcomes</h2>")
        outcomes = list(dict.fromkeys(comp["outcome"]))
        shown = res.shown_actors()  # active or switched on in some scenario
        keys = [f"peak_escalation_{a}" for a in shown if f"peak_escalation_{a}" in outcomes]
        keys += [
            o for o in ("crisis", "war", "final_distancing", "peak_frustration") if o in outcomes
        ]
        parts.append(_comparison_table(comp, keys))
        parts.append(
            '<p class="note">Median (5th–95th percentile) across replications; Δ is the '
            "median (5th–95th percentile) of the paired difference from the reference. For "
            "crisis and war (0/1 per replication) the share of replications is shown.</p>"
        )
    parts.append(_charts(res, reuse))
    if comp is not None and not comp.empty:
        parts.append("<h2>All compared outcomes</h2>")
        hidden = _hidden_actor_outcomes(res, comp)
        every = [o for o in dict.fromkeys(comp["outcome"]) if o not in hidden]
        parts.append(_comparison_table(comp, every))
    return "\n".join(parts)


def _hidden_actor_outcomes(res: Results, comp: pd.DataFrame) -> set[str]:
    """Per-actor outcomes of actors no compared scenario shows (inactive throughout)."""
    shown = set(res.shown_actors())
    out = set()
    for outcome in comp["outcome"].unique():
        head, _, actor = str(outcome).rpartition("_")
        per_actor = head in ("peak_escalation", "final_escalation", "final_rung", "final_leverage")
        if per_actor and actor not in shown:
            out.add(outcome)
    return out


def _comparison_table(comp: pd.DataFrame, outcomes: list[str]) -> str:
    rows = []
    for o in outcomes:
        for r in comp[comp["outcome"] == o].itertuples(index=False):
            rd = r._asdict()
            if o in ("crisis", "war") and "mean" in rd:
                level = f"{rd['mean']:.0%}"
                delta = f"{100 * rd.get('diff_mean', np.nan):+.0f} pp"
            else:
                level = f"{_num(rd['median'])} ({_num(rd['lo'])} to {_num(rd['hi'])})"
                delta = (
                    f"{_num(rd['diff_median'], signed=True)} "
                    f"({_num(rd['diff_lo'], signed=True)} to {_num(rd['diff_hi'], signed=True)})"
                )
            rows.append((outcome_label(o), rd["scenario"], level, delta))
    return table(["outcome", "scenario", "value", "Δ vs reference"], rows, numeric=(2, 3))


# ---------------------------------------------------------------------- sweep
def _sweep_sections(res: Results, reuse: bool) -> str:
    m = res.manifest
    parts = []
    if res.scenario.get("question"):
        parts.append("<h2>The question of the base scenario</h2>")
        parts.append(f'<p class="question">{esc(res.scenario["question"])}</p>')
    parts.append("<h2>Design</h2>")
    facts = [
        ("scenario", m.get("scenario", "–")),
        ("design", m.get("design", "–")),
        ("design points", m.get("n_points", "–")),
        ("replications per point", m.get("replications", "–")),
        ("runs", m.get("n_runs", "–")),
    ]
    parts.append(table(["item", "value"], facts))
    params = m.get("parameters") or []
    if params:
        rows = []
        for p in params:
            values = p.get("values")
            span = (
                ", ".join(map(str, values))
                if values
                else f"{p.get('low', '–')} to {p.get('high', '–')}"
            )
            rows.append((parameter_label(str(p.get("path", "?"))), p.get("kind", "–"), span))
        parts.append("<h3>Swept parameters</h3>" + table(["parameter", "kind", "values"], rows))
    bp = res.by_point
    if bp is not None and not bp.empty:
        paths = [p for p in res.parameter_paths() if p in bp]
        numeric = [
            c
            for c in bp.columns
            if c not in (*paths, "point") and pd.api.types.is_numeric_dtype(bp[c])
        ]
        keys = pick_outcomes([c for c in numeric if bp[c].nunique() > 1], 8)
        rows = [
            (outcome_label(o), _num(bp[o].min(), 3), _num(bp[o].median(), 3), _num(bp[o].max(), 3))
            for o in keys
        ]
        parts.append("<h2>Outcomes across design points</h2>")
        parts.append(
            table(["outcome (mean per point)", "lowest", "median", "highest"], rows, (1, 2, 3))
        )
    parts.append(_charts(res, reuse))
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
        rows = [
            tuple(f"{v:.3g}" if isinstance(v, float) else v for v in r)
            for r in frame[shown].itertuples(index=False)
        ]
        nums = tuple(i for i, c in enumerate(shown) if c not in ("outcome", "parameter"))
        parts.append(f"<h2>{esc(name)}</h2>" + table(shown, rows, numeric=nums))
    return "\n".join(parts)
