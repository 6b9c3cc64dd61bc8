"""Where chunks run: this process, local worker processes, or a Dask cluster.

Every executor runs `sim.jobs.sweep.batch.run_chunk_task(payload, chunk)` and hands back
(chunk, summaries) as chunks finish, in any order; the driver writes them. At most a few
chunks per worker are in flight, so memory stays flat however many chunks a sweep has.
Local workers come from the command's one pool (sim/pool.py), shared with its ensembles;
the payload (scenario, design points) is pickled once and unpickled once per worker.
"""

from __future__ import annotations

import logging
import pickle
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager

import pandas as pd

from sim.errors import UsageError
from sim.jobs.sweep.batch import Payload, run_chunk_task
from sim.pool import IN_FLIGHT_PER_WORKER

Result = tuple[int, pd.DataFrame]


class InlineExecutor:
    """Chunks one after another in this process (1 worker, and the reference for tests)."""

    workers = 1

    def __enter__(self) -> InlineExecutor:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def run(self, payload: Payload, chunks: Iterable[int]) -> Iterator[Result]:
        for chunk in chunks:
            yield run_chunk_task(payload, chunk)


_PAYLOAD: dict[str, Payload] = {}  # in a worker: the sweep it last ran, by plan token


def _local_task(token: str, blob: bytes, chunk: int) -> Result:
    """Run one chunk in a pool worker; the payload is unpickled once per worker and sweep
    (the pool is shared with other work, so it cannot carry the payload in an initializer)."""
    payload = _PAYLOAD.get(token)
    if payload is None:
        payload = pickle.loads(blob)
        _PAYLOAD.clear()
        _PAYLOAD[token] = payload
    return run_chunk_task(payload, chunk)


class LocalExecutor:
    """Local processes from the command's worker pool (sim/pool.py; workers die with this
    process, forkserver where available, stopped on interrupt)."""

    def __init__(self, workers: int):
        self.workers = workers
        self._stack: ExitStack | None = None

    def __enter__(self) -> LocalExecutor:
        from sim.pool import pool_for

        self._stack = ExitStack()
        self.pool = self._stack.enter_context(pool_for(self.workers))
        return self

    def __exit__(self, *exc) -> None:
        if self._stack is not None:
            self._stack.__exit__(*exc)
            self._stack = None

    def run(self, payload: Payload, chunks: Iterable[int]) -> Iterator[Result]:
        blob = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        tasks = ((payload.token, blob, chunk) for chunk in chunks)
        yield from self.pool.imap(_local_task, tasks, ordered=False)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _connect(client_type, address: str, timeout) -> object:
    """A Dask client, or TimeoutError when the address does not answer as a scheduler in
    time. `Client(timeout=...)` bounds the TCP connection only: a server that accepts it
    and never answers the handshake (an HTTP server, issue #19) hung the sweep forever."""
    import threading

    from dask.utils import parse_timedelta

    seconds = parse_timedelta(timeout, default="s") or 30
    box: dict[str, object] = {}

    def attempt() -> None:
        try:
            box["client"] = client_type(address, timeout=timeout)
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=attempt, name="dask-connect", daemon=True)
    thread.start()
    thread.join(seconds + 5)
    if thread.is_alive():
        raise TimeoutError(f"no Dask scheduler answered within {seconds:g} s")
    if "error" in box:
        raise box["error"]
    return box["client"]


# Loggers that print a traceback on stderr when a local cluster shuts down under a pending
# heartbeat or callback (Ctrl-C): Dask's own and the event loop's (Tornado, asyncio).
_SHUTDOWN_LOGGERS = ("distributed", "tornado", "asyncio")


def _quiet_shutdown_logs() -> dict[str, int]:
    """Raise the shutdown loggers to CRITICAL in this process; return their old levels.
    Run in each local worker too (`Client.run`): workers share the user's terminal."""
    old = {name: logging.getLogger(name).level for name in _SHUTDOWN_LOGGERS}
    for name in _SHUTDOWN_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return old


class DaskExecutor:
    """A Dask distributed cluster: `--scheduler ADDRESS`, or a LocalCluster on loopback."""

    def __init__(self, workers: int, scheduler: str | None = None):
        self.workers = workers
        self.scheduler = scheduler
        self.client = None
        self.cluster = None
        self._levels: dict[str, int] = {}

    def __enter__(self) -> DaskExecutor:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise UsageError(
                "--executor dask needs Dask: pip install 'alliance-sim[dask]'"
            ) from None

        if self.scheduler:
            timeout = dask.config.get("distributed.comm.timeouts.connect")
            try:
                self.client = _connect(Client, self.scheduler, timeout)
            except (OSError, TimeoutError) as exc:
                raise UsageError(f"--scheduler {self.scheduler}: cannot connect ({exc})") from None
            except (ValueError, TypeError) as exc:  # a malformed address
                raise UsageError(f"--scheduler {self.scheduler}: not an address ({exc})") from None
        else:
            # Worker processes inherit an ignored SIGINT: Ctrl-C reaches this process alone,
            # which stops the cluster, instead of every worker printing a traceback.
            with _sigint_ignored():
                self.cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    # CRITICAL, not ERROR: a worker whose scheduler closes mid-heartbeat
                    # (Ctrl-C) logs the failure at ERROR with a traceback. Task errors
                    # still reach the user, through the futures.
                    silence_logs=logging.CRITICAL,
                )
            self.client = Client(self.cluster)
            self.client.run(_quiet_shutdown_logs)
            self._levels = _quiet_shutdown_logs()
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        if exc[0] is None:  # after Ctrl-C the loop's tasks die at exit: keep them quiet
            for name, level in self._levels.items():
                logging.getLogger(name).setLevel(level)

    def run(self, payload: Payload, chunks: Iterable[int]) -> Iterator[Result]:
        from distributed import as_completed

        client = self.client
        assert client is not None
        threads = sum(client.nthreads().values()) or 1
        shared = client.scatter(payload, broadcast=True, hash=False)
        todo = iter(chunks)

        def submit(chunk: int):
            return client.submit(
                run_chunk_task, shared, chunk, key=f"sweep-{payload.token}-{chunk}", pure=False
            )

        first = [
            submit(c) for _, c in zip(range(threads * IN_FLIGHT_PER_WORKER), todo, strict=False)
        ]
        queue = as_completed(first)
        for fut in queue:
            result = fut.result()
            fut.release()
            yield result
            nxt = next(todo, None)
            if nxt is not None:
                queue.add(submit(nxt))


def make_executor(kind: str, workers: int, scheduler: str | None):
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    if scheduler:
        raise UsageError("--scheduler needs --executor dask")
    if workers <= 1:
        return InlineExecutor()
    return LocalExecutor(workers)
