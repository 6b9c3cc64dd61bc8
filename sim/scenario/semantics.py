"""Checks of meaning the schema cannot express: finite numbers, effects inside what their
address can hold, real dates, thresholds in order, and conditions that can never fire."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sim.errors import Problem
from sim.parameters import PARAMETERS
from sim.scenario.schema import Scenario
from sim.scenario.targets import Target, parse_target

if TYPE_CHECKING:
    from sim.scenario.loader import Origins


# What each metric of a condition can reach; a bound outside can never be crossed.
METRIC_RANGES = {"escalation": (0.0, 1.0), "leverage": (0.0, 1.0), "commitment": (-1.0, 1.0),
                 "tension": (0.0, 1.0), "distancing": (-2.0, 2.0),
                 "frustration": (0.0, 1.0)}  # fmt: skip
MAX_FACTOR = 1000.0


def target_range(target: Target) -> tuple[float, float]:
    """The values a state address can hold (the model clips every effect into it)."""
    if target.kind == "parameter":
        spec = PARAMETERS[target.field]
        return float(spec.lo), float(spec.hi)
    if target.kind == "pair" and target.field == "commitment":
        return -1.0, 1.0
    return 0.0, 1.0


def check_semantics(scenario: Scenario, raw: dict[str, Any], origins: Origins) -> list[Problem]:
    """Meaning, not shape: finite numbers, effects in range, real dates, distinct actors."""
    problems = [origins.problem(loc, msg) for loc, msg in _non_finite(raw, ())]
    problems += _check_dates(scenario, origins)
    problems += _check_thresholds(scenario, raw, origins)
    dist = scenario.run.distancing
    if dist.actor in dist.partners:
        loc = ("run", "distancing", "partners", dist.partners.index(dist.actor))
        problems.append(origins.problem(loc, f"{dist.actor} cannot be its own partner"))
    if len(set(dist.partners)) != len(dist.partners):
        problems.append(origins.problem(("run", "distancing", "partners"), "partners repeat"))
    actors, treaties = set(scenario.actors), set(scenario.treaties)
    for eid, event in scenario.events.items():
        cond = event.when
        if cond is not None and cond.actor is not None and cond.actor == cond.partner:
            loc = ("events", eid, "when", "partner")
            problems.append(origins.problem(loc, "a pair condition needs two different actors"))
        for op in ("set", "add", "scale"):
            for path, value in getattr(event, op).items():
                target = parse_target(path, actors, treaties)
                if isinstance(target, str) or isinstance(value, bool):
                    continue  # reported by check_references
                message = output_threshold(target) or effect_problem(
                    op, float(value), target_range(target)
                )
                if message:
                    problems.append(origins.problem(("events", eid, op, path), message))
    return problems


def output_threshold(target: Target) -> str | None:
    """Why an event may not move this target, if it is an outcome threshold (public: the
    overrides of a built model input check it too). A threshold defines what is counted (a
    crisis, a war) and moves no state; moved mid-run it could cross the other threshold,
    and only the values at the start are checked against each other."""
    if target.kind != "parameter" or PARAMETERS[target.field].mechanism != "outputs":
        return None
    return (
        f"{target.field} is an output threshold (it defines what counts as a crisis or a "
        "war); set it under parameters:, not by an event"
    )


def _check_thresholds(scenario: Scenario, raw: dict[str, Any], origins: Origins) -> list[Problem]:
    """A pair at war is also in crisis (MODEL.md §10: a war is a crisis dyad at or above
    war_threshold). Crossed thresholds ran to the end saying "war 100%" next to "a crisis:
    0%". Located at the threshold the scenario wrote (crisis_threshold when it wrote both)."""
    params = scenario.parameters
    crisis = _resolved(params.crisis_threshold, "crisis_threshold")
    war = _resolved(params.war_threshold, "war_threshold")
    message = threshold_problem(crisis, war)
    if message is None:
        return []
    written = [
        k for k in ("crisis_threshold", "war_threshold") if k in (raw.get("parameters") or {})
    ]
    # `--set` wins: the line the user just typed, not the file's value it crossed
    typed = [k for k in written if origins.where(("parameters", k))[0] == "--set"]
    key = (typed or written or ["war_threshold"])[0]
    return [origins.problem(("parameters", key), message)]


def threshold_problem(crisis: float, war: float) -> str | None:
    """The words for crossed outcome thresholds, shared by the loader and the overrides of a
    built model input (sweep points, levers)."""
    if crisis <= war:
        return None
    return (
        f"expected crisis_threshold ({crisis:g}) at most war_threshold ({war:g}): "
        "a pair at war is also in crisis"
    )


def _resolved(value: float | None, name: str) -> float:
    return float(PARAMETERS[name].default if value is None else value)


def effect_problem(op: str, value: float, bounds: tuple[float, float]) -> str | None:
    """Why an event's `op` (set, add, scale) of `value` on a target ranging over `bounds` is
    refused, or None: public, since sim/scenario/overrides.py checks sweep points with it."""
    lo, hi = bounds
    if not math.isfinite(value):
        return f"expected a finite number, found {value}"
    if op == "set" and not lo <= value <= hi:
        return f"expected a value in [{lo:g}, {hi:g}], found {value:g}"
    if op == "add" and abs(value) > hi - lo:
        return f"expected an amount in [{lo - hi:g}, {hi - lo:g}], found {value:g}"
    if op == "scale" and not 0 <= value <= MAX_FACTOR:
        return f"expected a factor in [0, {MAX_FACTOR:g}], found {value:g}"
    return None


def _non_finite(node: Any, loc: tuple) -> Iterator[tuple[tuple, str]]:
    """Every inf or NaN in the resolved data (files reject them; `--set x=inf` does not)."""
    if isinstance(node, float) and not math.isfinite(node):
        yield loc, f"expected a finite number, found {node}"
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from _non_finite(item, (*loc, key))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _non_finite(item, (*loc, i))


def _check_dates(scenario: Scenario, origins: Origins) -> list[Problem]:
    problems = []
    year, month = (int(x) for x in scenario.run.start.split("-"))
    if not (1 <= month <= 12 and year >= 1):
        message = f"expected a real month YYYY-MM, found {scenario.run.start}"
        problems.append(origins.problem(("run", "start"), message))
    for tid, treaty in scenario.treaties.items():
        if isinstance(treaty.signed, str) and not _real_date(treaty.signed):
            loc = ("treaties", tid, "signed")
            found = treaty.signed[:40]
            message = f"expected a real date YYYY, YYYY-MM or YYYY-MM-DD, found {found!r}"
            problems.append(origins.problem(loc, message))
    return problems


def _real_date(text: str) -> bool:
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text)
    if m is None:
        return False
    year, month, day = int(m[1]), int(m[2] or 1), int(m[3] or 1)
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def never_fire(scenario: Scenario, steps: int, origins: Origins) -> list[Problem]:
    """Warnings (not errors): events that cannot fire within a run of `steps` steps."""
    out = []
    for eid, event in scenario.events.items():
        if event.at is not None and event.at >= steps:
            message = (
                f"warning: never fires: step {event.at} is beyond the run (steps 0 to {steps - 1})"
            )
            out.append(origins.problem(("events", eid, "at"), message))
        cond = event.when
        if cond is not None and cond.metric in METRIC_RANGES:
            lo, hi = METRIC_RANGES[cond.metric]
            if (cond.above is not None and cond.above >= hi) or (
                cond.below is not None and cond.below <= lo
            ):
                bound = cond.above if cond.above is not None else cond.below
                message = (
                    f"warning: never fires: {cond.metric} stays within [{lo:g}, {hi:g}], "
                    f"so it is never {'above' if cond.above is not None else 'below'} {bound:g}"
                )
                out.append(origins.problem(("events", eid, "when"), message))
    return out
