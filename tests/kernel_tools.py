"""Shared helpers of the compiled-kernel tests."""

from __future__ import annotations

import numpy as np

from sim.ensemble import run_chunk


def chunks_on_threads(world, events, reps: np.ndarray, **kwargs) -> list:
    """`run_chunk(world, events, reps, 5, 48, engine="numba", **kwargs)` on one numba
    thread and on two, restoring the thread count afterwards."""
    import numba

    before = numba.get_num_threads()
    runs = []
    try:
        for threads in (1, 2):
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            runs.append(run_chunk(world, events, reps, 5, 48, engine="numba", **kwargs))
    finally:
        numba.set_num_threads(before)
    return runs
