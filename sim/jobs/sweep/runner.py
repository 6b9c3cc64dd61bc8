"""Run a sweep: plan it, run the missing chunks on an executor, stream them to disk.

The driver holds only the plan and a handful of in-flight chunks, so memory does not
grow with the number of runs. An interrupted sweep (Ctrl-C, a crash, SIGKILL, a lost
cluster) keeps every chunk already written; `--resume` finds its folder by plan hash and
runs only the chunks that are missing, so the final data equals an uninterrupted run's.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sim import output
from sim.errors import UsageError
from sim.jobs.sweep import store
from sim.jobs.sweep.batch import SweepPointError
from sim.jobs.sweep.executors import make_executor
from sim.jobs.sweep.plan import Plan, design_frame, make_plan
from sim.jobs.sweep.spec import SweepSpec
from sim.limits import check_sweep_resources, check_sweep_size
from sim.procs import raise_if_interrupted, useful_workers
from sim.provenance import differences

EXTRA_PACKAGES = ("scipy", "SALib", "dask", "distributed")


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
    engine: str = "numpy"  # numpy or numba, as sim.kernel.choose_engine names them
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

    from sim.jobs.run import versions as run_versions

    out = run_versions()
    for name in EXTRA_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _resume_target(plan: Plan, final: Path | None, root: Path, log: Callable[[str], None]):
    """(partial, lock) of the interrupted sweep to continue, or None to start anew."""
    found, others = store.find_resumable(final, root, plan.spec_hash)
    if found is None:
        why = f" ({len(others)} interrupted sweep(s) there have a different spec)" if others else ""
        log(f"nothing to resume under {final.parent if final else root}{why}; starting anew")
        return None
    old = store.read_plan(found)
    if old.get("plan_hash") != plan.token:
        what = differences(old, plan.origin) or "the plan hash differs"
        raise UsageError(
            f"--resume: {found} was computed with another model input ({what}); "
            "start anew without --resume, or resume with the version that began it"
        )
    partial, lock = store.claim(found)
    log(f"resuming {partial}")
    return partial, lock


def run_sweep(spec: SweepSpec, opts: Options, log: Callable[[str], None] = print) -> Outcome:
    started = time.perf_counter()
    check_sweep_size(spec)
    plan = make_plan(spec, opts.engine)
    root = opts.root / spec.name
    final = opts.out
    if final is not None and final.exists():
        raise UsageError(f"--out {final} already exists; results are never overwritten")
    check_sweep_resources(
        plan,
        final.parent if final is not None else root,
        useful_workers(opts.workers, plan.n_chunks),
    )
    claimed = _resume_target(plan, final, root, log) if opts.resume else None
    created = claimed is None
    if claimed is None:
        partial, lock, stale = output.reserve(final if final is not None else root / output.stamp())
        if stale is not None:
            log(f"an interrupted sweep was kept in {stale} (continue it with --resume)")
        try:
            store.create(partial, plan.describe(), plan.design.points, design_frame(plan))
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            lock.release()
            raise
    else:
        partial, lock = claimed
        store.retag(partial, plan.token, plan.design.points, design_frame(plan))
    expected = {i: plan.chunk_rows(i) for i in range(plan.n_chunks)}
    done = store.completed_chunks(partial, expected, store.sweep_id(plan.token))
    todo = [i for i in range(plan.n_chunks) if i not in done]
    workers = useful_workers(opts.workers, len(todo)) if opts.scheduler is None else opts.workers
    where = (
        f"Dask at {opts.scheduler}" if opts.executor == "dask" and opts.scheduler
        else f"a Dask LocalCluster of {workers}" if opts.executor == "dask"
        else f"{workers} local process{'es' if workers > 1 else ''}"
    )  # fmt: skip
    log(
        f"sweep {spec.name}: {spec.design} design, {plan.n_points} points × "
        f"{spec.replications} replications × {spec.steps} steps = {plan.n_runs} runs "
        f"in {plan.n_chunks} chunk(s); {len(done)} already done; on {where}"
    )
    ran = 0
    try:
        _execute(plan, partial, todo, expected, done, opts, workers)
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
        lock.release()
        raise
    manifest = {
        **plan.describe(),
        output.RESULT_ID: store.sweep_id(plan.token),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": opts.argv,
        "versions": versions(),
        "resumed": not created,
    }
    try:
        folder = store.finish(partial, lock, manifest)
    finally:
        lock.release()
    return Outcome(folder, plan, len(done), ran, time.perf_counter() - started)


def _execute(plan: Plan, partial: Path, todo: list[int], expected: dict[int, int],
             done: set[int], opts: Options, workers: int) -> None:  # fmt: skip
    from tqdm import tqdm

    initial = sum(expected[i] for i in done)
    bar = tqdm(
        total=plan.n_runs, initial=initial, unit="run", disable=not opts.progress,
        dynamic_ncols=True, smoothing=0.05, desc=plan.spec.name,
    )  # fmt: skip
    try:
        with make_executor(opts.executor, workers, opts.scheduler) as ex:
            for chunk, frame in ex.run(plan.payload, todo):
                store.write_chunk(partial, chunk, frame, store.sweep_id(plan.token))
                bar.update(len(frame))
                raise_if_interrupted()  # a Ctrl-C that pandas or pyarrow swallowed
    except (KeyboardInterrupt, SweepPointError, UsageError):
        raise
    except Exception as exc:  # a worker, the pool or the cluster failed
        raise ExecutionFailed(f"{type(exc).__name__}: {exc}") from exc
    finally:
        bar.close()
