"""The model's pooled skill against each null forecaster with its 90% interval: one panel
per null, one row per forecast design (or root seed), coloured by what the interval says.

Why: a table of "+0.04 (+0.02 to +0.07) better" cells is exact but slow to read; a reader of
a report needs to see at a glance which comparisons clear zero. Reads interval tables
(sim/observe/significance.py), never the model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.observe.significance import interval_verdict
from sim.observe.verdict import NULL_NAMES
from sim.plots.style import GUIDE, OKABE_ITO, RC, footer, panel_grid, style

COLOURS = {"better": OKABE_ITO["bluish green"], "tie": "#7a7a7a", "worse": OKABE_ITO["vermillion"]}
NO_INTERVAL = "#7a7a7a"  # a lone point: grey like a tie, but hollow (not a tested tie)
LOW = -1.0  # the axis floor: a skill of −2 would squeeze every other interval into a sliver


def skill_forest(intervals: dict[str, pd.DataFrame], title: str, provenance: str) -> Figure:
    """`intervals` maps a row label to its `skill_intervals` table; the pooled rows are drawn.
    Values below LOW are drawn at the floor with an arrow and their number."""
    nulls = list(dict.fromkeys(n for t in intervals.values() if not t.empty for n in t["null"]))
    labels = list(intervals)
    lone = False  # a point without an interval is drawn hollow and named in the legend
    with style():
        fig, axes = panel_grid(
            len(nulls), 1, len(nulls), (3.4 * len(nulls), 0.42 * len(labels) + 1.9)
        )
        for ax, null in zip(axes.flat, nulls, strict=True):
            for y, label in enumerate(labels):
                t = intervals[label]
                row = t[(t["kind"] == "pooled") & (t["null"] == null)] if not t.empty else t
                if row.empty or not np.isfinite(float(row.iloc[0]["skill"])):
                    ax.text(0.04, len(labels) - 1 - y, "no skill", va="center", fontsize=7,
                            color=NO_INTERVAL)  # fmt: skip
                    continue
                lone |= _draw(ax, len(labels) - 1 - y, row.iloc[0])
            ax.axvline(0.0, color=GUIDE, lw=1, zorder=0)
            ax.set_xlim(LOW - 0.1, 1.0)
            ax.set_ylim(-0.6, len(labels) - 0.4)
            ax.set_yticks(range(len(labels)), labels[::-1] if ax is axes.flat[0] else [])
            ax.grid(axis="x", color=RC["grid.color"], lw=RC["grid.linewidth"])
            ax.set_title(f"vs {NULL_NAMES.get(null, null)}", fontsize=9.5)
            ax.set_xlabel("skill: 1 − CRPS model / CRPS null")
        fig.suptitle(title, fontweight="bold")
        handles = [Line2D([], [], color=c, marker="o", lw=2) for c in COLOURS.values()]
        words = ["90% interval above 0", "interval across 0 (tie)", "90% interval below 0"]
        if lone:
            handles.append(Line2D([], [], color=NO_INTERVAL, marker="o", mfc="white", lw=0))
            words.append("no interval (too few observations)")
        footer(fig, provenance, handles, words, ncol=len(handles))
    return fig


def _draw(ax: Axes, y: float, row: pd.Series) -> bool:
    """One interval (or a lone hollow point where there are too few observations to
    resample: True then); an end below the floor is drawn at it with an arrow and labelled
    with its value (the point's when the point itself is below, else the interval's low end)."""
    colour = COLOURS.get(
        interval_verdict(row["low"], row["high"], row.get("degenerate", 0)), NO_INTERVAL
    )
    point, low, high = (float(row[k]) for k in ("skill", "low", "high"))
    lone = not (np.isfinite(low) and np.isfinite(high))
    if not lone:
        ax.plot([max(low, LOW), max(high, LOW)], [y, y], color=colour, lw=2.2)
    if np.isfinite(point):
        face = "white" if lone else colour
        ax.plot([max(point, LOW)], [y], "o", color=colour, mfc=face, ms=5)
    clipped = point if np.isfinite(point) and point < LOW else low
    if np.isfinite(clipped) and clipped < LOW:
        text = f"{clipped:+.2f}".replace("-", "−")
        text = f"skill {text}" if clipped == point else f"to {text}"
        ax.annotate(text, (LOW, y), xytext=(2, 5), textcoords="offset points", fontsize=7,
                    color=colour)  # fmt: skip
        ax.plot([LOW - 0.05], [y], marker="<", color=colour, ms=5)
    return lone
