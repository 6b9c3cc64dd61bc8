"""Run many replications of one scenario at once: the engine behind run, compare and sweep.

Replication r always draws its noise from SeedSequence(root_seed, spawn_key=(r,)), so a
replication's trajectory does not depend on which chunk, worker or machine ran it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.dynamics import advance
from sim.events import CompiledEvent, apply_effect, compile_events
from sim.ladder import EDGES, rung_of
from sim.metrics import distancing_index, flags, frustration, tension
from sim.reductions import tune_allocator
from sim.scenario.schema import Scenario
from sim.state import State, initial_state
from sim.world import World, compile_world

OUTCOMES = ("calm", "tense", "crisis", "war")


def replication_rng(root_seed: int, replication: int) -> np.random.Generator:
    """The generator of one replication, spawned from the root seed."""
    seq = np.random.SeedSequence(root_seed, spawn_key=(int(replication),))
    return np.random.Generator(np.random.PCG64(seq))


def shocks(root_seed: int, replications: np.ndarray, steps: int, n: int) -> np.ndarray:
    """(steps, R, N) standard-normal shocks, replication by replication."""
    out = np.empty((steps, len(replications), n))
    for k, rep in enumerate(replications):
        out[:, k, :] = replication_rng(root_seed, rep).standard_normal((steps, n))
    return out


@dataclass
class EventLog:
    replication: list[int] = field(default_factory=list)
    step: list[int] = field(default_factory=list)
    event: list[str] = field(default_factory=list)
    label: list[str] = field(default_factory=list)


@dataclass
class Series:
    """Per-step records, (T+1, R, ...) arrays."""

    escalation: np.ndarray
    leverage: np.ndarray
    commitment: np.ndarray
    tension: np.ndarray
    distancing: np.ndarray
    frustration: np.ndarray
    crisis: np.ndarray
    war: np.ndarray
    active: np.ndarray


@dataclass
class ChunkResult:
    replications: np.ndarray
    summary: dict[str, np.ndarray]
    events: EventLog
    series: Series | None


class Recorder:
    """Collects per-step series (optional) and running per-replication summaries."""

    def __init__(self, world: World, r: int, steps: int, keep_series: bool):
        n = world.n
        self.keep = keep_series
        self.world = world
        shape = (steps + 1, r)
        if keep_series:
            self.s = Series(
                escalation=np.empty((*shape, n)),
                leverage=np.empty((*shape, n)),
                commitment=np.empty((*shape, n, n)),
                tension=np.empty((*shape, n, n)),
                distancing=np.empty(shape),
                frustration=np.empty(shape),
                crisis=np.empty(shape, dtype=bool),
                war=np.empty(shape, dtype=bool),
                active=np.empty((*shape, n), dtype=bool),
            )
        self.peak = np.zeros((r, n))
        self.first_crisis = np.full(r, -1)
        self.first_war = np.full(r, -1)
        self.crisis_months = np.zeros(r, dtype=np.int64)
        self.peak_frustration = np.zeros(r)

    def record(self, state: State) -> None:
        t = state.step
        crisis, war = flags(state)
        frus = frustration(state)
        active = np.broadcast_to(state.active, state.x.shape)
        np.maximum(self.peak, state.x, out=self.peak)  # inactive actors: their frozen level
        self.first_crisis[(self.first_crisis < 0) & crisis] = t
        self.first_war[(self.first_war < 0) & war] = t
        self.crisis_months += crisis
        np.maximum(self.peak_frustration, frus, out=self.peak_frustration)
        if self.keep:
            s = self.s
            s.escalation[t], s.leverage[t], s.commitment[t] = state.x, state.lev, state.C
            s.tension[t] = tension(state)
            s.distancing[t] = distancing_index(state, self.world)
            s.frustration[t], s.crisis[t], s.war[t], s.active[t] = frus, crisis, war, active

    def summary(self, state: State) -> dict[str, np.ndarray]:
        ids = self.world.ids
        final_rung = rung_of(state.x)
        out: dict[str, np.ndarray] = {}
        for i, a in enumerate(ids):
            out[f"peak_escalation_{a}"] = self.peak[:, i]
            out[f"final_escalation_{a}"] = state.x[:, i]
            out[f"final_rung_{a}"] = final_rung[:, i]
            out[f"final_leverage_{a}"] = state.lev[:, i]
        out["first_crisis_step"] = self.first_crisis
        out["first_war_step"] = self.first_war
        out["crisis_months"] = self.crisis_months
        out["final_distancing"] = distancing_index(state, self.world)
        out["peak_frustration"] = self.peak_frustration
        out["final_frustration"] = frustration(state)
        out["outcome"] = outcome_class(self, state)
        return out


def outcome_class(rec: Recorder, state: State) -> np.ndarray:
    """calm < tense (an actor ends at 'arms transfers' or above) < crisis < war."""
    active = np.broadcast_to(state.active, state.x.shape)
    final_top = np.where(active, state.x, 0.0).max(axis=1)
    code = np.where(final_top >= EDGES[2], 1, 0)  # ends at 'arms transfers' or above
    code = np.where(rec.first_crisis >= 0, 2, code)
    code = np.where(rec.first_war >= 0, 3, code)
    return np.array(OUTCOMES, dtype=object)[code]


def fire_events(
    state: State, world: World, events: list[CompiledEvent], fired: np.ndarray,
    log: EventLog, reps: np.ndarray,
) -> None:  # fmt: skip
    for k, ev in enumerate(events):
        mask = ev.due(state, world, fired[:, k])
        if not mask.any():
            continue
        fired[:, k] |= mask
        for effect in ev.effects:
            apply_effect(state, world, effect, mask)
        hit = reps[mask]
        log.replication += hit.tolist()
        log.step += [state.step] * len(hit)
        log.event += [ev.id] * len(hit)
        log.label += [ev.label] * len(hit)


def run_chunk(
    world: World,
    events: list[CompiledEvent],
    replications: np.ndarray,
    root_seed: int,
    steps: int,
    keep_series: bool = False,
) -> ChunkResult:
    """Simulate the given replication indices for `steps` steps."""
    tune_allocator()  # keep freed temporaries in the heap (speed only; sim/reductions.py)
    reps = np.asarray(replications, dtype=np.int64)
    noise = shocks(root_seed, reps, steps, world.n)
    state = initial_state(world, len(reps))
    rec = Recorder(world, len(reps), steps, keep_series)
    log = EventLog()
    fired = np.zeros((len(reps), len(events)), dtype=bool)
    rec.record(state)
    for t in range(steps):
        fire_events(state, world, events, fired, log, reps)
        advance(state, noise[t])
        rec.record(state)
    return ChunkResult(reps, rec.summary(state), log, rec.s if keep_series else None)


def prepare(scenario: Scenario) -> tuple[World, list[CompiledEvent]]:
    world = compile_world(scenario)
    return world, compile_events(scenario, world)


def merge(chunks: list[ChunkResult]) -> ChunkResult:
    """Concatenate chunk results in replication order."""
    chunks = sorted(chunks, key=lambda c: int(c.replications[0]) if len(c.replications) else 0)
    rows = [
        row
        for c in chunks
        for row in zip(
            c.events.replication, c.events.step, c.events.event, c.events.label, strict=True
        )
    ]
    rows.sort(key=lambda row: (row[1], row[0]))  # by step, then replication; stable: file order
    log = EventLog()
    for rep, step, event, label in rows:
        log.replication.append(rep)
        log.step.append(step)
        log.event.append(event)
        log.label.append(label)
    summary = {k: np.concatenate([c.summary[k] for c in chunks]) for k in chunks[0].summary}
    series = None
    if chunks[0].series is not None:
        fields = chunks[0].series.__dataclass_fields__
        series = Series(
            **{f: np.concatenate([getattr(c.series, f) for c in chunks], axis=1) for f in fields}
        )
    reps = np.concatenate([c.replications for c in chunks])
    return ChunkResult(reps, summary, log, series)


def _chunk_job(args: tuple) -> ChunkResult:
    scenario, reps, seed, steps, keep = args
    world, events = prepare(scenario)
    return run_chunk(world, events, reps, seed, steps, keep)


def run_ensemble(
    scenario: Scenario,
    replications: int,
    seed: int,
    steps: int,
    keep_series: bool = True,
    chunk_size: int = 1000,
    workers: int = 1,
    progress: bool = False,
) -> ChunkResult:
    """All replications of a scenario, in chunks, on `workers` processes (same result)."""
    from tqdm import tqdm

    if workers > 1:  # give every worker a share, whatever the count (results do not change)
        from sim.procs import useful_workers

        workers = useful_workers(workers, replications)  # never more than cores or runs
        chunk_size = max(1, min(chunk_size, -(-replications // workers)))
    bounds = range(0, replications, chunk_size)
    jobs = [
        (scenario, np.arange(lo, min(lo + chunk_size, replications)), seed, steps, keep_series)
        for lo in bounds
    ]
    bar = tqdm(total=replications, unit="run", disable=not progress, leave=False)
    results = []
    if workers <= 1 or len(jobs) == 1:
        for job in jobs:
            results.append(_chunk_job(job))
            bar.update(len(job[1]))
    else:
        from sim.procs import process_pool

        with process_pool(useful_workers(workers, len(jobs))) as pool:
            for res in pool.map(_chunk_job, jobs):
                results.append(res)
                bar.update(len(res.replications))
    bar.close()
    return merge(results)
