"""Event markers on time-series charts: which events to mark, and how.

Why: the baseline's events fire at step 0, where a plain vertical line hides under the y
axis; each mark is a line plus a triangle above the panel, and an axis with a step-0 event
starts a little left of 0. Shared by the escalation and distancing charts.
"""

from __future__ import annotations

from matplotlib.lines import Line2D

from sim.results.folder import ResultsFolder as Results

_DASHES = ("--", ":", "-.", (0, (5, 1, 1, 1)))


def event_marks(res: Results, n_rep: int, limit: int = 4) -> list[tuple[float, str]]:
    """(median step, legend text) of the events that fired most often."""
    ev = res.events
    if ev is None or ev.empty or not {"replication", "step", "event"} <= set(ev.columns):
        return []
    first = ev.sort_values("step").drop_duplicates(["replication", "event"])
    marks = []
    for event, g in first.groupby("event", sort=False):
        label = str(g["label"].iloc[0]) if "label" in g else str(event)
        share = g["replication"].nunique() / max(n_rep, 1)
        marks.append((share, float(g["step"].median()), f"{label} (fires in {share:.0%})"))
    marks.sort(key=lambda m: -m[0])
    return [(step, text) for _, step, text in marks[:limit]]


EVENT = "#333333"
EVENT_PAD = 0.02  # share of the x range left of step 0 when an event fires at step 0


def mark_event(ax, step: float, dash) -> None:
    """A dashed line at the event's step with a triangle above the panel: the triangle
    stays visible where the line would hide under the y axis (an event at step 0)."""
    ax.axvline(step, color=EVENT, lw=1, ls=dash, zorder=3)
    ax.plot([step], [1.0], marker="v", ms=6, color=EVENT, transform=ax.get_xaxis_transform(),
            clip_on=False, zorder=4, label="_event")  # fmt: skip


def mark_events(ax, marks: list[tuple[float, str]], n_steps: int) -> None:
    """Every mark on a time axis; an event at step 0 moves the axis start left of 0, so its
    line stays off the y axis (call after `date_axis`)."""
    for i, (step, _) in enumerate(marks):
        mark_event(ax, step, _DASHES[i % len(_DASHES)])
    if any(step <= 0 for step, _ in marks):
        ax.set_xlim(left=-EVENT_PAD * n_steps)


def event_handles(marks: list[tuple[float, str]]) -> tuple[list, list[str]]:
    """Legend handles and texts of the marks (line style and triangle as drawn)."""
    handles = [Line2D([], [], color=EVENT, lw=1, ls=_DASHES[i % len(_DASHES)], marker="v", ms=5)
               for i in range(len(marks))]  # fmt: skip
    return handles, [f"event: {text}" for _, text in marks]
