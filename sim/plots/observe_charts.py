"""Charts of calibration and hindcast folders: prior vs posterior, ABC diagnostics, and
predictive intervals against what was observed. Read through the results reader only."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.style import OKABE_ITO, footer, panel_grid, style
from sim.results.folder import ResultsFolder
from sim.results.labels import calibration_method, coefficient_label

PRIOR, POSTERIOR, OBSERVED = OKABE_ITO["sky blue"], OKABE_ITO["vermillion"], OKABE_ITO["black"]
MISSED = OKABE_ITO["reddish purple"]


def prior_posterior_chart(res: ResultsFolder) -> Figure | None:
    pops = res.table("populations")
    names = [str(n) for n in res.manifest.get("coefficients") or []]
    if pops is None or pops.empty or not names:
        return None
    prior = pops[pops["generation"] == 0]
    post = pops[pops["generation"] == pops["generation"].max()]
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    with style():
        fig, axes = panel_grid(len(names), rows, cols, (3.8 * cols, 2.7 * rows + 0.5))
        for ax, name in zip(axes.flat, names, strict=False):
            bins = np.histogram_bin_edges(pops[name], bins=25)
            ax.hist(prior[name], bins=bins, weights=prior["weight"], density=True, alpha=0.5,
                    color=PRIOR, label="prior (generation 0)")  # fmt: skip
            ax.hist(post[name], bins=bins, weights=post["weight"], density=True, alpha=0.6,
                    color=POSTERIOR, label="posterior (last generation)")  # fmt: skip
            ax.set_title(coefficient_label(name), fontsize=8, wrap=True)
            ax.set_xlabel(name, fontsize=8)
            ax.set_ylabel("density", fontsize=8)
        axes.flat[0].legend(fontsize=7)
        fig.suptitle(f"{res.title}: prior and posterior", fontweight="bold")
        footer(fig, res.provenance())
    return fig


def diagnostics_chart(res: ResultsFolder) -> Figure | None:
    d = res.table("diagnostics")
    if d is None or d.empty:
        return None
    with style():
        fig, axes = panel_grid(3, 1, 3, (10, 3.2))
        finite = d[np.isfinite(d["epsilon"])]
        panels = ((finite, "epsilon", "tolerance ε (distance)"),
                  (d, "acceptance", "acceptance rate (share)"),
                  (d, "ess", "effective sample size (particles)"))  # fmt: skip
        for ax, (frame, col, title) in zip(axes.flat, panels, strict=True):
            ax.plot(frame["generation"], frame[col], "o-")
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("generation")
        method = calibration_method(res.manifest)
        fig.suptitle(f"{res.title}: {method} diagnostics", fontweight="bold")
        footer(fig, res.provenance())
    return fig


def interval_figure(table: pd.DataFrame | None, title: str, res: ResultsFolder) -> Figure | None:
    """Each scored observation in its own small panel: 90% and 50% intervals, median, observed."""
    if table is None or table.empty:
        return None
    table = table[table["scored"]] if "scored" in table else table
    if table.empty:
        return None
    cols = min(5, len(table))
    rows = math.ceil(len(table) / cols)
    with style():
        fig, axes = panel_grid(len(table), rows, cols, (2.4 * cols, 1.35 * rows + 1.0))
        for ax, (_, r) in zip(axes.flat, table.iterrows(), strict=False):
            ax.plot([r.q05, r.q95], [0, 0], color=POSTERIOR, lw=1.5)
            ax.plot([r.q25, r.q75], [0, 0], color=POSTERIOR, lw=5, alpha=0.7)
            ax.plot([r["median"]], [0], "o", color="white", mec=POSTERIOR, ms=4)
            ax.plot([r.observed], [0], "x", color=OBSERVED if r.in90 else MISSED, ms=8, mew=2)
            ax.set_yticks([])
            ax.set_title(str(r.id), fontsize=6)
            ax.tick_params(labelsize=6)
        fig.suptitle(f"{title} (bars: 50% and 90% predictive intervals; ×: observed, purple "
                     "when outside 90%)", fontsize=9, fontweight="bold")  # fmt: skip
        footer(fig, res.provenance())
    return fig


def predictive_check_chart(res: ResultsFolder) -> Figure | None:
    return interval_figure(res.table("predictive_check"), "Posterior predictive check", res)


def hindcast_chart(res: ResultsFolder) -> Figure | None:
    return interval_figure(res.table("hindcast"), res.title, res)


def hindcast_skill_chart(res: ResultsFolder) -> Figure | None:
    """Each forecast design's pooled skill against the nulls with its 90% interval over the
    observations (the same numbers as the report's sentence: the hindcast's own seed)."""
    from sim.observe.scoring import DESIGN_COLUMNS
    from sim.observe.significance import null_skill_intervals
    from sim.plots.skill_chart import skill_forest

    table = res.table("hindcast")
    if table is None or table.empty:
        return None
    seed = int(res.manifest.get("root_seed") or 0)
    intervals = {d: null_skill_intervals(table, seed, d) for d in DESIGN_COLUMNS}
    intervals = {d: t for d, t in intervals.items() if not t.empty}  # designs not scored
    if not intervals:
        return None
    title = f"{res.title}: pooled skill against the null forecasters, with 90% intervals"
    return skill_forest(intervals, title, res.provenance())
