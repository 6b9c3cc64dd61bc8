"""A scenario's `exploration:` section (EMA Workbench's split), checked, and the value each
explored input really takes.

`uncertainties`, `levers` and `constants` name model-input values by key path, with a human
label and a range or choices; `outcomes` label summary columns. The dashboard shows levers
with their effective value and the event that sets it; sweeps and reports can read the
labels and ranges. A lever must mean what it says, so a key path whose start value an
event replaces at step 0 is an error that names the event's own key path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.errors import Problem
from sim.scenario.schema import Knob, Scenario
from sim.scenario.semantics import target_range
from sim.scenario.shadow import OPS, Effective, canonical, effective, refusal
from sim.scenario.targets import Target, parse_target

if TYPE_CHECKING:
    from sim.scenario.loader import Origins
    from sim.world import ModelInput

GROUPS = ("uncertainties", "levers", "constants")


def _target(scenario: Scenario, path: str) -> Target | str:
    """The state target of `path`, or of the effect an event path names; else a message."""
    actors, treaties = set(scenario.actors), set(scenario.treaties)
    theatres = set(scenario.theatres)
    parts = canonical(path).split(".")
    if parts[0] == "events":
        if len(parts) < 4 or parts[1] not in scenario.events or parts[2] not in OPS:
            return "expected events.ID.(set|add|scale).PATH of an event in this scenario"
        return parse_target(".".join(parts[3:]), actors, treaties, theatres)
    return parse_target(canonical(path), actors, treaties, theatres)


def check_exploration(scenario: Scenario, origins: Origins) -> list[Problem]:
    """Every explored key path names a value, lies in its range, and is no shadowed start."""
    section = scenario.exploration
    if section is None:
        return []
    events = scenario.model_dump(mode="json", exclude_none=True)["events"]
    problems = []
    for group in GROUPS:
        for path, knob in getattr(section, group).items():
            loc = ("exploration", group, path)
            target = _target(scenario, path)
            if isinstance(target, str):
                problems.append(origins.problem(loc, target, key=True))
                continue
            reason = refusal(events, path)
            if reason:
                problems.append(origins.problem(loc, reason, key=True))
                continue
            lo, hi = target_range(target)
            op = canonical(path).split(".")[2] if path.startswith("events.") else "set"
            if op == "set" and knob.low is not None and not lo <= knob.low < knob.high <= hi:
                message = f"expected a range inside [{lo:g}, {hi:g}], found {knob.low}–{knob.high}"
                problems.append(origins.problem(loc, message))
    return problems + _threshold_ranges(scenario, origins)


def _span(scenario: Scenario, name: str) -> tuple[float, float, tuple | None]:
    """(lowest, highest, where) a threshold may take: an explored range or choices, else
    the scenario's value (where None)."""
    from sim.parameters import PARAMETERS

    value = getattr(scenario.parameters, name)
    value = PARAMETERS[name].default if value is None else value
    path = f"parameters.{name}"
    for group in GROUPS:
        knob = getattr(scenario.exploration, group).get(path)
        numbers = [] if knob is None else [knob.low, knob.high, *(knob.values or [])]
        numbers = [v for v in numbers if isinstance(v, int | float) and not isinstance(v, bool)]
        if numbers:
            return min(numbers), max(numbers), ("exploration", group, path)
    return value, value, None


def _threshold_ranges(scenario: Scenario, origins: Origins) -> list[Problem]:
    """Every value the exploration may draw keeps a pair at war in crisis (MODEL.md §10):
    crisis_threshold 0.5–1 against war_threshold 0.8 passed `validate`, and the dashboard
    and sweeps of the exploration then counted wars that were not crises. Both fixed is the
    loader's own check (semantics.threshold_problem)."""
    crisis, war = _span(scenario, "crisis_threshold"), _span(scenario, "war_threshold")
    where = crisis[2] or war[2]
    if where is None or crisis[1] <= war[0]:
        return []
    message = (
        "expected ranges that keep crisis_threshold at most war_threshold, found "
        f"crisis_threshold up to {crisis[1]:g} and war_threshold down to {war[0]:g}"
    )
    return [origins.problem(where, message)]


@dataclass(frozen=True)
class Explored:
    """One explored input as a control shows it: label, range, and the effective value."""

    group: str  # uncertainties | levers | constants
    path: str
    knob: Knob
    value: Effective  # start value, the value when the dynamics first read it, its event


def effective_value(model: ModelInput, path: str) -> Effective:
    """The value `path` holds when the dynamics first read it: an event's own value for an
    event path, the shadowing event's value for a start value an event replaces at step 0,
    else the start value (after defaults)."""
    parts = canonical(path).split(".")
    if parts[0] == "events":
        value = _event_value(model.events, parts)
        return Effective(canonical(path), value, value, None)
    return effective(model, path, model.value_at(path))


def _event_value(events: Any, parts: list[str]) -> float:
    event = events[parts[1]]
    return float(event[parts[2]][".".join(parts[3:])])


def explored(scenario: Scenario, model: ModelInput) -> list[Explored]:
    """The scenario's uncertainties, levers and constants with their effective values."""
    section = scenario.exploration
    if section is None:
        return []
    return [
        Explored(group, path, knob, effective_value(model, path))
        for group in GROUPS
        for path, knob in getattr(section, group).items()
    ]
