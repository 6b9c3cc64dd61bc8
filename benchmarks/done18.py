"""Every "done when" line of issue 18, measured in one run against its reference.

    python -m benchmarks.run_all --only done18            # the sizes of the issue
    python -m benchmarks.run_all --only done18 --quick    # smaller sizes, a smoke test

Each line is measured beside its reference in the same run (the machine is shared: the
ratios of paired runs are the numbers to read; the 1-minute load is stored per line):

- calibrate: CAL_FITS in-sample fits of `make validate-model` (rejection ABC, as its
             fits run) with 1 worker, with 2 workers sharing one pool (what every command
             does now), and with 2 workers but a fresh pool per ensemble (the issue's old
             behaviour), from a script importing benchmarks.calibrate as `make
             validate-model` does; the full validation (dozens of fits) is too long here.
- run:       `run baseline -n RUN_N --steps 200 --workers 2` with full series and charts
             against `--series summary --no-plots`, alternated (best of 2 each): wall time,
             CPU time of the whole process tree and the peak RSS of every process (psutil,
             every 0.1 s);
- engine:    µs per replication-step of the engine alone, numba on one thread vs numpy
             (benchmarks.kernel.engine_costs), and the kernel in one-step spans (what a
             full-series run does) on one thread vs all threads;
- big:       `run baseline -n 100000 --steps 200 --workers 2 --series summary --no-plots`;
- actors:    per replication-step cost at 6 … 200 actors, both engines, fitted exponents;
- mesa:      mesa.batch_run vs the numba ensemble, both given the loaded scenario, same
             replications and steps (benchmarks.kernel.bench_mesa).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.tree import sampled

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CLI = [sys.executable, "-m", "sim.cli"]
RUN_N = 10_000
BIG_N = 100_000
CAL_POPULATION = 100
CAL_FITS = 3


def load() -> float:
    return round(os.getloadavg()[0], 2)


# ---------------------------------------------------------------- calibration


CALIBRATE = """
import json, sys, time
from benchmarks.calibrate import with_settings  # the validation script's module, as in make


def main():
    from contextlib import nullcontext

    from sim.observe.rolling import fit
    from sim.observe.spec import load_spec
    from sim.pool import command_pool

    workers, population, pooled = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "pool"
    spec = with_settings(load_spec(sys.argv[4]), population=population)
    start = time.perf_counter()
    with command_pool(workers) if pooled else nullcontext():
        for k in range(int(sys.argv[5])):  # several fits, as the validation runs
            fit(with_settings(spec, seed=spec.settings["seed"] + k), lambda o: True, workers)
    print(json.dumps(time.perf_counter() - start))


if __name__ == "__main__":
    main()
"""


def bench_calibrate(quick: bool) -> dict[str, Any]:
    population = 40 if quick else CAL_POPULATION
    spec = REPO / "scenarios" / "calibration" / "history.yaml"
    rows = []
    with tempfile.TemporaryDirectory(prefix="done18-cal-") as tmp:
        script = Path(tmp) / "calibrate_once.py"
        script.write_text(CALIBRATE)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        for workers, pooled in ((1, "pool"), (2, "pool"), (2, "per-ensemble")):
            row = {"workers": workers, "pool": pooled, "load": load()}
            out = subprocess.run(
                [
                    sys.executable,
                    str(script),
                    str(workers),
                    str(population),
                    pooled,
                    str(spec),
                    str(CAL_FITS),
                ],
                cwd=tmp,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            row["seconds"] = round(json.loads(out.stdout.strip().splitlines()[-1]), 2)
            rows.append(row)
    one, two, fresh = (r["seconds"] for r in rows)
    return {
        "population": population,
        "fits": CAL_FITS,
        "rows": rows,
        "two_over_one": round(two / one, 2),
        "fresh_pools_over_one": round(fresh / one, 2),
        "met": two <= one,
        "command": f"{CAL_FITS} rejection-ABC fits of make validate-model "
        f"(sim.observe.rolling.fit, history.yaml, population {population}, numpy engine as "
        "the validation runs) from a script importing benchmarks.calibrate; 2 workers inside "
        "sim.pool.command_pool (one pool for the command) or without it (a pool per ensemble)",
    }


# ---------------------------------------------------------------- full series vs summary


def _run_cmd(n: int, out: Path, full: bool) -> list[str]:
    extra = [] if full else ["--series", "summary", "--no-plots"]
    return [
        *CLI,
        "run",
        "scenarios/baseline.yaml",
        "-n",
        str(n),
        "--steps",
        "200",
        "--workers",
        "2",
        "-q",
        "--out",
        str(out),
        *extra,
    ]


def bench_run(quick: bool) -> dict[str, Any]:
    n = 2000 if quick else RUN_N
    attempts: dict[str, list[dict[str, Any]]] = {"summary": [], "full": []}
    with tempfile.TemporaryDirectory(prefix="done18-run-") as tmp:
        # compile or load numba's cache once, outside the timings
        subprocess.run(
            [
                *CLI,
                "run",
                "scenarios/baseline.yaml",
                "-n",
                "64",
                "--steps",
                "12",
                "--engine",
                "numba",
                "-q",
                "--no-plots",
                "--out",
                str(Path(tmp) / "warm"),
            ],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        for k in range(1 if quick else 2):
            for case in ("summary", "full"):
                out = Path(tmp) / f"{case}-{k}"
                m = sampled(_run_cmd(n, out, case == "full"))
                m["load"] = load()
                if case == "full":
                    m["disk_mb"] = round(sum(f.stat().st_size for f in out.rglob("*")) / 2**20, 1)
                attempts[case].append(m)
    best = {case: min(rows, key=lambda r: r["seconds"]) for case, rows in attempts.items()}
    full, summ = best["full"], best["summary"]
    return {
        "replications": n,
        "attempts": attempts,
        "ratio_wall": round(full["seconds"] / summ["seconds"], 2),
        "ratio_cpu": round(full["cpu_seconds"] / summ["cpu_seconds"], 2),
        "largest_process_mb": max(r["largest_process_mb"] for r in attempts["full"]),
        "met_time": full["seconds"] <= 2 * summ["seconds"],
        "met_memory": max(r["largest_process_mb"] for r in attempts["full"]) < 1024,
        "command": " ".join(["alliance-sim", *_run_cmd(n, Path("DIR"), True)[3:]])
        + " vs the same with --series summary --no-plots; alternated, best of "
        f"{len(attempts['full'])} each; numba's cache loaded beforehand",
    }


# ---------------------------------------------------------------- engine and kernel threads


def span_threads(reps: int = 256, steps: int = 200) -> dict[str, Any]:
    """The kernel advanced in one-step spans (as with full series), all threads vs one:
    CPU and wall seconds for `steps` calls."""
    import numba
    import numpy as np

    from sim.engine import shocks, start
    from sim.ensemble import prepare
    from sim.kernel.layout import pack, to_lanes
    from sim.kernel.loop import run_kernel
    from sim.scenario.loader import load_scenario

    world, _ = prepare(load_scenario(REPO / "scenarios" / "baseline.yaml").scenario)
    idx = np.arange(reps)
    noise, settled = shocks(1, idx, steps, world.ids), start(world, idx)
    peak = to_lanes(np.zeros((reps, world.n)), reps)
    totals = to_lanes(np.full((reps, 4), -1.0), reps)

    def spans() -> None:
        packed = pack(settled)
        for t in range(steps):
            run_kernel(packed, noise[t : t + 1], peak, totals, t, False)

    spans()  # load the compiled code
    out: dict[str, Any] = {"replications": reps, "steps": steps}
    before = numba.get_num_threads()
    for label, threads in (("all", before), ("one", 1)):
        numba.set_num_threads(threads)
        best_wall = best_cpu = float("inf")
        for _ in range(3):
            w, c = time.perf_counter(), time.process_time()
            spans()
            best_wall = min(best_wall, time.perf_counter() - w)
            best_cpu = min(best_cpu, time.process_time() - c)
        out[label] = {
            "threads": threads,
            "wall_s": round(best_wall, 3),
            "cpu_s": round(best_cpu, 3),
        }
    numba.set_num_threads(before)
    return out


def bench_engine(quick: bool) -> dict[str, Any]:
    from benchmarks.kernel import engine_costs
    from sim.scenario.loader import load_scenario

    reps, steps = (256, 50) if quick else (1024, 200)
    scenario = load_scenario(REPO / "scenarios" / "baseline.yaml").scenario
    row = engine_costs(scenario, reps, steps)
    return {
        **row,
        "replications": reps,
        "steps": steps,
        "load": load(),
        "met": row["numba_us"] <= 1.5 and row["ratio"] <= 0.25,
        "spans": span_threads(256, 50 if quick else 200),
        "command": f"benchmarks.kernel.engine_costs(baseline, {reps}, {steps}): advance + "
        "summary recorder, shocks drawn beforehand, numba on 1 thread, CPU time, best of 3; "
        "spans: run_kernel one step at a time on 256 replications, best of 3",
    }


def bench_big(quick: bool) -> dict[str, Any]:
    n = 20_000 if quick else BIG_N
    with tempfile.TemporaryDirectory(prefix="done18-big-") as tmp:
        m = sampled(_run_cmd(n, Path(tmp) / "big", full=False))
    m["load"] = load()
    return {
        "replications": n,
        "steps": 200,
        **m,
        "us_per_replication_step_wall": round(m["seconds"] / (n * 200) * 1e6, 3),
        "met": m["seconds"] <= 60,
        "command": " ".join(["alliance-sim", *_run_cmd(n, Path("DIR"), False)[3:]])
        + " (engine auto: numba), whole command incl. start-up and the counterfactual",
    }


def bench_mesa(quick: bool) -> dict[str, Any]:
    """Mesa's batch_run and the numba ensemble, both given the loaded scenario object (the
    honest ratio of issue 18); benchmarks.kernel.bench_mesa's ratio, which loads the YAML
    inside the ensemble's timing, is kept beside it."""
    from benchmarks.kernel import bench_mesa as with_loading
    from sim.ensemble import run_ensemble
    from sim.scenario.loader import load_scenario

    out = with_loading(quick)
    k, t = out["replications"], out["steps"]
    loaded = load_scenario(REPO / "scenarios" / "baseline.yaml").scenario
    walls = []
    for _ in range(3):
        start = time.perf_counter()
        run_ensemble(loaded, k, loaded.run.seed, t, keep_series=False, engine="numba")
        walls.append(time.perf_counter() - start)
    out["loaded_seconds_best"] = round(min(walls), 4)
    out["ratio_loaded"] = round(out["mesa_seconds"] / min(walls), 1)
    out["command"] += (
        f"; and run_ensemble(loaded baseline, {k}, seed, {t}, engine='numba') given the "
        "loaded scenario as Mesa is, best of 3"
    )
    return out


def bench_done18(quick: bool) -> dict[str, Any]:
    """Every line, in one run (what benchmarks/run_all.py stores)."""
    from benchmarks.kernel import bench_actors

    out: dict[str, Any] = {}
    for name, fn in (
        ("engine", bench_engine),
        ("calibrate", bench_calibrate),
        ("run", bench_run),
        ("big", bench_big),
        ("actors", bench_actors),
        ("mesa", bench_mesa),
    ):
        before = load()
        print(f"  done18: {name} ... (load {before})", flush=True)
        out[name] = fn(quick)
        out[name]["load_before"], out[name]["load_after"] = before, load()
    a = out["actors"]
    numpy_ratio = a["rows"][-1]["numpy_relative_to_6"]
    numba_ratio = a["rows"][-1]["numba_relative_to_6"]
    a["ratio_200_over_6"] = {"numpy": numpy_ratio, "numba": numba_ratio}
    a["met"] = numba_ratio <= 2 * numpy_ratio
    out["mesa"]["met"] = out["mesa"]["ratio_loaded"] >= 100
    return out


if __name__ == "__main__":
    print(json.dumps(bench_done18("--quick" in sys.argv), indent=1))
