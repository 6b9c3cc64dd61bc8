"""Peak memory of `alliance-sim run` on standalone scenarios of many actors, beside the
estimate the run checks before it starts (docs/performance.md, "Memory at many actors").

Why: a chunk held 250 (full series) or 1,024 (summaries) replications whatever the number
of actors, and each replication holds ~24 N × N arrays, 3 more per recorded step; the
chart histograms were dense (1.3 GB of commitment bins at 300 actors). The estimate counted
neither, so a run could pass the memory check and then exhaust the machine. Each case is
one fresh `alliance-sim run` process (numpy engine unless `--engine numba`, charts off);
its peak resident memory is the child's `ru_maxrss` from `os.wait4`. `--checkout DIR`
measures another checkout's `sim` on the same scenarios (e.g. main before the chunks were
cut); the estimate is always this checkout's.

    python -m benchmarks.run_memory [--cases 100:36:20:full 300:36:20:full ...]
        [--checkout DIR] [--engine numpy|numba]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks.many_actors_charts import scenario

REPO = Path(__file__).resolve().parents[1]
CASES = ("100:36:20:full", "200:36:20:full", "300:36:20:full", "200:12:200:summary")


def peak_run(args: list[str], checkout: Path) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one `alliance-sim ARGS` process."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "MPLBACKEND": "Agg"}
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", *args], env=env, cwd=checkout,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    # cwd: `-m` puts the working directory before PYTHONPATH on sys.path
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"run_memory: {' '.join(args)} exited {proc.returncode}")
    return time.perf_counter() - t, usage.ru_maxrss / 1024  # Linux: kilobytes


def estimate_mb(path: Path, replications: int, steps: int, series: str, engine: str) -> float:
    """This checkout's estimate, as `run` computes it (sim/jobs/run_console.py check_size)."""
    from sim.jobs.run import RunSettings
    from sim.jobs.run_console import check_size
    from sim.scenario.loader import load_scenario

    loaded = load_scenario(path)
    settings = RunSettings(replications=replications, seed=1, steps=steps, series=series,
                           engine=engine)  # fmt: skip
    with open(os.devnull, "w") as quiet:
        saved, sys.stderr = sys.stderr, quiet
        try:
            memory, _ = check_size(loaded, settings, path.parent / "unused")
        finally:
            sys.stderr = saved
    return memory / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run_memory",
                                 description=__doc__.splitlines()[0])  # fmt: skip
    ap.add_argument("--cases", nargs="+", default=list(CASES),
                    help="ACTORS:STEPS:REPLICATIONS:SERIES each")  # fmt: skip
    ap.add_argument("--checkout", type=Path, default=REPO, help="the sim to measure")
    ap.add_argument("--engine", choices=("numpy", "numba"), default="numpy")
    args = ap.parse_args(argv)
    print("actors | steps | replications | series | wall (s) | peak (MB) | estimate (MB) | "
          "estimate ÷ peak")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="run-memory-") as tmp:
        for case in args.cases:
            n, steps, reps, series = case.split(":")
            path = Path(tmp) / f"actors{n}.yaml"
            path.write_text(yaml.safe_dump(scenario(int(n), int(steps)), sort_keys=False))
            out = Path(tmp) / f"run{case.replace(':', '-')}"
            wall, peak = peak_run(["run", str(path), "-n", reps, "--series", series,
                                   "--engine", args.engine, "--out", str(out), "--no-plots",
                                   "-q"], args.checkout)  # fmt: skip
            est = estimate_mb(path, int(reps), int(steps), series, args.engine)
            print(f"{n} | {steps} | {reps} | {series} | {wall:.1f} | {peak:,.0f} | {est:,.0f} | "
                  f"{est / peak:.2f}", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
