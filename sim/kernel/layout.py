"""The kernel's memory layout: numpy `State` arrays ↔ replications as SIMD lanes.

The engine keeps replications on the leading axis, (R, N, N). The kernel wants the
replication axis innermost and contiguous, so that every loop over actors does the same
arithmetic on LANES replications at once (one vector instruction per operation), and it
cuts the replications into blocks of LANES that threads take independently:

    engine  (R, N, N)  →  kernel  (R / LANES, N, N, LANES)

R is padded to a whole number of blocks by repeating the last replication (never zeros,
so padded lanes do ordinary arithmetic and are dropped on the way back). Everything the
dynamics only read is packed once per span of steps between events (`pack`), since only
events change it; the four arrays the dynamics write (x, C, readiness, leverage) come back after
every span (`unpack`).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from sim import dynamics
from sim.kernel.compiled import KERNEL_PARAMS
from sim.scenario.schema import CHANNELS
from sim.scenario.targets import CAPABILITIES, TRAITS
from sim.state import State

LANES = 32  # replications per block: four AVX-512 or eight AVX2 vectors of doubles


def blocks(r: int) -> int:
    """Number of LANES-wide blocks that hold r replications."""
    return -(-r // LANES)


def to_lanes(a: np.ndarray, r: int) -> np.ndarray:
    """(R|1, ...) → (blocks, ..., LANES), C-contiguous, padded with the last row.

    One copy, straight into the result (a padded concatenation first cost a second copy of
    every array, the shocks included: issue 18)."""
    a = np.broadcast_to(np.asarray(a, dtype=np.float64), (r, *np.shape(a)[1:]))
    nb, full = blocks(r), r // LANES
    out = np.empty((nb, *a.shape[1:], LANES))
    rows = np.moveaxis(out, -1, 1)  # (blocks, LANES, ...): a view that writes into `out`
    rows[:full] = a[: full * LANES].reshape(full, LANES, *a.shape[1:])
    if full < nb:
        rest = r - full * LANES
        rows[full, :rest] = a[full * LANES :]
        rows[full, rest:] = a[-1]  # padding: the last replication again
    return out


def from_lanes(a: np.ndarray, r: int) -> np.ndarray:
    """(blocks, ..., LANES) → (R, ...): the inverse of `to_lanes`, padding dropped."""
    a = np.moveaxis(a, -1, 1)
    return np.ascontiguousarray(a.reshape(-1, *a.shape[2:])[:r])


def stack_lanes(arrays: list[np.ndarray], r: int) -> np.ndarray:
    """Several (R|1, N...) arrays as one (blocks, K, N..., LANES) array."""
    return to_lanes(np.stack([np.broadcast_to(a, (r, *a.shape[1:])) for a in arrays], 1), r)


@dataclass
class Packed:
    """The kernel's inputs for a span of steps (all float64, lane layout)."""

    r: int
    x: np.ndarray  # (nb, N, L) escalation — written by the kernel
    C: np.ndarray  # (nb, N, N, L) commitment — written
    ready: np.ndarray  # (nb, N, N, L) readiness to settle (ripeness) — written
    lev: np.ndarray  # (nb, N, L) leverage in use — written
    C_anchor: np.ndarray  # (nb, N, N, L)
    lev0: np.ndarray  # (nb, N, L)
    active: np.ndarray  # (nb, N, L) 1.0 / 0.0
    cap: np.ndarray  # (nb, 3, N, L) in CAPABILITIES order
    traits: np.ndarray  # (nb, 5, N, L) in TRAITS order
    need: np.ndarray  # (nb, N, N, L) mean of the channels in force
    security: np.ndarray  # (nb, N, N, L) the security-guarantee channel in force
    O: np.ndarray  # (nb, N, N, L) treaty obligation
    u: np.ndarray  # (nb, N, L) settled escalation drive
    rpref: np.ndarray  # (nb, N, N, L) settled alignment preference
    clients0: np.ndarray  # (nb, N, L)
    hold0: np.ndarray  # (nb, N, N, L) patrons' hold at the start (patron competition)
    params: np.ndarray  # (nb, P, L) in KERNEL_PARAMS order


def pack(state: State) -> Packed:
    """Everything `advance` reads, in lane layout. The channels in force (theatres applied)
    and the need they sum to are computed here, once per span: only events change them."""
    r = state.replications
    chan = dynamics.channels(state)
    need = sum(chan[c] for c in CHANNELS) / 4.0  # as sim.dynamics.derive
    return Packed(
        r=r,
        x=to_lanes(state.x, r),
        C=to_lanes(state.C, r),
        ready=to_lanes(state.ready, r),
        lev=to_lanes(state.lev, r),
        C_anchor=to_lanes(state.C_anchor, r),
        lev0=to_lanes(state.lev0, r),
        active=to_lanes(state.active, r),
        cap=stack_lanes([state.cap[k] for k in CAPABILITIES], r),
        traits=stack_lanes([state.traits[k] for k in TRAITS], r),
        need=to_lanes(need, r),
        security=to_lanes(chan["security_guarantee"], r),
        O=to_lanes(state.O, r),
        u=to_lanes(state.u, r),
        rpref=to_lanes(state.r, r),
        clients0=to_lanes(state.clients0, r),
        hold0=to_lanes(state.hold0, r),
        params=stack_lanes([state.params[k][:, 0] for k in KERNEL_PARAMS], r),
    )


def unpack(packed: Packed, state: State) -> None:
    """Write the kernel's x, C, readiness and leverage back into the engine's state."""
    r = packed.r
    state.x = from_lanes(packed.x, r)
    state.C = from_lanes(packed.C, r)
    state.ready = from_lanes(packed.ready, r)
    state.lev = from_lanes(packed.lev, r)


# The last read-only shocks array laid out, and its layout: one slot, read and replaced
# whole (a dashboard may simulate in several threads).
_LANED: list = [None]  # [(weak reference to the shocks, their lane layout) | None]


def _forget(ref: weakref.ref) -> None:
    """The shocks array died: drop its lane layout too (memory is not held past a chunk)."""
    entry = _LANED[0]
    if entry is not None and entry[0] is ref:
        _LANED[0] = None


def shocks_to_lanes(noise: np.ndarray) -> np.ndarray:
    """(T, R, N) shocks → (nb, T, N, L).

    The arms of one chunk (a run and its counterfactual) get the same read-only shocks
    array (sim.ensemble._chunk_job), so the last conversion of a read-only array is kept
    and handed out again while that array lives (a weak reference: a new array is never
    mistaken for it)."""
    entry = _LANED[0]
    if entry is not None and not noise.flags.writeable and entry[0]() is noise:
        return entry[1]
    r = noise.shape[1]
    lanes = to_lanes(np.moveaxis(noise, 1, 0), r)
    if not noise.flags.writeable:  # (left writeable: numba compiles read-only arrays anew)
        _LANED[0] = (weakref.ref(noise, _forget), lanes)
    return lanes
