"""Counter-based shocks: Philox4x64-10 keyed on the root seed, counted by (step, replication,
actor), drawn for a whole block of replications and steps in one vectorised pass.

Why counter-based: the shock of actor a in replication r at step t is a pure function of
(root seed, r, a, t), so it is the same whichever chunk, worker, machine or step range
computes it (serial == parallel == Dask, and a Mesa model stepping one month at a time
sees the ensemble's numbers), and adding an actor leaves every other actor's shocks
unchanged (the actor enters the counter through a hash of its id, not its position).
The old scheme built one seeded generator per (replication, actor), about 13.5 µs each:
38% of the engine's time in a calibration (issue 18).

The generator is Philox4x64 with 10 rounds (Salmon et al. 2011, "Parallel random numbers:
as easy as 1, 2, 3", SC'11), the same function as NumPy's `Philox` bit generator
(tests/test_noise.py checks the words against it). One counter
(step // 4, replication, crc32(actor), STREAM) gives four 64-bit words; they become four
uniforms in (0, 1) and, by the Box–Muller transform, the normal shocks of steps 4k … 4k+3.
The key is two words of `SeedSequence(root_seed)`, so any non-negative integer seed works.
The arithmetic is plain integer and `log`/`cos`/`sin`, so a compiled kernel can recompute
the same numbers; `sim.kernel` takes them from `shocks` as they are.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

STREAM = 0x5348  # the third counter word for escalation shocks ("SH"); others stay free
LANES = 4  # words (and so steps) per counter
# Named in manifests and sweep plans: results drawn under another scheme are not comparable.
NOISE_SCHEME = "Philox4x64-10 keyed on the root seed, counter (2^32·⌊t/4⌋ + r + 1, crc32(a))"
MAX_REPLICATION = 2**32 - 2  # replication numbers share the first counter word with blocks
CACHE_BLOCK = 16384  # shocks per Box–Muller pass (128 KB buffers: in cache; 15% faster)


def actor_key(actor_id: str) -> int:
    """A stable integer for an actor id (the second word of its counters)."""
    return zlib.crc32(actor_id.encode("utf-8"))


def seed_key(root_seed: int) -> np.ndarray:
    """The Philox key of a root seed: two words of its SeedSequence (any size of seed)."""
    return np.random.SeedSequence(int(root_seed)).generate_state(2, np.uint64)


def _runs(values: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of consecutive integers in sorted unique `values`, as (first, count)."""
    if len(values) == 0:
        return []
    breaks = np.flatnonzero(np.diff(values) != 1) + 1
    starts = np.concatenate(([0], breaks))
    ends = np.concatenate((breaks, [len(values)]))
    return [(int(values[a]), int(b - a)) for a, b in zip(starts, ends, strict=True)]


def words(
    root_seed: int, replications: np.ndarray, blocks: range, ids: Sequence[str]
) -> np.ndarray:
    """(blocks, R, N, 4) Philox words: for block b, replication r and actor a, the output of
    counter (2^32·b + r + 1, crc32(a), STREAM, 0) under the seed's key.

    The counters of consecutive replications are consecutive, so one bit generator, put at
    the first counter, yields a whole run of replications for one (block, actor) in C:
    generators are positioned once per (block, actor, run), never per replication."""
    reps = np.asarray(replications, dtype=np.int64)
    if len(reps) and (reps.min() < 0 or reps.max() > MAX_REPLICATION):
        raise ValueError(f"replication numbers must be in 0..{MAX_REPLICATION}")
    unique, inverse = np.unique(reps, return_inverse=True)
    out = np.empty((len(blocks), len(unique), len(ids), LANES), dtype=np.uint64)
    gen = np.random.Philox(key=seed_key(root_seed))
    state = gen.state
    counter = np.zeros(4, dtype=np.uint64)
    counter[2] = STREAM
    pos = 0
    for first, count in _runs(unique):
        for k, block in enumerate(blocks):
            counter[0] = (block << 32) + first
            for i, a in enumerate(ids):
                counter[1] = actor_key(a)
                state["state"]["counter"] = counter
                state["buffer_pos"] = LANES  # an empty buffer: the next word is fresh
                gen.state = state
                out[k, pos : pos + count, i] = gen.random_raw(count * LANES).reshape(count, LANES)
        pos += count
    if len(unique) == len(reps) and (len(reps) < 2 or bool((np.diff(reps) > 0).all())):
        return out  # already in the order asked for: no gather (the common case, a chunk)
    return out[:, inverse.ravel()]


def _uniform(w: np.ndarray, out: np.ndarray) -> np.ndarray:
    """53-bit uniforms strictly inside (0, 1) (never 0, so the logarithm is finite), written
    into `out`: ((w >> 11) + 0.5) · 2^-53, every step exact."""
    np.copyto(out, w >> np.uint64(11), casting="unsafe")  # < 2^53: converted exactly
    out += 0.5
    out *= 2.0**-53
    return out


def shocks(
    root_seed: int, replications: np.ndarray, steps: int, ids: Sequence[str], start: int = 0
) -> np.ndarray:
    """(steps, R, N) standard-normal shocks of steps start … start+steps−1 for the given
    replication numbers and actor ids (Box–Muller on the words of block ⌊t/4⌋)."""
    first, last = start // LANES, (start + steps + LANES - 1) // LANES
    w = words(root_seed, replications, range(first, last), ids)
    out = np.empty((w.shape[0], LANES, *w.shape[1:3]))
    per = max(1, CACHE_BLOCK // max(1, w.shape[1] * w.shape[2]))  # blocks per pass
    radius, angle = np.empty((per, *w.shape[1:3])), np.empty((per, *w.shape[1:3]))
    for lo in range(0, w.shape[0], per):
        hi = min(lo + per, w.shape[0])
        _box_muller(w[lo:hi], out[lo:hi], radius[: hi - lo], angle[: hi - lo])
    flat = out.reshape(LANES * w.shape[0], *w.shape[1:3])
    offset = start - first * LANES
    return np.ascontiguousarray(flat[offset : offset + steps])


def _box_muller(w: np.ndarray, out: np.ndarray, radius: np.ndarray, angle: np.ndarray) -> None:
    """The four normals of each word quadruple of `w` into `out`, (blocks, LANES, R, N).

    Every pass writes into a buffer (no temporaries), a few blocks at a time so that the
    buffers stay in cache: at 1000 replications × 200 steps shocks were a third of a
    worker's time outside the kernel (issue 18). The arithmetic, its order and the
    contiguous inputs of log/cos/sin are those of the formula (tests/test_noise.py holds
    the result to it bit for bit)."""
    for pair in (0, 1):  # two uniforms give two independent normals
        np.log(_uniform(w[..., 2 * pair], radius), out=radius)
        radius *= -2.0
        np.sqrt(radius, out=radius)
        _uniform(w[..., 2 * pair + 1], angle)
        angle *= 2.0 * np.pi
        for lane, trig in ((2 * pair, np.cos), (2 * pair + 1, np.sin)):
            trig(angle, out=out[:, lane])
            out[:, lane] *= radius
