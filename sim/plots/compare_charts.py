"""Charts of a compare folder: differences from the reference scenario, outcome classes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from sim.plots.crowd import ACTORS_SHOWN, chosen_actors, with_note
from sim.plots.style import (
    GUIDE,
    OUTCOME_CLASSES,
    OUTCOME_COLOURS,
    footer,
    rung_guides,
    rung_top,
    series_colour,
    style,
)
from sim.results.folder import ResultsFolder as Results
from sim.results.folder import actors_from_columns, count
from sim.results.labels import outcome_label

MARKERS = ("o", "s", "D", "^", "v", "P", "X")
SKIPPED = ("first_crisis_step", "first_war_step", "final_rung_")
BINARY = ("crisis", "war")
# (group, axis label, test on the outcome name)
GROUPS = (
    (
        "escalation",
        "difference in escalation level (0–1 scale)",
        lambda o: o.startswith(("peak_escalation_", "final_escalation_")),
    ),
    ("binary", "difference in share of replications (percentage points)", lambda o: o in BINARY),
    (
        "index",
        "difference (distancing: index −2…2; frustration: share 0–1)",
        lambda o: o in ("final_distancing", "peak_frustration", "final_frustration"),
    ),
    ("months", "difference in months", lambda o: o == "crisis_months"),
)
Z90 = 1.6449


def scenario_marker(i: int) -> str:
    """Colour (series_colour) and marker cycle at different rates: each scenario a unique pair."""
    return MARKERS[(i + i // len(MARKERS)) % len(MARKERS)]


def scenario_names(res: Results) -> list[str]:
    listed = [str(s.get("name")) for s in res.manifest.get("scenarios", []) if s.get("name")]
    if listed:
        return listed
    comp = res.comparison
    return list(dict.fromkeys(comp["scenario"])) if comp is not None else []


def reference(res: Results) -> str:
    return str(res.manifest.get("reference") or scenario_names(res)[0])


def _percentiles(values: np.ndarray) -> np.ndarray:
    """5th, 25th, 50th, 75th, 95th percentiles of the finite values; NaN when there are none
    (an actor a scenario does not have), without numpy's All-NaN warning."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.full(5, np.nan)
    return np.percentile(finite, [5, 25, 50, 75, 95])


def _varies(rows: pd.DataFrame) -> bool:
    """False when every scenario has the same constant value (e.g. an inactive actor)."""
    with np.errstate(all="ignore"):
        level = rows[["median", "lo", "hi"]].to_numpy(dtype=float)
        diff = rows[["diff_median", "diff_lo", "diff_hi"]].to_numpy(dtype=float)
        same = np.nanmax(level) - np.nanmin(level) <= 1e-12 if np.isfinite(level).any() else True
        still = np.nanmax(np.abs(diff)) <= 1e-12 if np.isfinite(diff).any() else True
    return not (same and still)


def shown_outcomes(res: Results) -> list[str]:
    """Compared outcomes worth a row: not constant in every scenario, not a step index."""
    comp = res.comparison
    out = []
    for outcome, rows in comp.groupby("outcome", sort=False):
        if str(outcome).startswith(SKIPPED):
            continue
        if _varies(rows):
            out.append(str(outcome))
    return out


def _binary_ci(res: Results, ref: str, name: str, outcome: str) -> tuple[float, float, float]:
    """Mean paired difference (pp) of a 0/1 outcome with its 90% normal-theory CI."""
    s = res.summaries
    if s is None or outcome not in s:
        return (np.nan, np.nan, np.nan)
    a = s[s["scenario"] == ref].set_index("replication")[outcome]
    b = s[s["scenario"] == name].set_index("replication")[outcome]
    d = (b - a).dropna().to_numpy(dtype=float) * 100
    if len(d) == 0:
        return (np.nan, np.nan, np.nan)
    half = Z90 * d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else 0.0
    return (float(d.mean()), float(d.mean() - half), float(d.mean() + half))


def _difference(res: Results, by: pd.DataFrame, ref: str, name: str, outcome: str):
    """(centre, low, high) of a scenario's difference from the reference for one outcome."""
    if outcome in BINARY:
        m, a, b = _binary_ci(res, ref, name, outcome)
        if not np.isnan(m):
            return m, a, b
        if (name, outcome) in by.index:
            r = by.loc[(name, outcome)]
            return tuple(100 * float(r[c]) for c in ("diff_median", "diff_lo", "diff_hi"))
    elif (name, outcome) in by.index:
        r = by.loc[(name, outcome)]
        return float(r["diff_median"]), float(r["diff_lo"]), float(r["diff_hi"])
    return np.nan, np.nan, np.nan


def _forest(ax, rows, labels, others, value, colour, marker) -> None:
    """Dot-and-whisker rows, one offset dot per scenario, a zero line."""
    step = 0.7 / max(len(others), 1)
    for i, name in enumerate(others):
        y = np.arange(len(rows)) - 0.35 + step * (i + 0.5)
        mid, lo, hi = (
            np.array(v, dtype=float) for v in zip(*(value(name, o) for o in rows), strict=True)
        )
        ax.errorbar(
            mid,
            y,
            xerr=[mid - lo, hi - mid],
            fmt=marker[name],
            color=colour[name],
            ms=5.5,
            capsize=2.5,
            lw=1.4,
            label=name,
        )
    ax.axvline(0, color=GUIDE, lw=1, zorder=0)
    ax.set_yticks(np.arange(len(rows)), labels)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(True, axis="x")
    ax.grid(False, axis="y")
    for k in range(1, len(rows)):
        ax.axhline(k - 0.5, color="#eeeeee", lw=0.8, zorder=0)


def comparison_chart(res: Results, limit: int | None = ACTORS_SHOWN) -> Figure | None:
    """Forest plot: each scenario's paired difference from the reference, per outcome (at
    most `limit` actors, by `crowd.chosen_actors`; None: all)."""
    comp = res.comparison
    if comp is None or comp.empty:
        return None
    names = scenario_names(res)
    ref = reference(res)
    others = [n for n in names if n != ref]
    if not others:
        return None
    outcomes = shown_outcomes(res)
    actors = list(
        dict.fromkeys(o.split("_escalation_", 1)[1] for o in outcomes if "_escalation_" in o)
    )
    actors, note = chosen_actors(res, actors, limit)
    panels = []  # (title, outcomes, labels, x label)
    for kind in ("peak", "final"):
        rows = [f"{kind}_escalation_{a}" for a in actors]
        panels.append((f"{kind} escalation", rows, actors, "difference in escalation level (0–1)"))
    for key, label, test in GROUPS[1:]:
        if key == "binary":  # a CI of a mean is another whisker: shares are in compare_outcomes
            continue
        rows = [o for o in outcomes if test(o)]
        if rows:
            names_ = [outcome_label(o, unit=False) for o in rows]
            panels.append((None, rows, names_, label))
    panels = [p for p in panels if p[1]]
    if not panels:
        return None
    n_rep = res.replications or (
        int(res.summaries["replication"].nunique()) if res.summaries is not None else 0
    )
    by = comp.set_index(["scenario", "outcome"])
    colour = {n: series_colour(i) for i, n in enumerate(names)}
    marker = {n: scenario_marker(i) for i, n in enumerate(names)}

    def value(name: str, outcome: str):
        return _difference(res, by, ref, name, outcome)

    per_row = 0.26 + 0.14 * len(others)
    top = [p for p in panels if p[0]]
    rest = [p for p in panels if not p[0]]
    heights = ([len(top[0][1]) * per_row + 0.7] if top else []) + [
        len(p[1]) * per_row + 0.8 for p in rest
    ]
    with style():
        fig = plt.figure(figsize=(10, sum(heights) + 1.3), layout="constrained")
        grid = fig.add_gridspec(len(heights), 2, height_ratios=heights)
        row = 0
        if top:
            first = None
            for col, (title, rows, labels, xlabel) in enumerate(top):
                ax = fig.add_subplot(grid[0, col], sharey=first)
                first = first or ax
                _forest(ax, rows, labels, others, value, colour, marker)
                ax.set_title(f"{title} by actor", loc="left")
                ax.set_xlabel(xlabel)
                if col:
                    ax.tick_params(labelleft=False)
            row = 1
        for _title, rows, labels, xlabel in rest:
            ax = fig.add_subplot(grid[row, :])
            _forest(ax, rows, labels, others, value, colour, marker)
            ax.set_xlabel(xlabel)
            row += 1
        handles, labels = fig.axes[0].get_legend_handles_labels()
        fig.suptitle(
            with_note(
                f"How each scenario changes the outcomes, relative to {ref!r}\n"
                f"(paired by replication over {count(n_rep, 'replication')}"
                + (", common random numbers)" if res.common_random_numbers else ")"),
                note,
            )
        )
        footer(
            fig,
            res.provenance() + " · comparison.csv, summaries.parquet",
            handles,
            labels,
            ncol=min(len(labels), 4),
            title=f"scenario — dot: median paired difference from {ref!r} (0 = no change); "
            "whisker: 5th–95th percentile over replications",
        )
    return fig


def outcome_classes_chart(res: Results, limit: int | None = ACTORS_SHOWN) -> Figure | None:
    """Outcome class shares per scenario, and peak escalation per actor by scenario (at
    most `limit` actors, by `crowd.chosen_actors`; None: all)."""
    s = res.summaries
    if s is None or s.empty or "scenario" not in s:
        return None
    names = [n for n in scenario_names(res) if n in set(s["scenario"])] or list(
        dict.fromkeys(s["scenario"])
    )
    present = actors_from_columns(s, [])
    actors, note = chosen_actors(res, [a for a in res.shown_actors() if a in present], limit)
    with style():
        fig, axes = plt.subplots(
            1,
            2,
            figsize=(13, 0.55 * len(names) + 4.6),
            layout="constrained",
            width_ratios=[1, 1.7],
        )
        ax = axes[0]
        if "outcome" in s:
            shares = (
                pd.crosstab(s["scenario"], s["outcome"], normalize="index")
                .reindex(index=names, columns=list(OUTCOME_CLASSES), fill_value=0.0)
                .fillna(0.0)
                * 100
            )
            left = np.zeros(len(names))
            for cls in OUTCOME_CLASSES:
                vals = shares[cls].to_numpy()
                bars = ax.barh(
                    names,
                    vals,
                    left=left,
                    color=OUTCOME_COLOURS[cls],
                    label=cls,
                    edgecolor="white",
                    lw=0.6,
                )
                ax.bar_label(
                    bars,
                    labels=[f"{v:.0f}%" if v >= 8 else "" for v in vals],
                    label_type="center",
                    fontsize=8,
                )
                left += vals
            ax.set_xlim(0, 100)
            ax.invert_yaxis()
            ax.legend(
                loc="upper center",
                ncol=4,
                bbox_to_anchor=(0.5, -0.13),
                title="outcome class (war, crisis: at any step; tense: ends ≥ arms transfers)",
            )
        ax.set_xlabel("share of replications (%)")
        ax.set_ylabel("scenario")
        ax.grid(False)
        ax.set_title("Outcome class by scenario", loc="left")

        ax = axes[1]
        width = 0.8 / max(len(names), 1)
        for i, name in enumerate(names):
            sub = s[s["scenario"] == name]
            q = np.array(
                [_percentiles(sub[f"peak_escalation_{a}"].to_numpy(dtype=float)) for a in actors]
            ).reshape(len(actors), 5)
            listed = res.scenario_actors(name)
            if listed is not None:  # not shown in this scenario: nothing to draw
                q[[a not in listed for a in actors]] = np.nan
            x = np.arange(len(actors)) - 0.4 + width * (i + 0.5)
            colour, marker = series_colour(i), scenario_marker(i)
            ax.vlines(x, q[:, 0], q[:, 4], color=colour, lw=1)
            ax.vlines(x, q[:, 1], q[:, 3], color=colour, lw=3.5)
            ax.plot(
                x,
                q[:, 2],
                ls="",
                marker=marker,
                color=colour,
                mec="white",
                mew=0.6,
                ms=5,
                label=name,
            )
        ax.set_xticks(np.arange(len(actors)), actors)
        ax.set_xlabel("actor")
        ax.set_ylabel("peak escalation (level 0–1)")
        ax.set_title(
            "Peak escalation by scenario (dot: median; thick: quartiles; thin: 5th–95th pct.)",
            loc="left",
        )
        top = max((float(s[f"peak_escalation_{a}"].max(skipna=True)) for a in actors), default=0.5)
        rung_guides(ax, rung_top(top))
        ax.legend(
            title="scenario",
            loc="upper center",
            bbox_to_anchor=(0.5, -0.13),
            ncol=min(len(names), 4),
        )
        fig.suptitle(with_note(f"Outcomes of {len(names)} scenarios side by side", note))
        footer(fig, res.provenance() + " · summaries.parquet")
    return fig
