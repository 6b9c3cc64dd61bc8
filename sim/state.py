"""Mutable per-replication state: what changes from step to step."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.world import World, obligations


@dataclass
class State:
    """State of R replications. World arrays an event touched are copied in here."""

    x: np.ndarray  # (R, N) escalation level in [0, 1]
    C: np.ndarray  # (R, N, N) commitment in [-1, 1]; anchor of structural level in C_anchor
    C_anchor: np.ndarray  # (R|1, N, N) structural commitment that C relaxes towards
    lev: np.ndarray  # (R, N) leverage in use
    lev0: np.ndarray  # (R|1, N) base leverage
    active: np.ndarray  # (R|1, N) bool
    cap: dict[str, np.ndarray]
    traits: dict[str, np.ndarray]
    chan: dict[str, np.ndarray]
    treaty_strength: np.ndarray  # (R|1, K)
    O: np.ndarray  # (R|1, N, N) treaty obligation
    params: dict[str, np.ndarray]  # (R|1, 1)
    # Structural terms set by `sim.dynamics.settle` so the start is a fixed point:
    u: np.ndarray | None = None  # (R, N) escalation drive
    r: np.ndarray | None = None  # (R, N, N) alignment preference
    clients0: np.ndarray | None = None  # (R, N) patrons' stake in clients' escalation
    hold0: np.ndarray | None = None  # (R|1, N, N) [i, p]: patron p's hold on client i
    # Readiness to settle of each pair, built by a mutually hurting stalemate (MODEL.md §10b,
    # sim.dynamics.readiness_update): (R, N, N), symmetric, 0 at the start.
    ready: np.ndarray | None = None
    # Off-ladder theatres (the war in Ukraine): intensity (R|1, K) and the channels it feeds
    theatre_intensity: np.ndarray = field(default_factory=lambda: np.zeros((1, 0)))
    theatre_feeds: list[tuple[int, int, int, str]] = field(default_factory=list)
    step: int = 0

    def __post_init__(self) -> None:
        if self.ready is None:  # a state built by hand: no pair is ready yet
            self.ready = np.zeros(self.C.shape)

    @property
    def replications(self) -> int:
        return self.x.shape[0]


def initial_state(world: World, replications: int) -> State:
    """State of `replications` rows; a world whose arrays already have one row per
    replication (a sweep's stacked points) is used as it is."""
    r = replications if world.x0.shape[0] == 1 else 1
    return State(
        x=np.repeat(world.x0, r, axis=0),
        C=np.repeat(world.C0, r, axis=0),
        C_anchor=world.C0.copy(),
        lev=np.repeat(world.lev0, r, axis=0),
        lev0=world.lev0.copy(),
        active=world.active0.copy(),
        cap={k: v.copy() for k, v in world.cap.items()},
        traits={k: v.copy() for k, v in world.traits.items()},
        chan={k: v.copy() for k, v in world.chan.items()},
        treaty_strength=world.treaty_strength.copy(),
        O=obligations(world, world.treaty_strength),
        params={k: v.copy() for k, v in world.params.items()},
        theatre_intensity=world.theatre_intensity.copy(),
        theatre_feeds=world.theatre_feeds,
    )


def widen(array: np.ndarray, replications: int) -> np.ndarray:
    """A per-replication copy of a shared (leading axis 1) array."""
    if array.shape[0] == replications:
        return array
    return np.repeat(array, replications, axis=0)
