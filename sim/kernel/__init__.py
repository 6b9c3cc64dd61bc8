"""The compiled kernel (numba) and the choice of engine.

Two engines run the same model: `numpy` (sim/dynamics.py, the reference implementation,
always there) and `numba` (sim/kernel/compiled.py, the same mechanisms compiled, with
replications as SIMD lanes; tests/test_kernel.py holds it to the reference within 1e-12).
numba is an optional extra (`pip install alliance-sim[fast]`); without it every command
still runs, on numpy. Importing this package never imports numba.

    compiled.py  the mechanisms and the summary recorder, one numba function each
    layout.py    State (R, N, N) ↔ lane layout (R/L, N, N, L)
    loop.py      `simulate` with events in Python and spans of steps in the kernel
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable

ENGINES = ("numpy", "numba")
AUTO = "auto"
# `auto` picks numba from this many replication-steps on: below it, numba's start-up
# (import and loading the cached machine code, ~0.45 s) costs more than the kernel saves
# (~10 µs per replication-step on the baseline; docs/performance.md).
AUTO_MIN_WORK = 50_000


def numba_available() -> bool:
    """Whether numba can be imported (it is an optional dependency)."""
    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):  # a module entry set to None, or a broken install
        return False


def choose_engine(requested: str | None = None, work: int | None = None,
                  say: Callable[[str], None] | None = None) -> str:  # fmt: skip
    """The engine to run: the requested one, or for `auto`/None the fastest available for
    `work` replication-steps (numba when installed and the run is large enough).

    Asking for numba without numba installed is not an error: the numpy engine runs the
    same model, and `say` (the verbose printer, if any) gets one line saying so."""
    name = AUTO if requested is None else requested
    if name not in (*ENGINES, AUTO):
        raise ValueError(f"unknown engine {name!r}: expected one of numpy, numba, auto")
    if name == "numpy" or (name == AUTO and work is not None and work < AUTO_MIN_WORK):
        return "numpy"
    if numba_available():
        return "numba"
    if say is not None:
        say("numba is not installed: running the numpy engine (pip install 'alliance-sim[fast]')")
    return "numpy"


def simulator(engine: str) -> Callable:
    """`simulate(world, groups, reps, seed, steps, recorder, log, coefficients)` of the
    engine (after `choose_engine`)."""
    if engine == "numba":
        from sim.kernel.loop import simulate

        return simulate
    from sim.engine import simulate

    return simulate


def one_thread_per_process() -> None:
    """Run the kernel on one thread in this process (the initializer of pool workers).

    Why: with W worker processes on W cores, each worker's kernel would otherwise start as
    many threads as there are cores, W × cores threads fighting for W cores
    (oversubscription). Results do not change (a replication never depends on its thread).
    numba reads NUMBA_NUM_THREADS when it is imported, so setting it here costs nothing for
    a worker that never loads numba; one that already has it gets `set_num_threads(1)`."""
    os.environ["NUMBA_NUM_THREADS"] = "1"
    numba = sys.modules.get("numba")
    if numba is not None:
        numba.set_num_threads(1)
