"""Charts of many actors: which actors (and which per-actor effects) get a panel, a violin,
a node or a row of their own.

Why: every run chart drew one panel, violin or node per actor shown. A standalone
scenario of 300 actors made a 100-row grid of shared axes (the escalation chart 12.5 × 251
inches), and the escalation and occupancy grids took minutes to lay out (round 22,
docs/reliability.md §27). Past `ACTORS_SHOWN` actors a chart draws that many, chosen by
one documented rule, says on itself how many it shows and how to ask for all
(`alliance-sim plot --all-actors`, `figures(..., all_actors=True)`). Scenarios of at most
`ACTORS_SHOWN` actors (every shipped one) are drawn exactly as before.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.results.folder import ResultsFolder as Results

ACTORS_SHOWN = 12  # per-actor panels, violins, nodes and effect rows drawn by default
HOW_TO_ALL = "plot\u00a0--all-actors draws all"  # kept on one line when the note wraps


def peak_medians(res: Results, actors: Sequence[str]) -> dict[str, float]:
    """Each actor's median peak escalation over replications (`summary.csv`, or for a
    compare folder the largest of its scenarios' medians); NaN where there is no column."""
    table = res.summary if res.kind == "run" else res.summaries if res.kind == "compare" else None
    columns = [f"peak_escalation_{a}" for a in actors]
    present = [c for c in dict.fromkeys(columns) if table is not None and c in table]
    if not present:
        medians = pd.Series(dtype=float)
    elif res.kind == "compare" and "scenario" in table:
        medians = table.groupby("scenario")[present].median().max()
    else:
        medians = table[present].median()
    return {a: float(medians.get(c, np.nan)) for a, c in zip(actors, columns, strict=True)}


def chosen_actors(
    res: Results, actors: Sequence[str], limit: int | None = ACTORS_SHOWN
) -> tuple[list[str], str | None]:
    """(the actors to draw, in their own order; a note for the chart, or None when all are).

    The rule: the `run.distancing` actor and its partners (the scenario's own focus; a
    compare folder records no resolved scenario, so there it is the peak rule alone), then
    the actors with the highest median peak escalation over replications (in a compare,
    the largest of the scenarios' medians), ties and actors without a summary column in
    the scenario's order, up to `limit` (None: every actor)."""
    actors = list(actors)
    if limit is None or len(actors) <= limit:
        return actors, None
    who, partners = res.distancing_pair()
    focus = [a for a in dict.fromkeys([who, *partners]) if a in actors][:limit]
    peaks = peak_medians(res, actors)
    rest = sorted(
        (a for a in actors if a not in focus),
        key=lambda a: (-peaks[a] if np.isfinite(peaks[a]) else np.inf, actors.index(a)),
    )
    keep = set(focus + rest[: limit - len(focus)])
    shown = [a for a in actors if a in keep]
    why = "the distancing actor, its partners and " if focus else ""
    note = (
        f"{len(shown)} of {len(actors)} actors shown: {why}the highest median peak "
        f"escalation; {HOW_TO_ALL}"
    )
    return shown, note


def chosen_effects(
    table: pd.DataFrame, limit: int | None = ACTORS_SHOWN
) -> tuple[pd.DataFrame, str | None]:
    """The rows of an effects table to draw, in its own order, and a note (None: all).

    Outcomes of no single actor (the distancing index, frustration, …) are always drawn;
    per-actor outcomes (`final_escalation_A`, …) for at most `limit` actors, every row of
    each: those whose largest absolute median effect is largest, ties in the table's
    order. The cap counts actors, not rows, so a scenario of at most `limit` actors keeps
    every row however many outcomes its headline lists per actor."""
    from sim.results.labels import actor_of

    owners = [actor_of(str(o)) for o in table["outcome"]]
    actors = list(dict.fromkeys(a for a in owners if a is not None))
    if limit is None or len(actors) <= limit:
        return table, None
    size = table["effect_median"].abs().to_numpy(dtype=float)
    size = np.where(np.isfinite(size), size, -1.0)
    largest: dict[str, float] = {}
    for owner, s in zip(owners, size, strict=True):
        if owner is not None:
            largest[owner] = max(largest.get(owner, -1.0), s)
    kept = set(sorted(actors, key=lambda a: -largest[a])[:limit])  # stable: ties in order
    keep = np.array([o is None or o in kept for o in owners], dtype=bool)
    note = f"{limit} of {len(actors)} actors' effects shown: the largest medians; {HOW_TO_ALL}"
    return table[keep], note


def with_note(title: str, note: str | None) -> str:
    """A chart title with the note of what it leaves out as its last lines (wrapped to
    fit the narrowest chart that takes one, the effects chart)."""
    return title if note is None else title + "\n" + textwrap.fill(note, 68, break_on_hyphens=False)
