"""A worker's CPU time for the baseline and its counterfactual, and the compiled kernel's
part of it: what a `run --series summary` worker spends outside the kernel (shocks,
settling, packing, summaries) per replication-step (issue 18).

    PYTHONPATH=CHECKOUT python benchmarks/outside_kernel.py [REPLICATIONS]

Runs in this process on one kernel thread, as a pool worker does, 200 steps in chunks of
1000 (the run command's summary chunks), best of 3; the kernel's share is timed by
wrapping `sim.kernel.compiled.run_span`. Only names that exist on older checkouts are
used, so the same file measures the code before and after a change.
"""

from __future__ import annotations

import sys
import time

STEPS = 200
CHUNK = 1000


def measure(replications: int) -> dict[str, float]:
    from sim.kernel import compiled, one_thread_per_process

    one_thread_per_process()
    from sim.ensemble import Arm, iter_arms
    from sim.scenario.loader import load_scenario

    loaded = load_scenario("scenarios/baseline.yaml")
    world = loaded.model_input
    cf = world.without_events(loaded.scenario.counterfactual.remove_events)
    arms = [Arm(world, False), Arm(cf, False)]
    inner, spent = compiled.run_span, [0.0]

    def timed(*args) -> None:
        start = time.process_time()
        inner(*args)
        spent[0] += time.process_time() - start

    compiled.run_span = timed
    list(iter_arms(arms, 64, 7, 8, chunk_size=32, engine="numba"))  # load the machine code
    best: tuple[float, float] | None = None
    for _ in range(3):
        spent[0] = 0.0
        start = time.process_time()
        list(iter_arms(arms, replications, 7, STEPS, chunk_size=CHUNK, engine="numba"))
        total = time.process_time() - start
        if best is None or total < best[0]:
            best = (total, spent[0])
    assert best is not None
    total, kernel = best
    per = 1e6 / (len(arms) * replications * STEPS)
    return {
        "cpu_s": round(total, 2),
        "kernel_s": round(kernel, 2),
        "outside_share": round((total - kernel) / total, 3),
        "us_per_arm_replication_step": round(total * per, 3),
        "outside_us_per_arm_replication_step": round((total - kernel) * per, 3),
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    print(measure(int(args[0]) if args else 5000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
