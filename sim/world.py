"""The model input: one frozen, complete, plain object compiled from a validated scenario.

Loading a scenario fills defaults, validates, and ends here (Ciw's fill → validate → one
plain object): `compile_input` turns the pydantic `Scenario` into a `ModelInput` holding
every coefficient after defaults, every actor, channel, treaty and theatre value, the
events as plain values, the settle flag, the steps, the distancing definition and the
overrides that were applied. Nothing downstream reads the pydantic scenario again: the
engine reads these arrays, workers receive this object (it pickles as plain arrays), the
manifest stores `record()`, and `fingerprint()` hashes it.

It is immutable: arrays are read-only (`setflags(write=False)`), mappings are `FrozenMap`s,
sequences are tuples. A change is a new object (`dataclasses.replace`, `sim.scenario.apply`).

Arrays carry a leading replication axis of size 1 (shared by every replication); a sweep's
stacked design points give each row its own values. The engine copies what it changes into
`State` (sim/state.py), so one input serves every chunk, worker and replication.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from sim.facts import CAPABILITIES, CHANNELS, DEFAULT_STRENGTH, TRAITS
from sim.parameters import PARAMETERS
from sim.provenance import fingerprint_of
from sim.scenario.schema import Scenario


class FrozenMap(dict):
    """A dict that refuses changes and pickles as a plain dict (workers receive it)."""

    def _frozen(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("the model input is frozen: build a new one (sim.scenario.apply)")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _frozen
    __ior__ = _frozen

    def __reduce__(self):
        return (FrozenMap, (dict(self),))


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


class FrozenList(list):
    """A list that refuses changes (ids index pandas frames as lists do; tuples do not)."""

    def _frozen(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("the model input is frozen: build a new one (sim.scenario.apply)")

    __setitem__ = __delitem__ = append = extend = insert = pop = remove = _frozen
    clear = sort = reverse = __iadd__ = __imul__ = _frozen

    def __reduce__(self):
        return (FrozenList, (list(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self))


def freeze(value: Any) -> Any:
    """Plain values made immutable: mappings → FrozenMap, lists → FrozenList, tuples stay
    tuples, arrays read-only."""
    if isinstance(value, Mapping):
        return FrozenMap({k: freeze(v) for k, v in value.items()})
    if isinstance(value, tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, list):
        return FrozenList(freeze(v) for v in value)
    if isinstance(value, np.ndarray):
        out = np.array(value, copy=True)
        out.setflags(write=False)
        return out
    return value


def thaw(value: Any) -> Any:
    """The plain JSON form of a frozen value (FrozenMap → dict, tuple → list)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    return value


_ARRAY_FIELDS = ("x0", "lev0", "active0", "C0", "treaty_strength", "theatre_intensity")
_ARRAY_MAPS = ("cap", "traits", "chan", "params")


@dataclass(frozen=True, eq=False)
class ModelInput:
    """Everything the dynamics read, as read-only arrays (leading axis 1 or R)."""

    ids: list[str]  # FrozenList: sequences of names index pandas frames as lists
    names: list[str]
    x0: np.ndarray  # (1, N) initial escalation
    lev0: np.ndarray  # (1, N) base leverage use
    active0: np.ndarray  # (1, N) bool
    C0: np.ndarray  # (1, N, N) initial commitment (reference for distancing)
    cap: Mapping[str, np.ndarray]  # name -> (1, N)
    traits: Mapping[str, np.ndarray]  # name -> (1, N)
    chan: Mapping[str, np.ndarray]  # name -> (1, N, N): row's dependence on column
    treaty_pairs: tuple[tuple[int, int, int], ...]  # (treaty k, i, j)
    treaty_strength: np.ndarray  # (1, K)
    treaty_ids: list[str]
    params: Mapping[str, np.ndarray]  # name -> (1, 1)
    distancing_actor: int
    distancing_partners: list[int]
    steps: int
    settle: bool = True
    theatre_ids: list[str] = field(default_factory=list)
    theatre_intensity: np.ndarray = field(default_factory=lambda: np.zeros((1, 0)))
    theatre_feeds: tuple[tuple[int, int, int, str], ...] = ()  # (k, i, j, channel)
    events: Mapping[str, Any] = field(default_factory=FrozenMap)  # id → plain event values
    # How each treaty's strength arose: its obligation, and whether the strength is that
    # obligation's default (so a new obligation moves a defaulted strength, as on loading).
    treaty_obligations: tuple[str, ...] = ()
    treaty_defaulted: tuple[bool, ...] = ()
    overrides: Mapping[str, Any] = field(default_factory=FrozenMap)  # key path → value, in order
    scenario_name: str = ""  # labels only; not part of the fingerprint

    def __post_init__(self) -> None:
        for name in _ARRAY_FIELDS:
            object.__setattr__(self, name, freeze(np.asarray(getattr(self, name))))
        for name in _ARRAY_MAPS:
            table = getattr(self, name)
            object.__setattr__(self, name, FrozenMap({k: freeze(v) for k, v in table.items()}))
        for name in ("ids", "names", "treaty_ids", "theatre_ids", "distancing_partners"):
            object.__setattr__(self, name, FrozenList(getattr(self, name)))
        for name in ("treaty_pairs", "theatre_feeds", "treaty_obligations", "treaty_defaulted"):
            object.__setattr__(self, name, tuple(map(_tuple, getattr(self, name))))
        for name in ("events", "overrides"):
            object.__setattr__(self, name, freeze(getattr(self, name)))

    def __reduce__(self):
        """Pickle as field values and rebuild through __init__, so a worker's copy is
        frozen too (pickle would otherwise restore writable arrays)."""
        return (_rebuild, (type(self), {f.name: getattr(self, f.name) for f in fields(self)}))

    @property
    def n(self) -> int:
        return len(self.ids)

    def record(self) -> dict:
        """The complete, resolved model input as plain JSON values: every coefficient after
        defaults, every actor, channel, treaty and theatre value the dynamics read, the
        events and the overrides. Results manifests store it, so a results folder says
        exactly which numbers produced it."""

        def rows(a: np.ndarray) -> list:
            return np.asarray(a)[0].tolist()

        return {
            "actors": list(self.ids),
            "active": rows(self.active0),
            "escalation": rows(self.x0),
            "leverage": rows(self.lev0),
            "commitment": rows(self.C0),
            "capabilities": {k: rows(v) for k, v in sorted(self.cap.items())},
            "traits": {k: rows(v) for k, v in sorted(self.traits.items())},
            "channels": {k: rows(v) for k, v in sorted(self.chan.items())},
            "treaties": dict(zip(self.treaty_ids, rows(self.treaty_strength), strict=True)),
            "treaty_pairs": [list(p) for p in self.treaty_pairs],
            "theatres": dict(zip(self.theatre_ids, rows(self.theatre_intensity), strict=True)),
            "theatre_feeds": [list(f) for f in self.theatre_feeds],
            "coefficients": {k: float(v[0, 0]) for k, v in sorted(self.params.items())},
            "settle": self.settle,
            "steps": self.steps,
            "distancing": [self.distancing_actor, list(self.distancing_partners)],
            "events": thaw(self.events),
            "overrides": thaw(self.overrides),
        }

    def fingerprint(self) -> str:
        """sha256 of the resolved model input and the package version: equal fingerprints
        mean the same model on the same numbers (resume and provenance checks use it)."""
        return fingerprint_of(self.record())

    def index(self, actor: str) -> int:
        return self.ids.index(actor)

    def without_events(self, removed: Iterable[str], name: str | None = None) -> ModelInput:
        """The same input without some events: a counterfactual, never recompiled."""
        from dataclasses import replace

        gone = set(removed)
        kept = {k: v for k, v in self.events.items() if k not in gone}
        return replace(self, events=kept, scenario_name=name or self.scenario_name)

    def value_at(self, path: str) -> float:
        """The start value at a state key path (`treaties.rus_prk_2024.strength`), after
        defaults: what the dashboard shows beside a lever. Raises KeyError for a path the
        events grammar does not name."""
        from sim.scenario.shadow import canonical
        from sim.scenario.targets import Target, parse_target

        t = parse_target(canonical(path), set(self.ids), set(self.treaty_ids),
                         set(self.theatre_ids))  # fmt: skip
        if not isinstance(t, Target):
            raise KeyError(f"{path}: {t}")
        holder, index = slot(self, t)
        return float(holder[index])


def _rebuild(cls: type[ModelInput], values: dict[str, Any]) -> ModelInput:
    return cls(**values)


def slot(model: ModelInput, target: Any) -> tuple[np.ndarray, tuple]:
    """The start array a state target lives in and its index (row 0)."""
    t = target
    i = model.index(t.actor) if t.actor else None
    j = model.index(t.partner) if t.partner else None
    if t.kind == "parameter":
        return model.params[t.field], (0, 0)
    if t.kind == "treaty":
        return model.treaty_strength, (0, model.treaty_ids.index(t.treaty))
    if t.kind == "theatre":
        return model.theatre_intensity, (0, model.theatre_ids.index(t.theatre))
    if t.kind == "capability":
        return model.cap[t.field], (0, i)
    if t.kind == "trait":
        return model.traits[t.field], (0, i)
    if t.kind == "pair":
        return (model.C0 if t.field == "commitment" else model.chan[t.field]), (0, i, j)
    starts = {"escalation": model.x0, "leverage": model.lev0, "active": model.active0}
    return starts[t.field], (0, i)


World = ModelInput  # the engine's name for it (sim/engine.py, sim/state.py, the kernel)


def _v(weight) -> float:
    return 0.0 if weight is None else float(weight.value)


def compile_input(scenario: Scenario, overrides: Mapping[str, Any] | None = None) -> ModelInput:
    """The frozen model input of a validated scenario (`overrides`: what was applied)."""
    ids = list(scenario.actors)
    n = len(ids)
    pos = {a: i for i, a in enumerate(ids)}
    actors = scenario.actors.values()
    chan = {c: np.zeros((1, n, n)) for c in CHANNELS}
    commit = np.zeros((1, n, n))
    for src, row in scenario.relations.items():
        for dst, rel in row.items():
            i, j = pos[src], pos[dst]
            for c in CHANNELS:
                chan[c][0, i, j] = _v(getattr(rel, c))
            commit[0, i, j] = _v(rel.commitment)
    given = scenario.parameters.model_dump()
    params = {
        name: np.full((1, 1), p.default if given.get(name) is None else float(given[name]))
        for name, p in PARAMETERS.items()
    }
    pairs, strengths = [], []
    for k, treaty in enumerate(scenario.treaties.values()):
        default = DEFAULT_STRENGTH[treaty.obligation]
        strengths.append(_v(treaty.strength) if treaty.strength is not None else default)
        members = [pos[m] for m in treaty.members]
        pairs += [(k, i, j) for i in members for j in members if i != j]
    dist = scenario.run.distancing
    return ModelInput(
        ids=tuple(ids),
        names=tuple(a.name for a in actors),
        x0=np.array([[_v(a.escalation) for a in actors]]),
        lev0=np.array([[_v(a.leverage) for a in actors]]),
        active0=np.array([[a.active for a in actors]]),
        C0=commit,
        cap={c: np.array([[_v(getattr(a.capabilities, c)) for a in actors]]) for c in CAPABILITIES},
        traits={t: np.array([[_v(getattr(a.traits, t)) for a in actors]]) for t in TRAITS},
        chan=chan,
        treaty_pairs=tuple(pairs),
        treaty_strength=np.array([strengths], dtype=float).reshape(1, -1),
        treaty_ids=tuple(scenario.treaties),
        params=params,
        distancing_actor=pos[dist.actor],
        distancing_partners=tuple(pos[p] for p in dist.partners),
        steps=scenario.run.steps,
        settle=scenario.run.settle,
        events=scenario.model_dump(mode="json", exclude_none=True, include={"events"})["events"],
        theatre_ids=tuple(scenario.theatres),
        theatre_intensity=np.array(
            [[_v(t.intensity) for t in scenario.theatres.values()]], dtype=float
        ).reshape(1, -1),
        theatre_feeds=tuple(
            (k, pos[f.actor], pos[f.partner], f.channel)
            for k, t in enumerate(scenario.theatres.values())
            for f in t.feeds
        ),
        treaty_obligations=tuple(t.obligation for t in scenario.treaties.values()),
        treaty_defaulted=tuple(t.strength is None for t in scenario.treaties.values()),
        overrides=dict(overrides or {}),
        scenario_name=scenario.name,
    )


def compile_world(scenario: Scenario) -> ModelInput:
    """`compile_input` without overrides (the engine's older name)."""
    return compile_input(scenario)


def as_input(source: Scenario | ModelInput | Any) -> ModelInput:
    """A model input from a ModelInput (as it is), a LoadedScenario (its one input) or a
    bare validated Scenario (compiled now: tests and notebooks)."""
    if isinstance(source, ModelInput):
        return source
    if hasattr(source, "model_input"):
        return source.model_input
    return compile_input(source)


def obligations(world: ModelInput, strength: np.ndarray) -> np.ndarray:
    """(R|1, N, N) treaty obligation: the strongest treaty binding each ordered pair."""
    out = np.zeros((strength.shape[0], world.n, world.n))
    for k, i, j in world.treaty_pairs:
        np.maximum(out[:, i, j], strength[:, k], out=out[:, i, j])
    return out
