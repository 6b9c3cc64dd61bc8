"""Charts of a sweep folder: outcome heatmaps (grid designs), Sobol and Morris sensitivity,
parameter–outcome scatter."""

from __future__ import annotations

import math
from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.plots.data import pick_outcomes
from sim.plots.style import SEQUENTIAL, footer, panel_grid, series_colour, style
from sim.results.folder import ResultsFolder as Results
from sim.results.folder import count
from sim.results.labels import key_label, outcome_label, outcome_parts

SHARE_OUTCOMES = ("p_crisis", "p_war", "crisis", "war")
NOT_OUTCOMES = ("point", "replication", "n", "runs", "n_runs")
MAX_PARAMETERS = 12


def _numeric_outcomes(frame: pd.DataFrame, exclude: list[str]) -> list[str]:
    out = []
    for col in frame.columns:
        if col in exclude or col in NOT_OUTCOMES or str(col).startswith(("first_", "final_rung")):
            continue
        series = frame[col]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            continue
        if series.nunique(dropna=True) > 1:
            out.append(str(col))
    return out


def swept(res: Results, frame: pd.DataFrame | None) -> list[str]:
    """Swept key paths present in `frame` that take more than one value."""
    if frame is None:
        return []
    paths = res.parameter_paths() or [
        c for c in (res.points.columns if res.points is not None else []) if c != "point"
    ]
    return [p for p in paths if p in frame and frame[p].nunique(dropna=True) > 1]


def _fmt(v: object) -> str:
    if isinstance(v, float | np.floating):
        return f"{v:.3g}"
    return str(v)


def _is_grid(res: Results, frame: pd.DataFrame, a: str, b: str) -> bool:
    if res.manifest.get("design") == "grid":
        return True
    na, nb = frame[a].nunique(), frame[b].nunique()
    return na <= 25 and nb <= 25 and len(frame[[a, b]].drop_duplicates()) == na * nb


def heatmap_chart(res: Results) -> Figure | None:
    """Mean outcome over the first two swept parameters (other parameters averaged out)."""
    bp = res.by_point
    params = swept(res, bp)
    if bp is None or len(params) < 2 or not _is_grid(res, bp, params[0], params[1]):
        return None
    px, py = params[0], params[1]
    outcomes = pick_outcomes(_numeric_outcomes(bp, params), 4)
    if not outcomes:
        return None
    grid = bp.groupby([py, px])[outcomes].mean()
    xs, ys = sorted(bp[px].unique()), sorted(bp[py].unique())
    nrows, ncols = (1, len(outcomes)) if len(outcomes) <= 2 else (2, 2)
    cells = len(xs) * len(ys)
    with style():
        fig, axes = panel_grid(len(outcomes), nrows, ncols, (5.0 * ncols + 0.6, 4.2 * nrows + 1.0))
        for k, ax in enumerate(axes.flat[: len(outcomes)]):
            o = outcomes[k]
            table = grid[o].unstack(px).reindex(index=ys, columns=xs).to_numpy(dtype=float)
            share = o in SHARE_OUTCOMES or o.startswith(("peak_escalation_", "final_escalation_"))
            vmin, vmax = (0.0, 1.0) if share else (np.nanmin(table), np.nanmax(table))
            image = ax.imshow(
                table,
                origin="lower",
                aspect="auto",
                cmap=SEQUENTIAL,
                vmin=vmin,
                vmax=vmax,
                interpolation="nearest",
            )
            if cells <= 100:
                cmap, span = plt.get_cmap(SEQUENTIAL), (vmax - vmin) or 1.0
                for (r, c), v in np.ndenumerate(table):
                    if np.isnan(v):
                        continue
                    light = cmap((v - vmin) / span)
                    lum = 0.299 * light[0] + 0.587 * light[1] + 0.114 * light[2]
                    ax.text(
                        c,
                        r,
                        f"{v:.2f}",
                        ha="center",
                        va="center",
                        fontsize=7.5,
                        color="black" if lum > 0.5 else "white",
                    )
            ax.set_xticks(range(len(xs)), [_fmt(v) for v in xs])
            ax.set_yticks(range(len(ys)), [_fmt(v) for v in ys])
            ax.set_xlabel(key_label(px, unit=True, wrap=34))
            ax.set_ylabel(key_label(py, unit=True, wrap=34))
            ax.grid(False)
            name = outcome_parts(o)[0]
            ax.set_title(name if name.startswith("P(") else f"mean {name}", loc="left")
            bar = fig.colorbar(image, ax=ax, shrink=0.9)
            bar.set_label(outcome_label(o), fontsize=8.5)
        rest = (
            f"; averaged over {', '.join(key_label(p) for p in params[2:])}"
            if len(params) > 2
            else ""
        )
        reps = f" over {count(res.replications, 'replication')}" if res.replications else ""
        fig.suptitle(
            f"Outcomes over the sweep grid — {res.title}\n(mean per design point{reps}{rest})"
        )
        footer(fig, res.provenance() + " · analysis/by_point.parquet")
    return fig


def _wrap(text: str, width: int = 30) -> str:
    """Break a label into lines of at most `width` characters: an axis label wider than its
    panel would run into the next panel or off the figure."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _sensitivity_panels(
    res: Results, frame: pd.DataFrame | None, value: str, limit: int = 6
) -> tuple[list[str], int, int] | None:
    if frame is None or frame.empty or not {"outcome", "parameter", value} <= set(frame.columns):
        return None
    outcomes = pick_outcomes(list(dict.fromkeys(frame["outcome"].astype(str))), limit)
    n = len(outcomes)
    ncols = 2 if n in (2, 4) else min(3, n)
    return outcomes, math.ceil(n / ncols), ncols


def _bars(ax, sub: pd.DataFrame, series: list[tuple[str, str | None, str]]) -> None:
    """Grouped horizontal bars, one group per parameter (rows ordered as `sub`)."""
    y = np.arange(len(sub))
    h = 0.8 / len(series)
    for i, (col, conf, label) in enumerate(series):
        vals = sub[col].to_numpy(dtype=float)
        err = sub[conf].to_numpy(dtype=float) if conf and conf in sub else None
        ax.barh(
            y - 0.4 + h * (i + 0.5),
            vals,
            height=h * 0.92,
            xerr=err,
            color=series_colour(i),
            label=label,
            error_kw={"ecolor": "#333333", "elinewidth": 0.9, "capsize": 2},
        )
    ax.set_yticks(y, [key_label(p, wrap=30) for p in sub["parameter"]], fontsize=8)
    ax.set_ylim(len(sub) - 0.5, -0.5)
    ax.grid(True, axis="x")
    ax.grid(False, axis="y")
    ax.axvline(0, color="#999999", lw=0.8)


def _sensitivity_figure(
    res: Results,
    df: pd.DataFrame,
    rank_by: str,
    bars: list[tuple[str, str | None, str]],
    xlabel: Callable[[str, str], str],
    headline: str,
    source: str,
    legend_title: str,
) -> Figure | None:
    """One panel per outcome of horizontal index bars, parameters ranked by `rank_by`."""
    panels = _sensitivity_panels(res, df, rank_by)
    if panels is None:
        return None
    outcomes, nrows, ncols = panels
    n_par = min(MAX_PARAMETERS, df["parameter"].nunique())
    with style():
        fig, axes = panel_grid(
            len(outcomes), nrows, ncols, (4.8 * ncols + 1.2, (0.32 * n_par + 1.4) * nrows + 1.0)
        )
        for k, ax in enumerate(axes.flat[: len(outcomes)]):
            sub = df[df["outcome"].astype(str) == outcomes[k]]
            sub = sub.sort_values(rank_by, ascending=False).head(MAX_PARAMETERS)
            _bars(ax, sub, bars)
            name, unit = outcome_parts(outcomes[k])
            ax.set_title(name, loc="left")
            ax.set_xlabel(xlabel(name, unit))
            if rank_by == "ST":
                ax.set_xlim(min(0.0, ax.get_xlim()[0]), max(1.05, ax.get_xlim()[1]))
        handles, labels = axes.flat[0].get_legend_handles_labels()
        more = df["outcome"].nunique() - len(outcomes)
        note = f" (first {len(outcomes)} of {len(outcomes) + more} outcomes)" if more > 0 else ""
        fig.suptitle(f"{headline}{note}\n{res.title}")
        footer(fig, res.provenance() + f" · {source}", handles, labels, ncol=2, title=legend_title)
    return fig


def sobol_chart(res: Results) -> Figure | None:
    """First-order (S1) and total (ST) Sobol indices with their confidence intervals."""
    return _sensitivity_figure(
        res,
        res.sobol,
        "ST",
        [("S1", "S1_conf", "first-order S1"), ("ST", "ST_conf", "total ST")],
        lambda name, unit: "Sobol index\n(share of outcome variance)",
        "Which parameters drive the outcomes? Sobol indices",
        "analysis/sobol.csv",
        "whiskers: 95% confidence interval (SALib default)",
    )


def morris_chart(res: Results) -> Figure | None:
    """Morris screening: μ* (mean absolute elementary effect) with confidence, and σ."""
    return _sensitivity_figure(
        res,
        res.morris,
        "mu_star",
        [
            ("mu_star", "mu_star_conf", "μ* (mean |effect|)"),
            ("sigma", None, "σ (spread: interactions / non-linearity)"),
        ],
        lambda name, unit: _wrap(f"elementary effect on {name}" + (f" ({unit})" if unit else "")),
        "Morris screening: which parameters matter",
        "analysis/morris.csv",
        "μ*, σ in outcome units (inputs scaled to their ranges); whiskers on μ*: 95% CI",
    )


def scatter_chart(res: Results) -> Figure | None:
    """Each swept parameter against a few key outcomes: every run, and per-point means."""
    bp, runs = res.by_point, res.runs
    base = bp if bp is not None else runs
    params = swept(res, base)[:4]
    if base is None or not params:
        return None
    outcomes = pick_outcomes(_numeric_outcomes(base, swept(res, base)), 3)
    if not outcomes:
        return None
    nrows, ncols = len(outcomes), len(params)
    with style():
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(3.4 * ncols + 1.2, 2.3 * nrows + 1.4),
            squeeze=False,
            sharey="row",
            layout="constrained",
        )
        for r, o in enumerate(outcomes):
            for c, p in enumerate(params):
                ax = axes[r, c]
                cats = _categories(base[p])
                if runs is not None and o in runs and p in runs:
                    x = _xvalues(runs[p], cats, jitter=True)
                    ax.scatter(
                        x,
                        runs[o],
                        s=6,
                        color="#9a9a9a",
                        alpha=0.35,
                        lw=0,
                        label="one run",
                        rasterized=True,
                    )
                if bp is not None and o in bp and p in bp:
                    ax.scatter(
                        _xvalues(bp[p], cats),
                        bp[o],
                        s=18,
                        color=series_colour(0),
                        edgecolor="white",
                        lw=0.4,
                        label="mean at a design point",
                    )
                trend = _marginal(base, p, o, cats)
                if trend is not None:
                    ax.plot(*trend, color="#000000", lw=1.4, zorder=3)
                if cats is not None:
                    ax.set_xticks(range(len(cats)), [str(v) for v in cats])
                if r == nrows - 1:
                    ax.set_xlabel(key_label(p, unit=True, wrap=30), fontsize=8.5)
                if c == 0:
                    ax.set_ylabel(outcome_label(o, wrap=True), fontsize=8.5)
                ax.grid(True, axis="both")
        handles = [
            Line2D([], [], ls="", marker="o", color="#9a9a9a", alpha=0.6, label="one run"),
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                color=series_colour(0),
                label="mean over replications at a design point",
            ),
            Line2D(
                [], [], color="#000000", lw=1.4, label="mean over the other parameters (binned)"
            ),
        ]
        if runs is None or not any(o in runs for o in outcomes):
            handles = handles[1:]
        fig.suptitle(f"Swept parameters against key outcomes\n{_wrap(res.title, 70)}")
        footer(
            fig,
            res.provenance() + " · chunks/, analysis/by_point.parquet",
            handles,
            [h.get_label() for h in handles],
            ncol=3,
        )
    return fig


def _marginal(
    frame: pd.DataFrame, p: str, o: str, cats: list | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Mean outcome per parameter value (≤ 25 values) or per decile bin of the parameter."""
    if o not in frame or p not in frame:
        return None
    values = frame[p]
    if cats is not None or values.nunique() <= 25:
        means = frame.groupby(p)[o].mean()
        x = _xvalues(pd.Series(means.index), cats)
        return x, means.to_numpy(dtype=float)
    bins = pd.qcut(values, 10, duplicates="drop")
    grouped = frame.groupby(bins, observed=True)
    return grouped[p].mean().to_numpy(dtype=float), grouped[o].mean().to_numpy(dtype=float)


def _categories(series: pd.Series) -> list | None:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return None
    return sorted(series.dropna().unique(), key=str)


def _xvalues(series: pd.Series, cats: list | None, jitter: bool = False) -> np.ndarray:
    if cats is None:
        return series.to_numpy(dtype=float)
    index = {v: i for i, v in enumerate(cats)}
    x = series.map(index).to_numpy(dtype=float)
    if jitter:
        x = x + np.random.default_rng(0).uniform(-0.15, 0.15, len(x))
    return x
