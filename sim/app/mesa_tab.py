"""The "Single run (Mesa)" tab: one replication stepped with Mesa's own controls.

Mesa's `ModelController` (Reset, Play, Step) sits on this tab with the run's parameters
(root seed, replication) beside it, not in the page's sidebar where SolaraViz would put
them. A scenario switch builds a new model for the new scenario, so Step after a switch
advances the new scenario. Charts are drawn from the model's recorded arrays into PNG
bytes and closed at once (sim/app/charts.py), so memory stays flat over many plays.
"""

from __future__ import annotations

import solara
from mesa.visualization.solara_viz import ModelController, ShowSteps
from mesa.visualization.utils import update_counter

import sim
from sim.app.charts import distancing_words, mesa_escalation, mesa_system
from sim.app.choices import MESA_REPLICATIONS, MESA_SEEDS, MesaRange
from sim.app.levers import levers_for, overrides
from sim.app.state import lever_values, refusing, scenario_path
from sim.model import AllianceModel

PLAY_INTERVAL_MS = 50


class LeverModel(AllianceModel):
    """`AllianceModel` of the scenario and levers the page shows when it is built.

    Mesa's Reset rebuilds the model from its parameters (root seed, replication); the
    scenario and the moved levers are read from the page's state at that moment. Both
    parameters are checked against their sliders' ranges here too, since Reset passes
    whatever the parameters hold.
    """

    def __init__(self, seed: int | None = None, replication: int = 0):
        path = scenario_path.value
        plain = sim.load(path)
        limits = MesaRange(plain.scenario.run.seed)
        seed = limits.seed(plain.scenario.run.seed if seed is None else seed)
        replication = limits.replication(replication)
        moved = overrides(levers_for(plain), lever_values.value)
        super().__init__(sim.load(path, set=moved), seed=seed, replication=replication)
        self.moved = moved


def title(model: LeverModel) -> str:
    moved = ", ".join(f"{p.split('.', 1)[1]}={v:g}" for p, v in model.moved.items())
    head = f"{model.scenario.name}: replication {model.replication} of seed {model.root_seed}"
    return head + (f"\n{moved}" if moved else "")


@solara.component
def MesaCharts(model: LeverModel):
    update_counter.get()  # Mesa bumps it after each step: redraw
    unit, last = model.scenario.run.step_unit, model.max_steps
    record = model.datacollector
    escalation = mesa_escalation(record.escalation_history(), list(model.world.ids),
                                 record.active_history(), title(model), unit, last)  # fmt: skip
    distancing = mesa_system(record.system_history("distancing"),
                             distancing_words(model.scenario)[1], unit, last)  # fmt: skip
    with solara.Column(classes=["chart", "chart-mesa"]):
        solara.Image(escalation, width="100%")
        solara.Image(distancing, width="100%")


@solara.component
def MesaParameters(base_seed: int, params: solara.Reactive[dict]):
    """Root seed and replication, each checked before Reset may use it."""
    limits = MesaRange(base_seed)

    def setter(name: str, check):
        return refusing(lambda value: params.set({**params.value, name: check(value)}))

    solara.SliderInt(
        "root seed",
        value=params.value["seed"], min=base_seed, max=base_seed + MESA_SEEDS - 1,
        on_value=setter("seed", limits.seed),
    )  # fmt: skip
    solara.SliderInt(
        "replication", value=params.value["replication"], min=0, max=MESA_REPLICATIONS - 1,
        on_value=setter("replication", limits.replication),
    )  # fmt: skip


@solara.component
def MesaRun(path: str, base_seed: int):
    """The tab for the scenario at `path`: a new model (and parameters) whenever it changes."""
    built = solara.use_memo(lambda: LeverModel(seed=base_seed), [path])
    model = solara.use_reactive(built)  # follows `built`; Mesa's Reset replaces its value
    params = solara.use_reactive(
        solara.use_memo(lambda: {"seed": base_seed, "replication": 0}, [path])
    )
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(1)
    threads = solara.use_reactive(False)
    with solara.Row(classes=["mesa-run"]):
        with solara.Column(style={"min-width": "320px", "max-width": "360px"}):
            with solara.Card("Controls"):
                ModelController(
                    model, model_parameters=params, play_interval=play_interval,
                    render_interval=render_interval, use_threads=threads,
                )  # fmt: skip
                ShowSteps(model.value)
            with solara.Card("Model parameters"):
                MesaParameters(base_seed, params)
                solara.Markdown(
                    "Replication *r* of the scenario's root seed is row *r* of the ensemble. "
                    "Reset builds the run from these, the scenario and the levers."
                )
        with solara.Column(style={"flex": "1"}):
            solara.Text(title(model.value).replace("\n", "; "), classes=["mesa-title"])
            MesaCharts(model.value)
