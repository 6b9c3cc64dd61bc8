"""How many replications one chunk may hold, so that a chunk's memory does not grow with
the square of the number of actors.

Why: the chunk sizes (250 replications with full series, 1,024 summaries only, 1,000 for
`run_ensemble`) were set for the shipped scenarios' 6 to 12 actors. A replication holds
about 24 arrays of N × N float64 while it steps (the state and the dynamics' temporaries;
measured with tracemalloc on the numpy engine at 50–200 actors: 20 to 22, and from the
peak resident memory on the numba engine: 19), and with full series 3 more per recorded
step (commitment, tension, readiness: `series_bytes_per_step`). At 300 actors a chunk of
250 replications of 36 steps held 20 GB of series, and one of 1,024 summaries about 15 GB
(by the ~20 arrays measured; 17.7 GB by the rule's 24).
Results do not depend on the chunking (seeds are per replication, sim/noise.py), so a
chunk is cut to fit CHUNK_BUDGET; the shipped scenarios keep their chunks whole.
"""

from __future__ import annotations

CHUNK_BUDGET = 256 << 20  # bytes of one chunk's state and series, in one process
STATE_ARRAYS = 24  # N × N float64 arrays a stepping replication holds (measured: 19 to 22)
LANES = 32  # the compiled kernel's block (sim/kernel/layout.py): a smaller chunk is padded
NUMBA_MEMORY = 160 << 20  # numba, llvmlite and the compiled kernel (measured: 125-135 MiB)


def series_bytes_per_step(n_actors: int) -> int:
    """Bytes one replication-step of the full series holds (sim/ensemble.py `Series`)."""
    floats = 2 * n_actors + 3 * n_actors * n_actors + 2  # x, lev, C, tension, readiness, ...
    flags = 2 + n_actors  # crisis, war, active
    return 8 * floats + flags


def replication_bytes(n_actors: int, steps: int, keep_series: bool) -> int:
    """Memory one replication of one arm holds while its chunk runs."""
    series = (steps + 1) * series_bytes_per_step(n_actors) if keep_series else 0
    return STATE_ARRAYS * 8 * n_actors * n_actors + series


def arms_bytes(n_actors: int, steps: int, keeps: tuple[bool, ...]) -> int:
    """Memory one replication holds across every arm of its chunk (`keeps`: each arm's
    keep_series): a run and its counterfactual share a chunk."""
    return sum(replication_bytes(n_actors, steps, keep) for keep in keeps)


def block_fits(n_actors: int, steps: int, keeps: tuple[bool, ...]) -> bool:
    """Whether one block of the compiled kernel (LANES replications of every arm) fits in
    CHUNK_BUDGET: where it does not, `auto` runs numpy, whose chunks can be cut smaller
    (at 300 actors with full series a block is about 3.7 GB)."""
    return LANES * arms_bytes(n_actors, steps, keeps) <= CHUNK_BUDGET


def auto_work(work: int, n_actors: int, steps: int, keeps: tuple[bool, ...]) -> int:
    """The replication-steps `choose_engine` weighs for `auto`: 0 (so numpy) where a kernel
    block does not fit the budget, else `work`. An explicit engine is not affected."""
    return work if block_fits(n_actors, steps, keeps) else 0


def fitted_chunk(chunk_size: int, n_actors: int, steps: int, keeps: tuple[bool, ...],
                 engine: str = "numpy") -> int:  # fmt: skip
    """`chunk_size`, or fewer replications where a chunk of every arm (`keeps`: each arm's
    keep_series) would need more than CHUNK_BUDGET; never below one replication, nor below
    a kernel block on the numba engine (a smaller chunk costs a whole block of compute)."""
    fit = max(1, CHUNK_BUDGET // max(arms_bytes(n_actors, steps, keeps), 1))
    if engine == "numba":
        fit = max(LANES, fit - fit % LANES)
    return max(1, min(chunk_size, fit))
