"""What ripeness costs a step: the baseline with the mechanism off (`ripeness_rate` 0, the
default, whose arithmetic is skipped) and on (0.5), on each engine, in the same run.

Why: ripeness ships off (docs/preregistration-ripeness.md), so its price must be near zero
when off; when on it adds one O(N²) update a step and, with series, one N² record. Reported
as ratios on ÷ off, each the best of `--repeat` timings taken in turn, one numba thread.

    python -m benchmarks.ripeness_cost [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from sim.ensemble import prepare, run_chunk
from sim.kernel import numba_available
from sim.scenario.loader import load_scenario
from sim.scenario.overrides import apply

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
STEPS = 36
CASES = (("numpy", 1000, False), ("numpy", 500, True), ("numba", 4000, False),
         ("numba", 1000, True))  # fmt: skip


def timed(world, events, engine: str, reps: int, keep: bool) -> float:
    """Wall time per replication-step of one run, in µs."""
    t = time.perf_counter()
    run_chunk(world, events, np.arange(reps), 1, STEPS, keep_series=keep, engine=engine)
    return (time.perf_counter() - t) / (reps * STEPS) * 1e6


def best_pair(arms, engine: str, reps: int, keep: bool, repeat: int) -> tuple[float, float]:
    """Best time of each arm, the arms timed in turn (off, on, off, …) so that a change of
    the machine's load between them hits both; after one warm-up run of each."""
    for world, events in arms:
        run_chunk(world, events, np.arange(64), 1, STEPS, keep_series=keep, engine=engine)
    times = [[timed(*arm, engine, reps, keep) for arm in arms] for _ in range(repeat)]
    return tuple(min(col) for col in zip(*times, strict=True))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.ripeness_cost", description=__doc__)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    if args.repeat < 1:
        print(f"ripeness_cost: error: --repeat must be at least 1, got {args.repeat}",
              file=sys.stderr)  # fmt: skip
        return 2
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    model = load_scenario(BASELINE).model_input
    arms = [prepare(apply(model, {"parameters.ripeness_rate": k})) for k in (0.0, 0.5)]
    print("engine | replications | series | off µs/rep-step | on µs/rep-step | on ÷ off")
    for engine, reps, keep in CASES:
        if engine == "numba" and not numba_available():
            continue
        off, on = best_pair(arms, engine, reps, keep, args.repeat)
        print(f"{engine} | {reps} | {keep} | {off:.2f} | {on:.2f} | {on / off:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
