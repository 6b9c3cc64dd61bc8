"""Reliability suite, round 22: charts of many actors, and the dashboard on standalone
scenarios in a real browser (docs/reliability.md, section 27).

Part 1: a run of a standalone scenario of 30 actors. Every per-actor chart drew one panel,
violin, node or effect row per actor (300 actors: minutes per chart); now at most
`crowd.ACTORS_SHOWN` by a documented rule, with a note on the chart, and every one with
`--all-actors`. The shipped scenarios (6 actors) are drawn as before (the controls).
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
import yaml
from matplotlib.collections import LineCollection
from matplotlib.patches import FancyArrowPatch

import sim
from sim.cli import main
from sim.plots import figures

DATA = Path(__file__).resolve().parent / "data" / "results"
N = 30
SHIPPED = ["CHN", "RUS", "PRK", "USA", "JPN", "KOR"]


def crowd_scenario(n: int = N) -> dict:
    """`n` actors A00…; the distancing actor is the last and its partner the one before,
    both at the lowest start escalation, so the peak rule alone would leave them out."""
    ids = [f"A{k:02d}" for k in range(n)]
    low = ids[-2:]
    actors = {
        a: {
            "name": f"Actor {k}",
            "traits": {
                "stability": 0.8,
                "risk_tolerance": 0.3,
                "resolve": 0.5,
                "grievance": 0.3,
                "axis_aversion": 0.2,
            },
            "capabilities": {"military": 0.3, "economic": 0.3, "nuclear": 0.0},
            "escalation": 0.02 if a in low else round(0.1 + 0.6 * k / n, 3),
        }
        for k, a in enumerate(ids)
    }
    relations = {a: {b: {"commitment": 0.3, "trade": 0.5}} for a, b in pairwise(ids)}
    return {"name": "crowd", "title": f"{n} actors", "actors": actors, "relations": relations,
            "events": {"bump": {"label": "bump", "at": 1, "add": {"actors.A05.escalation": 0.1}}},
            "counterfactual": {"label": "no bump", "remove_events": ["bump"]},
            "run": {"steps": 3, "replications": 3,
                    "distancing": {"actor": low[1], "partners": [low[0]]}}}  # fmt: skip


@pytest.fixture(scope="module")
def crowd(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("crowd")
    path = folder / "crowd.yaml"
    path.write_text(yaml.safe_dump(crowd_scenario(), sort_keys=False))
    sim.run(sim.load(path), n=3, seed=1).save(folder / "run")
    return folder / "run"


def panels(fig) -> list:
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_title(loc="left")]


def expected_actors(folder: Path, limit: int = 12) -> list[str]:
    """The documented rule, computed here from summary.csv: the distancing actor and its
    partners, then the highest median peak escalation (ties in the scenario's order)."""
    import pandas as pd

    summary = pd.read_csv(folder / "summary.csv")
    ids = [f"A{k:02d}" for k in range(N)]
    focus = [ids[-1], ids[-2]]
    peaks = {a: summary[f"peak_escalation_{a}"].median() for a in ids}
    rest = sorted((a for a in ids if a not in focus), key=lambda a: (-peaks[a], ids.index(a)))
    keep = set(focus + rest[: limit - 2])
    return [a for a in ids if a in keep]


def test_the_escalation_and_occupancy_charts_of_30_actors_draw_12_and_say_so(crowd):
    figs = dict((c.name, f) for c, f in figures(crowd, ["escalation", "occupancy"]))
    for name, fig in figs.items():
        titles = [ax.get_title(loc="left") for ax in panels(fig)]
        assert len(titles) == 12, name
        assert [t.split("(")[-1].rstrip(")") for t in titles] == expected_actors(crowd), name
        assert "12 of 30 actors shown" in fig._suptitle.get_text(), name
        assert "--all-actors" in fig._suptitle.get_text(), name
    plt.close("all")


def test_all_actors_draws_every_panel_without_the_note(crowd):
    (_, fig), = figures(crowd, ["escalation"], all_actors=True)  # fmt: skip
    assert len(panels(fig)) == N
    assert "actors shown" not in fig._suptitle.get_text()
    plt.close("all")


def test_the_outcomes_chart_of_30_actors_has_12_violins(crowd):
    (_, fig), = figures(crowd, ["outcomes"])  # fmt: skip
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == expected_actors(crowd)
    assert "12 of 30 actors shown" in fig._suptitle.get_text()
    plt.close("all")


def test_the_effects_chart_of_30_actors_draws_12_per_actor_rows(crowd):
    (_, fig), = figures(crowd, ["effects"])  # fmt: skip
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    per_actor = [label for label in labels if label.startswith("final escalation")]
    assert len(per_actor) == 12 and len(labels) == 13  # and the distancing index
    assert "12 of 30 actors' effects shown" in fig._suptitle.get_text()
    plt.close("all")


def test_the_effects_cap_counts_actors_and_keeps_the_largest_effects():
    """The rule, on a table made here: outcomes of no single actor always stay; per-actor
    rows of at most 12 actors stay whole (7 actors × 2 outcomes: 14 rows, no note); past 12
    actors every row of the 12 with the largest absolute median effect, in table order."""
    import pandas as pd

    from sim.plots.crowd import chosen_effects

    def table(n: int) -> pd.DataFrame:
        rows = [("distancing", 0.01)]
        for k in range(n):  # A00 has the largest effect, in its final escalation, negative
            size = (n - k) / n
            rows += [
                (f"peak_escalation_A{k:02d}", 0.1 * size),
                (f"final_escalation_A{k:02d}", -size),
            ]
        return pd.DataFrame(rows, columns=["outcome", "effect_median"])

    small = table(7)
    kept, note = chosen_effects(small)
    assert note is None and kept.equals(small)
    big = table(20).iloc[::-1].reset_index(drop=True)  # the largest effects last in the table
    kept, note = chosen_effects(big)
    chosen = {f"A{k:02d}" for k in range(12)}
    expected = big[[o == "distancing" or o[-3:] in chosen for o in big["outcome"]]]
    assert kept.equals(expected) and len(kept) == 25
    assert note.startswith("12 of 20 actors' effects shown")


def test_the_network_of_30_actors_names_12_and_all_actors_uses_one_collection(crowd):
    (_, fig), = figures(crowd, ["network"])  # fmt: skip
    names = {t.get_text() for t in fig.axes[0].texts}
    assert names == set(expected_actors(crowd))
    (_, every), = figures(crowd, ["network"], all_actors=True)  # fmt: skip
    ax = every.axes[0]
    assert not [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len([c for c in ax.collections if isinstance(c, LineCollection)]) == 1
    assert len(ax.texts) == N
    plt.close("all")


def test_the_capped_charts_keep_their_note_inside_the_figure(crowd):
    """The note is the title's last lines: every capped chart keeps it, wrapped, inside."""
    from tests.test_plots_text_fits import outside

    for chart, fig in figures(crowd, ["escalation", "effects", "occupancy", "network", "outcomes"]):
        assert "shown" in fig._suptitle.get_text(), chart.name
        assert outside(fig) == [], chart.name
    plt.close("all")


def test_the_compare_charts_of_30_actors_draw_12(crowd, tmp_path):
    """The compare charts drew a row (comparison) and a bar (compare_outcomes) per actor;
    now the 12 of highest median peak escalation (a compare has no distancing focus)."""
    import pandas as pd

    path = crowd.parent / "crowd.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["name"], doc["parameters"] = "crowd_b", {"reactivity": 0.1}
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    sim.compare(sim.load(path), sim.load(tmp_path / "b.yaml"), n=3, seed=1, out=tmp_path / "c")
    figs = dict((c.name, f) for c, f in figures(tmp_path / "c"))
    rows = [t.get_text() for t in figs["comparison"].axes[0].get_yticklabels()]
    bars = [t.get_text() for t in figs["compare_outcomes"].axes[1].get_xticklabels()]
    summaries = pd.read_parquet(tmp_path / "c" / "summaries.parquet")
    ids = [f"A{k:02d}" for k in range(N)]  # the rule, computed here: the largest of the two
    peak = {a: summaries.groupby("scenario")[f"peak_escalation_{a}"].median().max() for a in ids}
    top = set(sorted(ids, key=lambda a: (-peak[a], ids.index(a)))[:12])  # scenarios' medians
    assert rows == bars == [a for a in ids if a in top]
    for fig in figs.values():
        assert "12 of 30 actors shown: the highest median peak" in fig._suptitle.get_text()
    plt.close("all")


def test_plot_all_actors_is_a_flag_of_the_command(crowd, capsys):
    assert main(["plot", str(crowd), "--kind", "outcomes", "--all-actors", "--dpi", "30"]) == 0
    assert (crowd / "charts" / "outcomes.png").is_file()


def test_the_shipped_runs_charts_show_every_actor_without_a_note():
    """Control (passes on main too): the 6-actor baseline fixture's per-actor charts keep
    every actor and carry no note."""
    figs = dict((c.name, f) for c, f in figures(DATA / "run"))
    assert len(panels(figs["escalation"])) == len(panels(figs["occupancy"])) == 6
    assert len(figs["outcomes"].axes[0].get_xticklabels()) == 6
    assert {t.get_text() for t in figs["network"].axes[0].texts} == set(SHIPPED)
    for name, fig in figs.items():
        assert "shown" not in fig._suptitle.get_text(), name
    plt.close("all")


def test_all_actors_changes_nothing_on_the_shipped_run():
    """Unit: at most 12 actors, `all_actors` draws the same artists and figure sizes."""
    default = dict((c.name, f) for c, f in figures(DATA / "run"))
    every = dict((c.name, f) for c, f in figures(DATA / "run", all_actors=True))
    for name, fig in default.items():
        kinds = [type(a).__name__ for ax in fig.axes for a in ax.get_children()]
        assert kinds == [type(a).__name__ for ax in every[name].axes for a in ax.get_children()]
        assert np.allclose(fig.get_size_inches(), every[name].get_size_inches()), name
    plt.close("all")
