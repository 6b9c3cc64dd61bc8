"""Scenario events compiled to array updates, applied at the start of a step in file order."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.metrics import distancing_index, frustration, tension
from sim.parameters import PARAMETERS
from sim.scenario.targets import Target, parse_target
from sim.state import State, widen
from sim.world import World, obligations


@dataclass(frozen=True)
class Effect:
    target: Target
    op: str  # set | add | scale
    value: float


@dataclass(frozen=True)
class CompiledEvent:
    id: str
    label: str
    at: int | None
    once: bool
    condition: Callable[[State, World], np.ndarray] | None
    effects: tuple[Effect, ...]

    def due(self, state: State, world: World, fired: np.ndarray) -> np.ndarray:
        """(R,) replications in which the event fires at this step."""
        r = state.replications
        mask = np.ones(r, dtype=bool)
        if self.at is not None:
            on_time = state.step == self.at if self.condition is None else state.step >= self.at
            mask &= on_time
        if self.condition is not None and mask.any():
            mask &= self.condition(state, world)
        if self.once:
            mask &= ~fired
        return mask


def compile_events(world: World) -> list[CompiledEvent]:
    """The model input's events (plain values, validated on loading) as array updates."""
    actors, treaties, theatres = set(world.ids), set(world.treaty_ids), set(world.theatre_ids)
    out = []
    for eid, ev in world.events.items():
        effects = []
        for op in ("set", "add", "scale"):
            for path, value in (ev.get(op) or {}).items():
                target = parse_target(path, actors, treaties, theatres)
                assert isinstance(target, Target), target  # validated by the loader
                effects.append(Effect(target, op, float(value)))
        when = ev.get("when")
        cond = _condition(when, world) if when is not None else None
        at, once = ev.get("at"), ev.get("once", True)
        out.append(CompiledEvent(eid, ev.get("label", eid), at, once, cond, tuple(effects)))
    return out


def _condition(c: Mapping[str, Any], world: World) -> Callable[[State, World], np.ndarray]:
    i = world.index(c["actor"]) if c.get("actor") else None
    j = world.index(c["partner"]) if c.get("partner") else None
    readers: dict[str, Callable[[State, World], np.ndarray]] = {
        "escalation": lambda s, w: s.x[:, i],
        "leverage": lambda s, w: s.lev[:, i],
        "commitment": lambda s, w: s.C[:, i, j],
        "tension": lambda s, w: tension(s)[:, i, j],
        "distancing": distancing_index,
        "frustration": lambda s, w: frustration(s),
    }
    read = readers[c["metric"]]
    above = c.get("above") is not None
    bound = float(c["above"] if above else c["below"])
    named = [k for k in (i, j) if k is not None]

    def holds(s: State, w: World) -> np.ndarray:
        value = read(s, w)
        out = value > bound if above else value < bound
        if named:  # an actor not taking part has no escalation, leverage or relations yet
            live = np.broadcast_to(s.active[:, named].all(axis=1), out.shape)
            out = out & live
        return out

    return holds


def apply_effect(state: State, world: World, effect: Effect, mask: np.ndarray) -> None:
    """Apply one effect to the replications in `mask`, keeping values in their range."""
    t = effect.target
    r = state.replications
    if t.kind == "actor" and t.field == "active":
        state.active = widen(state.active, r)
        state.active[mask, world.index(t.actor)] = bool(effect.value)
        return
    for holder, index, lo, hi in _slots(t, world):
        array = widen(_get(state, holder), r)
        array[(mask, *index)] = np.clip(_combine(array[(mask, *index)], effect), lo, hi)
        _put(state, holder, array)
    if t.kind == "treaty":
        state.O = obligations(world, state.treaty_strength)


def _get(state: State, holder: str | tuple[str, str]) -> np.ndarray:
    if isinstance(holder, str):
        return getattr(state, holder)
    return getattr(state, holder[0])[holder[1]]


def _put(state: State, holder: str | tuple[str, str], array: np.ndarray) -> None:
    if isinstance(holder, str):
        setattr(state, holder, array)
    else:
        getattr(state, holder[0])[holder[1]] = array


def _combine(old: np.ndarray, effect: Effect) -> np.ndarray:
    if effect.op == "set":
        return np.full_like(old, effect.value)
    if effect.op == "add":
        return old + effect.value
    return old * effect.value


def _slots(t: Target, world: World) -> list:
    """(holder, index, lo, hi) for each array the target names."""
    i = world.index(t.actor) if t.actor else None
    j = world.index(t.partner) if t.partner else None
    return _SLOT_TABLE[t.kind](t, i, j, world)


def _actor_slots(t: Target, i, j, world):
    if t.field == "escalation":
        return [("x", (i,), 0.0, 1.0)]
    return [("lev", (i,), 0.0, 1.0), ("lev0", (i,), 0.0, 1.0)]


_SLOT_TABLE: dict[str, Callable] = {
    "actor": _actor_slots,
    "capability": lambda t, i, j, w: [(("cap", t.field), (i,), 0.0, 1.0)],
    "trait": lambda t, i, j, w: [(("traits", t.field), (i,), 0.0, 1.0)],
    "pair": lambda t, i, j, w: (
        [("C", (i, j), -1.0, 1.0), ("C_anchor", (i, j), -1.0, 1.0)]
        if t.field == "commitment"
        else [(("chan", t.field), (i, j), 0.0, 1.0)]
    ),
    "parameter": lambda t, i, j, w: [
        (("params", t.field), (0,), PARAMETERS[t.field].lo, PARAMETERS[t.field].hi)
    ],
    "treaty": lambda t, i, j, w: [("treaty_strength", (w.treaty_ids.index(t.treaty),), 0.0, 1.0)],
    "theatre": lambda t, i, j, w: [
        ("theatre_intensity", (w.theatre_ids.index(t.theatre),), 0.0, 1.0)
    ],
}
