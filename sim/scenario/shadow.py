"""Which events replace a start value before it matters, and where the real lever is.

Why: in scenarios/baseline.yaml the pact's `treaties.rus_prk_2024.strength` starts at 0 and
the event `pact_signed` sets it to 0.8 at step 0. Raising the start value therefore changes
only the world without the event (the counterfactual), and every pact effect shrinks: the
obvious lever does the opposite of what it says. A start value is *shadowed* when an event
`set`s it unconditionally at step 0, before the first step's dynamics read it; the key path
that really moves the value is the event's own (`events.pact_signed.set.treaties.…`).

Events that `add` to or `scale` a value, fire later or fire on a condition leave the start
value in force for some of the run; they are reported by `touching` but shadow nothing.

Everything here reads plain event values (`{id: {"at": 0, "set": {path: v}, ...}}`), as a
validated scenario dumps them and as the frozen model input stores them, so the command
line, sweeps and the dashboard ask the same question of the same data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OPS = ("set", "add", "scale")


@dataclass(frozen=True)
class Touch:
    """One event effect on a key path: which event, how, when, and its own key path."""

    event: str
    label: str
    op: str  # set | add | scale
    value: float
    at: int | None  # step it fires at (or from, with a condition)
    conditional: bool
    lever: str  # the key path of the effect's value: events.ID.OP.PATH

    @property
    def shadows(self) -> bool:
        """True when this effect replaces the start value before any step reads it."""
        return self.op == "set" and self.at == 0 and not self.conditional


def canonical(path: str) -> str:
    """A start-value key path without a weight's trailing `.value`."""
    return path[: -len(".value")] if path.endswith(".value") else path


def events_of(source: Any) -> Mapping[str, Mapping[str, Any]]:
    """Plain event values from a LoadedScenario, a Scenario, a model input or a mapping."""
    source = getattr(source, "scenario", source)  # LoadedScenario → Scenario
    if hasattr(source, "model_dump"):  # a validated pydantic Scenario
        return source.model_dump(mode="json", exclude_none=True)["events"]
    if isinstance(source, Mapping):
        # a whole scenario (raw) with or without `events:`, else the events themselves. Why
        # (round 21): a scenario mapping without `events:` was read as its own events, so a
        # sweep of any coefficient of a scenario without events ended in an AttributeError
        # traceback ('str' object has no attribute 'get', from its `name`)
        whole = "events" in source or "actors" in source
        if whole or not all(isinstance(v, Mapping) for v in source.values()):
            return source.get("events") or {}
        return source
    return getattr(source, "events", {})  # the model input: events as plain values


def touching(source: Any, path: str) -> list[Touch]:
    """Every event effect on the start value at `path`, in file order (the order they apply)."""
    target = canonical(path)
    out = []
    for eid, event in events_of(source).items():
        for op in OPS:
            for effect_path, value in (event.get(op) or {}).items():
                if canonical(effect_path) != target:
                    continue
                out.append(
                    Touch(
                        event=eid,
                        label=str(event.get("label", eid)),
                        op=op,
                        value=float(value),
                        at=event.get("at"),
                        conditional=event.get("when") is not None,
                        lever=f"events.{eid}.{op}.{effect_path}",
                    )
                )
    return out


def shadowing(source: Any, path: str) -> Touch | None:
    """The event effect whose value the model really starts from at `path`, or None.

    When several events set the value at step 0, the last in file order wins (events apply
    in file order), so that one is the lever.
    """
    setters = [t for t in touching(source, path) if t.shadows]
    return setters[-1] if setters else None


def refusal(source: Any, path: str) -> str | None:
    """The one-line reason an override of `path` would not do what it says, or None."""
    if path.startswith("events."):
        return None
    hit = shadowing(source, path)
    if hit is None:
        return None
    return (
        f"event {hit.event!r} ({hit.label}) sets this value to {hit.value:g} at step 0, so a "
        f"new start value would change only the world without that event; "
        f"set {hit.lever} instead"
    )


@dataclass(frozen=True)
class Effective:
    """A start value and the value the dynamics really start from (for the dashboard)."""

    path: str
    start: float
    value: float
    event: Touch | None  # the shadowing event effect, when there is one

    @property
    def lever(self) -> str:
        """The key path to change to move `value`."""
        return self.event.lever if self.event else self.path


def effective(source: Any, path: str, start: float) -> Effective:
    """The value that holds when the dynamics first read `path`, given its start value."""
    hit = shadowing(source, path)
    value = hit.value if hit else float(start)
    return Effective(canonical(path), float(start), value, hit)
