"""Fast whole-array versions of numpy operations, returning exactly numpy's bits.

numpy runs an operation over a small inner axis (an actor's 8 partners) as one inner-loop
call per row, which for (R, N, N) arrays costs several times a plain elementwise
operation. The dynamics (sim/dynamics.py) use these instead; each does the same floating
point operations in the same order, as a few whole-array operations:

- `sum_last(a)` = `a.sum(axis=-1)` of a contiguous array: numpy's pairwise sum (fewer than
  8 terms: one by one from 0.0; up to 128: eight running sums combined as
  ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the rest; beyond: halves, recursively),
  added to numpy's starting value 0.0;
- `sum_mid(a)` = `a.sum(axis=1)` of a 3-D array: 0.0 + a0 + a1 + … term by term;
- `max_last(a)` = `a.max(axis=-1)` for arrays with no negative values (the dynamics use
  it on hostility, H >= 0): a tree of `np.maximum` over columns. (With negative values
  mixed with zeros numpy's SIMD reduction may return the other sign of zero.)
- `along_j(v)` / `along_i(v)` = `v[:, None, :]` / `v[:, :, None]` as contiguous (R, N, N)
  arrays: the same values as the broadcast, but the operation they enter runs as one loop.

The reductions are checked against numpy the first time they meet a shape (a random probe
with zeros of both signs, compared bit for bit); if this numpy adds in another order,
numpy's own reduction is used, so results never depend on this module. With fewer than
MIN_ROWS rows (a single Mesa run) numpy's own operations are used. Engine output before
and after this module was compared byte for byte (tests/test_sweep_engine.py).
"""

from __future__ import annotations

import numpy as np

_OK: dict[tuple, bool] = {}
MIN_ROWS = 16  # below this, numpy's own reduction is as fast (and identical)


def _pairwise(a: np.ndarray) -> np.ndarray:
    """numpy's pairwise summation over the last axis, one whole column at a time."""
    n = a.shape[-1]
    if n < 8:
        out = np.add(a[..., 0], 0.0)
        for i in range(1, n):
            out += a[..., i]
        return out
    if n <= 128:
        r = [a[..., j] for j in range(8)]
        m = n - n % 8
        for i in range(8, m, 8):
            r = [r[j] + a[..., i + j] for j in range(8)]
        out = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for i in range(m, n):
            out += a[..., i]
        return out
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise(a[..., :n2]) + _pairwise(a[..., n2:])


def _sequential(a: np.ndarray) -> np.ndarray:
    out = np.add(a[:, 0], 0.0)  # numpy starts from the identity: 0.0 + a0 + a1 + ...
    for j in range(1, a.shape[1]):
        out += a[:, j]
    return out


def _tree_max(a: np.ndarray) -> np.ndarray:
    cols = [a[..., j] for j in range(a.shape[-1])]
    while len(cols) > 1:
        nxt = [np.maximum(cols[i], cols[i + 1]) for i in range(0, len(cols) - 1, 2)]
        if len(cols) % 2:
            nxt.append(cols[-1])
        cols = nxt
    return cols[0].copy() if cols[0].base is a else cols[0]


def _probe(kind: str, shape: tuple) -> bool:
    key = (kind, shape)
    if key not in _OK:
        rng = np.random.default_rng(12345)
        a = rng.standard_normal((7, *shape)) * 10.0 ** rng.integers(-6, 6, (7, *shape))
        a[rng.random(a.shape) < 0.2] = 0.0
        a[rng.random(a.shape) < 0.2] = -0.0
        a[0] = -0.0  # a row of negative zeros sums to +0.0 in numpy
        if kind == "last":
            _OK[key] = np.array_equal(
                (_pairwise(a) + 0.0).view(np.uint64), a.sum(axis=-1).view(np.uint64)
            )
        elif kind == "mid":
            _OK[key] = np.array_equal(_sequential(a).view(np.uint64), a.sum(axis=1).view(np.uint64))
        else:  # the domain max_last is for: no negatives, zeros of both signs
            a = np.abs(a)
            zeros = rng.random(a.shape) < 0.5
            a[zeros] = np.where(rng.random(a.shape) < 0.5, 0.0, -0.0)[zeros]
            a[:, 0] = np.where(rng.random(a[:, 0].shape) < 0.5, 0.0, -0.0)
            _OK[key] = np.array_equal(_tree_max(a).view(np.uint64), a.max(axis=-1).view(np.uint64))
    return _OK[key]


def sum_last(a: np.ndarray) -> np.ndarray:
    """`a.sum(axis=-1)`, same bits, for a C-contiguous array."""
    if (
        a.ndim < 2
        or len(a) < MIN_ROWS
        or not a.flags.c_contiguous
        or not _probe("last", a.shape[1:])
    ):
        return a.sum(axis=-1)
    out = _pairwise(a)
    out += 0.0  # numpy adds the row's sum to the identity 0.0 (turns -0.0 into 0.0)
    return out


def sum_mid(a: np.ndarray) -> np.ndarray:
    """`a.sum(axis=1)` of a 3-D array, same bits."""
    if (
        a.ndim != 3
        or len(a) < MIN_ROWS
        or not a.flags.c_contiguous
        or not _probe("mid", a.shape[1:])
    ):
        return a.sum(axis=1)
    return _sequential(a)


def max_last(a: np.ndarray) -> np.ndarray:
    """`a.max(axis=-1)`, same bits, for an array with no negative values."""
    if a.ndim < 2 or len(a) < MIN_ROWS or not _probe("max", a.shape[1:]):
        return a.max(axis=-1)
    return _tree_max(a)


def along_j(v: np.ndarray) -> np.ndarray:
    """`v[:, None, :]` as a contiguous (R, N, N) array ([r, i, j] = v[r, j]).

    Same values as the broadcast; an operation on a contiguous array runs as one inner
    loop instead of one per (r, i), which is ~4× faster for N = 8.
    """
    if len(v) < MIN_ROWS:
        return v[:, None, :]
    return np.repeat(v[:, None, :], v.shape[-1], axis=1)


def along_i(v: np.ndarray) -> np.ndarray:
    """`v[:, :, None]` as a contiguous (R, N, N) array ([r, i, j] = v[r, i])."""
    if len(v) < MIN_ROWS:
        return v[:, :, None]
    return np.repeat(v[:, :, None], v.shape[-1], axis=2)


def tune_allocator() -> None:
    """No-op, kept only while sim/ensemble.py and sim/sweep/batch.py still call it.

    It used to call glibc's `mallopt` from library code (a process-wide side effect a
    library must not have). Delete it with its two call sites.
    """
