"""The page's state (one copy per browser session) and the only ways to change it.

solara scopes module-level reactive values to each browser session. Every control changes
state through a setter here, and every setter checks the value against what the control
offers (sim/app/choices.py): a refused value leaves the state as it was and puts one line
in `refusal`, which the page shows.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import solara

from sim.app.choices import REPLICATIONS, Refused, lever_value, one_of
from sim.app.dashboard_env import SCENARIO_ENV
from sim.app.levers import Lever, scenario_files

DEFAULT_SCENARIO = Path("scenarios/baseline.yaml")


def first_scenario() -> Path:
    return Path(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO)


def scenario_choices() -> list[str]:
    """The scenario files the Scenario select offers: the first one and those beside it."""
    return [str(p) for p in scenario_files(first_scenario())]


scenario_path = solara.reactive(str(first_scenario()))
lever_values: solara.Reactive[dict[str, float]] = solara.reactive({})
replications = solara.reactive(50)
network_step = solara.reactive(-1)  # -1: the last step
refusal = solara.reactive("")


def refusing(setter: Callable[..., None]) -> Callable[..., None]:
    """`setter`, with a Refused value reported in `refusal` instead of raised."""

    def guarded(*args: object) -> None:
        try:
            setter(*args)
        except Refused as exc:
            refusal.value = str(exc)
        else:
            refusal.value = ""

    return guarded


@refusing
def pick_scenario(value: object) -> None:
    path = one_of("Scenario", value, scenario_choices())
    lever_values.value = {}
    scenario_path.value = str(path)


@refusing
def pick_replications(value: object) -> None:
    replications.value = int(one_of("Replications", value, REPLICATIONS))


@refusing
def set_lever(lever: Lever, value: object) -> None:
    lever_values.value = {**lever_values.value, lever.path: lever_value(lever, value)}


def choice_setter(target: solara.Reactive, name: str, allowed) -> Callable[[object], None]:
    """A select's on_value: `target` takes the value only if it is one of `allowed`."""
    return refusing(lambda value: target.set(one_of(name, value, allowed)))
