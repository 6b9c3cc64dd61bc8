"""The "Compare" and "Sweep" tabs: two scenarios over time, and a small capped sweep.

Both run through the Python API and read back its results folders, as the ensemble does.
Each tab's controls sit on the tab, beside the run they start; every value is checked
(sim/app/choices.py) before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import solara
import solara.lab

import sim
from sim.app.charts import comparison_over_time, distancing_words, png
from sim.app.choices import (
    COMPARE_REPLICATIONS,
    SWEEP_POINTS,
    SWEEP_REPLICATIONS,
    lever_value,
    one_of,
)
from sim.app.levers import Lever, overrides
from sim.app.state import choice_setter, lever_values, scenario_choices, scenario_path


def _name(path: str) -> str:
    return Path(path).stem


# ------------------------------------------------------------------------------ compare
@dataclass(frozen=True, eq=False)  # compared by identity: it holds DataFrames
class Comparison:
    labels: tuple[str, str]
    series: dict[str, tuple[pd.DataFrame, pd.DataFrame]]
    actors: tuple[str, ...]
    step_unit: str
    distancing: str = "China's distancing (−2…2)"  # the first scenario's (charts.distancing_words)
    pairs: tuple[str, ...] = ()  # each scenario's distancing heading, when they differ


def compare_runs(first: str, moved: dict[str, float], second: str, n: int) -> Comparison:
    """Both scenarios with the first one's seed and steps: common random numbers."""
    choices = scenario_choices()
    one_of("Scenario", first, choices), one_of("Compare with", second, choices)
    one_of("Replications", n, COMPARE_REPLICATIONS)
    a = sim.load(first, set=moved)
    run = a.scenario.run
    results = [sim.run(a, n=n, seed=run.seed, steps=run.steps),
               sim.run(second, n=n, seed=run.seed, steps=run.steps)]  # fmt: skip
    labels = (f"{a.scenario.name}" + (" (levers moved)" if moved else ""), _name(second))
    if labels[0] == labels[1]:
        labels = (labels[0] + " (1)", labels[1] + " (2)")
    series = {label: (r.timeseries, r.system) for label, r in zip(labels, results, strict=True)}
    # Why (round 22): the actors were the first scenario's active at the start, so one an
    # event switches on could not be picked, and the default (the first of them) missing
    # from the second scenario ended the page in a traceback. Now every actor either run
    # shows, those both show first; the chart says which scenario lacks the one picked.
    shown = [list(r.manifest.get("actors") or []) for r in results]
    both = [x for x in shown[0] if x in shown[1]]
    actors = both + [x for x in dict.fromkeys(shown[0] + shown[1]) if x not in both]
    words = [distancing_words(r.manifest.get("resolved_scenario")) for r in results]
    axis, pairs = words[0][1], ()
    if words[0][0] != words[1][0]:  # two distancing indices: each named in the legend
        axis, pairs = "distancing index (−2…2)", tuple(w[0] for w in words)
    return Comparison(labels, series, tuple(actors), run.step_unit, axis, pairs)


run_comparison = solara.lab.task(compare_runs, prefer_threaded=True)


@solara.component
def ComparePanel(levers: list[Lever]):
    choices = scenario_choices()
    others = [p for p in choices if p != scenario_path.value] or choices
    second = solara.use_reactive(others[0])
    n = solara.use_reactive(COMPARE_REPLICATIONS[1])
    actor = solara.use_reactive("PRK")

    def start() -> None:
        moved = overrides(levers, lever_values.value)
        run_comparison(scenario_path.value, moved, second.value, n.value)

    solara.Markdown(
        f"**{_name(scenario_path.value)}** (with the sidebar's levers) against another "
        "scenario as written, same seed and replications, over time."
    )
    with solara.Row(classes=["compare-controls"]):
        solara.Select("Compare with", values=others, value=second.value,
                      on_value=choice_setter(second, "Compare with", others))  # fmt: skip
        solara.Select("Replications", values=list(COMPARE_REPLICATIONS), value=n.value,
                      on_value=choice_setter(n, "Replications", COMPARE_REPLICATIONS))  # fmt: skip
        solara.Button("Run comparison", color="primary", on_click=start,
                      disabled=run_comparison.pending, classes=["run-compare"])  # fmt: skip
    if run_comparison.pending:
        solara.ProgressLinear(True)
    if run_comparison.error:
        solara.Error(f"comparison failed: {run_comparison.exception}")
    done = run_comparison.value
    if done is not None:
        CompareChart(done, actor)


@solara.component
def CompareChart(done: Comparison, actor: solara.Reactive[str]):
    shown = actor.value if actor.value in done.actors else done.actors[0]
    image = solara.use_memo(
        lambda: comparison_over_time(done.series, shown, done.step_unit, done.distancing,
                                     done.pairs),
        [done, shown],
    )  # fmt: skip
    solara.Select("Actor", values=list(done.actors), value=shown,
                  on_value=choice_setter(actor, "Actor", done.actors))  # fmt: skip
    with solara.Column(classes=["chart", "chart-compare"]):
        solara.Text(" vs ".join(done.labels), classes=["compare-label"])
        solara.Image(image, width="100%")


# ------------------------------------------------------------------------------ sweep
@dataclass(frozen=True, eq=False)
class Sweep:
    label: str
    chart: bytes | None  # None: every outcome the same at every point, nothing to draw
    by_point: pd.DataFrame


def small_sweep(path: str, moved: dict[str, float], lever: Lever, points: int,
                n: int) -> Sweep:  # fmt: skip
    """`points` values of one lever over its slider's range × `n` replications (capped)."""
    one_of("Scenario", path, scenario_choices())
    one_of("Points", points, SWEEP_POINTS), one_of("Replications", n, SWEEP_REPLICATIONS)
    lo, hi = lever_value(lever, lever.lo), lever_value(lever, lever.hi)
    fixed = {p: v for p, v in moved.items() if p != lever.path}
    done = sim.sweep(path, params={lever.path: (lo, hi, points)}, set=fixed, n=n)
    label = f"{_name(path)}: {lever.label} from {lo:g} to {hi:g}, {points} points × {n} runs"
    table = done.by_point
    shown = (lever.path, "final_distancing", *partner_peaks(path), "p_crisis", "crisis")
    keep = [c for c in (table.columns if table is not None else []) if c in shown]
    try:
        chart: bytes | None = png(done.plot("scatter"))
    except ValueError:  # round 21: "no data for the 'scatter' chart", as "sweep failed: …"
        chart = None
    return Sweep(label, chart, table[keep].round(3) if keep else table)


def partner_peaks(path: str) -> list[str]:
    """The peak escalation of each `run.distancing` partner (North Korea's and Russia's in
    the shipped scenarios), shown beside the distancing index. Why (round 22): the table
    kept `peak_escalation_PRK` alone, so a standalone scenario's had no actor's escalation
    beside the chart of it."""
    return [f"peak_escalation_{a}" for a in sim.load(path).scenario.run.distancing.partners]


run_small_sweep = solara.lab.task(small_sweep, prefer_threaded=True)


@solara.component
def SweepPanel(levers: list[Lever]):
    by_path = {lever.path: lever for lever in levers}
    paths = list(by_path)
    chosen = solara.use_reactive(paths[0] if paths else "")
    points = solara.use_reactive(SWEEP_POINTS[-1])
    n = solara.use_reactive(SWEEP_REPLICATIONS[1])
    if not paths:
        solara.Info("This scenario has no levers to sweep.")
        return

    lever = by_path.get(chosen.value, by_path[paths[0]])

    def start() -> None:
        moved = overrides(levers, lever_values.value)
        run_small_sweep(scenario_path.value, moved, lever, points.value, n.value)

    solara.Markdown(
        "Sweep one lever over its slider's range (at most "
        f"{SWEEP_POINTS[-1]} points × {SWEEP_REPLICATIONS[-1]} replications; larger sweeps: "
        "`alliance-sim sweep`, docs/sweeps.md)."
    )
    with solara.Row(classes=["sweep-controls"]):
        solara.Select("Lever", values=paths, value=lever.path,
                      on_value=choice_setter(chosen, "Lever", paths))  # fmt: skip
        solara.Select("Points", values=list(SWEEP_POINTS), value=points.value,
                      on_value=choice_setter(points, "Points", SWEEP_POINTS))  # fmt: skip
        solara.Select("Replications", values=list(SWEEP_REPLICATIONS), value=n.value,
                      on_value=choice_setter(n, "Replications", SWEEP_REPLICATIONS))  # fmt: skip
        solara.Button("Run sweep", color="primary", on_click=start,
                      disabled=run_small_sweep.pending, classes=["run-sweep"])  # fmt: skip
    if run_small_sweep.pending:
        solara.ProgressLinear(True)
    if run_small_sweep.error:
        solara.Error(f"sweep failed: {run_small_sweep.exception}")
    done = run_small_sweep.value
    if done is not None:
        solara.Text(done.label, classes=["sweep-label"])
        if done.chart is None:
            solara.Info("Every outcome is the same at every point of this sweep: no chart "
                        "(the table has the values).")  # fmt: skip
        else:
            with solara.Column(classes=["chart", "chart-sweep"]):
                solara.Image(done.chart, width="520px")
        solara.DataFrame(done.by_point, items_per_page=10)
