"""The relation network chart of a run folder: commitment as edge colour, the strongest
dependency channel as edge width, military capability as node size, at chosen steps."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from sim.facts import CHANNELS
from sim.plots import aggregated
from sim.plots.crowd import ACTORS_SHOWN, chosen_actors, with_note
from sim.plots.style import DIVERGING, actor_colours, footer, style
from sim.results.folder import ResultsFolder as Results

# Hand-placed, roughly geographic positions of the article's actors (west → east).
POSITIONS = {
    "RUS": (-0.55, 0.95),
    "CHN": (-0.95, -0.15),
    "PRK": (0.0, 0.42),
    "KOR": (0.12, -0.55),
    "JPN": (0.85, -0.05),
    "USA": (1.25, 0.85),
    "UKR": (-1.45, 0.95),
    "IRN": (-1.5, -0.8),
}


def _positions(actors: Sequence[str]) -> dict[str, tuple[float, float]]:
    pos = {a: POSITIONS[a] for a in actors if a in POSITIONS}
    others = [a for a in actors if a not in POSITIONS]
    for i, a in enumerate(others):
        angle = -math.pi / 2 + 2 * math.pi * (i + 0.5) / max(len(others), 1)
        pos[a] = (1.9 * math.cos(angle), 1.9 * math.sin(angle))
    return pos


def dependency(res: Results, a: str, b: str) -> float:
    """Strongest dependency channel between a and b, either direction (0–1)."""
    rel = res.scenario.get("relations") or {}
    best = 0.0
    for src, dst in ((a, b), (b, a)):
        spec = (rel.get(src) or {}).get(dst) or {}
        for ch in CHANNELS:
            v = res.weight("relations", src, dst, ch) if ch in spec else None
            best = max(best, v or 0.0)
    return best


def _node_size(cap: float) -> float:
    return 420 + 2600 * cap


def network_chart(
    res: Results, steps: Sequence[int] | None = None, limit: int | None = ACTORS_SHOWN
) -> Figure | None:
    """Relation network at chosen steps (default: first and last), side by side; at most
    `limit` actors, by `crowd.chosen_actors` (None: all)."""
    dates = res.dates()
    summed = res.aggregates is not None  # drawn during the run: never reads the per-step rows
    pairs, ts = (None, None) if summed else (res.pairs, res.timeseries)
    if not dates or (not summed and (pairs is None or ts is None)):
        return None
    last = len(dates) - 1
    chosen = sorted({min(max(int(s), 0), last) for s in (steps or (0, last))})
    every = res.shown_actors()
    order, note = chosen_actors(res, every, limit)
    colours = actor_colours(every)
    pos = _positions(order)
    cmap, norm = plt.get_cmap(DIVERGING), Normalize(-1, 1)
    caps = {a: res.weight("actors", a, "capabilities", "military") for a in order}
    with style():
        fig, grid = plt.subplots(
            1,
            len(chosen) + 1,
            figsize=(4.9 * len(chosen) + 1.7, 4.9),
            squeeze=False,
            layout="constrained",
            width_ratios=[*([1.0] * len(chosen)), 0.3],
        )
        axes, key = grid[:, :-1], grid[0, -1]
        for ax, step in zip(axes.flat, chosen, strict=True):
            share, med = aggregated.network_at(res, ts, pairs, step)
            actors = [a for a in order if share.get(a, 0) >= 0.5]
            edges = []
            for i, a in enumerate(actors):
                for b in actors[i + 1 :]:
                    vals = [med[k] for k in ((a, b), (b, a)) if k in med.index]
                    if vals:
                        edges.append((float(np.mean(vals)), dependency(res, a, b), a, b))
            if len(order) > ACTORS_SHOWN:  # --all-actors: one artist for every edge, node
                _crowd(ax, actors, edges, pos, caps, colours, cmap, norm)
                edges, actors = [], []
            radius = {a: math.sqrt(_node_size(caps.get(a) or 0.3)) / 2 + 1 for a in actors}
            for c, dep, a, b in sorted(edges, key=lambda e: abs(e[0])):
                patch = FancyArrowPatch(
                    pos[a],
                    pos[b],
                    arrowstyle="-",
                    connectionstyle="arc3,rad=0.12",
                    color=cmap(norm(c)),
                    lw=0.8 + 7 * dep,
                    zorder=1 + abs(c),
                    shrinkA=radius[a],
                    shrinkB=radius[b],
                    capstyle="round",
                )
                ax.add_patch(patch)
            for a in actors:
                size = _node_size(caps.get(a) or 0.3)
                ax.scatter(*pos[a], s=size, color="white", edgecolor=colours[a], lw=2.5, zorder=4)
                ax.text(*pos[a], a, ha="center", va="center", fontsize=9, weight="bold", zorder=5)
            label = "start" if step == chosen[0] else "end" if step == last else "step"
            ax.set_title(f"{label}: {dates[step]} (step {step})")
            xs, ys = zip(*pos.values(), strict=True)
            ax.update_datalim([(min(xs) - 0.3, min(ys) - 0.3), (max(xs) + 0.3, max(ys) + 0.3)])
            ax.autoscale_view()
            ax.set_aspect("equal", adjustable="datalim")
            ax.axis("off")
        bar = fig.colorbar(
            ScalarMappable(norm, cmap),
            ax=axes.ravel().tolist(),
            orientation="horizontal",
            location="bottom",
            shrink=0.55,
            aspect=40,
            pad=0.02,
        )
        bar.set_label("commitment between the pair (median over replications; mean of both ways)")
        bar.set_ticks(
            [-1, -0.5, 0, 0.5, 1], labels=["−1 hostile", "−0.5", "0", "+0.5", "+1 allied"]
        )
        _network_key(key)
        when = (
            "at the start and the end" if len(chosen) == 2 and chosen[-1] == last else "over time"
        )
        fig.suptitle(with_note(f"Relation network {when}\n{res.title}", note))
        source = "aggregates.parquet" if summed else "pairs.parquet"
        footer(fig, res.provenance() + f" · {source}, manifest resolved_scenario")
    return fig


def _crowd(ax, actors, edges, pos, caps, colours, cmap, norm) -> None:
    """The network of more actors than a chart names one by one: straight edges in one
    LineCollection (weakest commitment first, as the arcs), nodes in one scatter, ids in
    small type. (One FancyArrowPatch per edge took most of the chart's time.)"""
    edges = sorted(edges, key=lambda e: abs(e[0]))
    if edges:
        ax.add_collection(
            LineCollection(
                [(pos[a], pos[b]) for _, _, a, b in edges],
                colors=[cmap(norm(c)) for c, _, _, _ in edges],
                linewidths=[0.4 + 3 * dep for _, dep, _, _ in edges],
                zorder=1,
            )
        )
    if actors:
        xy = np.array([pos[a] for a in actors])
        sizes = [_node_size(caps.get(a) or 0.3) / 8 for a in actors]
        ax.scatter(xy[:, 0], xy[:, 1], s=sizes, color="white", zorder=4, lw=1,
                   edgecolors=[colours[a] for a in actors])  # fmt: skip
        for a in actors:
            ax.text(*pos[a], a, ha="center", va="center", fontsize=4, zorder=5)


def _network_key(ax) -> None:
    """The size and width key, drawn in its own narrow axes beside the panels."""
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    ax.text(0, 1.0, "edge width:\nstrongest dependency\nchannel (0–1)", va="top", fontsize=8.5)
    for i, d in enumerate((0.1, 0.5, 1.0)):
        y = 0.83 - 0.05 * i
        ax.plot([0.05, 0.45], [y, y], color="#666666", lw=0.8 + 7 * d, solid_capstyle="butt")
        ax.text(0.55, y, f"{d:g}", va="center", fontsize=8.5)
    ax.text(0, 0.67, "node size:\nmilitary capability\n(0–1, USA = 1)", va="top", fontsize=8.5)
    for cap, y in ((0.1, 0.465), (0.5, 0.31), (1.0, 0.1)):
        ax.scatter(
            0.25, y, s=_node_size(cap), color="white", edgecolor="#666666", lw=1.5, clip_on=False
        )
        ax.text(0.7, y, f"{cap:g}", va="center", fontsize=8.5)
