"""Caps on every count a user can give, and memory/disk estimates checked before work starts.

Why: a scenario file is capped by its schema, but the same counts given on the command line
(`--steps 1000000000`, `-n 10**12`, `--samples 10**9`, a huge grid) used to run into a
MemoryError traceback after seconds of allocation. Every count is checked here against the
file's caps (one table: the schema's bounds), and the memory and disk a command needs are
estimated and refused with one line when they will not fit.
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

from sim.chunks import NUMBA_MEMORY, arms_bytes, fitted_chunk, series_bytes_per_step
from sim.errors import UsageError
from sim.scenario.schema import Run


def _schema_cap(field: str) -> int:
    for item in Run.model_fields[field].metadata:  # pydantic keeps Field(le=...) here
        if getattr(item, "le", None) is not None:
            return int(item.le)
    raise LookupError(field)


MAX_STEPS = _schema_cap("steps")
MAX_REPLICATIONS = _schema_cap("replications")
MAX_POINTS = 1_000_000  # design points of one sweep (grid product, samples × (D + 2) ...)
MAX_RUNS = 1_000_000_000  # runs of one sweep (each is one summary row on disk)
MAX_WORKERS = 1024
REJECTION_BATCH = 500  # prior draws simulated per batch by rejection ABC (sim/observe/rejection.py)
MAX_SEED = 2**63 - 1  # the schema's bound on run.seed
MAX_DRAWS = 10_000  # hindcast measurement draws per replication
CAPS = {  # one table for the command line and the Python API (sim/api.py)
    "steps": MAX_STEPS,
    "replications": MAX_REPLICATIONS,
    "n": MAX_REPLICATIONS,  # the API's name for replications
    "samples": MAX_POINTS,
    "chunk_size": MAX_REPLICATIONS,
    "workers": MAX_WORKERS,
    "seed": MAX_SEED,
}
LOWEST = {"seed": 0}  # every other count starts at 1
SAFETY = 0.8  # use at most this share of what the machine reports free
BYTES_PER_SUMMARY_VALUE = 8


def check_count(flag: str, value: int | None, cap: int) -> None:
    """A command-line count: at least 1, at most the cap a scenario file would have."""
    if value is None:
        return
    if value < 1:
        raise UsageError(f"{flag} must be at least 1, found {value}")
    if value > cap:
        raise UsageError(f"{flag} must be at most {cap:,}, found {shown_number(value)}")


def check_counts(**values: object) -> None:
    """API arguments (`sim.run(n=..., seed=...)`): whole numbers within the same caps as the
    command line, one line each (`sim.run(n=10**12)` used to start allocating)."""
    for name, value in values.items():
        if value is None:
            continue
        lo, cap = LOWEST.get(name, 1), CAPS.get(name)
        if isinstance(value, bool) or not isinstance(value, int | _np_integer()):
            raise UsageError(f"{name} must be a whole number, found {value!r}")
        if value < lo:
            raise UsageError(f"{name} must be a whole number of at least {lo}, found {value}")
        if cap is not None and value > cap:
            raise UsageError(f"{name} must be at most {cap:,}, found {shown_number(int(value))}")


def _np_integer():
    import numpy as np

    return np.integer


def shown_number(value: int) -> str:
    """A number for a message: a 401-digit count is not printed whole."""
    text = f"{value:,}"
    return text if len(text) <= 40 else f"a number of {len(str(value))} digits"


def summary_columns(n_actors: int) -> int:
    """Columns of one summary row (summary.csv, docs/results-format.md): four per actor, the
    distancing actor's final commitment to each of its partners (at most n − 1), the
    replication and the seven system-wide ones."""
    return 4 * n_actors + (n_actors - 1) + 8


# `run` streams its series chunk by chunk (sim/jobs/run.py): memory is bounded by the chunks in
# flight, not by the number of replications; disk grows with it when the series are kept.
RUN_CHUNK = 250  # replications per chunk with full series (sim/jobs/run.py CHUNK)
DISK_PER_VALUE = 1.9  # bytes per stored series value, measured (float32, snappy; 3.6 at float64)
MEMORY_PER_VALUE = 8 * 6  # float64, with the DataFrame and Arrow copies of one chunk
BASE_MEMORY = 250 << 20  # interpreter, numpy, pandas, pyarrow


def estimate_run_bytes(
    n_actors: int, replications: int, steps: int, series: str, n_pairs: int | None = None,
    chunk: int = RUN_CHUNK, workers: int = 1, arms: int = 1, engine: str = "numpy",
) -> tuple[int, int]:  # fmt: skip
    """(peak memory, disk) of `run` in bytes, an estimate from array sizes.

    `series="full"` writes three per-step tables chunk by chunk: memory holds a few chunks
    (one per worker in flight) and every replication's summary row; disk holds every step.
    `series="summary"` keeps one row per replication. `n_pairs` is the number of related
    pairs in pairs.parquet (default: every ordered pair); `arms`: 2 when the run's
    counterfactual runs beside it (summaries only). A chunk's state and series grow with
    the square of the actors; chunks are cut to fit (sim/chunks.py), as the run cuts them."""
    if series not in ("full", "summary"):
        raise ValueError(f"series must be 'full' or 'summary', found {series!r}")
    pairs = n_actors * (n_actors - 1) if n_pairs is None else n_pairs
    summary = replications * summary_columns(n_actors) * BYTES_PER_SUMMARY_VALUE
    keeps = (series == "full",) + (False,) * (arms - 1)
    chunk = fitted_chunk(min(chunk, replications), n_actors, steps, keeps, engine)
    per_chunk_state = chunk * arms_bytes(n_actors, steps, keeps)
    in_flight = (workers + 2) if workers > 1 else 1
    base = BASE_MEMORY + (NUMBA_MEMORY if engine == "numba" else 0)
    if series == "summary":
        return int(base + in_flight * per_chunk_state + 3 * summary), int(summary * 1.2)
    per_rep_step = 7 * n_actors + 2 * pairs + 5  # values in the three tables
    values_per_chunk = chunk * (steps + 1) * per_rep_step
    memory = (
        base + in_flight * (values_per_chunk * 8 + per_chunk_state)
        + values_per_chunk * MEMORY_PER_VALUE + 3 * summary
        + histogram_bytes(n_actors, pairs, replications, steps)
    )  # fmt: skip
    disk = replications * (steps + 1) * per_rep_step * DISK_PER_VALUE + summary * 1.2
    return int(memory), int(disk)


# sim/aggregates.py RunAggregates.hist: escalation per actor, commitment and tension per
# related pair, distancing and frustration once; bins of BIN_WIDTH 0.001 over RANGES
HISTOGRAM_BINS = (1_000, 2_000, 1_000, 4_000, 1_000)


def histogram_bytes(n_actors: int, n_pairs: int, replications: int, steps: int) -> int:
    """The run's aggregates (sim/aggregates.py): sparse counts, at most one cell per value
    of a row (12 bytes, three copies while two are merged), until they would take a third
    of the dense array (4 bytes a bin), then dense."""
    total = 0
    for groups, bins in zip((n_actors, n_pairs, n_pairs, 1, 1), HISTOGRAM_BINS, strict=True):
        rows = (steps + 1) * groups
        total += min(3 * 12 * rows * min(replications, bins), 4 * rows * bins * 4 // 3)
    return total


def estimate_sweep_bytes(n_actors: int, n_runs: int, n_points: int, n_params: int,
                         chunk_size: int, workers: int) -> tuple[int, int]:  # fmt: skip
    """(peak memory, disk) of a sweep: the design in memory plus a few chunks per worker;
    on disk every run's summary row plus the design."""
    row = summary_columns(n_actors) * BYTES_PER_SUMMARY_VALUE + 16
    design = n_points * (n_params + 1) * 8 * 3
    chunks = 2 * max(1, workers) * min(chunk_size, n_runs) * row * 3
    return design + chunks, n_runs * row + design


def available_memory() -> int | None:
    """Bytes the kernel says can be allocated without swapping (None when unknown)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def free_disk(folder: Path) -> int | None:
    """Free bytes on the file system that will hold `folder` (its nearest existing parent)."""
    for candidate in [folder, *folder.parents]:
        if candidate.exists():
            try:
                return shutil.disk_usage(candidate).free
            except OSError:
                return None
    return None


def _size(n: int) -> str:
    units = ["bytes", "KB", "MB", "GB", "TB", "PB"]
    k = min(len(units) - 1, int(math.log(max(n, 1), 1024)))
    return f"{n / 1024**k:.1f} {units[k]}" if k else f"{n} bytes"


def check_fits(what: str, memory: int, disk: int, folder: Path, hint: str) -> None:
    """Refuse in one line when the estimate exceeds what the machine has free."""
    have = available_memory()
    if have is not None and memory > SAFETY * have:
        raise UsageError(
            f"{what} needs about {_size(memory)} of memory, {_size(have)} is free; {hint}"
        )
    room = free_disk(folder)
    if room is not None and disk > SAFETY * room:
        raise UsageError(
            f"{what} needs about {_size(disk)} of disk in {folder}, {_size(room)} is free; {hint}"
        )


def check_run_resources(n_actors: int, replications: int, steps: int, series: str,
                        folder: Path) -> None:  # fmt: skip
    memory, disk = estimate_run_bytes(n_actors, replications, steps, series)
    hint = "use fewer replications (-n) or steps (--steps)"
    if series == "full":
        hint += ", or keep summaries only"
    check_fits(f"{replications:,} replications × {steps:,} steps", memory, disk, folder, hint)


def check_design_size(n_points: int, replications: int) -> None:
    """Before a design is built: its points and runs within the caps."""
    if n_points > MAX_POINTS:
        raise UsageError(
            f"the design has {n_points:,} points, at most {MAX_POINTS:,} are allowed; "
            "use fewer samples or grid levels"
        )
    if n_points * replications > MAX_RUNS:
        raise UsageError(
            f"the sweep has {n_points * replications:,} runs, at most {MAX_RUNS:,} are allowed"
        )


def check_sweep_resources(plan, folder: Path, workers: int = 1) -> None:
    """A planned sweep fits in memory and on disk (the plan exists, nothing is computed)."""
    spec = plan.spec
    memory, disk = estimate_sweep_bytes(
        len(spec.loaded.scenario.actors), plan.n_runs, plan.n_points, len(plan.design.params),
        plan.chunk_size, workers,
    )  # fmt: skip
    check_fits(f"the sweep ({plan.n_runs:,} runs)", memory, disk, folder, "use a smaller design")


def check_sweep_size(spec) -> None:
    """Before a design is built: samples, grid levels, points and runs within the caps."""
    from sim.jobs.sweep.designs import expected_points

    if spec.n_samples > MAX_POINTS:
        raise UsageError(f"samples must be at most {MAX_POINTS:,}, found {spec.n_samples:,}")
    for p in spec.params:
        if p.levels is not None and p.levels > MAX_POINTS:
            raise UsageError(f"{p.path}: at most {MAX_POINTS:,} grid levels, found {p.levels:,}")
    if spec.design == "grid":  # the product, without building any level list
        counts = [
            len(p.values or ()) if p.kind == "choice" else (p.levels or spec.n_samples)
            for p in spec.params
        ]
        check_design_size(math.prod(counts), spec.replications)
    check_design_size(expected_points(spec), spec.replications)


def estimate_hindcast_bytes(n_actors: int, replications: int, steps: int, n_obs: int,
                            draws: int) -> int:  # fmt: skip
    """Peak memory of a hindcast: every replication's series held at once (no chunks) plus
    the measurement draws of every observation."""
    series = replications * (steps + 1) * series_bytes_per_step(n_actors)
    return BASE_MEMORY + 2 * series + 2 * 8 * replications * draws * max(n_obs, 1)


def check_hindcast_resources(n_actors: int, replications: int, steps: int, n_obs: int,
                             draws: int, folder: Path) -> None:  # fmt: skip
    memory = estimate_hindcast_bytes(n_actors, replications, steps, n_obs, draws)
    check_fits(f"the hindcast ({replications:,} replications × {draws:,} draws)", memory, 0,
               folder, "use fewer replications (-n) or draws (--draws)")  # fmt: skip


def check_calibration_resources(n_actors: int, steps: int, settings: dict, n_obs: int,
                                folder: Path) -> None:  # fmt: skip
    """A calibration simulates a population × replications batch per episode (rejection
    ABC: a batch of its prior draws), then the predictive check's replications: the larger
    of the two must fit."""
    particles = settings["population"]
    if settings.get("method") == "rejection":
        particles = min(REJECTION_BATCH, math.ceil(particles / settings["accept"]))
    batch = particles * settings["replications"]
    memory = max(
        estimate_hindcast_bytes(n_actors, batch, steps, n_obs, 1),
        estimate_hindcast_bytes(n_actors, settings["predictive_replications"], steps, n_obs, 10),
    )
    check_fits(
        f"the calibration ({batch:,} runs per batch)",
        memory,
        0,
        folder,
        "use a smaller population, fewer replications or predictive_replications",
    )
