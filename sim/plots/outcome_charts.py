"""Per-replication outcomes of one run folder: peak escalation by actor, time to the first
crisis, outcome class.

Apart from run_charts.py because it reads only the summary table (one row per
replication), not the per-step series: each function takes a `Results` and returns a
matplotlib Figure, or None when the folder lacks a summary.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.plots.crowd import ACTORS_SHOWN, chosen_actors, with_note
from sim.plots.style import (
    OUTCOME_CLASSES,
    OUTCOME_COLOURS,
    actor_colours,
    footer,
    rung_guides,
    rung_top,
    series_colour,
    style,
    tick_steps,
)
from sim.results.folder import ResultsFolder as Results
from sim.results.folder import count


def _first_crisis(ax, first: np.ndarray, steps: int, unit: str) -> None:
    """Histogram of the first crisis step, plus a bar for replications with none.

    The crisis bins get their own scale; when the 'none' bar would dwarf them it is cut at
    the top of the axis and its value printed on it.
    """
    n = max(len(first), 1)
    width = max(1, math.ceil(steps / 12))
    edges = np.arange(0, steps + width + 1, width)
    counts, _ = np.histogram(first[first >= 0], bins=edges)
    shares = counts / n * 100
    none = float((first < 0).mean() * 100)
    most = float(shares.max(initial=0))
    top = 105.0 if most == 0 or none <= 2 * max(most, 1) else max(5.0, most * 1.35)
    ax.bar(
        edges[:-1],
        shares,
        width=width,
        align="edge",
        color=series_colour(1),
        edgecolor="white",
        label=f"first crisis in this {width}-{unit} bin",
    )
    none_x = edges[-1] + width
    cut = none > top
    label = f"no crisis in {steps} {unit}s" + (" (bar cut; value printed)" if cut else "")
    ax.bar(
        none_x,
        min(none, top),
        width=width * 1.6,
        color="#bbbbbb",
        hatch="//",
        edgecolor="white",
        label=label,
    )
    ax.text(
        none_x,
        min(none, top) * (0.5 if cut else 1.0) + (0 if cut else top * 0.01),
        f"{none:.0f}%",
        ha="center",
        va="center" if cut else "bottom",
        fontsize=8.5,
        weight="bold",
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5} if cut else None,
    )
    ticks = [int(t) for t in tick_steps(int(edges[-1]), 6)]
    ax.set_xticks([*ticks, none_x], [str(t) for t in ticks] + ["none"])
    ax.set_xlim(-width * 0.5, none_x + width * 1.3)
    ax.set_ylim(0, top)
    ax.legend(loc="upper left", fontsize=7.5)


def outcomes_chart(res: Results, limit: int | None = ACTORS_SHOWN) -> Figure | None:
    """Per-replication outcomes: peak escalation by actor (at most `limit` actors, by
    `crowd.chosen_actors`; None: all), time to first crisis, outcome class."""
    summ = res.summary
    if summ is None or summ.empty:
        return None
    every = [a for a in res.shown_actors() if f"peak_escalation_{a}" in summ]
    actors, note = chosen_actors(res, every, limit)
    steps = int(res.manifest.get("steps") or max(summ.get("first_crisis_step", [0]).max(), 1))
    n_rep = len(summ)
    colours = actor_colours(every)
    with style():
        fig, axes = plt.subplots(
            1, 3, figsize=(13.5, 4.6), layout="constrained", width_ratios=[3.2, 2.2, 1.5]
        )
        ax = axes[0]
        if actors:
            values = [summ[f"peak_escalation_{a}"].to_numpy(dtype=float) for a in actors]
            top = rung_top(max(float(np.max(v)) for v in values))
            rung_guides(ax, top)
            parts = ax.violinplot(values, showextrema=False, widths=0.8)
            for body, a in zip(parts["bodies"], actors, strict=True):
                body.set_facecolor(colours[a])
                body.set_edgecolor(colours[a])
                body.set_alpha(0.45)
            ax.boxplot(
                values,
                widths=0.18,
                showfliers=False,
                patch_artist=True,
                whis=(5, 95),
                boxprops={"facecolor": "white", "edgecolor": "#333333"},
                medianprops={"color": "#000000", "lw": 1.6},
                whiskerprops={"color": "#333333"},
                capprops={"color": "#333333"},
            )
            ax.set_xticks(range(1, len(actors) + 1), actors)
        ax.set_xlabel("actor")
        ax.set_ylabel("peak escalation in the run (level 0–1)")
        ax.set_title("Peak escalation per replication", loc="left")
        ax.legend(
            [Patch(color="#999999", alpha=0.45), Patch(facecolor="white", edgecolor="#333333")],
            ["distribution (violin)", "quartiles, median, 5–95% whiskers"],
            loc="best",
            fontsize=7.5,
        )

        ax = axes[1]
        first = summ["first_crisis_step"].to_numpy() if "first_crisis_step" in summ else None
        if first is not None:
            _first_crisis(ax, first, steps, res.step_unit)
        ax.set_xlabel(f"{res.step_unit}s until the first crisis")
        ax.set_ylabel("share of replications (%)")
        ax.set_title("Time to first crisis", loc="left")

        ax = axes[2]
        if "outcome" in summ:
            shares = summ["outcome"].value_counts(normalize=True).reindex(OUTCOME_CLASSES)
            shares = shares.fillna(0.0) * 100
            bars = ax.bar(
                OUTCOME_CLASSES,
                shares.to_numpy(),
                color=[OUTCOME_COLOURS[c] for c in OUTCOME_CLASSES],
                edgecolor="#555555",
                lw=0.5,
            )
            ax.bar_label(bars, fmt="%.0f%%", fontsize=8, padding=2)
            ax.set_ylim(0, 110)
        ax.set_xlabel("outcome class\n(war, crisis: at any step;\ntense: ends ≥ arms transfers)")
        ax.set_ylabel("share of replications (%)")
        ax.set_title("Outcome class", loc="left")
        fig.suptitle(
            with_note(
                f"Outcome distributions over {count(n_rep, 'replication')}\n{res.title}", note
            )
        )
        footer(fig, res.provenance() + " · summary.csv")
    return fig
