"""Every chart is built from the stored results fixtures, never by running the model.

Fixtures: tests/data/results/run (a real 12-replication, 12-step baseline run) and
tests/data/results/{compare,sweep} (synthetic, written by tests/data/make_fixtures.py).
Chart functions return Figures; these tests check their titles, axis labels, legend entries
and number of series without drawing them (fast); a few tests save files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import matplotlib

from sim.parameters import PARAMETERS

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.image import AxesImage
from matplotlib.patches import FancyArrowPatch

from sim.ladder import RUNGS
from sim.plots import CHART_NAMES, Results, charts_for, draw_charts, figures
from sim.plots.style import RC
from tests.engine_guard import ENGINE_ENTRY_POINTS, model_forbidden

DATA = Path(__file__).resolve().parent / "data" / "results"
ACTORS = ["CHN", "RUS", "PRK", "USA", "JPN", "KOR"]


@pytest.fixture(scope="module", autouse=True)
def no_model():
    """Any call into the model fails the test: charts read results folders only."""
    with model_forbidden("charts must not run the model"):
        yield
    plt.close("all")


def _figs(kind: str) -> dict:
    return {chart.name: fig for chart, fig in figures(DATA / kind)}


@pytest.fixture(scope="module")
def all_figs(no_model):
    """Every chart of every fixture folder, built once (not drawn)."""
    return {kind: _figs(kind) for kind in ("run", "compare", "sweep")}


@pytest.fixture(scope="module")
def run_figs(all_figs):
    return all_figs["run"]


def test_model_is_blocked():
    for module, name in ENGINE_ENTRY_POINTS:
        with pytest.raises(AssertionError, match="must not run the model"):
            getattr(module, name)(None, None)


def _legend_texts(legend) -> list[str]:
    return [t.get_text() for t in legend.get_texts()]


def _series(ax) -> list:
    return [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]


def test_fixtures_are_small():
    for kind in ("run", "compare", "sweep"):
        size = sum(f.stat().st_size for f in (DATA / kind).rglob("*") if f.is_file())
        assert size < 300_000, f"{kind} fixture is {size} bytes"
        assert json.loads((DATA / kind / "manifest.json").read_text())["kind"] == kind


def test_every_chart_of_each_kind_is_built(all_figs):
    for kind in ("run", "compare", "sweep"):
        names = [c.name for c in charts_for(kind)]
        assert list(all_figs[kind]) == names, kind
    assert len(CHART_NAMES) == 19  # with robustness (and oat), calibration and hindcast charts


def test_escalation_chart(run_figs):
    fig = run_figs["escalation"]
    assert "Escalation over time by actor" in fig._suptitle.get_text()
    assert "Baseline" in fig._suptitle.get_text()
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in panels] == [
        "China (CHN)",
        "Russia (RUS)",
        "North Korea (PRK)",
        "United States (USA)",
        "Japan (JPN)",
        "South Korea (KOR)",
    ]
    for k, ax in enumerate(panels):
        assert [ln.get_label() for ln in _series(ax)] == [ACTORS[k]]  # one median line
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == 2  # middle 50% and middle 90%
        if k % 3 == 0:
            assert ax.get_ylabel() == "escalation level (0–1)"
        if k >= 3:
            assert ax.get_xlabel().startswith("date (1 step = 1 month")
            assert ax.get_xticklabels()[0].get_text() == "2024-06"
    # rung names on the right-hand axis of the last column
    rungs = [t.get_text() for t in panels[2].child_axes[0].get_yticklabels()]
    assert rungs[:4] == list(RUNGS[:4])
    assert _legend_texts(fig.legends[0]) == [
        "median of 12 replications",
        "middle 50% of replications",
        "middle 90% of replications",
        "rung boundary (rung names on the right)",
        # the baseline's three 2024 events, at step 0 in every replication
        "event: North Korean munitions for Russia's war (fires in 100%)",
        "event: Russia–North Korea mutual-defence treaty (fires in 100%)",
        "event: Russian military technology for North Korea (fires in 100%)",
    ]


def test_occupancy_chart(run_figs):
    fig = run_figs["occupancy"]
    assert "Ladder occupancy" in fig._suptitle.get_text()
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 6
    for k, ax in enumerate(panels):
        stacks = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(stacks) == len(RUNGS)
        assert ax.get_ylim() == (0, 100)
        if k % 3 == 0:
            assert ax.get_ylabel() == "share of replications (%)"
    legend = fig.legends[0]
    assert _legend_texts(legend) == list(reversed(RUNGS))
    assert "ladder rung" in legend.get_title().get_text()


def test_network_chart(run_figs):
    fig = run_figs["network"]
    assert "Relation network" in fig._suptitle.get_text()
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["start: 2024-06 (step 0)", "end: 2025-06 (step 12)"]
    pairs = pd.read_parquet(DATA / "run" / "pairs.parquet")
    live = pairs[pairs["source"].isin(ACTORS) & pairs["target"].isin(ACTORS)]
    undirected = {frozenset(p) for p in zip(live["source"], live["target"], strict=True)}
    for ax in fig.axes[:2]:
        edges = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
        assert len(edges) == len(undirected)
        nodes = [c for c in ax.collections if isinstance(c, PathCollection)]
        assert len(nodes) == len(ACTORS)
        assert sorted(t.get_text() for t in ax.texts) == sorted(ACTORS)
    bar = [ax for ax in fig.axes if "commitment" in ax.get_xlabel()]
    assert len(bar) == 1
    key = " ".join(t.get_text() for t in fig.axes[2].texts)
    assert "edge width" in key and "node size" in key


def test_network_chart_at_chosen_steps():
    from sim.plots.network_chart import network_chart

    fig = network_chart(Results(DATA / "run"), steps=[0, 6, 12])
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["start: 2024-06 (step 0)", "step: 2024-12 (step 6)", "end: 2025-06 (step 12)"]


def test_distancing_chart(run_figs):
    fig = run_figs["distancing"]
    top, mid, low = fig.axes
    assert top.get_title(loc="left").startswith("CHN's distancing from the RUS–PRK pair")
    assert top.get_ylabel().startswith("distancing index")
    assert mid.get_ylabel().startswith("bloc frustration")
    assert low.get_ylabel() == "replications (%)"
    assert low.get_xlabel().startswith("date")
    for ax in (top, mid):
        assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 2
        assert len(_series(ax)) == 0 or all(ln.get_label() for ln in _series(ax))
    assert _legend_texts(low.get_legend()) == ["crisis", "war"]
    assert len(_series(low)) == 2
    assert _legend_texts(fig.legends[0])[0] == "median of 12 replications"


STEP0_EVENTS = [
    "event: North Korean munitions for Russia's war (fires in 100%)",
    "event: Russia–North Korea mutual-defence treaty (fires in 100%)",
    "event: Russian military technology for North Korea (fires in 100%)",
]


def _event_lines(ax) -> list:
    """The vertical event lines (axvline: x data [s, s]) and the triangles above the panel."""
    lines = [ln for ln in ax.get_lines() if ln.get_label().startswith("_")]
    vertical = [ln for ln in lines if len(set(ln.get_xdata())) == 1 and ln.get_marker() in
                ("None", "", None)]  # fmt: skip
    triangles = [ln for ln in lines if ln.get_marker() == "v" and not ln.get_clip_on()]
    return vertical + triangles


def test_step_zero_events_are_marked_on_every_time_series_panel(run_figs, tmp_path):
    """The baseline's three events fire at step 0: on the escalation and distancing charts
    each panel has their lines and triangles, starts left of step 0 (so a line is not hidden
    under the y axis) and the legend names them; a folder without events.csv (the
    ablation) has no marks and starts at step 0."""
    for name in ("escalation", "distancing"):
        fig = run_figs[name]
        panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_lines()]
        assert panels, name
        for ax in panels:
            assert len(_event_lines(ax)) == 2 * len(STEP0_EVENTS), (name, ax.get_title())
            assert ax.get_xlim()[0] < 0, name
        assert _legend_texts(fig.legends[0])[-3:] == STEP0_EVENTS, name
    folder = tmp_path / "run"
    shutil.copytree(DATA / "run", folder)
    (folder / "events.csv").unlink()
    figs = {chart.name: fig for chart, fig in figures(folder)}
    for name in ("escalation", "distancing"):
        for ax in figs[name].axes:
            assert not _event_lines(ax) and ax.get_xlim()[0] >= 0, name
        assert not [t for t in _legend_texts(figs[name].legends[0]) if t.startswith("event")]
    for fig in figs.values():
        plt.close(fig)


def test_outcomes_chart(run_figs):
    fig = run_figs["outcomes"]
    violin, hist, classes = fig.axes
    assert violin.get_ylabel() == "peak escalation in the run (level 0–1)"
    assert [t.get_text() for t in violin.get_xticklabels()] == ACTORS
    bodies = [c for c in violin.collections if isinstance(c, PolyCollection)]
    assert len(bodies) == len(ACTORS)
    assert hist.get_xlabel() == "months until the first crisis"
    assert hist.get_ylabel() == "share of replications (%)"
    assert [t.get_text() for t in hist.get_xticklabels()][-1] == "none"
    texts = _legend_texts(hist.get_legend())
    assert texts[0].startswith("first crisis in this") and texts[1].startswith("no crisis in 12")
    assert [t.get_text() for t in classes.get_xticklabels()] == ["calm", "tense", "crisis", "war"]
    assert len([c for c in classes.containers if isinstance(c, BarContainer)]) == 1


def test_comparison_chart(all_figs):
    fig = all_figs["compare"]["comparison"]
    assert "relative to 'baseline'" in fig._suptitle.get_text()
    peak, final, *rest = fig.axes
    assert peak.get_title(loc="left") == "peak escalation by actor"
    assert final.get_title(loc="left") == "final escalation by actor"
    assert [t.get_text() for t in peak.get_yticklabels()] == ACTORS
    assert peak.get_xlabel() == "difference in escalation level (0–1)"
    for ax in fig.axes:
        assert len([c for c in ax.containers if isinstance(c, ErrorbarContainer)]) == 2
    labels = {t.get_text() for ax in rest for t in ax.get_yticklabels()}
    assert {"final distancing", "peak bloc frustration", "time in crisis"} <= labels
    # One whisker meaning per chart (5th–95th percentile of the paired difference): the 0/1
    # outcomes, whose whisker would be a CI of a mean, are in compare_outcomes instead.
    assert not labels & {"crisis", "war"}
    legend_title = fig.legends[0].get_title().get_text()
    assert "whisker: 5th–95th percentile" in legend_title and "CI" not in legend_title
    assert not any("percentage points" in ax.get_xlabel() for ax in rest)
    assert _legend_texts(fig.legends[0]) == ["china_restrains", "tech_transfer"]


def test_compare_outcomes_chart(all_figs):
    fig = all_figs["compare"]["compare_outcomes"]
    classes, peaks = fig.axes[:2]
    assert [t.get_text() for t in classes.get_yticklabels()] == [
        "baseline",
        "china_restrains",
        "tech_transfer",
    ]
    assert classes.get_xlabel() == "share of replications (%)"
    assert _legend_texts(classes.get_legend()) == ["calm", "tense", "crisis", "war"]
    assert peaks.get_ylabel() == "peak escalation (level 0–1)"
    assert _legend_texts(peaks.get_legend()) == ["baseline", "china_restrains", "tech_transfer"]
    assert [t.get_text() for t in peaks.get_xticklabels()] == ACTORS


def test_sweep_charts(all_figs):
    figs = all_figs["sweep"]
    heat = figs["heatmap"]
    panels = [ax for ax in heat.axes if ax.get_images()]
    assert len(panels) == 4
    for ax in panels:
        assert len([i for i in ax.get_images() if isinstance(i, AxesImage)]) == 1
        # axes carry the parameter's meaning and unit (sim/results/labels.py), not a key path
        assert ax.get_xlabel().replace("\n", " ") == (
            "Reactivity (escalation per unit of perceived threat) [per month]"
        )
        assert ax.get_ylabel().startswith("Axis cost (reputational cost of")
        assert ax.get_ylabel().endswith(f"[{PARAMETERS['axis_cost'].unit}]")
    assert panels[0].get_title(loc="left") == "P(crisis)"
    assert any(ax.get_ylabel() == "P(crisis) (share of replications)" for ax in heat.axes)

    sobol = figs["sobol"]
    assert "Sobol" in sobol._suptitle.get_text()
    for ax in sobol.axes:
        assert len([c for c in ax.containers if isinstance(c, BarContainer)]) == 2
        assert ax.get_xlabel() == "Sobol index\n(share of outcome variance)"
        assert {t.get_text().replace("\n", " ") for t in ax.get_yticklabels()} == {
            "Reactivity (escalation per unit of perceived threat)",
            "Axis cost (reputational cost of an axis)",
        }
    assert _legend_texts(sobol.legends[0]) == ["first-order S1", "total ST"]

    morris = figs["morris"]
    for ax in morris.axes:
        assert len([c for c in ax.containers if isinstance(c, BarContainer)]) == 2
        assert ax.get_xlabel().startswith("elementary effect on")
    assert _legend_texts(morris.legends[0])[0] == "μ* (mean |effect|)"

    scatter = figs["scatter"]
    assert len(scatter.axes) == 6  # 3 outcomes × 2 parameters
    xlabel = scatter.axes[-1].get_xlabel().replace("\n", " ")
    assert xlabel.startswith("Axis cost") and xlabel.endswith(f"[{PARAMETERS['axis_cost'].unit}]")
    assert scatter.axes[0].get_ylabel().startswith("P(crisis)")
    assert _legend_texts(scatter.legends[0]) == [
        "one run",
        "mean over replications at a design point",
        "mean over the other parameters (binned)",
    ]


def test_draw_charts_writes_files(tmp_path):
    folder = tmp_path / "sweep"
    shutil.copytree(DATA / "sweep", folder)
    written = draw_charts(folder, formats=("png", "svg"), kinds=["sobol"], dpi=40)
    assert written == [folder / "charts" / "sobol.png", folder / "charts" / "sobol.svg"]
    assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in written[1].read_bytes()[:2000]
    assert not [p for p in (folder / "charts").iterdir() if p.name.startswith(".")]


def test_parallel_drawing_writes_the_same_files(tmp_path):
    """Two processes share the charts; the files and their order are the serial ones."""
    one, two = tmp_path / "a" / "run", tmp_path / "b" / "run"  # footers name the folder
    shutil.copytree(DATA / "run", one)
    shutil.copytree(DATA / "run", two)
    serial = draw_charts(one, formats=("png", "svg"), dpi=40, jobs=1)
    parallel = draw_charts(two, formats=("png", "svg"), dpi=40, jobs=2)
    assert [p.relative_to(two) for p in parallel] == [p.relative_to(one) for p in serial]
    assert len(serial) == 2 * len(charts_for("run"))
    for a, b in zip(serial, parallel, strict=True):
        if a.suffix == ".png":
            assert a.read_bytes() == b.read_bytes(), a.name


def test_charts_skip_what_the_folder_lacks(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    for name in ("manifest.json", "summary.csv"):
        shutil.copy(DATA / "run" / name, folder / name)
    assert [chart.name for chart, _ in figures(folder)] == ["outcomes"]
    sweep = tmp_path / "sweep"
    shutil.copytree(DATA / "sweep", sweep)
    (sweep / "analysis" / "sobol.csv").unlink()
    shutil.rmtree(sweep / "chunks")
    assert [chart.name for chart, _ in figures(sweep)] == ["heatmap", "morris", "scatter"]


def test_style_is_colour_blind_safe():
    from sim.plots.style import ACTOR_COLOURS, OKABE_ITO

    assert set(ACTOR_COLOURS.values()) - {"#777777"} <= set(OKABE_ITO.values())
    assert RC["axes.prop_cycle"].by_key()["color"][0] == OKABE_ITO["blue"]


def test_escalation_chart_marks_events(tmp_path):
    from sim.plots.run_charts import escalation_chart

    folder = tmp_path / "run"
    shutil.copytree(DATA / "run", folder)
    rows = [(r, 4, "provocation", "PRK provocation") for r in range(12)]
    rows += [(r, 7, "talks", "Talks open") for r in range(3)]
    pd.DataFrame(rows, columns=["replication", "step", "event", "label"]).to_csv(
        folder / "events.csv", index=False
    )
    fig = escalation_chart(Results(folder))
    texts = _legend_texts(fig.legends[0])
    assert texts[-2:] == [
        "event: PRK provocation (fires in 100%)",
        "event: Talks open (fires in 25%)",
    ]
    first = fig.axes[0]
    marks = [ln for ln in first.get_lines() if list(ln.get_xdata()) in ([4, 4], [7, 7])]
    assert len(marks) == 2


def test_effects_chart_reads_effects_csv_only(tmp_path):
    """A run folder with effects.csv gets a forest of its headline effects; without it, none."""
    folder = tmp_path / "run"
    shutil.copytree(DATA / "run", folder)
    (folder / "effects.csv").unlink()
    assert charts_for("run", ["effects"])[0].draw(Results(folder)) is None
    rows = pd.DataFrame(
        {
            "outcome": ["final_distancing", "final_escalation_PRK", "crisis"],
            "scenario_median": [0.16, 0.52, 0.05],
            "counterfactual_median": [0.0, 0.40, 0.0],
            "effect_median": [0.16, 0.12, 0.05],
            "effect_p5": [0.15, 0.10, 0.02],
            "effect_p95": [0.17, 0.14, 0.08],
        }
    )
    rows.to_csv(folder / "effects.csv", index=False)
    fig = charts_for("run", ["effects"])[0].draw(Results(folder))
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["China's distancing from the pair", "final escalation, PRK"]
    assert "P(crisis) 0% → 5% (+5.0 pp)" in ax.get_title(loc="left")
    plt.close(fig)


def test_chart_shares_are_balanced_by_drawing_cost():
    """The two chart processes get about equal work (round-robin left one with 1.4 s and the
    other with 0.9 s on a 10,000 × 200 run); every chart is drawn exactly once."""
    from sim.plots import DRAW_SECONDS, balanced

    names = ["escalation", "effects", "occupancy", "network", "distancing", "outcomes"]
    shares = balanced(names, 2)
    assert sorted(n for share in shares for n in share) == sorted(names)
    loads = [sum(DRAW_SECONDS[n] for n in share) for share in shares]
    assert max(loads) - min(loads) <= min(DRAW_SECONDS.values())
    assert balanced(["unknown", *names], 3) and len(balanced(names, 1)[0]) == len(names)


def _intervals(nulls=("persistence", "trend"), skill=0.3, low=-0.1, high=0.5) -> pd.DataFrame:
    """A skill_intervals table with its pooled rows only."""
    return pd.DataFrame(
        [{"kind": "pooled", "null": n, "skill": skill, "low": low, "high": high} for n in nulls]
    )


def test_skill_forest_keeps_a_view_with_nothing_to_draw_and_tells_a_lone_point_from_a_tie():
    """skill_intervals gives an empty table for rows with nothing scored: skill_forest raised
    KeyError 'null' on it. A point with too few observations to resample has no interval; it
    was drawn grey and filled like a tie, which the legend calls 'interval across 0'."""
    from sim.plots.skill_chart import skill_forest

    fig = skill_forest(
        {"a": _intervals(), "none": pd.DataFrame(), "few": _intervals(low=float("nan"))}, "t", "p"
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["few", "none", "a"]
    dots = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    tie, lone = (dots[0], dots[1]) if dots[0].get_ydata()[0] == 2 else (dots[1], dots[0])
    assert lone.get_markerfacecolor() != tie.get_markerfacecolor()
    words = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any("too few" in w for w in words)
    assert any(t.get_text() == "no skill" for t in ax.texts)  # the empty view says so
    plt.close(fig)
