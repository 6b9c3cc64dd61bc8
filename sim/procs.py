"""Worker processes that never outlive the command that started them.

Why: a `ProcessPoolExecutor` left alone keeps its workers (and, with forkserver, the
server and the resource tracker) running under PID 1 when the main process is killed.
Here every worker asks the kernel for SIGKILL when its parent dies (Linux
`PR_SET_PDEATHSIG`, set through ctypes in the initializer), ignores SIGINT (the parent
handles Ctrl-C and stops them, so no worker prints a traceback), and the pool kills its
workers outright when the block it serves ends by an exception. SIGTERM of the main
process is turned into `Terminated` (a KeyboardInterrupt), so the same clean-up that Ctrl-C
runs (removing `.partial` folders, stopping workers) runs for `kill` and `timeout` too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing as mp
import os
import signal
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any

PR_SET_PDEATHSIG = 1
FORKSERVER_GUARD = "sim.procs_guard"  # imported by the forkserver only: it dies with us too


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM: unwind like Ctrl-C, then exit with status 143."""


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent exits (Linux; no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the pool's own clean-up still runs
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


_IN_WORKER: list[bool] = []  # set once in a pool worker by its initializer


def in_pool_worker() -> bool:
    """Whether this process is a worker of `new_pool` (its initializer ran here)."""
    return bool(_IN_WORKER)


def _worker_init(user_init: Callable[..., Any] | None, args: tuple) -> None:
    _IN_WORKER.append(True)
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if user_init is not None:
        user_init(*args)


def cpu_count() -> int:
    """The cores this process may run on (its affinity mask, not the machine's total)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def useful_workers(requested: int, tasks: int) -> int:
    """Never more processes than tasks or cores: `--workers 1000` for 2 chunks starts 2."""
    return max(1, min(requested, tasks, cpu_count()))


def _context() -> mp.context.BaseContext:
    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        # Not sim.kernel.loop: it swaps numba's start lock when imported in a worker
        # (sim/kernel/numba_start.py); imported in the forkserver it would not.
        ctx.set_forkserver_preload([FORKSERVER_GUARD, "sim.jobs.sweep.batch", "sim.ensemble"])
        return ctx
    return mp.get_context("spawn")


def new_pool(
    workers: int, initializer: Callable[..., Any] | None = None, initargs: tuple = ()
) -> ProcessPoolExecutor:
    """A process pool whose workers die with this process and ignore Ctrl-C."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=_worker_init,
        initargs=(initializer, initargs),
    )


@contextmanager
def process_pool(
    workers: int, initializer: Callable[..., Any] | None = None, initargs: tuple = ()
) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers die with this process and stop when the block fails."""
    pool = new_pool(workers, initializer, initargs)
    try:
        yield pool
    except BaseException:
        kill_workers(pool)
        raise
    else:
        pool.shutdown(wait=True)


def kill_workers(pool: ProcessPoolExecutor) -> None:
    """Stop every worker now (an interrupt must not wait for running chunks)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        with suppress(OSError, ValueError, AttributeError):
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        with suppress(OSError, ValueError, AssertionError, AttributeError):
            proc.join(timeout=5)


# The signal that interrupted the command, kept until the command ends. Signals are
# process-wide, so this is too; only `interrupts_raised` sets or clears it.
_RECEIVED: list[int] = []
_DEFERRED: list[bool] = []  # non-empty inside `interrupts_deferred`


def _raise_interrupt(signum: int, frame: Any) -> None:
    _RECEIVED.append(signum)
    if _DEFERRED:  # raised when the deferring block ends
        return
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold an interrupt that arrives inside the block until the block ends, then raise it.

    Why: starting a worker is two steps, the forkserver forks it and then tells us its pid.
    A Ctrl-C or SIGTERM between the two left a worker whose pid the pool never learned: the
    pool was stopped without it, and the orphan, unpickling its start-up data, found the
    pool's semaphores gone and printed a `FileNotFoundError` traceback under the command's
    one line. Inside this block the pool learns every pid first, so `kill_workers` stops
    them all.

    It defers only what `interrupts_raised` would raise (the CLI's commands); under
    Python's own SIGINT handler it does nothing. The first submit of a command starts the
    forkserver (about a second), so a Ctrl-C then waits that long. An interrupt that
    arrived inside the block is raised even when the block fails: it replaces the error,
    which stays attached as its context, so the command still ends with its one line.
    Outside the main thread (where no signal handler runs) the block is a plain block."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = len(_RECEIVED)  # an interrupt from before the block is not this block's
    _DEFERRED.append(True)
    try:
        yield
    finally:
        _DEFERRED.pop()
        if not _DEFERRED and len(_RECEIVED) > before:
            raise_if_interrupted()


def raise_if_interrupted() -> None:
    """Raise again an interrupt that library code swallowed.

    Why: Python raises KeyboardInterrupt wherever the main thread happens to be, and some
    library code catches it without a word (pandas comparing a dtype while pyarrow converts
    a chunk's table did: a Ctrl-C of a Dask sweep was lost and the sweep ran to the end).
    Loops that wait on workers call this after each result, so the interrupt still stops
    the command at the next chunk."""
    if _RECEIVED:
        raise Terminated() if _RECEIVED[-1] == signal.SIGTERM else KeyboardInterrupt()


@contextmanager
def interrupts_raised() -> Iterator[None]:
    """While the block runs, SIGINT raises KeyboardInterrupt and SIGTERM `Terminated` in the
    main thread, and both are remembered for `raise_if_interrupted` (the CLI wraps each
    command in this); the previous handlers come back afterwards."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _RECEIVED.clear()
    # A signal the command was started with ignored stays ignored: a script running it in
    # the background (`cmd &` starts it with SIGINT ignored) keeps its Ctrl-C to itself.
    signals = [s for s in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(s) != signal.SIG_IGN]
    previous = {sig: signal.signal(sig, _raise_interrupt) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _RECEIVED.clear()
