"""The effects chart of a run folder: each headline outcome's paired effect against the
scenario's counterfactual (median, 5–95% interval), from effects.csv only."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.plots.crowd import ACTORS_SHOWN, chosen_effects, with_note
from sim.plots.style import ACTOR_NAMES, footer, style
from sim.results.folder import ResultsFolder as Results


def _label(outcome: str, res: Results) -> str:
    if outcome == "final_distancing":  # the scenario's own pair (it used to say China's)
        who, partners = res.distancing_pair()
        names = res.actor_names()
        name = names.get(who) or ACTOR_NAMES.get(who, who)
        if len(partners) == 1:
            return f"{name}'s distancing from {names.get(partners[0], partners[0])}"
        return f"{name}'s distancing from the {'pair' if len(partners) == 2 else 'partners'}"
    for prefix, words in (
        ("final_escalation_", "final escalation, "),
        ("peak_escalation_", "peak escalation, "),
        ("final_commitment_", "final commitment, "),
        ("final_leverage_", "final leverage, "),
    ):
        if outcome.startswith(prefix):
            return words + outcome.removeprefix(prefix).replace("_", "→")
    return outcome


def effects_chart(res: Results, limit: int | None = ACTORS_SHOWN) -> Figure | None:
    """Forest plot of the effects against the counterfactual (None without effects.csv); at
    most `limit` actors' per-actor rows, by `crowd.chosen_effects` (None: all)."""
    table = res.effects
    if table is None or table.empty:
        return None
    cf = (res.manifest.get("counterfactual") or {}).get("label", "the counterfactual")
    crisis = table[table["outcome"] == "crisis"]
    table = table[table["outcome"] != "crisis"]  # a share: its interval means something else
    table, note = chosen_effects(table, limit)
    y = np.arange(len(table))[::-1]
    with style():
        fig, ax = plt.subplots(figsize=(9.0, 0.42 * len(table) + 2.2), layout="constrained")
        ax.axvline(0.0, color="#444444", lw=1)
        ax.hlines(y, table["effect_p5"], table["effect_p95"], color="#2b6cb0", lw=3, alpha=0.6)
        ax.plot(table["effect_median"], y, "o", color="#1a365d", ms=6)
        ax.set_yticks(y, [_label(o, res) for o in table["outcome"]])
        ax.set_xlabel("effect: scenario − counterfactual, paired by replication (level units)")
        title = f"Effects against: {cf}"
        if not crisis.empty:
            row = crisis.iloc[0]
            title += (
                f"\nP(crisis) {row.counterfactual_median:.0%} → {row.scenario_median:.0%}"
                f" ({row.effect_median * 100:+.1f} pp)"
            )
        ax.set_title(title, loc="left")
        fig.suptitle(with_note(res.title, note), fontweight="bold")
        handles = [
            Line2D([], [], marker="o", ls="", color="#1a365d"),
            Line2D([], [], color="#2b6cb0", lw=3, alpha=0.6),
        ]
        labels = ["median paired effect", "5th–95th percentile over replications"]
        footer(fig, res.provenance() + " · effects.csv", handles, labels, ncol=2)
    return fig
