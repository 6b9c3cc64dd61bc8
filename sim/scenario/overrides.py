"""Change values of a frozen model input by key path: `apply(input, {path: value})`.

Why: a sweep's design points, and any change after loading, must act on the one model
input that was built from the scenario, not on re-rendered YAML validated again on every
worker. Each value is checked with the scenario schema's own field (same bounds, same
words: `expected a number at most 1, found 1.5`), an event effect with the loader's effect
check, and a start value that an event replaces at step 0 is refused with the event's key
path (sim/scenario/shadow.py).

What can change: coefficients (`parameters.NAME`), actor, capability, trait, relation,
treaty and theatre values (the events' target grammar, sim/scenario/targets.py), a
treaty's `obligation` (a strength left to its default follows it, as on loading), an
event's `at`, `once`, `when.above|below` and effect values (`events.ID.set.PATH`), and
`run.settle`. Structure (actors, treaty members, who is in a relation) needs a scenario
file: it changes what the arrays are, not their values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ValidationError

from sim.facts import DEFAULT_STRENGTH
from sim.scenario import schema
from sim.scenario.messages import merge_union_errors, translate
from sim.scenario.semantics import (
    effect_problem,
    output_threshold,
    target_range,
    threshold_problem,
)
from sim.scenario.shadow import OPS, canonical, refusal
from sim.scenario.targets import Target, parse_target

if TYPE_CHECKING:
    from sim.world import ModelInput


class InvalidValue(Exception):
    """A value the model refuses: `path` is where, the message says why."""

    def __init__(self, message: str, path: str = ""):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)

    def about(self, keys: tuple[str, ...]) -> str:
        """The message, naming the key path only when it is not the changed value itself."""
        own = ".".join(keys)
        if self.path in (own, f"{own}.value", ""):
            return self.message
        return f"{self.path}: {self.message}"


# Which schema model checks a state target's value, and under which field name.
_FIELD_OF = {
    "parameter": lambda t: (schema.Parameters, t.field),
    "capability": lambda t: (schema.Capabilities, t.field),
    "trait": lambda t: (schema.Traits, t.field),
    "pair": lambda t: (schema.Relation, t.field),
    "actor": lambda t: (schema.Actor, t.field),
    "treaty": lambda t: (schema.Treaty, "strength"),
    "theatre": lambda t: (schema.Theatre, "intensity"),
}


def checked(model: type[BaseModel], name: str, value: Any, path: str,
            context: Mapping[str, Any] | None = None) -> Any:  # fmt: skip
    """`value` validated as field `name` of `model` (a weight's number unwrapped), or
    InvalidValue in the loader's words. `context`: the other fields' current values, for
    the model's own checks (an event needs a trigger and an effect)."""
    from sim.scenario.loader import Origins

    try:
        result = model.__pydantic_validator__.validate_assignment(
            model.model_construct(**(context or {})), name, value
        )
    except ValidationError as exc:
        keys = tuple(path.split("."))
        raw = _nested(keys, value)
        errors = [{**e, "loc": (*keys[:-1], *e["loc"])} for e in exc.errors()]
        problem = translate(merge_union_errors(errors, raw)[0], raw, Origins(root="-"))
        raise InvalidValue(problem.message, path) from None
    out = getattr(result, name)
    return getattr(out, "value", out)


def _nested(keys: tuple[str, ...], value: Any) -> dict[str, Any]:
    node: Any = value
    for key in reversed(keys):
        node = {key: node}
    return node


class _Draft:
    """Writable copies of the parts of a model input that changes touch."""

    def __init__(self, model: ModelInput):
        from sim.world import thaw

        self.model = model
        self.arrays: dict[int, np.ndarray] = {}  # id(original) → writable copy
        self.events = thaw(model.events)
        self.obligations = list(model.treaty_obligations)
        self.defaulted = list(model.treaty_defaulted)
        self.settle = model.settle

    def put(self, array: np.ndarray, index: tuple, value: float | bool) -> None:
        copy = self.arrays.get(id(array))
        if copy is None:
            copy = self.arrays[id(array)] = np.array(array, copy=True)
        copy[index] = value

    def build(self, overrides: Mapping[str, Any]) -> ModelInput:
        m = self.model

        def new(a: np.ndarray) -> np.ndarray:
            return self.arrays.get(id(a), a)

        return replace(
            m,
            **{f: new(getattr(m, f)) for f in ("x0", "lev0", "active0", "C0",
                                               "treaty_strength", "theatre_intensity")},
            **{f: {k: new(v) for k, v in getattr(m, f).items()}
               for f in ("cap", "traits", "chan", "params")},
            events=self.events,
            treaty_obligations=tuple(self.obligations),
            treaty_defaulted=tuple(self.defaulted),
            settle=self.settle,
            overrides={**m.overrides, **overrides},
        )  # fmt: skip


def apply(model: ModelInput, changes: Mapping[str, Any]) -> ModelInput:
    """A new model input with `changes` (key path → value) applied and recorded among its
    overrides; InvalidValue (path, message) for a value the scenario would refuse."""
    draft = _Draft(model)
    for path, value in changes.items():
        _apply_one(draft, canonical(path), value)
    for path in changes:
        reason = refusal(draft.events, canonical(path))
        if reason:
            raise InvalidValue(reason, path)
    built = draft.build(changes)
    _check_thresholds(built, [canonical(path) for path in changes])
    return built


def _check_thresholds(model: ModelInput, changed: list[str]) -> None:
    """Crossed outcome thresholds, at the changed one (crisis_threshold when both changed):
    a sweep point with crisis_threshold 1.0 against war_threshold 0.8 counted wars that were
    not crises, as the loader refuses for a file (semantics.threshold_problem)."""
    names = [n for n in ("crisis_threshold", "war_threshold") if f"parameters.{n}" in changed]
    if not names:
        return
    crisis, war = (float(model.params[n][0, 0]) for n in ("crisis_threshold", "war_threshold"))
    message = threshold_problem(crisis, war)
    if message:
        raise InvalidValue(message, f"parameters.{names[0]}")


def _apply_one(draft: _Draft, path: str, value: Any) -> None:
    parts = path.split(".")
    if parts[0] == "events" and len(parts) >= 3:
        _event_value(draft, parts, value, path)
    elif parts == ["run", "settle"]:
        draft.settle = checked(schema.Run, "settle", value, path)
    elif parts[0] == "treaties" and parts[2:] == ["obligation"]:
        _obligation(draft, parts[1], value, path)
    else:
        _state_value(draft, path, value)


def _state_value(draft: _Draft, path: str, value: Any) -> None:
    m = draft.model
    target = parse_target(path, set(m.ids), set(m.treaty_ids), set(m.theatre_ids))
    if not isinstance(target, Target):
        generic = target.startswith("expected actors.ID")
        raise InvalidValue(
            _unsupported("not a value of the model input" if generic else target), path
        )
    model_cls, name = _FIELD_OF[target.kind](target)
    number = checked(model_cls, name, value, path)
    from sim.world import slot

    array, index = slot(m, target)
    draft.put(array, index, bool(number) if target.is_bool else float(number))
    if target.kind == "treaty":
        draft.defaulted[m.treaty_ids.index(target.treaty)] = False


def _obligation(draft: _Draft, treaty: str, value: Any, path: str) -> None:
    m = draft.model
    if treaty not in m.treaty_ids:
        raise InvalidValue(f"unknown treaty {treaty!r}", path)
    kind = checked(schema.Treaty, "obligation", value, path)
    k = m.treaty_ids.index(treaty)
    draft.obligations[k] = kind
    if draft.defaulted[k]:
        draft.put(m.treaty_strength, (0, k), DEFAULT_STRENGTH[kind])


def _event_value(draft: _Draft, parts: list[str], value: Any, path: str) -> None:
    m = draft.model
    eid, field = parts[1], parts[2]
    event = draft.events.get(eid)
    if event is None:
        raise InvalidValue(f"unknown event {eid!r}", path)
    if field in OPS and len(parts) > 3:
        effect = ".".join(parts[3:])
        target = parse_target(effect, set(m.ids), set(m.treaty_ids), set(m.theatre_ids))
        if not isinstance(target, Target):
            raise InvalidValue(target, path)
        if target.is_bool:
            value = checked(schema.Actor, "active", value, path)
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidValue(f"expected a number, found {value!r}", path)
        else:
            problem = output_threshold(target) or effect_problem(
                field, float(value), target_range(target)
            )
            if problem:
                raise InvalidValue(problem, path)
        event.setdefault(field, {})[effect] = value
    elif field in ("at", "once") and len(parts) == 3:
        event[field] = checked(schema.Event, field, value, path, event)
    elif field == "when" and len(parts) == 4 and parts[3] in ("above", "below"):
        if not event.get("when"):
            raise InvalidValue(f"event {eid!r} has no condition ('when') to bound", path)
        if parts[3] not in event["when"]:
            # the loader's words for the same --set (round 21; it said "event 'e' has no
            # condition bound 'below'", docs/sweeps.md promises the loader's)
            raise InvalidValue("give exactly one of 'above' or 'below'", path)
        bound = checked(schema.Condition, parts[3], value, path, event["when"])
        event["when"][parts[3]] = bound
    else:
        raise InvalidValue(_unsupported("not an event value"), path)


def _unsupported(why: str) -> str:
    return (
        f"{why}; a model input's values are parameters.NAME, actors.ID.(escalation|leverage|"
        "active|capabilities.X|traits.X), relations.A.B.FIELD, treaties.ID.(strength|"
        "obligation), theatres.ID.intensity, events.ID.(at|once|when.above|when.below|"
        "set.PATH|add.PATH|scale.PATH) and run.settle (other keys need the scenario file)"
    )
