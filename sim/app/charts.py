"""The dashboard's own charts, drawn from results tables or a Mesa model's records.

Every figure is drawn to PNG bytes and closed at once (`png`): a figure left open stays in
pyplot's registry for the whole session, and the Mesa tab draws one per step (issue 17:
+50–60 MB per play before). The report charts come from sim/plots; what is here exists only
on the page: the Mesa run as it unfolds, and two scenarios over time side by side.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any

import matplotlib

matplotlib.use("Agg")  # drawn off the main thread, never shown in a window

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

BANDS = (5, 50, 95)
COLOURS = ("#1f77b4", "#d62728")


def distancing_words(scenario: Any) -> tuple[str, str]:
    """(heading, axis label) of a scenario's distancing index, from its `run.distancing`
    and its actors' names (a Scenario, or the resolved scenario a results folder records).
    Why (round 21): the page said "China's distancing from the Russia–North Korea pair"
    over a standalone scenario's AAA distancing from BBB."""
    if hasattr(scenario, "model_dump"):
        scenario = scenario.model_dump(mode="json")
    scenario = scenario if isinstance(scenario, dict) else {}
    run = scenario.get("run") if isinstance(scenario.get("run"), dict) else {}
    dist = run.get("distancing") if isinstance(run.get("distancing"), dict) else {}
    actors = scenario.get("actors") if isinstance(scenario.get("actors"), dict) else {}

    def name(a: str) -> str:
        entry = actors.get(a)
        return str(entry.get("name") or a) if isinstance(entry, dict) else a

    actor, partners = dist.get("actor", "CHN"), list(dist.get("partners", ["RUS", "PRK"]))
    whom = "–".join(map(name, partners))
    if len(partners) > 1:
        whom = f"the {whom} {'pair' if len(partners) == 2 else 'partners'}"
    heading = f"{name(actor)}'s distancing from {whom}"
    return heading, f"{name(actor)}'s distancing (−2…2)"


def png(fig: Figure, dpi: int = 80) -> bytes:
    """The figure as PNG bytes; the figure is closed whatever happens."""
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return buf.getvalue()


def mesa_escalation(history: np.ndarray, actors: list[str], active: np.ndarray,
                    title: str, step_unit: str, max_steps: int) -> bytes:  # fmt: skip
    """Each actor's escalation so far in one replication (the Mesa tab), drawn where it
    is active: `active` is (steps so far, actors). Why (round 22): only the actors active
    at the current step were drawn, over every step, so an actor an event switches on
    showed its start value from step 0 and one that left vanished with its past."""
    fig, ax = plt.subplots(figsize=(6, 3.2))
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.15, top=0.86)  # fixed: cheap per step
    steps = np.arange(len(history))
    active = np.asarray(active, dtype=bool).reshape(len(history), len(actors))
    for i, actor in enumerate(actors):
        if active[:, i].any():
            ax.plot(steps, np.where(active[:, i], history[:, i], np.nan), label=actor)
    ax.set_xlim(0, max_steps)
    ax.set_ylim(0, 1)
    ax.set_xlabel(f"step ({step_unit}s)")
    ax.set_ylabel("escalation (0–1)")
    ax.set_title(title, fontsize="medium")
    ax.legend(ncol=4, fontsize="small")
    return png(fig)


def mesa_system(values: list[float], name: str, step_unit: str, max_steps: int) -> bytes:
    """One model reporter over the steps so far (the Mesa tab)."""
    # Why (round 22): a long name ("European Union's distancing (−2…2)") ran off the
    # figure; it is set on two lines, with the room they need (China's keeps one line)
    long = len(name) > 28 and " " in name
    fig, ax = plt.subplots(figsize=(6, 2.6))
    fig.subplots_adjust(left=0.18 if long else 0.12, right=0.98, bottom=0.18, top=0.95)
    ax.plot(np.arange(len(values)), values, color=COLOURS[0])
    ax.set_xlim(0, max_steps)
    ax.set_xlabel(f"step ({step_unit}s)")
    ax.set_ylabel(textwrap.fill(name, max(len(name) // 2 + 1, 20)) if long else name)
    return png(fig)


def _bands(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    """Per step: the 5th, 50th and 95th percentile of `value` across replications."""
    q = frame.groupby("step")[value].quantile([b / 100 for b in BANDS]).unstack()
    q.columns = list(BANDS)
    return q


def comparison_over_time(series: dict[str, tuple[pd.DataFrame, pd.DataFrame]], actor: str,
                         step_unit: str, axis: str = "China's distancing (−2…2)",
                         pairs: tuple[str, ...] = ()) -> bytes:  # fmt: skip
    """Two (or more) scenarios over time: `actor`'s escalation and each one's distancing
    index, median and 5–95% of replications, from each run's timeseries and system tables.
    A scenario without `actor` (active at no step) has no escalation line and says so in
    the legend; `pairs` (each scenario's distancing heading) label the lower panel's lines
    when the scenarios measure different distancing indices."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.5, 5.6), sharex=True, layout="constrained")
    for k, (label, (timeseries, system)) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        rows = timeseries[timeseries["actor"].astype(str) == actor]
        if "active" in rows:
            rows = rows[rows["active"].astype(bool)]
        drawn = [(bottom, _bands(system, "distancing"), pairs[k] if pairs else label)]
        if len(rows):
            drawn.insert(0, (top, _bands(rows, "escalation"), label))
        else:
            top.plot([], [], color=colour, label=f"{label} (no {actor})")
        for ax, q, name in drawn:
            ax.fill_between(q.index, q[5], q[95], color=colour, alpha=0.18, linewidth=0)
            ax.plot(q.index, q[50], color=colour, label=name)
    top.set_ylabel(f"escalation, {actor} (0–1)")
    top.set_title("Median and 5–95% of replications (same seed: common random numbers)",
                  fontsize="medium")  # fmt: skip
    top.legend(fontsize="small")
    if pairs:
        bottom.legend(fontsize="small")
    bottom.set_ylabel(axis)
    bottom.axhline(0, color="grey", linewidth=0.6)
    bottom.set_xlabel(f"step ({step_unit}s)")
    return png(fig)
