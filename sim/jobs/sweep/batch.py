"""Simulate a chunk of sweep runs: many design points stacked in one array batch.

Run k of a sweep is replication `k % R` of point `k // R` (R replications per point).
Its noise is replication r's streams (sim/engine.py), the same at every point (common
random numbers: differences between points are not noise), and
exactly the stream `alliance-sim run` gives replication r.

The dynamics already broadcast a leading (R|1) axis over every world array, so runs of
different points are simulated together by giving each row its own world values.
Every operation is row-wise, so a run's numbers do not depend on which runs share its
batch, chunk or worker: tests/test_sweep_engine.py checks them bit for bit against
`sim.ensemble.run_chunk` on each point alone.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from sim.engine import EventGroup
from sim.ensemble import Recorder, prepare
from sim.events import CompiledEvent
from sim.facts import OUTCOMES
from sim.kernel import simulator
from sim.scenario.overrides import InvalidValue, apply
from sim.tables import shows_column
from sim.world import ModelInput, World, thaw

OUTCOME_CATEGORIES = OUTCOMES


@dataclass
class Payload:
    """Everything a worker needs to run any chunk of one sweep (sent once per worker)."""

    token: str  # the plan hash: identifies the sweep
    base: ModelInput  # the sweep's frozen model input; a point is `apply(base, values)`
    labels: list[str]  # key path of each parameter, as written
    rows: list[tuple]  # per point: one value per parameter
    replications: int
    seed: int
    steps: int
    chunk_size: int
    n_runs: int
    batch: int  # runs simulated together (memory layout; does not change results)
    engine: str = "numpy"  # numpy or numba (sim/kernel/); part of the plan hash
    # actors whose per-actor columns the chunks keep: active at some point (None: all); an
    # actor inactive at every point has no outcome (sim/jobs/sweep/plan.py `sweep_actors`)
    shown: tuple[str, ...] | None = None

    def chunk_range(self, chunk: int) -> tuple[int, int]:
        lo = chunk * self.chunk_size
        return lo, min(lo + self.chunk_size, self.n_runs)


class SweepPointError(Exception):
    """A design point the model refuses; the message names the point and its values."""


@dataclass
class Compiled:
    world: World
    events: list[CompiledEvent]
    structure: str  # runs can share a batch only if this matches
    events_key: str


_CACHE: OrderedDict[tuple[str, int], Compiled] = OrderedDict()
_CACHE_SIZE = 512


def compile_point(payload: Payload, point: int) -> Compiled:
    key = (payload.token, point)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    values = payload.rows[point]
    try:
        model = apply(payload.base, dict(zip(payload.labels, values, strict=True)))
    except InvalidValue as exc:
        shown = ", ".join(f"{k}={v!r}" for k, v in zip(payload.labels, values, strict=True))
        raise SweepPointError(f"design point {point} ({shown}): {exc}") from None
    world, events = prepare(model)
    structure = json.dumps(
        [world.ids, world.treaty_pairs, world.treaty_ids, world.distancing_actor,
         world.distancing_partners, world.settle],
    )  # fmt: skip
    events_key = json.dumps(thaw(world.events), sort_keys=True)
    out = Compiled(world, events, structure, events_key)
    _CACHE[key] = out
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return out


_ARRAYS = ("x0", "lev0", "active0", "C0", "treaty_strength", "theatre_intensity")
_DICTS = ("cap", "traits", "chan", "params")


def stack_worlds(worlds: list[World], counts: list[int]) -> World:
    """One world whose row block i repeats worlds[i]'s values counts[i] times."""
    first = worlds[0]
    if len(worlds) == 1:
        return first

    def cat(arrays: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(
            [np.repeat(a, c, axis=0) for a, c in zip(arrays, counts, strict=True)], axis=0
        )

    kwargs = {f.name: getattr(first, f.name) for f in fields(World)}
    for name in _ARRAYS:
        kwargs[name] = cat([getattr(w, name) for w in worlds])
    for name in _DICTS:
        kwargs[name] = {k: cat([getattr(w, name)[k] for w in worlds]) for k in getattr(first, name)}
    return World(**kwargs)


def run_batch(
    compiled: list[Compiled],
    counts: list[int],
    reps: np.ndarray,
    seed: int,
    steps: int,
    engine: str = "numpy",
) -> dict[str, np.ndarray]:
    """Summaries of len(reps) runs: counts[i] consecutive rows use compiled[i]."""
    world = stack_worlds([c.world for c in compiled], counts)
    rec = Recorder(world, len(reps), steps, keep_series=False)
    groups = _event_groups(compiled, counts, len(reps))
    state = simulator(engine)(world, groups, reps, seed, steps, rec)
    return rec.summary(state)


def _event_groups(compiled: list[Compiled], counts: list[int], r: int) -> list[EventGroup]:
    """One group per distinct event list among the points, limited to the points' rows."""
    by_key: dict[str, tuple[list[CompiledEvent], np.ndarray]] = {}
    start = 0
    for c, n in zip(compiled, counts, strict=True):
        if c.events:
            _events, rows = by_key.setdefault(c.events_key, (c.events, np.zeros(r, dtype=bool)))
            rows[start : start + n] = True
        start += n
    return [
        EventGroup(events, None if rows.all() else rows, np.zeros((r, len(events)), dtype=bool))
        for events, rows in by_key.values()
    ]


def run_runs(payload: Payload, lo: int, hi: int) -> pd.DataFrame:
    """Per-run summaries of sweep runs lo..hi-1, in run order."""
    runs = np.arange(lo, hi, dtype=np.int64)
    points = runs // payload.replications
    reps = runs % payload.replications
    frames = []
    for blo, bhi, pts, counts in _batches(payload, points):
        compiled = [compile_point(payload, int(p)) for p in pts]
        summary = run_batch(compiled, counts, reps[blo:bhi], payload.seed, payload.steps,
                            payload.engine)  # fmt: skip
        frames.append(_frame(points[blo:bhi], reps[blo:bhi], summary, payload.shown))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _batches(payload: Payload, points: np.ndarray):
    """Consecutive runs grouped into batches of at most `payload.batch` rows whose points
    share one structure; yields (lo, hi, points, run counts per point)."""
    i, n = 0, len(points)
    while i < n:
        lo = i
        pts: list[int] = []
        counts: list[int] = []
        structure = None
        while i < n and i - lo < payload.batch:
            p = int(points[i])
            c = compile_point(payload, p)
            if structure is None:
                structure = c.structure
            elif c.structure != structure:
                break
            end = i
            while end < n and points[end] == p and end - lo < payload.batch:
                end += 1
            pts.append(p)
            counts.append(end - i)
            i = end
        yield lo, i, pts, counts


def _frame(points: np.ndarray, reps: np.ndarray, summary: dict[str, np.ndarray],
           shown: tuple[str, ...] | None = None) -> pd.DataFrame:  # fmt: skip
    cols: dict[str, Any] = {"point": points, "replication": reps}
    for k, v in summary.items():
        if shown is not None and not shows_column(k, shown):
            continue
        cols[k] = pd.array(v.astype(str), dtype="str") if k == "outcome" else v
    return pd.DataFrame(cols)


def run_chunk_task(payload: Payload, chunk: int) -> tuple[int, pd.DataFrame]:
    """A chunk's summaries (the unit of work every executor runs)."""
    lo, hi = payload.chunk_range(chunk)
    return chunk, run_runs(payload, lo, hi)
