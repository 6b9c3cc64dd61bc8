"""Charts and a standalone HTML page for calibration and hindcast results folders.

Like sim/plots, this reads the results folder only (CSV, Parquet, manifest) and never runs
the model.
"""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.plots.style import OKABE_ITO, panel_grid, save, style

PRIOR, POSTERIOR, OBSERVED = OKABE_ITO["sky blue"], OKABE_ITO["vermillion"], OKABE_ITO["black"]


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cdf = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][min(np.searchsorted(cdf, q), len(values) - 1)])


def posterior_summary(posterior: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Weighted mean and 5/50/95% quantiles of every calibrated coefficient."""
    w = posterior["weight"].to_numpy(float)
    rows = []
    for name in names:
        v = posterior[name].to_numpy(float)
        rows.append(
            {
                "coefficient": name,
                "mean": float(np.average(v, weights=w)),
                "q05": weighted_quantile(v, w, 0.05),
                "median": weighted_quantile(v, w, 0.5),
                "q95": weighted_quantile(v, w, 0.95),
            }
        )
    return pd.DataFrame(rows)


def prior_posterior_chart(folder: Path, names: list[str]) -> Path:
    pops = pd.read_parquet(folder / "populations.parquet")
    prior = pops[pops["generation"] == 0]
    post = pops[pops["generation"] == pops["generation"].max()]
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    with style():
        fig, axes = panel_grid(len(names), rows, cols, (3.6 * cols, 2.6 * rows))
        for ax, name in zip(axes.flat, names, strict=False):
            bins = np.histogram_bin_edges(pops[name], bins=25)
            ax.hist(
                prior[name],
                bins=bins,
                weights=prior["weight"],
                density=True,
                alpha=0.5,
                color=PRIOR,
                label="prior (generation 0)",
            )
            ax.hist(
                post[name],
                bins=bins,
                weights=post["weight"],
                density=True,
                alpha=0.6,
                color=POSTERIOR,
                label="posterior",
            )
            ax.set_title(name, fontsize=9)
        axes.flat[0].legend(fontsize=7)
        return save(fig, folder / "charts" / "prior_posterior.png")


def interval_chart(folder: Path, table: pd.DataFrame, name: str, title: str) -> Path | None:
    """Each observation in its own small panel: 90% and 50% intervals, median, observed."""
    table = table[table["scored"]] if "scored" in table else table
    if table.empty:
        return None
    cols = 6
    rows = math.ceil(len(table) / cols)
    with style():
        fig, axes = panel_grid(len(table), rows, cols, (2.1 * cols, 1.25 * rows + 0.6))
        for ax, (_, r) in zip(axes.flat, table.iterrows(), strict=False):
            ax.plot([r.q05, r.q95], [0, 0], color=POSTERIOR, lw=1.5)
            ax.plot([r.q25, r.q75], [0, 0], color=POSTERIOR, lw=5, alpha=0.7)
            ax.plot([r["median"]], [0], "o", color="white", mec=POSTERIOR, ms=4)
            colour = OBSERVED if r.in90 else OKABE_ITO["reddish purple"]
            ax.plot([r.observed], [0], "x", color=colour, ms=8, mew=2)
            ax.set_yticks([])
            ax.set_title(f"{r.id}", fontsize=6)
            ax.tick_params(labelsize=6)
        fig.suptitle(title + " (bars: 50% and 90% predictive intervals; x: observed)", fontsize=9)
        return save(fig, folder / "charts" / name)


def diagnostics_chart(folder: Path) -> Path:
    d = pd.read_csv(folder / "diagnostics.csv")
    with style():
        fig, axes = panel_grid(3, 1, 3, (10, 2.8))
        finite = d[np.isfinite(d["epsilon"])]
        axes[0, 0].plot(finite["generation"], finite["epsilon"], "o-")
        axes[0, 0].set_title("tolerance ε", fontsize=9)
        axes[0, 1].plot(d["generation"], d["acceptance"], "o-")
        axes[0, 1].set_title("acceptance rate", fontsize=9)
        axes[0, 2].plot(d["generation"], d["ess"], "o-")
        axes[0, 2].set_title("effective sample size", fontsize=9)
        for ax in axes.flat:
            ax.set_xlabel("generation")
        return save(fig, folder / "charts" / "diagnostics.png")


def _image(chart: Path) -> str:
    """The chart embedded as a data URI, so report.html is one self-contained file."""
    data = base64.b64encode(chart.read_bytes()).decode()
    return f"<p><img src='data:image/png;base64,{data}' alt='{html.escape(chart.stem)}'></p>"


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format=lambda v: f"{v:.3g}", border=0)


def _page(title: str, parts: list[str]) -> str:
    css = (
        "body{font-family:sans-serif;max-width:70em;margin:2em auto}"
        "table{border-collapse:collapse;font-size:85%}td,th{padding:2px 8px;"
        "border-bottom:1px solid #ddd}img{max-width:100%}"
    )
    body = "\n".join(parts)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title><style>{css}</style></head><body><h1>{html.escape(title)}</h1>\n{body}"
        "</body></html>\n"
    )


def _target(folder: Path, out: Path | None) -> Path:
    """Where the page goes: `out` (a file, or a folder to hold report.html) or the folder."""
    if out is None:
        return folder / "report.html"
    out = Path(out)
    target = out / "report.html" if out.is_dir() else out
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def write_calibration_report(folder: Path, out: Path | None = None) -> list[Path]:
    from sim.observe.scoring import coverage

    meta = json.loads((folder / "manifest.json").read_text())
    names = meta["coefficients"]
    posterior = pd.read_parquet(folder / "posterior.parquet")
    ppc = pd.read_csv(folder / "predictive_check.csv")
    charts = [
        prior_posterior_chart(folder, names),
        diagnostics_chart(folder),
        interval_chart(folder, ppc, "predictive_check.png", "Posterior predictive check"),
    ]
    cov = pd.DataFrame([coverage(ppc)])
    parts = [
        f"<p>Spec <code>{html.escape(meta['spec'])}</code>; episodes: "
        f"{html.escape(', '.join(meta['episodes']))}. Observations outside every episode: "
        f"{len(meta['not_covered'])}.</p>",
        "<h2>Posterior</h2>",
        _table(posterior_summary(posterior, names)),
        "<h2>ABC-SMC diagnostics</h2>",
        _table(pd.read_csv(folder / "diagnostics.csv")),
        "<h2>Posterior predictive check</h2>",
        _table(cov),
        _table(
            ppc[
                [
                    "id",
                    "period",
                    "observed",
                    "q05",
                    "median",
                    "q95",
                    "in50",
                    "in90",
                    "crps",
                    "direction_observed",
                    "direction_model",
                ]
            ]
        ),
    ]
    parts += [_image(c) for c in charts if c]
    page = _target(folder, out)
    page.write_text(_page(f"Calibration: {meta['spec']}", parts))
    return [c for c in charts if c] + [page]


def write_hindcast_report(folder: Path, out: Path | None = None) -> list[Path]:
    from sim.observe.scoring import coverage

    meta = json.loads((folder / "manifest.json").read_text())
    table = pd.read_csv(folder / "hindcast.csv")
    chart = interval_chart(folder, table, "hindcast.png", f"Hindcast of {meta['scenario']}")
    parts = [
        f"<p>Scenario <code>{html.escape(meta['scenario_file'])}</code>, observations "
        f"<code>{html.escape(meta['observations'])}</code>, posterior "
        f"<code>{html.escape(str(meta['posterior']))}</code>.</p>",
        _table(pd.DataFrame([coverage(table)])),
        _table(table),
    ]
    if chart:
        parts.append(_image(chart))
    page = _target(folder, out)
    page.write_text(_page(f"Hindcast: {meta['scenario']}", parts))
    return [p for p in (chart, page) if p]


# `alliance-sim report FOLDER` on a calibration or hindcast folder (manifest kind -> writer)
REPORTS = {"calibration": write_calibration_report, "hindcast": write_hindcast_report}
