"""Many replications of one scenario, in chunks and processes, recorded as series and
per-replication summaries. The loop itself is `sim.engine.simulate`; each actor's noise
in replication r comes from its own stream spawned from the root seed (sim/engine.py), so
a replication's trajectory does not depend on which chunk, worker or machine ran it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.chunks import fitted_chunk
from sim.engine import EventGroup, EventLog
from sim.events import CompiledEvent, compile_events
from sim.facts import OUTCOMES
from sim.kernel import simulator
from sim.ladder import EDGES, rung_of
from sim.metrics import distancing_index, flags, frustration, live_commitment, tension
from sim.metrics import distancing_of as distancing_series
from sim.noise import shocks
from sim.procs import raise_if_interrupted
from sim.scenario.schema import Scenario
from sim.state import State
from sim.world import World, as_input

# Replication-steps below which a worker's share costs more to send and collect than to
# compute here: the engine's per-step overhead does not shrink with the rows (baseline,
# 24 steps: 13.9 µs per replication-step at 60 rows, 12.4 at 120, 11.0 at 1,000), so
# halving a calibration ensemble of 120 × 24 saves little and pays the round trip. An
# ensemble smaller than two such shares runs in this process.
MIN_SHARE = 4000


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
    readiness: np.ndarray  # (T+1, R, N, N) ripeness (sim.dynamics.readiness_update)


@dataclass
class ChunkResult:
    replications: np.ndarray
    summary: dict[str, np.ndarray]
    events: EventLog
    series: Series | None
    # what an Arm's sink made of the series where the chunk ran (sim.stream_tables.ChunkFiles:
    # tables written to disk, aggregate counts), sent back instead of the series
    tables: Any = None


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
                readiness=np.empty((*shape, n, n)),
            )
        self.peak = np.zeros((r, n))
        self.first_crisis = np.full(r, -1)
        self.first_war = np.full(r, -1)
        self.crisis_months = np.zeros(r, dtype=np.int64)
        self.peak_frustration = np.zeros(r)

    def record(self, state: State) -> None:
        t = state.step
        live = live_commitment(state)  # once per step, for every metric below
        crisis, war = flags(state, live)
        frus = frustration(state, live)
        active = np.broadcast_to(state.active, state.x.shape)
        np.maximum(self.peak, state.x, out=self.peak)  # inactive actors: their frozen level
        self.first_crisis[(self.first_crisis < 0) & crisis] = t
        self.first_war[(self.first_war < 0) & war] = t
        self.crisis_months += crisis
        np.maximum(self.peak_frustration, frus, out=self.peak_frustration)
        if self.keep:
            s = self.s
            s.escalation[t], s.leverage[t], s.commitment[t] = state.x, state.lev, state.C
            s.tension[t] = tension(state, live)
            s.distancing[t] = distancing_index(state, self.world)
            s.frustration[t], s.crisis[t], s.war[t], s.active[t] = frus, crisis, war, active
            s.readiness[t] = state.ready

    def kernel_series(self) -> tuple[np.ndarray, ...] | None:
        """The series arrays the compiled kernel fills in place of `record` (the order of
        sim.kernel.compiled.record_series), or None: no series kept, or a subclass that
        overrides `record` and so must see every state itself."""
        if not self.keep or type(self).record is not Recorder.record:
            return None
        s = self.s
        return (s.escalation, s.leverage, s.commitment, s.tension, s.frustration, s.crisis,
                s.war, s.active, s.readiness)  # fmt: skip

    def distancing_from_commitment(self, start: int) -> None:
        """Fill the distancing series from step `start` on out of the commitment series
        (what `record` computes step by step; the compiled kernel keeps the commitment
        series and leaves this one to numpy, the same formula in one call)."""
        s = self.s
        s.distancing[start:] = distancing_series(s.commitment[start:], self.world)

    def summary(self, state: State) -> dict[str, np.ndarray]:
        ids = self.world.ids
        final_rung = rung_of(state.x)
        out: dict[str, np.ndarray] = {}
        for i, a in enumerate(ids):
            out[f"peak_escalation_{a}"] = self.peak[:, i]
            out[f"final_escalation_{a}"] = state.x[:, i]
            out[f"final_rung_{a}"] = final_rung[:, i]
            out[f"final_leverage_{a}"] = state.lev[:, i]
        c = self.world.distancing_actor
        for p in self.world.distancing_partners:
            out[f"final_commitment_{ids[c]}_{ids[p]}"] = state.C[:, c, p]
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


def run_chunk(
    world: World,
    events: list[CompiledEvent],
    replications: np.ndarray,
    root_seed: int,
    steps: int,
    keep_series: bool = False,
    coefficients: Mapping[str, np.ndarray] | None = None,
    resettle: bool = True,
    engine: str = "numpy",
    noise: np.ndarray | None = None,
) -> ChunkResult:
    """Simulate the given replication indices for `steps` steps on `engine` (numpy, the
    reference, or numba, the compiled kernel of sim/kernel/; same numbers to 1e-12).

    `coefficients` maps a coefficient name to an array indexed by replication number:
    replication r runs with `coefficients[name][r]` (a posterior draw, an ABC particle, a
    robustness draw), so the result does not depend on how replications are split into
    chunks or workers. `resettle=False` keeps the structural terms of the scenario's own
    coefficients (sim.engine.start). `noise` is the chunk's shocks when already drawn
    (`sim.noise.shocks(root_seed, replications, steps, world.ids)`).
    """
    reps = np.asarray(replications, dtype=np.int64)
    rec = Recorder(world, len(reps), steps, keep_series)
    log = EventLog()
    groups = [EventGroup.for_all(events, len(reps))]
    state = simulator(engine)(world, groups, reps, root_seed, steps, rec, log, coefficients,
                              resettle, noise)  # fmt: skip
    return ChunkResult(reps, rec.summary(state), log, rec.s if keep_series else None)


def prepare(source: Scenario | World) -> tuple[World, list[CompiledEvent]]:
    """The model input (compiled only from a bare Scenario) and its events as updates."""
    world = as_input(source)
    return world, compile_events(world)


def merge(chunks: list[ChunkResult]) -> ChunkResult:
    """Concatenate chunk results in replication order."""
    chunks = sorted(chunks, key=lambda c: int(c.replications[0]) if len(c.replications) else 0)
    log = _merged_events([c.events for c in chunks])
    summary = {k: np.concatenate([c.summary[k] for c in chunks]) for k in chunks[0].summary}
    series = None
    if chunks[0].series is not None:
        fields = chunks[0].series.__dataclass_fields__
        series = Series(
            **{f: np.concatenate([getattr(c.series, f) for c in chunks], axis=1) for f in fields}
        )
    reps = np.concatenate([c.replications for c in chunks])
    return ChunkResult(reps, summary, log, series)


def _merged_events(logs: list[EventLog]) -> EventLog:
    """The logs as one, by step, then replication; ties keep their order (file order).
    One stable numpy sort: a Python sort of row tuples was a second per 100,000 runs."""

    def column(name: str, dtype: type) -> np.ndarray:
        parts = [np.asarray(getattr(log, name), dtype=dtype) for log in logs]
        return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

    rep, step = column("replication", np.int64), column("step", np.int64)
    order = np.lexsort((rep, step))  # stable: the last key sorts first
    return EventLog(rep[order].tolist(), step[order].tolist(),
                    column("event", object)[order].tolist(),
                    column("label", object)[order].tolist())  # fmt: skip


@functools.cache
def _blas():
    """This process's threadpoolctl controller, made once: finding the loaded BLAS
    libraries costs ~1.5 ms, which a fresh `threadpool_limits` paid on every chunk (5% of
    a 300 × 36 ensemble; issue 18)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _chunk_job(args: tuple) -> tuple[ChunkResult, ...]:
    """One chunk of replications of every arm (`iter_arms`), in one worker.

    The arms share the chunk's shocks (same seed, replications, steps and actors: common
    random numbers), so they are drawn once here, not once per arm (issue 18: drawing them
    was a sixth of a worker's time outside the kernel)."""
    models, reps, seed, steps, keeps, coefficients, resettles, engine, sinks = args  # no Scenario
    ids = list(models[0].ids)
    noise = None
    if len(models) > 1:
        noise = shocks(seed, reps, steps, ids)
        noise.flags.writeable = False  # shared by the arms (and their lane layout: kernel)
    out = []
    with _blas().limit(limits=1):  # BLAS threads only busy-wait on these small matrices
        for model, keep, resettle, sink in zip(models, keeps, resettles, sinks, strict=True):
            world, events = prepare(model)
            shared = noise if list(world.ids) == ids else None
            result = run_chunk(world, events, reps, seed, steps, keep, coefficients, resettle,
                               engine, shared)  # fmt: skip
            # a sink (a full-series run) writes the chunk's tables here, in the worker, and
            # returns what is left to send back (no series)
            out.append(result if sink is None else sink(world, result))
    return tuple(out)


def _checked_coefficients(
    coefficients: Mapping[str, np.ndarray] | None, replications: int
) -> dict[str, np.ndarray] | None:
    """Coefficient arrays as float arrays of one value per replication, names checked."""
    if not coefficients:
        return None
    from sim.parameters import PARAMETERS
    from sim.structural import is_given

    out = {}
    for name, values in coefficients.items():
        if name not in PARAMETERS and not is_given(name):
            raise KeyError(f"unknown coefficient {name!r}")
        arr = np.asarray(values, dtype=float)
        if arr.shape != (replications,):
            raise ValueError(f"coefficients[{name!r}] has shape {arr.shape}, not ({replications},)")
        out[name] = arr
    return out


def run_ensemble(
    scenario: Scenario | World,
    replications: int,
    seed: int,
    steps: int,
    keep_series: bool = True,
    chunk_size: int = 1000,
    workers: int = 1,
    progress: bool = False,
    coefficients: Mapping[str, np.ndarray] | None = None,
    resettle: bool = True,
    engine: str = "numpy",
) -> ChunkResult:
    """All replications of a scenario, in chunks, on `workers` processes (same result),
    on `engine` (numpy or numba; `sim.kernel.choose_engine` picks one).

    `coefficients[name][r]` replaces coefficient `name` in replication r (arrays of length
    `replications`): posterior draws and robustness draws enter here. `resettle=False`
    keeps the structural terms of the scenario's own coefficients (sim.engine.start)."""
    if workers > 1:  # give every worker a share, whatever the count (results do not change)
        from sim.procs import useful_workers

        # never more than cores, and none for a share too small to pay for sending it
        workers = useful_workers(workers, replications * steps // MIN_SHARE)
        chunk_size = max(1, min(chunk_size, -(-replications // workers)))
    chunks = iter_ensemble(scenario, replications, seed, steps, keep_series, chunk_size,
                           workers, progress, coefficients, resettle, engine)  # fmt: skip
    return merge(list(chunks))


def iter_ensemble(
    scenario: Scenario | World,
    replications: int,
    seed: int,
    steps: int,
    keep_series: bool = True,
    chunk_size: int = 500,
    workers: int = 1,
    progress: bool = False,
    coefficients: Mapping[str, np.ndarray] | None = None,
    resettle: bool = True,
    engine: str = "numpy",
) -> Iterator[ChunkResult]:
    """The replications of `run_ensemble` as chunks of `chunk_size`, yielded in replication
    order, so a caller can write each chunk and drop it (memory flat in `replications`).

    Chunk boundaries depend only on `chunk_size` (`run_ensemble` shrinks it to share work
    among workers; the results are the same for any chunking); at most two chunks per worker
    are in flight, so a slow consumer does not pile results up in memory.
    """
    arms = [Arm(scenario, keep_series, resettle)]
    for (chunk,) in iter_arms(arms, replications, seed, steps, chunk_size, workers, progress,
                              coefficients, engine):  # fmt: skip
        yield chunk


@dataclass(frozen=True)
class Arm:
    """One scenario of a paired ensemble (the run and its counterfactual share replications,
    seeds and coefficient draws: common random numbers)."""

    scenario: Scenario | World  # the frozen model input (a bare Scenario is compiled once)
    keep_series: bool
    resettle: bool = True  # False: the structural terms of the scenario's own coefficients
    # applied to each chunk where it ran (a worker), so that what is sent back is what it
    # returns: a full-series run writes its tables there and returns no series (issue 18)
    sink: Callable[[World, ChunkResult], ChunkResult] | None = None


def iter_arms(
    arms: list[Arm],
    replications: int,
    seed: int,
    steps: int,
    chunk_size: int = 500,
    workers: int = 1,
    progress: bool = False,
    coefficients: Mapping[str, np.ndarray] | None = None,
    engine: str = "numpy",
) -> Iterator[tuple[ChunkResult, ...]]:
    """Several scenarios over the same replications, interleaved chunk by chunk: each yield
    holds one chunk of every arm, in replication order. A run's counterfactual thus runs
    beside it on the same workers, not after it while the writer waits (issue 18). Every
    arm runs on `engine` (numpy or numba)."""
    from tqdm import tqdm

    coefficients = _checked_coefficients(coefficients, replications)
    models = [as_input(arm.scenario) for arm in arms]  # built once; workers get plain arrays
    keeps = tuple(arm.keep_series for arm in arms)
    resettles = tuple(arm.resettle for arm in arms)
    sinks = tuple(arm.sink for arm in arms)
    chunk_size = fitted_chunk(chunk_size, max(m.n for m in models), steps, keeps, engine)
    jobs = [
        (models, np.arange(lo, min(lo + chunk_size, replications)), seed, steps, keeps,
         coefficients, resettles, engine, sinks)
        for lo in range(0, replications, chunk_size)
    ]  # one job per chunk holds every arm: they share its shocks  # fmt: skip
    bar = tqdm(total=replications, unit="run", disable=not progress, leave=False)
    try:
        if workers <= 1 or len(jobs) == 1:
            yield from _counted(map(_chunk_job, jobs), bar)
            return
        from sim.pool import pool_for

        with pool_for(workers) as pool:  # the command's pool: started once, reused
            results = pool.imap(_chunk_job, ((job,) for job in jobs), ordered=True)
            yield from _counted(results, bar)
    finally:
        bar.close()


def _counted(results: Iterator[tuple[ChunkResult, ...]], bar) -> Iterator[tuple[ChunkResult, ...]]:
    for group in results:
        bar.update(len(group[0].replications))
        raise_if_interrupted()  # a Ctrl-C that library code swallowed, also on one worker
        yield group
