"""The robustness chart: per headline outcome, the share of coefficient draws that keep the
nominal sign, against the 90% line. Reads robustness.csv and the manifest only."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from sim.plots.style import footer, style
from sim.results.folder import ResultsFolder as Results
from sim.results.labels import outcome_label


def robustness_chart(res: Results) -> Figure | None:
    shares = res.table("shares")
    if shares is None or shares.empty:
        return None
    shares = shares[~shares["outcome"].str.startswith("draws_")]
    labels = ["P(crisis)" if o == "crisis" else outcome_label(o) for o in shares["outcome"]]
    meta = res.manifest
    with style():
        fig, ax = plt.subplots(figsize=(8.0, 0.38 * len(labels) + 2.0), layout="constrained")
        y = range(len(labels))
        colours = ["#2b6cb0" if s >= 0.9 else "#c05621" for s in shares["share_same_sign"]]
        ax.barh(list(y), shares["share_same_sign"] * 100, color=colours)
        ax.axvline(90, color="#444", ls="--", lw=1, label="90% of draws")
        ax.set_yticks(list(y), labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("draws keeping the nominal sign / class (%)")
        ax.set_title(
            f"{meta.get('draws')} draws, every coefficient ±{meta.get('spread', 0):.0%}",
            loc="left",
        )
        fig.suptitle(res.title, fontweight="bold")
        ax.legend(loc="lower right")
        footer(fig, f"alliance-sim · robustness · {res.name} · robustness.csv")
    return fig
