"""Compile a validated Scenario into arrays: the model's whole input, nothing hidden.

Arrays carry a leading replication axis of size 1 (shared by every replication) until an
event changes them in some replications only; then that one array is expanded to size R.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.parameters import PARAMETERS
from sim.scenario.schema import CHANNELS, Scenario
from sim.scenario.targets import CAPABILITIES, TRAITS

# Strength of a treaty that gives none, by obligation type (ATOP coding, Leeds et al. 2002):
# an automatic defence clause binds fully, a conditional one ("constitutional processes")
# less, a deliberately vague one little, consultation almost not at all.
DEFAULT_STRENGTH = {"automatic": 1.0, "conditional": 0.6, "vague": 0.3, "consultation": 0.1}


@dataclass
class World:
    """Everything the dynamics read, as arrays (leading axis 1 or R)."""

    ids: list[str]
    names: list[str]
    x0: np.ndarray  # (1, N) initial escalation
    lev0: np.ndarray  # (1, N) base leverage use
    active0: np.ndarray  # (1, N) bool
    C0: np.ndarray  # (1, N, N) initial commitment (reference for distancing)
    cap: dict[str, np.ndarray]  # name -> (1, N)
    traits: dict[str, np.ndarray]  # name -> (1, N)
    chan: dict[str, np.ndarray]  # name -> (1, N, N): row's dependence on column
    treaty_pairs: list[tuple[int, int, int]]  # (treaty k, i, j)
    treaty_strength: np.ndarray  # (1, K)
    treaty_ids: list[str]
    params: dict[str, np.ndarray]  # name -> (1, 1)
    distancing_actor: int
    distancing_partners: list[int]
    steps: int
    settle: bool = True
    theatre_ids: list[str] = field(default_factory=list)
    theatre_intensity: np.ndarray = field(default_factory=lambda: np.zeros((1, 0)))
    theatre_feeds: list[tuple[int, int, int, str]] = field(default_factory=list)  # (k, i, j, ch)
    events: dict = field(default_factory=dict)  # the scenario's events, as plain values

    @property
    def n(self) -> int:
        return len(self.ids)

    def record(self) -> dict:
        """The complete, resolved model input as plain JSON values: every coefficient after
        defaults, every actor, channel, treaty and theatre value the dynamics read. Results
        manifests store it, so a results folder says exactly which numbers produced it."""

        def rows(a: np.ndarray) -> list:
            return np.asarray(a)[0].tolist()

        return {
            "actors": self.ids,
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
            "distancing": [self.distancing_actor, self.distancing_partners],
            "events": self.events,
        }

    def fingerprint(self) -> str:
        """sha256 of the resolved model input and the package version: equal fingerprints
        mean the same model on the same numbers (resume and provenance checks use it)."""
        from sim.provenance import fingerprint_of

        return fingerprint_of(self.record())

    def index(self, actor: str) -> int:
        return self.ids.index(actor)

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
        i = self.index(t.actor) if t.actor else None
        j = self.index(t.partner) if t.partner else None
        table = {
            "parameter": lambda: self.params[t.field][0, 0],
            "treaty": lambda: self.treaty_strength[0, self.treaty_ids.index(t.treaty)],
            "theatre": lambda: self.theatre_intensity[0, self.theatre_ids.index(t.theatre)],
            "capability": lambda: self.cap[t.field][0, i],
            "trait": lambda: self.traits[t.field][0, i],
            "pair": lambda: (self.C0 if t.field == "commitment" else self.chan[t.field])[0, i, j],
            "actor": lambda: self._actor_start(t.field)[0, i],
        }
        return float(table[t.kind]())

    def _actor_start(self, field_name: str) -> np.ndarray:
        return {"escalation": self.x0, "leverage": self.lev0, "active": self.active0}[field_name]


def _v(weight) -> float:
    return 0.0 if weight is None else float(weight.value)


def compile_world(scenario: Scenario) -> World:
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
    pairs, strengths, treaty_ids = [], [], []
    for k, (tid, treaty) in enumerate(scenario.treaties.items()):
        default = DEFAULT_STRENGTH[treaty.obligation]
        strengths.append(_v(treaty.strength) if treaty.strength is not None else default)
        treaty_ids.append(tid)
        members = [pos[m] for m in treaty.members]
        pairs += [(k, i, j) for i in members for j in members if i != j]
    dist = scenario.run.distancing
    return World(
        ids=ids,
        names=[a.name for a in actors],
        x0=np.array([[_v(a.escalation) for a in actors]]),
        lev0=np.array([[_v(a.leverage) for a in actors]]),
        active0=np.array([[a.active for a in actors]]),
        C0=commit,
        cap={c: np.array([[_v(getattr(a.capabilities, c)) for a in actors]]) for c in CAPABILITIES},
        traits={t: np.array([[_v(getattr(a.traits, t)) for a in actors]]) for t in TRAITS},
        chan=chan,
        treaty_pairs=pairs,
        treaty_strength=np.array([strengths], dtype=float).reshape(1, -1),
        treaty_ids=treaty_ids,
        params=params,
        distancing_actor=pos[dist.actor],
        distancing_partners=[pos[p] for p in dist.partners],
        steps=scenario.run.steps,
        settle=scenario.run.settle,
        events=scenario.model_dump(mode="json", exclude_none=True)["events"],
        theatre_ids=list(scenario.theatres),
        theatre_intensity=np.array(
            [[_v(t.intensity) for t in scenario.theatres.values()]], dtype=float
        ).reshape(1, -1),
        theatre_feeds=[
            (k, pos[f.actor], pos[f.partner], f.channel)
            for k, t in enumerate(scenario.theatres.values())
            for f in t.feeds
        ],
    )


def obligations(world: World, strength: np.ndarray) -> np.ndarray:
    """(R|1, N, N) treaty obligation: the strongest treaty binding each ordered pair."""
    out = np.zeros((strength.shape[0], world.n, world.n))
    for k, i, j in world.treaty_pairs:
        np.maximum(out[:, i, j], strength[:, k], out=out[:, i, j])
    return out
