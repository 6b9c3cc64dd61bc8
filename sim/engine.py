"""The one simulation loop: run, compare, sweep, robustness, calibration and the Mesa
model all go through `start`, `step` and `simulate` (EMA Workbench's habit: the model is
one function of its inputs).

Noise is drawn per entity and counter-based (sim/noise.py): the shock of actor a in
replication r at step t is Philox4x64 of a counter made of (t, r, crc32(a)) under a key
from the root seed, so adding an actor to a scenario leaves every other actor's shocks
unchanged (common random numbers hold across scenarios with different actor lists), and
a replication's numbers never depend on which chunk, worker or machine ran it.
"""

from __future__ import annotations

import copy
import pickle
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Protocol

import numpy as np

from sim.dynamics import advance, settle
from sim.events import CompiledEvent, apply_effect
from sim.noise import shocks
from sim.state import State, initial_state
from sim.structural import apply_given, is_given
from sim.world import World


@dataclass
class EventLog:
    replication: list[int] = field(default_factory=list)
    step: list[int] = field(default_factory=list)
    event: list[str] = field(default_factory=list)
    label: list[str] = field(default_factory=list)


@dataclass
class EventGroup:
    """Events that apply to some rows (all rows when `rows` is None), with their fired flags."""

    events: list[CompiledEvent]
    rows: np.ndarray | None
    fired: np.ndarray  # (R, K)

    @classmethod
    def for_all(cls, events: list[CompiledEvent], r: int) -> EventGroup:
        return cls(events, None, np.zeros((r, len(events)), dtype=bool))


def fire(state: State, world: World, group: EventGroup, log: EventLog | None,
         reps: np.ndarray) -> None:  # fmt: skip
    """Fire the group's due events in file order, logging each firing."""
    for k, ev in enumerate(group.events):
        mask = ev.due(state, world, group.fired[:, k])
        if group.rows is not None:
            mask &= group.rows
        if not mask.any():
            continue
        group.fired[:, k] |= mask
        for effect in ev.effects:
            apply_effect(state, world, effect, mask)
        if log is not None:
            hit = reps[mask]
            log.replication += hit.tolist()
            log.step += [state.step] * len(hit)
            log.event += [ev.id] * len(hit)
            log.label += [ev.label] * len(hit)


def start(world: World, reps: np.ndarray, coefficients: Mapping[str, np.ndarray] | None = None,
          resettle: bool = True) -> State:  # fmt: skip
    """The initial state of the given replications, settled (unless the scenario says
    `run.settle: false`). `coefficients[name][r]` replaces coefficient `name` in
    replication r (posterior draws, robustness draws). With `resettle` (the default) the
    start is settled under each replication's own coefficients; without it the structural
    terms are those of the scenario's coefficients, so a draw also moves the start
    (robustness with the structure held at its nominal value, MODEL.md §12). Given
    structural terms (`drive_A`, `pref_A_B`, `start_A`: sim/structural.py) are added after
    settling."""
    state = initial_state(world, len(reps))
    given = {k: v for k, v in (coefficients or {}).items() if is_given(k)}
    if not resettle:
        settle(state, drives=world.settle)
    for name, values in (coefficients or {}).items():
        if name not in given:
            state.params[name] = np.asarray(values, dtype=float)[reps][:, None]
    if resettle:
        settle(state, drives=world.settle)
    apply_given(state, world.ids, given, reps)
    return state


# Settled starts of coefficient-free runs, by (model input without its events, rows,
# resettle): a worker simulating many chunks of one scenario (and its counterfactual, the
# same input without some events) settles each start once. A few entries: the arms of one
# command and the last chunk's smaller size.
_STARTS: OrderedDict[tuple[bytes, int, bool], State] = OrderedDict()
_STARTS_KEPT = 4
_STARTS_MAX_ROWS = 4096  # chunks are 250 or 1000 rows; one huge in-process chunk is not kept
_STARTS_LOCK = threading.Lock()
_NOT_READ = ("events", "scenario_name")  # fields of the model input `start` never reads


def settled_start(world: World, reps: np.ndarray,
                  coefficients: Mapping[str, np.ndarray] | None = None,
                  resettle: bool = True) -> State:  # fmt: skip
    """`start(world, reps, coefficients, resettle)`, from a per-process memo when it can be.

    Why: without coefficient draws every replication starts from the same settled state, a
    function of the model input (not its events, which fire only once stepping starts) and
    of the number of rows alone; settling it again for every chunk was ~7% of a worker's time
    in a 200-step summary run (issue 18). The memo hands out a deep copy of the very arrays
    the same computation gave, so results are bit for bit those of `start`. Runs with
    coefficient draws, or with one row per replication in the input (a sweep's stacked
    points), or with more rows than chunks have, are settled afresh as before."""
    if coefficients or world.x0.shape[0] != 1 or len(reps) > _STARTS_MAX_ROWS:
        return start(world, reps, coefficients, resettle)
    inputs = [getattr(world, f.name) for f in fields(world) if f.name not in _NOT_READ]
    key = (pickle.dumps(inputs), len(reps), resettle)
    with _STARTS_LOCK:  # a dashboard may simulate in several threads
        settled = _STARTS.get(key)
    if settled is None:
        settled = start(world, reps, None, resettle)
    with _STARTS_LOCK:
        _STARTS[key] = settled
        _STARTS.move_to_end(key)
        while len(_STARTS) > _STARTS_KEPT:
            _STARTS.popitem(last=False)
    return copy.deepcopy(settled)  # the memo's own copy is never handed out


def step(state: State, world: World, groups: Sequence[EventGroup], shock: np.ndarray,
         log: EventLog | None, reps: np.ndarray) -> None:  # fmt: skip
    """One month: events fire at the start of the step, then the dynamics move."""
    for group in groups:
        fire(state, world, group, log, reps)
    advance(state, shock)


class Recorder(Protocol):
    def record(self, state: State) -> None: ...


def simulate(world: World, groups: Sequence[EventGroup], reps: np.ndarray, seed: int,
             steps: int, recorder: Recorder, log: EventLog | None = None,
             coefficients: Mapping[str, np.ndarray] | None = None,
             resettle: bool = True, noise: np.ndarray | None = None) -> State:  # fmt: skip
    """Simulate replications `reps` for `steps` months; the recorder sees every state.
    `noise` is `shocks(seed, reps, steps, world.ids)` when the caller drew it already (the
    arms of a paired run share it)."""
    if noise is None:
        noise = shocks(seed, reps, steps, world.ids)
    state = settled_start(world, reps, coefficients, resettle)
    recorder.record(state)
    for t in range(steps):
        step(state, world, groups, noise[t], log, reps)
        recorder.record(state)
    return state
