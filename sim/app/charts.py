"""The dashboard's own charts, drawn from results tables or a Mesa model's records.

Every figure is drawn to PNG bytes and closed at once (`png`): a figure left open stays in
pyplot's registry for the whole session, and the Mesa tab draws one per step (issue 17:
+50–60 MB per play before). The report charts come from sim/plots; what is here exists only
on the page: the Mesa run as it unfolds, and two scenarios over time side by side.
"""

from __future__ import annotations

import io
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
    """Each active actor's escalation so far in one replication (the Mesa tab)."""
    fig, ax = plt.subplots(figsize=(6, 3.2))
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.15, top=0.86)  # fixed: cheap per step
    steps = np.arange(len(history))
    for i, actor in enumerate(actors):
        if active[i]:
            ax.plot(steps, history[:, i], label=actor)
    ax.set_xlim(0, max_steps)
    ax.set_ylim(0, 1)
    ax.set_xlabel(f"step ({step_unit}s)")
    ax.set_ylabel("escalation (0–1)")
    ax.set_title(title, fontsize="medium")
    ax.legend(ncol=4, fontsize="small")
    return png(fig)


def mesa_system(values: list[float], name: str, step_unit: str, max_steps: int) -> bytes:
    """One model reporter over the steps so far (the Mesa tab)."""
    fig, ax = plt.subplots(figsize=(6, 2.6))
    fig.subplots_adjust(left=0.12, right=0.98, bottom=0.18, top=0.95)
    ax.plot(np.arange(len(values)), values, color=COLOURS[0])
    ax.set_xlim(0, max_steps)
    ax.set_xlabel(f"step ({step_unit}s)")
    ax.set_ylabel(name)
    return png(fig)


def _bands(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    """Per step: the 5th, 50th and 95th percentile of `value` across replications."""
    q = frame.groupby("step")[value].quantile([b / 100 for b in BANDS]).unstack()
    q.columns = list(BANDS)
    return q


def comparison_over_time(series: dict[str, tuple[pd.DataFrame, pd.DataFrame]], actor: str,
                         step_unit: str, axis: str = "China's distancing (−2…2)"
                         ) -> bytes:  # fmt: skip
    """Two (or more) scenarios over time: `actor`'s escalation and China's distancing,
    median and 5–95% of replications, from each run's timeseries and system tables."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.5, 5.6), sharex=True, layout="constrained")
    for k, (label, (timeseries, system)) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        rows = timeseries[timeseries["actor"].astype(str) == actor]
        for ax, q in ((top, _bands(rows, "escalation")), (bottom, _bands(system, "distancing"))):
            ax.fill_between(q.index, q[5], q[95], color=colour, alpha=0.18, linewidth=0)
            ax.plot(q.index, q[50], color=colour, label=label)
    top.set_ylabel(f"escalation, {actor} (0–1)")
    top.set_title("Median and 5–95% of replications (same seed: common random numbers)",
                  fontsize="medium")  # fmt: skip
    top.legend(fontsize="small")
    bottom.set_ylabel(axis)
    bottom.axhline(0, color="grey", linewidth=0.6)
    bottom.set_xlabel(f"step ({step_unit}s)")
    return png(fig)
