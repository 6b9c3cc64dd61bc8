"""The dashboard page (solara): levers with their evidence, an ensemble, its charts, a Mesa run.

Data flows as everywhere else: the levers become `--set` overrides of the scenario, the
ensemble runs through the Python API (`sim.run`), which writes a results folder, and the
charts are the report charts drawn from that folder (sim/plots). The "Single run" tab is
Mesa's own SolaraViz on `AllianceModel`, with Step / Play / Reset.

Start it with `alliance-sim app [SCENARIO]` (sim/app/serve.py), which passes the scenario
in the environment variable SCENARIO_ENV.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # charts are drawn off the main thread, never shown in a window

import matplotlib.pyplot as plt
import pandas as pd
import solara
import solara.lab
from mesa.visualization import SolaraViz, make_plot_component

import sim
from sim.app.dashboard_env import SCENARIO_ENV
from sim.app.levers import Lever, levers_for, overrides, scenario_files
from sim.errors import ScenarioError
from sim.model import AllianceModel
from sim.scenario.loader import LoadedScenario

DEFAULT_SCENARIO = Path("scenarios/baseline.yaml")
REPLICATIONS = (20, 50, 100, 200, 500)
NO_COUNTERFACTUAL = (
    "No counterfactual in this scenario: the effect against it appears here when the "
    "scenario names one (`counterfactual:`), paired by replication."
)


def first_scenario() -> Path:
    return Path(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO)


# Per-session state (solara scopes module-level reactive values to each browser session).
scenario_path = solara.reactive(str(first_scenario()))
lever_values: solara.Reactive[dict[str, float]] = solara.reactive({})
replications = solara.reactive(50)
network_step = solara.reactive(-1)  # -1: the last step


@dataclass(frozen=True)
class Ensemble:
    """One finished ensemble: its results and the charts drawn from its folder."""

    number: int
    label: str
    results: sim.Results
    charts: dict[str, bytes]
    steps: int


def png(fig) -> bytes:
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=80)
    finally:
        plt.close(fig)
    return buf.getvalue()


@solara.lab.task(prefer_threaded=True)
def run_ensemble(path: str, moved: dict[str, float], n: int, number: int) -> Ensemble:
    """Load with the moved levers, run `n` replications, draw the charts; reports progress."""
    run_ensemble.progress = 5
    loaded = sim.load(path, set=moved)
    run_ensemble.progress = 15
    results = sim.run(loaded, n=n)
    run_ensemble.progress = 70
    charts = {}
    kinds = ("escalation", "distancing") + (("effects",) if results.effects is not None else ())
    for k, kind in enumerate(kinds):
        charts[kind] = png(results.plot(kind))
        run_ensemble.progress = 75 + 20 * (k + 1) // len(kinds)
    what = ", ".join(f"{p.split('.', 1)[1]}={v:g}" for p, v in moved.items()) or "as written"
    label = f"run {number}: {loaded.scenario.name}, {n} replications, {what}"
    return Ensemble(number, label, results, charts, int(results.manifest["steps"]))


def start_run(levers: list[Lever]) -> None:
    moved = overrides(levers, lever_values.value)
    previous = run_ensemble.value.number if run_ensemble.value else 0
    run_ensemble(scenario_path.value, moved, replications.value, previous + 1)


@solara.component
def LeverSlider(lever: Lever):
    value = lever_values.value.get(lever.path, lever.value)

    def set_value(v: float) -> None:
        lever_values.value = {**lever_values.value, lever.path: float(v)}

    lines = [solara.Text(line) for line in lever.tooltip.splitlines()]
    tip = solara.Column(children=lines, gap="2px", style={"max-width": "480px"})
    with (
        solara.Tooltip(tip, color="#263238"),
        solara.Column(classes=["lever", lever.css], gap="0px"),
    ):
        solara.Text(lever.label, style={"font-size": "0.9em"})
        solara.SliderFloat(
            "",
            value=value,
            min=lever.lo,
            max=lever.hi,
            step=lever.step,
            on_value=set_value,
            thumb_label=False,
        )
        solara.Text(f"{value:.3g} (scenario: {lever.value:g})", style={"font-size": "0.8em"})


@solara.component
def Controls(loaded: LoadedScenario, levers: list[Lever]):
    files = [str(p) for p in scenario_files(first_scenario())]
    if scenario_path.value not in files:
        files.insert(0, scenario_path.value)

    def pick(value: str) -> None:
        lever_values.value = {}
        scenario_path.value = value

    solara.Select("Scenario", values=files, value=scenario_path.value, on_value=pick)
    solara.Markdown(f"**{loaded.scenario.title}**")
    solara.Select(
        "Replications", values=list(REPLICATIONS), value=replications.value,
        on_value=replications.set,
    )  # fmt: skip
    solara.Button(
        "Run ensemble", color="primary", on_click=lambda: start_run(levers),
        disabled=run_ensemble.pending, classes=["run-ensemble"],
    )  # fmt: skip
    solara.ProgressLinear(run_ensemble.progress or True if run_ensemble.pending else False)
    if run_ensemble.pending:
        solara.Text(f"running… {run_ensemble.progress or 0:.0f}%")
    solara.Button("Reset levers", text=True, on_click=lambda: lever_values.set({}))
    solara.Markdown("Hover a slider for the evidence behind its value.")
    groups = dict.fromkeys(lever.group for lever in levers)
    for group in groups:
        with solara.Column(gap="4px").key(f"group-{group}"):
            solara.Markdown(f"#### {group.capitalize()}")
            for lever in levers:
                if lever.group == group:
                    LeverSlider(lever).key(lever.path)


@solara.component
def Chart(data: bytes, name: str):
    with solara.Column(classes=["chart", f"chart-{name}"]):
        solara.Image(data, width="100%")


@solara.component
def NetworkChart(ensemble: Ensemble):
    last = ensemble.steps
    step = last if network_step.value < 0 or network_step.value > last else network_step.value
    data = solara.use_memo(
        lambda: png(ensemble.results.plot("network", steps=[0, step])), [ensemble.number, step]
    )
    solara.SliderInt(
        "Network at step", value=step, min=0, max=last, on_value=network_step.set,
        thumb_label="always",
    )  # fmt: skip
    Chart(data, "network")


@solara.component
def Effects(ensemble: Ensemble):
    table = ensemble.results.effects
    if table is None:
        solara.Info(NO_COUNTERFACTUAL, classes=["no-counterfactual"])
    else:
        Chart(ensemble.charts["effects"], "effects")
        solara.DataFrame(pd.DataFrame(table), items_per_page=20)


@solara.component
def EnsemblePanel():
    if run_ensemble.error:
        solara.Error(f"run failed: {run_ensemble.exception}")
    ensemble = run_ensemble.value
    if ensemble is None:
        solara.Info("Running the first ensemble…")
        return
    solara.Text(ensemble.label, classes=["run-label"])
    solara.Markdown("### Escalation per actor (median, middle 50% and 90% of replications)")
    Chart(ensemble.charts["escalation"], "escalation")
    solara.Markdown("### China's distancing from the Russia–North Korea pair")
    Chart(ensemble.charts["distancing"], "distancing")
    solara.Markdown("### The relation network")
    NetworkChart(ensemble)
    solara.Markdown("### Effect against the counterfactual")
    Effects(ensemble)


def escalation_lines(model: LeverModel):
    """Mesa component: each active actor's escalation so far in this one replication."""
    frame = model.datacollector.get_agent_vars_dataframe().reset_index()
    frame = frame[frame["active"]]
    wide = frame.pivot_table(index="Step", columns="actor", values="escalation")
    fig, ax = plt.subplots(figsize=(6, 3.2), layout="constrained")
    for actor in wide.columns:
        ax.plot(wide.index, wide[actor], label=actor)
    ax.set_xlim(0, model.max_steps)
    ax.set_xlabel(f"step ({model.scenario.run.step_unit}s)")
    ax.set_ylabel("escalation (0–1)")
    moved = ", ".join(f"{p.split('.', 1)[1]}={v:g}" for p, v in model.moved.items())
    ax.set_title(
        f"{model.scenario.name}: replication {model.replication} of seed {model.root_seed}"
        + (f"\n{moved}" if moved else ""),
        fontsize="medium",
    )
    ax.legend(ncol=4, fontsize="small")
    return solara.FigureMatplotlib(fig)


class LeverModel(AllianceModel):
    """`AllianceModel` of the scenario and levers the page shows when it is built.

    Mesa's Reset rebuilds the model from its parameters (root seed, replication); the
    scenario and the moved levers are read from the page's state at that moment, so the
    SolaraViz stays mounted and Reset applies whatever the sidebar now says.
    """

    def __init__(self, seed: int | None = None, replication: int = 0):
        path = scenario_path.value
        moved = overrides(levers_for(sim.load(path)), lever_values.value)
        super().__init__(sim.load(path, set=moved), seed=seed, replication=replication)
        self.moved = moved


@solara.component
def MesaRun(seed: int):
    model = solara.use_memo(lambda: LeverModel(seed=seed), [])
    params = {
        "seed": {"type": "SliderInt", "value": seed, "min": seed, "max": seed + 999,
                 "label": "root seed (replication r of it is row r of the ensemble)"},
        "replication": {"type": "SliderInt", "value": 0, "min": 0, "max": 99,
                        "label": "replication"},
    }  # fmt: skip
    solara.Markdown("Reset builds the run from the scenario and levers in the sidebar.")
    SolaraViz(
        model,
        components=[escalation_lines, make_plot_component("distancing")],
        model_params=params,
        name="alliance-sim",
    )


def _load(path: str, moved: dict[str, float] | None = None) -> tuple[LoadedScenario | None, str]:
    """The scenario, or None and its problems (one line each) when it does not load."""
    try:
        return sim.load(path, set=moved), ""
    except ScenarioError as exc:
        return None, "\n".join(str(p) for p in exc.problems)


@solara.component
def Page():
    solara.Title("alliance-sim dashboard")
    solara.Style(".v-tooltip__content { opacity: 1 !important; }")  # evidence must be legible
    path = scenario_path.value
    loaded, problems = solara.use_memo(lambda: _load(path), [path])
    levers = solara.use_memo(lambda: levers_for(loaded) if loaded else [], [path])
    solara.use_effect(lambda: start_run(levers) if loaded else None, [path])
    if loaded is None:
        solara.Error(problems)
        return
    with solara.Sidebar():
        Controls(loaded, levers)
    with solara.lab.Tabs():
        with solara.lab.Tab("Ensemble"):
            EnsemblePanel()
        with solara.lab.Tab("Single run (Mesa)"):
            MesaRun(loaded.scenario.run.seed)
