"""The dashboard page (solara): levers with their evidence, an ensemble, comparisons, a sweep,
and a Mesa run.

Data flows as everywhere else: the levers become `--set` overrides of the scenario, runs go
through the Python API (`sim.run`, `sim.sweep`), which writes results folders, and the
charts are drawn from those folders. The sidebar holds what every tab shares (scenario,
levers); each tab holds the controls of the run it shows. Every control value is checked on
the server (sim/app/state.py, sim/app/choices.py).

Started by `alliance-sim app [SCENARIO]` (sim/app/serve.py → sim/app/server.py), behind the
session guard (sim/app/guard.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import solara
import solara.lab

import sim
from sim.app import state
from sim.app.analysis import ComparePanel, SweepPanel
from sim.app.charts import distancing_words, png
from sim.app.choices import REPLICATIONS, one_of
from sim.app.effects_table import effects_display
from sim.app.export import export_run
from sim.app.levers import Lever, levers_for, overrides
from sim.app.mesa_tab import MesaRun
from sim.errors import ScenarioError
from sim.scenario.loader import LoadedScenario

NO_COUNTERFACTUAL = (
    "No counterfactual in this scenario: the effect against it appears here when the "
    "scenario names one (`counterfactual:`), paired by replication."
)


@dataclass(frozen=True)
class Ensemble:
    """One finished ensemble: its results and the charts drawn from its folder."""

    number: int
    label: str
    scenario: str
    results: sim.Results
    charts: dict[str, bytes]
    steps: int


@solara.lab.task(prefer_threaded=True)
def run_ensemble(path: str, moved: dict[str, float], n: int, number: int) -> Ensemble:
    """Load with the moved levers, run `n` replications, draw the charts; reports progress."""
    one_of("Scenario", path, state.scenario_choices())
    one_of("Replications", n, REPLICATIONS)
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
    steps = int(results.manifest["steps"])
    return Ensemble(number, label, loaded.scenario.name, results, charts, steps)


@solara.lab.task(prefer_threaded=True)
def export_ensemble(ensemble: Ensemble) -> Path:
    return export_run(ensemble.results, ensemble.scenario, ensemble.number)


def start_run(levers: list[Lever]) -> None:
    moved = overrides(levers, state.lever_values.value)
    previous = run_ensemble.value.number if run_ensemble.value else 0
    run_ensemble(state.scenario_path.value, moved, state.replications.value, previous + 1)


@solara.component
def LeverSlider(lever: Lever):
    value = state.lever_values.value.get(lever.path, lever.value)
    lines = [solara.Text(line) for line in lever.tooltip.splitlines()]
    tip = solara.Column(children=lines, gap="2px", style={"max-width": "480px"})
    with (
        solara.Tooltip(tip, color="#263238"),
        solara.Column(classes=["lever", lever.css], gap="0px"),
    ):
        solara.Text(lever.label, style={"font-size": "0.9em"})
        solara.SliderFloat(
            "", value=value, min=lever.lo, max=lever.hi, step=lever.step,
            on_value=lambda v: state.set_lever(lever, v), thumb_label=False,
        )  # fmt: skip
        solara.Text(f"{value:.3g} (scenario: {lever.value:g})", style={"font-size": "0.8em"})
        if lever.shadowed:
            solara.Text(
                f"set by event {lever.event} at step 0 (start value {lever.start:g} "
                "never acts): the slider moves the event's value",
                classes=["shadowed"], style={"font-size": "0.75em", "color": "#8a4b00"},
            )  # fmt: skip


@solara.component
def Sidebar(loaded: LoadedScenario, levers: list[Lever]):
    """What every tab shares: the scenario and the levers."""
    files = state.scenario_choices()
    solara.Select("Scenario", values=files, value=state.scenario_path.value,
                  on_value=state.pick_scenario, classes=["scenario-select"])  # fmt: skip
    solara.Markdown(f"**{loaded.scenario.title}**")
    if state.refusal.value:
        solara.Error(f"refused: {state.refusal.value}", classes=["refusal"])
    solara.Button("Reset levers", text=True, on_click=lambda: state.lever_values.set({}))
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
    chosen = state.network_step.value
    step = last if chosen < 0 or chosen > last else chosen
    data = solara.use_memo(
        lambda: png(ensemble.results.plot("network", steps=[0, step])), [ensemble.number, step]
    )
    solara.SliderInt(
        "Network at step", value=step, min=0, max=last,
        on_value=lambda v: state.network_step.set(min(max(int(v), 0), last)),
        thumb_label="always",
    )  # fmt: skip
    Chart(data, "network")


@solara.component
def Effects(ensemble: Ensemble):
    table = ensemble.results.effects
    shown = solara.use_memo(
        lambda: effects_display(table) if table is not None else None, [ensemble.number]
    )
    if shown is None:
        solara.Info(NO_COUNTERFACTUAL, classes=["no-counterfactual"])
        return
    Chart(ensemble.charts["effects"], "effects")
    with solara.Column(classes=["effects-table"]):
        solara.DataFrame(shown, items_per_page=20)
    solara.Markdown(
        "Effect = scenario − counterfactual in each replication (common random numbers); "
        "median, 5–95% of replications, and the share of replications where it is positive."
    )


@solara.component
def ExportButton(ensemble: Ensemble):
    solara.Button("Export results folder + report", on_click=lambda: export_ensemble(ensemble),
                  disabled=export_ensemble.pending, classes=["export"])  # fmt: skip
    if export_ensemble.error:
        solara.Error(f"export failed: {export_ensemble.exception}")
    elif export_ensemble.value is not None:
        folder = export_ensemble.value
        solara.Success(f"exported to {folder}/ (report: {folder / 'report.html'})",
                       classes=["exported"])  # fmt: skip


@solara.component
def EnsemblePanel(levers: list[Lever]):
    with solara.Row(classes=["ensemble-controls"]):
        solara.Select("Replications", values=list(REPLICATIONS), value=state.replications.value,
                      on_value=state.pick_replications, style={"max-width": "200px"})  # fmt: skip
        solara.Button("Run ensemble", color="primary", on_click=lambda: start_run(levers),
                      disabled=run_ensemble.pending, classes=["run-ensemble"])  # fmt: skip
    solara.ProgressLinear(run_ensemble.progress or True if run_ensemble.pending else False)
    if run_ensemble.pending:
        solara.Text(f"running… {run_ensemble.progress or 0:.0f}%")
    if run_ensemble.error:
        solara.Error(f"run failed: {run_ensemble.exception}")
    ensemble = run_ensemble.value
    if ensemble is None:
        solara.Info("Running the first ensemble…")
        return
    solara.Text(ensemble.label, classes=["run-label"])
    ExportButton(ensemble)
    solara.Markdown("### Escalation per actor (median, middle 50% and 90% of replications)")
    Chart(ensemble.charts["escalation"], "escalation")
    solara.Markdown(
        f"### {distancing_words(ensemble.results.manifest.get('resolved_scenario'))[0]}"
    )
    Chart(ensemble.charts["distancing"], "distancing")
    solara.Markdown("### The relation network")
    NetworkChart(ensemble)
    solara.Markdown("### Effect against the counterfactual")
    Effects(ensemble)


def _load(path: str) -> tuple[LoadedScenario | None, str]:
    """The scenario, or None and its problems (one line each) when it does not load."""
    try:
        return sim.load(path), ""
    except ScenarioError as exc:
        return None, "\n".join(str(p) for p in exc.problems)


@solara.component
def Page():
    solara.Title("alliance-sim dashboard")
    solara.Style(".v-tooltip__content { opacity: 1 !important; }")  # evidence must be legible
    path = state.scenario_path.value
    loaded, problems = solara.use_memo(lambda: _load(path), [path])
    levers = solara.use_memo(lambda: levers_for(loaded) if loaded else [], [path])
    solara.use_effect(lambda: start_run(levers) if loaded else None, [path])
    if loaded is None:
        solara.Error(problems)
        return
    with solara.Sidebar():
        Sidebar(loaded, levers)
    with solara.lab.Tabs():
        with solara.lab.Tab("Ensemble"):
            EnsemblePanel(levers)
        with solara.lab.Tab("Compare over time"):
            ComparePanel(levers)
        with solara.lab.Tab("Sweep"):
            SweepPanel(levers)
        with solara.lab.Tab("Single run (Mesa)"):
            MesaRun(path, loaded.scenario.run.seed)  # a new model per scenario
