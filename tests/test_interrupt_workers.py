"""An interrupt of a command whose workers are running or starting prints its one line and
nothing else (docs/reliability.md §23).

Two faults, both seen only under load before: a worker that had started numba's threads
held a named semaphore the resource tracker then reported as "leaked" after SIGTERM or
Ctrl-C; and an interrupt while a worker was being started left a worker whose pid the pool
never learned, which printed a `FileNotFoundError` traceback. The waits poll for a state
(numba's thread pool mapped into every worker), not for a time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

import pytest
from reliability_tools import BASELINE, alive, descendants, kill, start, wait_for

from sim import pool as pool_module
from sim import procs
from sim.kernel import numba_available

LONG_RUN = ["-n", "600", "--steps", "1500", "--workers", "2", "-q", "--no-plots"]
THREAD_POOLS = ("omppool", "tbbpool", "workqueue")  # numba's threading layers


def _with_numba_threads(root: int) -> set[int]:
    """The processes below `root` that have started numba's thread pool."""
    found = set()
    for pid in descendants(root):
        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
        except OSError:
            continue
        if any(name in maps for name in THREAD_POOLS):
            found.add(pid)
    return found


def _busy_workers(proc: subprocess.Popen) -> set[int]:
    def up() -> bool:
        assert proc.poll() is None, proc.communicate()
        return len(_with_numba_threads(proc.pid)) >= 2

    wait_for(up, 120, "two workers running the compiled kernel")
    return descendants(proc.pid)


@pytest.mark.skipif(not numba_available(), reason="the numba engine is not installed")
@pytest.mark.parametrize(
    ("sig", "code", "line"),
    [
        (signal.SIGTERM, 143, "alliance-sim: terminated"),
        (signal.SIGINT, 130, "alliance-sim: interrupted"),
    ],
)
def test_an_interrupt_of_running_workers_is_one_line(tmp_path, sig, code, line):
    """Once the workers run the kernel, SIGTERM or Ctrl-C prints the command's one line and
    no "leaked semaphore objects" warning; no process is left, nothing is written."""
    proc = start(["run", str(BASELINE), "--out", "o", *LONG_RUN], tmp_path, start_new_session=True)
    below = _busy_workers(proc)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # what Ctrl-C in a terminal does: the whole group
    else:
        kill(proc, sig)  # what `kill` and `timeout` do: the command alone
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    lines = [x for x in err.strip().splitlines() if not x.startswith("estimate:")]
    assert lines == [line], err
    wait_for(lambda: not alive(below), 20, "the workers to end")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_an_interrupt_inside_the_deferring_block_is_raised_when_it_ends():
    reached = []
    with pytest.raises(KeyboardInterrupt), procs.interrupts_raised():
        with procs.interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            reached.append("after the signal")  # not interrupted here
        reached.append("after the block")  # raised before this
    assert reached == ["after the signal"]


def test_without_an_interrupt_the_deferring_block_raises_nothing():
    with procs.interrupts_raised(), procs.interrupts_deferred():
        pass


def test_a_worker_started_when_a_sigterm_arrives_is_known_to_the_pool(monkeypatch):
    """SIGTERM arriving while the pool starts a worker: the worker is started and the pool
    learns its pid before `Terminated` is raised, so stopping the pool stops it too."""
    from concurrent.futures import ProcessPoolExecutor

    spawn = ProcessPoolExecutor._spawn_process

    def interrupted_spawn(self):
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs at the next bytecode
        spawn(self)

    monkeypatch.setattr(ProcessPoolExecutor, "_spawn_process", interrupted_spawn)
    pool = pool_module.WorkerPool(2)
    with pytest.raises(procs.Terminated), procs.interrupts_raised():
        try:
            pool.submit(abs, -1)
        finally:
            started = pool.launches
            pool.kill()
    assert started >= 1


def test_an_interrupt_from_before_the_block_is_not_raised_by_it():
    """The block raises only what arrived inside it: an interrupt some library code
    swallowed earlier is raised by the loop that checks for it (`raise_if_interrupted`),
    whose ablation test (tests/test_interrupts.py) must still see it lost."""
    with procs.interrupts_raised():
        with contextlib.suppress(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
        with procs.interrupts_deferred():
            pass


def test_outside_a_pool_worker_numba_keeps_its_own_start_lock():
    """Only a pool worker swaps numba's lock: a process that may fork keeps numba's guard."""
    parallel = pytest.importorskip("numba.np.ufunc.parallel")
    from sim.kernel.numba_start import thread_lock_for_numba_start

    before = parallel._backend_init_process_lock
    thread_lock_for_numba_start()
    assert parallel._backend_init_process_lock is before
    assert not procs.in_pool_worker()


def test_an_interrupt_inside_a_failing_block_is_still_raised():
    """A worker start that fails (say the forkserver breaks) while a Ctrl-C is held: the
    command ends as interrupted, with the failure kept as the interrupt's context."""
    raised = pytest.raises(KeyboardInterrupt)
    with raised as caught, procs.interrupts_raised(), procs.interrupts_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        raise EOFError("the forkserver went away")
    assert isinstance(caught.value.__context__, EOFError)


def _numba_start_lock() -> str:
    """In a worker: the type of numba's start lock once the kernel is imported."""
    from numba.np.ufunc import parallel

    import sim.kernel.loop  # noqa: F401  (the import that swaps the lock in a worker)

    return type(parallel._backend_init_process_lock).__module__


@pytest.mark.skipif(not numba_available(), reason="the numba engine is not installed")
def test_a_pool_worker_that_loads_the_kernel_guards_numba_with_a_thread_lock():
    """The swap happens in the worker itself (it would not if the forkserver preloaded the
    kernel): numba's lock there is a `_thread` lock, not a multiprocessing semaphore."""
    with pool_module.pool_for(2) as pool:
        modules = {pool.submit(_numba_start_lock).result() for _ in range(2)}
    assert modules == {"_thread"}
