"""Run a sweep: plan it, run the missing chunks on an executor, stream them to disk.

The driver holds only the plan and a handful of in-flight chunks, so memory does not
grow with the number of runs. An interrupted sweep (Ctrl-C, a crash, SIGKILL, a lost
cluster) keeps every chunk already written; `--resume` finds its folder by plan hash and
runs only the chunks that are missing, so the final data equals an uninterrupted run's.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sim.errors import UsageError
from sim.sweep import store
from sim.sweep.batch import SweepPointError
from sim.sweep.executors import make_executor
from sim.sweep.plan import Plan, design_frame, make_plan
from sim.sweep.spec import SweepSpec

EXTRA_PACKAGES = ("scipy", "SALib", "dask", "distributed")
HOLD_ENV = "ALLIANCE_SIM_TEST_HOLD"  # fault injection for the resume tests: "written:N" etc.
HOLD_MARKER_ENV = "ALLIANCE_SIM_TEST_HOLD_MARKER"


class ExecutionFailed(Exception):
    """A chunk failed on a worker (not a bad spec): the message names the cause."""


@dataclass
class Options:
    out: Path | None = None
    resume: bool = False
    executor: str = "local"
    workers: int = 1
    scheduler: str | None = None
    progress: bool = False
    argv: list[str] = field(default_factory=list)
    root: Path = Path("results") / "sweeps"


@dataclass
class Outcome:
    folder: Path
    plan: Plan
    resumed_chunks: int
    ran_chunks: int
    seconds: float


def versions() -> dict[str, str]:
    from importlib import metadata

    from sim.run import versions as run_versions

    out = run_versions()
    for name in EXTRA_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _unique(folder: Path) -> Path:
    candidate, k = folder, 1
    while candidate.exists() or any(candidate.parent.glob(f".{candidate.name}.partial-*")):
        k += 1
        candidate = folder.with_name(f"{folder.name}-{k}")
    return candidate


def _hold_hook() -> Callable[[str, Path], None] | None:
    """Test-only: park the process at a known point so a test can SIGKILL it there."""
    spec = os.environ.get(HOLD_ENV)
    if not spec:
        return None
    kind, _, count = spec.partition(":")
    left = [int(count or 1)]
    marker = Path(os.environ.get(HOLD_MARKER_ENV, "hold.marker"))

    def hook(event: str, path: Path) -> None:
        if event != kind:
            return
        left[0] -= 1
        if left[0] == 0:
            marker.write_text(f"{os.getpid()} {event} {path}\n")
            while True:  # wait for the test's SIGKILL
                time.sleep(60)

    return hook


def run_sweep(spec: SweepSpec, opts: Options, log: Callable[[str], None] = print) -> Outcome:
    started = time.perf_counter()
    plan = make_plan(spec)
    root = opts.root / spec.name
    final = opts.out
    partial: Path | None = None
    created = False
    if final is not None and final.exists():
        raise UsageError(f"--out {final} already exists; results are never overwritten")
    if opts.resume:
        found, others = store.find_resumable(final, root, plan.token)
        if found is not None:
            partial = store.claim(found)
            log(f"resuming {partial}")
        else:
            why = (
                f" ({len(others)} interrupted sweep(s) there have a different spec)"
                if others
                else ""
            )
            log(f"nothing to resume under {final.parent if final else root}{why}; starting anew")
    if partial is None:
        final = final if final is not None else _unique(root / store.stamp())
        partial = store.partial_name(final)
        manifest = plan.describe()
        store.create(partial, manifest, plan.design.points, design_frame(plan))
        created = True
    expected = {i: plan.chunk_rows(i) for i in range(plan.n_chunks)}
    done = store.completed_chunks(partial, expected)
    todo = [i for i in range(plan.n_chunks) if i not in done]
    where = (
        f"Dask at {opts.scheduler}" if opts.executor == "dask" and opts.scheduler
        else f"a Dask LocalCluster of {opts.workers}" if opts.executor == "dask"
        else f"{opts.workers} local process{'es' if opts.workers > 1 else ''}"
    )  # fmt: skip
    log(
        f"sweep {spec.name}: {spec.design} design, {plan.n_points} points × "
        f"{spec.replications} replications × {spec.steps} steps = {plan.n_runs} runs "
        f"in {plan.n_chunks} chunk(s); {len(done)} already done; on {where}"
    )
    ran = 0
    try:
        _execute(plan, partial, todo, expected, done, opts)
        ran = len(todo)
    except BaseException as exc:
        written = any((partial / store.CHUNKS).glob("chunk-*.parquet"))
        if created and (isinstance(exc, SweepPointError) or not written):
            shutil.rmtree(partial, ignore_errors=True)  # nothing worth resuming
        elif isinstance(exc, KeyboardInterrupt | Exception):
            log(
                f"stopped: the chunks written so far are kept in {partial}; "
                "continue with the same command and --resume"
            )
        raise
    manifest = {
        **plan.describe(),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": opts.argv,
        "versions": versions(),
        "resumed": not created,
    }
    folder = store.finish(partial, manifest)
    return Outcome(folder, plan, len(done), ran, time.perf_counter() - started)


def _execute(plan: Plan, partial: Path, todo: list[int], expected: dict[int, int],
             done: set[int], opts: Options) -> None:  # fmt: skip
    from tqdm import tqdm

    hook = _hold_hook()
    initial = sum(expected[i] for i in done)
    bar = tqdm(
        total=plan.n_runs, initial=initial, unit="run", disable=not opts.progress,
        dynamic_ncols=True, smoothing=0.05, desc=plan.spec.name,
    )  # fmt: skip
    try:
        workers = opts.workers if len(todo) > 1 or opts.executor == "dask" else 1
        with make_executor(opts.executor, workers, opts.scheduler) as ex:
            for chunk, frame in ex.run(plan.payload, todo):
                store.write_chunk(partial, chunk, frame, hook)
                if hook is not None:
                    hook("committed", partial / store.CHUNKS / store.chunk_name(chunk))
                bar.update(len(frame))
    except (KeyboardInterrupt, SweepPointError, UsageError):
        raise
    except Exception as exc:  # a worker, the pool or the cluster failed
        raise ExecutionFailed(f"{type(exc).__name__}: {exc}") from exc
    finally:
        bar.close()
