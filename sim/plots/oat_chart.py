"""The one-at-a-time tornado chart: per headline effect, how far each coefficient alone moves
it between its lowest and highest factor (default ×0.5 and ×2), against the nominal effect.
Reads oat.csv and the manifest only (it never runs the model)."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.plots.style import GUIDE, footer, panel_grid, style
from sim.results.folder import ResultsFolder as Results
from sim.results.labels import outcome_label

SHOWN = 10  # coefficients per panel (largest ranges); the rest are counted in the panel
BAR, EDGE = "#2b6cb0", "#c05621"  # ordinary bar; a bar with a knife edge at either end
LOW, HIGH = "o", "s"  # markers of the lowest and highest factor's end


def _label(outcome: str) -> str:
    return "P(crisis) effect" if outcome == "crisis" else outcome_label(outcome, unit=False)


def spans(oat: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Per coefficient: the effect at the lowest and highest factor (one factor: the nominal
    effect and that factor's), the range, and whether any of its rows is a knife edge;
    largest range first."""
    rows = oat[oat["outcome"] == outcome]
    lo_f, hi_f = rows["factor"].min(), rows["factor"].max()
    nominal = float(rows["nominal_effect"].iloc[0])
    out = []
    for name, g in rows.groupby("coefficient", sort=False):
        by = g.set_index("factor")["effect_median"]
        lo = nominal if lo_f == hi_f else float(by[lo_f])
        out.append({"coefficient": name, "low": lo, "high": float(by[hi_f]),
                    "knife_edge": bool(g["knife_edge"].any())})  # fmt: skip
    frame = pd.DataFrame(out)
    frame["range"] = (frame["high"] - frame["low"]).abs()
    return frame.sort_values("range", ascending=False, kind="stable").reset_index(drop=True)


def _panel(ax: Axes, oat: pd.DataFrame, outcome: str) -> None:
    frame = spans(oat, outcome)
    keep = frame.index < SHOWN
    shown = frame[keep | frame["knife_edge"]]  # a knife edge is never hidden
    nominal = float(oat.loc[oat["outcome"] == outcome, "nominal_effect"].iloc[0])
    y = np.arange(len(shown))
    left = np.minimum(shown["low"], shown["high"])
    colours = [EDGE if k else BAR for k in shown["knife_edge"]]
    ax.barh(y, shown["range"], left=left, height=0.6, color=colours, alpha=0.55)
    ax.scatter(shown["low"], y, marker=LOW, s=18, color="#333", zorder=3)
    ax.scatter(shown["high"], y, marker=HIGH, s=18, color="#333", zorder=3)
    ax.axvline(nominal, color="#222", lw=1.1, ls="--")
    ax.axvline(0, color=GUIDE, lw=0.8)
    ax.set_yticks(y, shown["coefficient"])
    for tick, edge in zip(ax.get_yticklabels(), shown["knife_edge"], strict=True):
        tick.set_color(EDGE if edge else "#222")
    ax.invert_yaxis()
    ax.grid(axis="x")
    ax.set_title(_label(outcome), loc="left")
    rest = len(frame) - len(shown)
    if rest:
        ax.text(0.99, 0.02, f"+{rest} with smaller ranges", transform=ax.transAxes,
                ha="right", va="bottom", fontsize=7.5, color="#666")  # fmt: skip
    level = level_moves(oat, outcome)
    if level:  # the crisis level moving in both worlds: the effect bar may not show it
        words = "P(crisis) itself moves > 0.5 with " + ", ".join(level)
        ax.set_xlabel(textwrap.fill(words, 70), color=EDGE, fontsize=8)


def level_moves(oat: pd.DataFrame, outcome: str) -> list[str]:
    """'reactivity ×2' for each row whose knife edge is the crisis level itself moving
    (in both worlds, so the effect bar may not show it)."""
    reason = oat["reason"].astype("string").fillna("")  # all empty: read back as NaN
    rows = oat[(oat["outcome"] == outcome) & reason.str.contains("P(crisis)", regex=False)]
    return [f"{r.coefficient} ×{r.factor:g}" for r in rows.itertuples()]


def oat_chart(res: Results) -> Figure | None:
    """The tornado chart (None without oat.csv, e.g. a run without --one-at-a-time)."""
    oat = res.table("oat")
    if oat is None or oat.empty:
        return None
    outcomes = list(dict.fromkeys(oat["outcome"]))
    factors = sorted(oat["factor"].unique())
    ncols = 2 if len(outcomes) > 1 else 1
    nrows = math.ceil(len(outcomes) / ncols)
    with style():
        fig, axes = panel_grid(len(outcomes), nrows, ncols, (11.0, 2.9 * nrows + 1.6))
        for ax, outcome in zip(axes.flat, outcomes, strict=False):
            _panel(ax, oat, outcome)
        lo, hi = (f"×{f:g}" for f in (factors[0], factors[-1]))
        if len(factors) == 1:
            lo = "nominal"
        handles = [
            Line2D([], [], marker=LOW, ls="", color="#333", label=f"{lo} end"),
            Line2D([], [], marker=HIGH, ls="", color="#333", label=f"{hi} end"),
            Line2D([], [], color="#222", ls="--", label="nominal effect"),
            Patch(color=EDGE, alpha=0.55, label="a knife edge (sign lost or crisis moves > 0.5)"),
        ]
        fig.suptitle(f"{res.title}: one coefficient at a time", fontweight="bold")
        footer(fig, f"alliance-sim · robustness · {res.name} · oat.csv", handles,
               [h.get_label() for h in handles], ncol=4)  # fmt: skip
    return fig
