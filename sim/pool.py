"""One worker pool per command, reused by every ensemble and sweep chunk it runs.

Why: a calibration calls `run_ensemble` hundreds of times; a fresh process pool per call
spent more time starting workers than simulating (issue 18: 7.9× slower on two workers
than on one). A command opens `command_pool(workers)` once; every parallel piece of work
inside it (`sim.ensemble.iter_ensemble`, the local sweep executor) finds that pool through
`pool_for` and submits to the same processes. Code that runs outside a command (the Python
API, tests) gets a pool of its own for the duration of the call, as before.

The active pool is held in a `ContextVar` (scoped like `decimal.localcontext` or
threadpoolctl's limits): it exists only inside the `with` block of the command that made
it, so nothing outlives the command. Workers are started by `sim.procs.new_pool`: they die
with their parent, ignore Ctrl-C, and are killed when the block ends by an exception.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sim.kernel import one_thread_per_process
from sim.procs import (
    cpu_count,
    interrupts_deferred,
    kill_workers,
    new_pool,
    raise_if_interrupted,
)

IN_FLIGHT_PER_WORKER = 2  # tasks queued per worker: keeps workers busy, memory flat

_ACTIVE: ContextVar[WorkerPool | None] = ContextVar("alliance_sim_pool", default=None)


class WorkerPool:
    """A process pool started on first use and reused until its command ends."""

    def __init__(self, workers: int):
        self.workers = max(1, min(workers, cpu_count()))
        self._pool: ProcessPoolExecutor | None = None
        self._pids: set[int] = set()

    @property
    def launches(self) -> int:
        """Worker processes started so far (one per worker for a healthy command)."""
        self._note_workers()
        return len(self._pids)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        if self._pool is None:
            # one kernel thread per worker: the workers already fill the cores
            self._pool = new_pool(self.workers, one_thread_per_process)
        with interrupts_deferred():  # a submit may start a worker: learn its pid first
            future = self._pool.submit(fn, *args)
            self._note_workers()
        return future

    def imap(
        self, fn: Callable[..., Any], tasks: Iterable[tuple], ordered: bool = True
    ) -> Iterator[Any]:
        """`fn(*task)` for every task, a few in flight per worker (memory stays flat in the
        number of tasks); results in task order when `ordered`, else as they finish. Tasks
        not yet started are cancelled if the caller stops early."""
        todo = iter(tasks)
        limit = self.workers * IN_FLIGHT_PER_WORKER
        pending: deque[Future] = deque()
        try:
            for task in todo:
                pending.append(self.submit(fn, *task))
                if len(pending) >= limit:
                    break
            while pending:
                if ordered:
                    future = pending.popleft()
                else:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    future = next(f for f in pending if f in done)
                    pending.remove(future)
                result = future.result()
                raise_if_interrupted()  # a Ctrl-C that library code swallowed
                task = next(todo, None)
                if task is not None:
                    pending.append(self.submit(fn, *task))
                yield result
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        """Wait for the workers to finish and stop them."""
        if self._pool is not None:
            self._note_workers()
            self._pool.shutdown(wait=True)
            self._pool = None

    def kill(self) -> None:
        """Stop every worker now (an interrupt or error must not wait for running tasks)."""
        if self._pool is not None:
            self._note_workers()
            kill_workers(self._pool)
            self._pool = None

    def _note_workers(self) -> None:
        if self._pool is not None:
            self._pids.update((getattr(self._pool, "_processes", None) or {}).keys())


@contextmanager
def command_pool(workers: int) -> Iterator[WorkerPool | None]:
    """The pool every parallel step of one command shares (None for one worker: all work
    then runs in this process). Workers start on first use and stop when the block ends."""
    if workers <= 1:
        yield None
        return
    pool = WorkerPool(workers)
    token = _ACTIVE.set(pool)
    try:
        yield pool
    except BaseException:
        pool.kill()
        raise
    else:
        pool.close()
    finally:
        _ACTIVE.reset(token)


def stop_active_workers() -> None:
    """Kill the running command's workers now (a later submit starts new ones).

    Why: workers that write into a results folder being assembled (a full-series run's
    chunk files) must be gone before a failed command removes that folder; otherwise the
    command's pool is only stopped after the folder's removal, as the error leaves it."""
    pool = _ACTIVE.get()
    if pool is not None:
        pool.kill()


def active_pool() -> WorkerPool | None:
    """The pool of the command running now, if it opened one."""
    return _ACTIVE.get()


@contextmanager
def pool_for(workers: int) -> Iterator[WorkerPool]:
    """The command's pool when there is one, else a pool for this block alone."""
    active = _ACTIVE.get()
    if active is not None:
        yield active
        return
    with command_pool(max(2, workers)) as pool:
        assert pool is not None
        yield pool
