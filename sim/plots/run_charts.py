"""Charts of one run folder over time: escalation bands, ladder occupancy, China's distancing
and bloc frustration (the relation network: sim/plots/network_chart.py; the distributions
of per-replication outcomes: sim/plots/outcome_charts.py).

Each function takes a `Results` and returns a matplotlib Figure (or None when the folder
lacks what the chart needs); `sim.plots.draw_charts` saves them.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.ladder import RUNGS
from sim.plots import aggregated
from sim.plots.crowd import ACTORS_SHOWN, chosen_actors, with_note
from sim.plots.data import quantile_bands, wide
from sim.plots.event_marks import event_handles, event_marks, mark_events
from sim.plots.style import (
    GUIDE,
    RUNG_COLOURS,
    actor_colours,
    actor_label,
    band,
    band_legend,
    date_axis,
    footer,
    panel_grid,
    rung_guides,
    rung_top,
    series_colour,
    style,
)
from sim.results.folder import ResultsFolder as Results
from sim.results.folder import count


def _grid(n: int, ncols: int = 3) -> tuple[int, int]:
    ncols = max(1, min(ncols, n))
    return math.ceil(n / ncols), ncols


def _active_escalation(ts: pd.DataFrame, actor: str) -> np.ndarray:
    g = ts[ts["actor"] == actor]
    if "active" in g:
        g = g.assign(escalation=g["escalation"].where(g["active"]))
    return wide(g, "escalation")


def escalation_chart(res: Results, limit: int | None = ACTORS_SHOWN) -> Figure | None:
    """Escalation per actor over time: median, middle-50% and middle-90% bands, rungs (at
    most `limit` actors, by `crowd.chosen_actors`; None: all)."""
    dates, every = res.dates(), res.shown_actors()
    if not dates or not every:
        return None
    actors, note = chosen_actors(res, every, limit)
    if res.aggregates is not None:  # drawn during the run: never reads the per-step rows
        n_rep, source = aggregated.replications(res), "aggregates.parquet"
        data = {a: aggregated.bands(res, "escalation", a) for a in actors}
    elif (ts := res.timeseries) is not None:
        n_rep, source = int(ts["replication"].nunique()), "timeseries.parquet"
        data = {a: quantile_bands(_active_escalation(ts, a)) for a in actors}
    else:
        return None
    top = rung_top(max(float(np.nanmax(q[0.95])) for q in data.values()))
    colours, names = actor_colours(every), res.actor_names()
    marks = event_marks(res, n_rep)
    nrows, ncols = _grid(len(actors))
    x = np.arange(len(dates))
    with style():
        fig, axes = panel_grid(
            len(actors),
            nrows,
            ncols,
            (3.7 * ncols + 1.4, 2.5 * nrows + 1.3),
            sharex=True,
            sharey=True,
        )
        fig.get_layout_engine().set(wspace=0.04)
        for k, ax in enumerate(axes.flat[: len(actors)]):
            a = actors[k]
            row, col = divmod(k, ncols)
            last_in_row = col == ncols - 1 or k == len(actors) - 1
            rung_guides(ax, top, names=last_in_row)
            band(ax, x, data[a], colours[a], label=a)
            ax.set_title(actor_label(a, names), color=colours[a], loc="left")
            bottom = row == nrows - 1 or k + ncols >= len(actors)
            date_axis(ax, dates, label=bottom, unit=res.step_unit)
            mark_events(ax, marks, len(dates))
            ax.tick_params(labelbottom=bottom)
            if col == 0:
                ax.set_ylabel("escalation level (0–1)")
        handles, labels = band_legend(n_rep)
        handles.append(Line2D([], [], color=GUIDE, lw=0.8, ls=(0, (3, 3))))
        labels.append("rung boundary (rung names on the right)")
        more, texts = event_handles(marks)
        handles, labels = handles + more, labels + texts
        fig.suptitle(with_note(f"Escalation over time by actor\n{res.title}", note))
        footer(
            fig,
            res.provenance() + " · " + source,
            handles,
            labels,
            ncol=4 if len(labels) <= 4 else 2,
        )
    return fig


def occupancy_chart(res: Results, limit: int | None = ACTORS_SHOWN) -> Figure | None:
    """Share of replications on each ladder rung over time, one stacked panel per actor (at
    most `limit` actors, by `crowd.chosen_actors`; None: all)."""
    dates, actors = res.dates(), res.shown_actors()
    if not dates or not actors:
        return None
    actors, note = chosen_actors(res, actors, limit)
    ts = None if res.aggregates is not None else res.timeseries
    if res.aggregates is None and (ts is None or "rung" not in ts):
        return None
    steps = np.arange(len(dates))
    names = res.actor_names()
    nrows, ncols = _grid(len(actors))
    with style():
        fig, axes = panel_grid(
            len(actors),
            nrows,
            ncols,
            (3.6 * ncols + 2.0, 2.4 * nrows + 1.2),
            sharex=True,
            sharey=True,
        )
        fig.get_layout_engine().set(wspace=0.04)
        for k, ax in enumerate(axes.flat[: len(actors)]):
            a = actors[k]
            row, col = divmod(k, ncols)
            counts = aggregated.rung_table(res, ts, a, steps)
            total = counts.sum(axis=1).replace(0, np.nan)
            share = counts.div(total, axis=0).fillna(0.0) * 100
            ax.stackplot(
                steps,
                share.to_numpy().T,
                colors=RUNG_COLOURS,
                labels=RUNGS,
                edgecolor="white",
                linewidth=0.3,
            )
            ax.set_ylim(0, 100)
            ax.grid(False)
            ax.set_title(actor_label(a, names), loc="left")
            bottom = row == nrows - 1 or k + ncols >= len(actors)
            date_axis(ax, dates, label=bottom, unit=res.step_unit)
            ax.tick_params(labelbottom=bottom)
            if col == 0:
                ax.set_ylabel("share of replications (%)")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(
            handles[::-1],
            labels[::-1],
            loc="outside right center",
            title="ladder rung\n(top = most severe)",
        )
        if ts is None:
            n_rep, source = aggregated.replications(res), "aggregates.parquet (rung)"
        else:
            n_rep, source = int(ts["replication"].nunique()), "timeseries.parquet (rung)"
        fig.suptitle(
            with_note(
                f"Ladder occupancy: where the {count(n_rep, 'replication')} stand\n{res.title}",
                note,
            )
        )
        footer(fig, res.provenance() + " · " + source)
    return fig


def distancing_chart(res: Results) -> Figure | None:
    """China's distancing index and bloc frustration over time, plus crisis and war shares."""
    dates = res.dates()
    sysf = None if res.aggregates is not None else res.system
    if not dates or (sysf is None and res.aggregates is None):
        return None
    x = np.arange(len(dates))
    n_rep = int(sysf["replication"].nunique()) if sysf is not None else aggregated.replications(res)
    dist = res.scenario.get("run", {}).get("distancing", {}) if res.scenario else {}
    who = dist.get("actor", "CHN")
    partners = "–".join(dist.get("partners", ["RUS", "PRK"]))
    colour = actor_colours([who])[who]
    has_flags = sysf is None or {"crisis", "war"} <= set(sysf.columns)
    with style():
        fig, axes = plt.subplots(
            3 if has_flags else 2,
            1,
            figsize=(9, 8.2 if has_flags else 6.2),
            sharex=True,
            layout="constrained",
            height_ratios=[1, 1, 0.7] if has_flags else [1, 1],
        )
        ax = axes[0]
        band(ax, x, aggregated.system_bands(res, sysf, "distancing"), colour)
        ax.axhline(0, color=GUIDE, lw=0.8)
        ax.set_ylabel("distancing index\n(fall in commitment, −2…2)")
        ax.set_title(
            f"{who}'s distancing from the {partners} pair (above 0 = moving away)", loc="left"
        )
        ax = axes[1]
        frus = aggregated.system_bands(res, sysf, "frustration")
        band(ax, x, frus, "#444444")
        top = max(float(np.nanmax(frus[0.95])), 0.05) * 1.1
        ax.set_ylim(-0.03 * top, top)
        if float(np.nanmax(frus[0.95])) == 0.0:
            ax.text(
                0.5,
                0.5,
                "0 at every step: the alignment graph stays balanced",
                transform=ax.transAxes,
                ha="center",
                color="#555555",
            )
        ax.set_ylabel("bloc frustration\n(share of unbalanced triads)")
        ax.set_title("Bloc frustration (0 = the actors split cleanly into two camps)", loc="left")
        if has_flags:
            ax = axes[2]
            peak = 0.0
            for flag, colour in (("crisis", series_colour(1)), ("war", "#000000")):
                share = aggregated.flag_share(res, sysf, flag, x) * 100
                ax.plot(x, share, color=colour, label=flag)
                peak = max(peak, float(np.nanmax(share)))
            top = 100.0 if peak > 50 else next(t for t in (5, 10, 20, 50, 100) if t >= peak * 1.15)
            ax.set_ylim(-0.03 * top, top)
            ax.set_ylabel("replications (%)")
            ax.set_title("Share of replications in crisis / at war at each step", loc="left")
            ax.legend(loc="upper left", ncol=2)
        marks = event_marks(res, n_rep)  # the pact at step 0 is what moves distancing
        for ax in axes:
            date_axis(ax, dates, label=ax is axes[-1], unit=res.step_unit, most=8)
            mark_events(ax, marks, len(dates))
        handles, labels = band_legend(n_rep)
        more, texts = event_handles(marks)
        handles, labels = handles + more, labels + texts
        fig.suptitle(
            f"{actor_label(who, res.actor_names())}: distancing, bloc frustration and crises"
            f" over time\n{res.title}"
        )
        source = "system.parquet" if sysf is not None else "aggregates.parquet"
        footer(fig, res.provenance() + " · " + source, handles, labels, ncol=2 if marks else 3)
    return fig
