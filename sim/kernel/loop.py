"""`sim.engine.simulate` on the compiled kernel: events in Python, spans of steps in numba.

Events are rare, so the kernel advances as many steps at once as it can: from one step
at which some event could be due to the next (`may_fire` reads each event's timing the
way `CompiledEvent.due` does), firing the events in Python (`sim.engine.fire`, unchanged)
on the engine's own state in between. The kernel's inputs are packed again only after
an event fired. sim.ensemble.Recorder never needs the state between events: its running
totals, and with keep_series its per-step series too (`Recorder.kernel_series`), are kept
by the kernel. A recorder that must see every state itself gets spans of one step.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager

import numba
import numpy as np

from sim import dynamics
from sim.engine import EventGroup, EventLog, Recorder, fire, settled_start, shocks, start
from sim.kernel import compiled
from sim.kernel.layout import Packed, from_lanes, pack, shocks_to_lanes, to_lanes, unpack
from sim.kernel.numba_start import thread_lock_for_numba_start
from sim.state import State
from sim.world import World

thread_lock_for_numba_start()  # before any parallel kernel starts numba's threads here


def may_fire(groups: Sequence[EventGroup], t: int) -> bool:
    """Whether any event could be due at step t (a superset of `CompiledEvent.due`)."""
    for group in groups:
        for k, ev in enumerate(group.events):
            if ev.once and group.fired[:, k].all():
                continue
            if ev.condition is None and (ev.at is None or ev.at == t):
                return True
            if ev.condition is not None and (ev.at is None or t >= ev.at):
                return True
    return False


def span_end(groups: Sequence[EventGroup], t: int, steps: int, one_step: bool) -> int:
    """The step before which the kernel must stop: the next step where an event may fire."""
    if one_step:
        return t + 1
    end = t + 1
    while end < steps and not may_fire(groups, end):
        end += 1
    return end


def summary_totals(recorder: Recorder) -> bool:
    """Whether the kernel can keep this recorder's totals (it has them and no series)."""
    names = ("peak", "first_crisis", "first_war", "crisis_months", "peak_frustration")
    return getattr(recorder, "keep", True) is False and all(hasattr(recorder, a) for a in names)


def _totals_in(recorder, r: int) -> tuple[np.ndarray, np.ndarray]:
    rows = [recorder.first_crisis, recorder.first_war, recorder.crisis_months,
            recorder.peak_frustration]  # fmt: skip
    return to_lanes(recorder.peak, r), to_lanes(np.stack(rows, 1).astype(np.float64), r)


def _totals_out(recorder, peak: np.ndarray, totals: np.ndarray, r: int) -> None:
    t = from_lanes(totals, r)
    recorder.peak = from_lanes(peak, r)
    recorder.first_crisis = t[:, compiled.FIRST_CRISIS].astype(recorder.first_crisis.dtype)
    recorder.first_war = t[:, compiled.FIRST_WAR].astype(recorder.first_war.dtype)
    recorder.crisis_months = t[:, compiled.CRISIS_MONTHS].astype(recorder.crisis_months.dtype)
    recorder.peak_frustration = t[:, compiled.PEAK_FRUSTRATION].copy()


def run_kernel(p: Packed, noise: np.ndarray, peak: np.ndarray, totals: np.ndarray, t0: int,
               record: bool, series: tuple | None = None) -> None:  # fmt: skip
    """Advance the packed state through the steps of `noise` (T, R, N), in place."""
    run_lanes(p, shocks_to_lanes(noise), peak, totals, t0, record, series)


# Stand-ins for the series arrays when none are kept: the kernel's argument types stay the
# same (one compiled version), and a one-row array is never written (compiled.run_block).
_NO_SERIES = (np.empty((1, 1, 1)), np.empty((1, 1, 1)), np.empty((1, 1, 1, 1)),
              np.empty((1, 1, 1, 1)), np.empty((1, 1)), np.empty((1, 1), dtype=bool),
              np.empty((1, 1), dtype=bool), np.empty((1, 1, 1), dtype=bool),
              np.empty((1, 1, 1, 1)))  # fmt: skip


def run_lanes(p: Packed, lanes: np.ndarray, peak: np.ndarray, totals: np.ndarray, t0: int,
              record: bool, series: tuple | None = None) -> None:  # fmt: skip
    """`run_kernel` on shocks already in lane layout, (nb, T, N, L) C-contiguous; with
    `series` (`kernel_series`), record == True also writes each step's series rows."""
    compiled.run_span(p.x, p.C, p.lev, p.ready, p.C_anchor, p.lev0, p.active, p.cap, p.traits,
                      p.need, p.security, p.O, p.u, p.rpref, p.clients0, p.hold0, p.params,
                      lanes, peak, totals, t0, record, _NO_SERIES if series is None else series,
                      p.r)  # fmt: skip


def kernel_series(recorder: Recorder) -> tuple | None:
    """The arrays the kernel fills for a recorder that keeps per-step series, in
    `compiled.record_series` order (the recorder's `kernel_series()`), or None when the
    recorder must see every state itself."""
    arrays = getattr(recorder, "kernel_series", None)
    return None if arrays is None else arrays()


@contextmanager
def one_thread(when: bool) -> Iterator[None]:
    """Run the kernel on one thread inside the block when `when` (threads back afterwards).

    Why: a recorder that keeps per-step series gets spans of one step, and waking the
    kernel's threads for every step costs more than the step itself, the more so on a busy
    machine (benchmarks/done18.py measures one-step spans on all threads and on one).
    Results never depend on threads."""
    before = numba.get_num_threads()
    if when:
        numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def own_fixed_point(state: State, joiners: Collection[int] | None = None) -> None:
    """Make the settled start a fixed point of the kernel's arithmetic, as it is of numpy's.

    `settle` (numpy) sets each pair's preference r to minus numpy's payoff, so numpy's
    logit move there is exactly 0. The kernel sums the same payoff in another order, and
    its move at the start was ±1e-17 instead. That is harmless except at a commitment of
    exactly 0 (an indifferent pair, or an alliance written down to 0), where the payoff
    jumps ([C > 0] charges the axis and instability costs): a pair nudged to +4e-18 paid
    them in the kernel alone, and the engines parted by 1e-3 (docs/reliability.md §22).

    Only pairs at that jump (C = 0) and at rest in numpy's arithmetic (live, at their
    anchor, a logit move of exactly 0) get r = −(the kernel's payoff): elsewhere the
    payoff is continuous and the kernel's numbers stay as they were. Where numpy's move at
    the start is not 0 (given preferences `pref_A_B`, a start held at other coefficients,
    `resettle=False`, or `run.settle: false`), the start is not meant to be at rest and r
    stays. A scenario with no live commitment at 0 (every shipped one but the history's
    KOR→CHN) costs one comparison.

    An actor inactive at the start gets its pairs' r from the world with it switched on
    (`settle`), so that its joining by an event moves nothing by itself in numpy; its pairs
    at 0 are made a fixed point of the kernel in that same world (docs/reliability.md §24:
    before, a joiner's pairs at 0 moved by rounding in the kernel alone and the engines
    parted by up to 5e-2 in commitment). `joiners` are the actors an event can switch on
    (`joinable`; None: every actor inactive at the start): the others' r is never read, and
    the pass costs a payoff per joiner (the baseline's UKR and IRN, which no event switches
    on, would cost 58 ms per 1,000 rows)."""
    act, live = _live_pairs(state)
    if ((state.C == 0.0) & live).any():
        _at_rest_in_the_kernel(state, live)
    active = state.active
    try:
        for k, pairs in _joined_pairs(act, live, joiners):
            if ((state.C == 0.0) & pairs).any():
                state.active = act.copy()
                state.active[:, k] = True  # the world `settle` took k's r from
                _at_rest_in_the_kernel(state, pairs)
    finally:
        state.active = active


def _live_pairs(state: State) -> tuple[np.ndarray, np.ndarray]:
    """Who is active in each row, and the ordered pairs of two distinct active actors."""
    act = np.broadcast_to(state.active, state.x.shape)
    return act, act[:, :, None] & act[:, None, :] & ~np.eye(act.shape[-1], dtype=bool)


def _joined_pairs(act: np.ndarray, live: np.ndarray, joiners: Collection[int] | None):
    """(k, k's pairs in the rows where k joins later) for each actor inactive at the start
    (in some row) that is one of `joiners` (None: every such actor)."""
    for k in np.flatnonzero(~act.all(axis=0)):
        if joiners is not None and k not in joiners:
            continue
        joined = act.copy()
        joined[:, k] = True
        pairs = np.zeros_like(live)
        pairs[:, k, :] = joined & ~act[:, k, None]
        pairs[:, :, k] = pairs[:, k, :]
        pairs[:, k, k] = False
        yield k, pairs


def _may_change(state: State, joiners: Collection[int] | None) -> bool:
    """Whether `own_fixed_point` has a pair to look at (a live or a joiner's pair at 0)."""
    act, live = _live_pairs(state)
    zero = state.C == 0.0
    return bool((zero & live).any()) or any(
        (zero & pairs).any() for _, pairs in _joined_pairs(act, live, joiners)
    )


def kernel_start(state: State, world: World, groups: Sequence[EventGroup], reps: np.ndarray,
                 coefficients: Mapping[str, np.ndarray] | None,
                 resettle: bool) -> None:  # fmt: skip
    """`own_fixed_point` of the chunk's settled start, with the actors `groups` can switch on.

    Why one row: without coefficient draws every row starts from the same state, and each
    row's (and lane's) arithmetic is the same whatever the number of rows, so the first
    row's r is every row's. Computed for all rows, the per-joiner pass cost 22 ms per 1,000
    rows of `axis_with_iran` (Iran joins by an event) against a 50 ms chunk of 36 steps."""
    joiners = joinable(world, groups)
    if not _may_change(state, joiners):
        return
    if coefficients or world.x0.shape[0] != 1 or len(reps) < 2:
        own_fixed_point(state, joiners)
        return
    one = start(world, reps[:1], None, resettle)
    before = one.r.copy()
    own_fixed_point(one, joiners)
    changed = one.r != before
    if changed.any():
        state.r = np.where(changed, one.r, state.r)


def joinable(world: World, groups: Sequence[EventGroup]) -> set[int]:
    """The actors some event can switch on (`set: {actors.K.active: true}`)."""
    return {world.index(effect.target.actor) for group in groups for event in group.events
            for effect in event.effects if effect.target.kind == "actor"
            and effect.target.field == "active" and effect.value}  # fmt: skip


def _at_rest_in_the_kernel(state: State, pairs: np.ndarray) -> None:
    """r = −(the kernel's payoff) where one of `pairs` sits at the jump at rest in numpy."""
    d = dynamics.derive(state)
    mu = dynamics.payoffs(state, d) - (state.C - state.C_anchor) + state.r
    rest = pairs & (state.C == 0.0) & (state.C_anchor == 0.0) & (mu == 0.0) & (d.mask != 0.0)
    if not rest.any():
        return
    p = pack(state)
    pay = np.empty_like(p.C)
    compiled.payoff_table(p.C, p.x, p.active, p.traits, p.need, p.security, p.O, p.hold0,
                          p.params, pay)  # fmt: skip
    state.r = np.where(rest, -from_lanes(pay, state.replications), state.r)


def simulate(world: World, groups: Sequence[EventGroup], reps: np.ndarray, seed: int,
             steps: int, recorder: Recorder, log: EventLog | None = None,
             coefficients: Mapping[str, np.ndarray] | None = None,
             resettle: bool = True, noise: np.ndarray | None = None) -> State:  # fmt: skip
    """The same contract and numbers (to rounding) as `sim.engine.simulate`."""
    if noise is None:
        noise = shocks(seed, reps, steps, world.ids)
    with one_thread(not summary_totals(recorder) and kernel_series(recorder) is None):
        return _simulate(world, groups, reps, steps, recorder, log, coefficients, resettle,
                         noise)  # fmt: skip


def _simulate(world: World, groups: Sequence[EventGroup], reps: np.ndarray, steps: int,
              recorder: Recorder, log: EventLog | None,
              coefficients: Mapping[str, np.ndarray] | None, resettle: bool,
              noise: np.ndarray) -> State:  # fmt: skip
    state = settled_start(world, reps, coefficients, resettle)
    kernel_start(state, world, groups, reps, coefficients, resettle)  # before step 0's events
    lanes = shocks_to_lanes(noise)  # all steps at once; spans take their slice
    recorder.record(state)  # step 0 in Python: the kernel records the steps it makes
    r = state.replications
    series = kernel_series(recorder)
    keep_totals = summary_totals(recorder) or series is not None  # the kernel records
    if keep_totals:
        peak, totals = _totals_in(recorder, r)
    else:  # placeholders of the right shape, which the kernel does not touch
        peak = to_lanes(np.zeros((r, world.n)), r)
        totals = to_lanes(np.zeros((r, compiled.TOTALS)), r)
    packed: Packed | None = None
    t = 0
    events = log if log is not None else EventLog()  # its length tells whether any fired
    while t < steps:
        if may_fire(groups, t):
            if packed is not None:
                unpack(packed, state)  # conditions read the current state
            before = len(events.step)
            for group in groups:
                fire(state, world, group, events, reps)
            if len(events.step) > before:  # something changed: pack again
                packed = None
        if packed is None:
            packed = pack(state)
        end = span_end(groups, t, steps, one_step=not keep_totals)
        span = lanes if end - t == steps else np.ascontiguousarray(lanes[:, t:end])
        run_lanes(packed, span, peak, totals, t, keep_totals, series)
        state.step = end
        t = end
        if not keep_totals:
            unpack(packed, state)
            recorder.record(state)
    if packed is not None:
        unpack(packed, state)
    if keep_totals:
        _totals_out(recorder, peak, totals, r)
    if series is not None:
        recorder.distancing_from_commitment(1)  # from the commitment series the kernel kept
    return state
