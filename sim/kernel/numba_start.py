"""numba's start in a pool worker, without a semaphore an interrupt would leak."""

from __future__ import annotations

import threading

from sim.procs import in_pool_worker


def thread_lock_for_numba_start() -> None:
    """In a pool worker, guard numba's threading-layer start with a thread lock.

    Why: numba guards that start with a multiprocessing RLock whenever the start method's
    name contains "fork" (forkserver's does): a named POSIX semaphore that the worker
    registers with multiprocessing's resource tracker. A worker stopped by an interrupt
    (`sim.procs.kill_workers`) never unregisters it, so after a Ctrl-C or SIGTERM of a
    running command the tracker printed "There appear to be 2 leaked semaphore objects"
    under the command's one line. A pool worker is one process that starts numba's threads
    once and never forks, so a thread lock is all the guard it needs. Outside a worker
    numba keeps its own lock."""
    if not in_pool_worker():
        return
    try:
        from numba.np.ufunc import parallel
    except ImportError:  # numba without its parallel layer: nothing to guard
        return
    if getattr(parallel, "_backend_init_process_lock", False) is None:  # not started yet
        parallel._backend_init_process_lock = threading.RLock()
