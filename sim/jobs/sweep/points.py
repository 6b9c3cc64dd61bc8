"""Whether a swept or fixed value suits the model: each extreme (or choice) is put into
the scenario and validated as a scenario file would be.

Why here and not in the spec model: the spec only says which key paths to vary; what a
key path accepts is the scenario schema's business, so its own words are reported
(`high: expected a number at most 2, found 5`), with the key that is missing when a path
is not in the scenario.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from sim.jobs.sweep.params import Param
from sim.scenario import keypath
from sim.scenario.loader import Origins
from sim.scenario.messages import merge_union_errors, translate
from sim.scenario.overrides import InvalidValue
from sim.scenario.references import check_references
from sim.scenario.schema import Scenario
from sim.scenario.shadow import refusal

FORBIDDEN_ROOTS = ("run", "sweep", "extends")
EFFECT_MAPS = ("set", "add", "scale")
PointInvalid = InvalidValue  # a scenario value the model refuses (path, message)


def validate_raw(raw: dict[str, Any], ledger: Any = None, references: bool = False) -> Scenario:
    """The Scenario of raw data, or PointInvalid with the first problem."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        err = merge_union_errors(exc.errors(), raw)[0]
        problem = translate(err, raw, Origins(root="-"))
        raise PointInvalid(problem.message, problem.path) from None
    if references:
        problems = check_references(scenario, ledger, Origins(root="-"))
        if problems:
            raise PointInvalid(problems[0].message, problems[0].path)
    return scenario


def refuse_shadowed(raw: dict[str, Any], path: str) -> None:
    """A start value an event replaces at step 0 is no lever (sim/scenario/shadow.py)."""
    reason = refusal(raw, path)
    if reason:
        raise ValueError(reason)


def resolve(base: dict[str, Any], path: str, verb: str = "swept") -> tuple[str, ...]:
    """The keys of `path` in the scenario; the run settings are not swept, nor fixed by a
    sweep's `set:` or --set (`verb` "set": `--set run.steps=5` was told "cannot be swept")."""
    keys = keypath.resolve(base, path)
    if keys[0] in FORBIDDEN_ROOTS:
        what = "swept" if verb == "swept" else f"{verb} in a sweep"
        raise ValueError(
            f"{keys[0]}.* cannot be {what} (use --steps, -n and --seed for the run settings)"
        )
    return keys


def wants_whole_number(raw: dict[str, Any], keys: tuple[str, ...]) -> bool:
    """True when the schema refuses a fraction at exactly `keys` because it wants a whole
    number (an event's `at`). Errors elsewhere, and the `int` member of a number union
    (`0.5 | 1`), say nothing about the swept setting."""
    try:
        Scenario.model_validate(raw)
    except ValidationError as exc:
        own = {keys, (*keys, "value")}
        return any(
            tuple(map(str, err["loc"])) in own and err["type"] in ("int_type", "int_from_float")
            for err in merge_union_errors(exc.errors(), raw)
        )
    return False


def check_param(param: Param, base: dict[str, Any], ledger: Any) -> Param:
    """Check the extremes (or each choice) one at a time against the scenario; detect
    whole-number settings (e.g. an event's `at`)."""
    if param.kind == "range":
        probe = keypath.assign(base, param.keys, param.low + (param.high - param.low) * 0.37)
        if wants_whole_number(probe, param.keys):
            for end in (param.low, param.high):
                if float(end) != int(end):
                    raise ValueError(f"a whole-number setting: {end} is not a whole number")
            param = replace(param, integer=True, low=int(param.low), high=int(param.high))
        trials = [("low", param.low), ("high", param.high)]
    else:
        trials = [(f"value {v!r}", v) for v in param.values or ()]
    for name, value in trials:
        check_value(base, param.keys, value, ledger, label=f"{name}: ")
    return param


def check_value(
    base: dict[str, Any], keys: tuple[str, ...], value: Any, ledger: Any, label: str = ""
) -> dict[str, Any]:
    """`base` with `value` at `keys`, checked as a scenario file (raises ValueError)."""
    candidate = keypath.assign(base, keys, value)
    try:
        validate_raw(candidate, ledger, references=True)
    except PointInvalid as exc:
        raise ValueError(f"{label}{explain(exc, base, keys)}") from None
    return candidate


def explain(exc: PointInvalid, base: dict[str, Any], keys: tuple[str, ...]) -> str:
    """The model's complaint, or, for a path the scenario lacks, which key is missing."""
    own = ".".join(keys)
    if exc.path.startswith(own) or "unknown key" in exc.message:
        return exc.about(keys)
    return missing_hint(base, keys) or exc.about(keys)


def missing_hint(base: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    """For a path that is not in the scenario: which key is missing, and what is there."""
    node: Any = base
    for depth, key in enumerate(keys):
        if not isinstance(node, dict):
            return None
        if depth == 3 and keys[0] == "events" and keys[2] in EFFECT_MAPS:
            key = ".".join(keys[3:])  # an effect is named by its whole key path
            if key not in node:
                return _no_effect(".".join(keys[:3]), key, sorted(map(str, node)))
        if key not in node:
            where = ".".join(keys[:depth]) or "the scenario"
            options = sorted(map(str, node))
            hint = difflib.get_close_matches(key, options, n=1)
            if hint:
                return f"{where} has no {key!r} (did you mean {hint[0]!r}?)"
            shown = f" (keys there: {', '.join(options)})" if options and len(options) <= 12 else ""
            return f"{where} has no {key!r}{shown}"
        node = node[key]
    return None


def _no_effect(where: str, effect: str, effects: list[str]) -> str:
    """An event effect that the event does not have: a sweep varies an effect's value, it
    does not add one (add it to the scenario's event first)."""
    hint = difflib.get_close_matches(effect, effects, n=1)
    if hint:
        return f"{where} has no effect {effect!r} (did you mean {hint[0]!r}?)"
    there = f"its effects: {', '.join(effects)}" if effects else "it has none"
    return f"{where} has no effect {effect!r} ({there}); add it to the event in the scenario first"
