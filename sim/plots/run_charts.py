"""Minimal run charts (escalation bands, distancing); issue 6 extends this package."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd


def draw_run_charts(run_dir: Path) -> list[Path]:
    charts = run_dir / "charts"
    charts.mkdir(exist_ok=True)
    ts = pd.read_parquet(run_dir / "timeseries.parquet")
    ts = ts[ts["active"]]
    out = []
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for actor, g in ts.groupby("actor", sort=False):
        q = g.groupby("step")["escalation"].quantile([0.05, 0.5, 0.95]).unstack()
        (line,) = ax.plot(q.index, q[0.5], label=actor)
        ax.fill_between(q.index, q[0.05], q[0.95], alpha=0.2, color=line.get_color())
    ax.set(xlabel="step (months)", ylabel="escalation level (0–1)", title="Escalation")
    ax.legend()
    fig.savefig(charts / "escalation.png", dpi=120)
    plt.close(fig)
    out.append(charts / "escalation.png")
    return out
