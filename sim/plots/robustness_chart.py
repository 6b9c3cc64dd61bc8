"""The robustness chart: per headline outcome, the share of coefficient draws that keep the
nominal sign, against the 90% line. Reads robustness.csv only."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd


def draw_robustness(folder: Path) -> Path:
    shares = pd.read_csv(folder / "robustness.csv")
    shares = shares[~shares["outcome"].str.startswith("draws_")]
    meta = json.loads((folder / "manifest.json").read_text())
    labels = [
        "outcome class" if o == "outcome_class" else ("P(crisis)" if o == "crisis" else o)
        for o in shares["outcome"]
    ]
    fig, ax = plt.subplots(figsize=(7.5, 0.38 * len(labels) + 1.6), dpi=110)
    y = range(len(labels))
    colours = ["#2b6cb0" if s >= 0.9 else "#c05621" for s in shares["share_same_sign"]]
    ax.barh(list(y), shares["share_same_sign"] * 100, color=colours)
    ax.axvline(90, color="#444", ls="--", lw=1, label="90% of draws")
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("draws keeping the nominal sign / class (%)")
    ax.set_title(
        f"{meta['scenario']}: {meta['draws']} draws, every coefficient ±{meta['spread']:.0%}",
        fontsize=10,
    )
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path = folder / "robustness.png"
    fig.savefig(path)
    plt.close(fig)
    return path
