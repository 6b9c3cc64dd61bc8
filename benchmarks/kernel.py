"""The compiled kernel against the numpy engine, in one run (`python -m benchmarks.run_all
--only kernel`, or `python -m benchmarks.kernel` to print without storing).

- engine:  µs per replication-step of the engine alone (advance + the summary recorder;
           shocks drawn beforehand, the same array for both), numba on one thread vs numpy,
           and whole `run_chunk` calls (shocks, settling and events included);
- big:     100,000 baseline replications × 200 steps, summaries only, on both cores;
- actors:  engine cost per replication-step with 6 … 200 actors, both engines, and the
           fitted exponent of each;
- mesa:    mesa.batch_run(AllianceModel) vs run_ensemble(engine="numba"), the same
           replications and steps, one process each, loading included.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
BASELINE = HERE.parent / "scenarios" / "baseline.yaml"


def _best(fn, repeat: int, clock=time.perf_counter) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = clock()
        fn()
        best = min(best, clock() - start)
    return best


CPU = time.process_time  # one thread each: CPU time is less shaken by a loaded machine


def engine_costs(scenario, reps: int, steps: int, repeat: int = 3) -> dict[str, float]:
    """µs per replication-step of each engine alone, from the same settled state and shocks."""
    import numba

    from sim.dynamics import advance
    from sim.engine import shocks, start
    from sim.ensemble import Recorder, prepare
    from sim.kernel.layout import pack, to_lanes
    from sim.kernel.loop import run_kernel

    world, _ = prepare(scenario)
    idx = np.arange(reps)
    noise = shocks(1, idx, steps, world.ids)
    settled = start(world, idx)

    def numpy_engine() -> None:
        state = start(world, idx)
        rec = Recorder(world, reps, steps, keep_series=False)
        for t in range(steps):
            advance(state, noise[t])
            rec.record(state)

    peak = to_lanes(np.zeros((reps, world.n)), reps)
    totals = to_lanes(np.full((reps, 4), -1.0), reps)

    def numba_engine() -> None:
        run_kernel(pack(settled), noise, peak, totals, 0, True)

    run_kernel(pack(settled), noise[:1], peak, totals, 0, True)  # load the compiled code
    settle_s = _best(lambda: start(world, idx), repeat, CPU)  # numpy_engine includes a start
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        kernel = _best(numba_engine, repeat, CPU)
    finally:
        numba.set_num_threads(before)
    numpy_s = max(_best(numpy_engine, repeat, CPU) - settle_s, 1e-9)
    per = 1e6 / (reps * steps)
    return {"numpy_us": round(numpy_s * per, 3), "numba_us": round(kernel * per, 3),
            "ratio": round(kernel / numpy_s, 3)}  # fmt: skip


def bench_engine(quick: bool) -> dict[str, Any]:
    from sim.ensemble import prepare, run_chunk
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(BASELINE).scenario
    reps, steps = (256, 50) if quick else (1024, 200)
    row = engine_costs(scenario, reps, steps)
    world, events = prepare(scenario)
    whole = {}
    for engine in ("numpy", "numba"):
        run = lambda e=engine: run_chunk(world, events, np.arange(reps), 1, steps, engine=e)  # noqa: E731
        whole[engine] = _best(run, 2) * 1e6 / (reps * steps)
    return {
        **row,
        "replications": reps,
        "steps": steps,
        "run_chunk_numpy_us": round(whole["numpy"], 3),
        "run_chunk_numba_us": round(whole["numba"], 3),
        "command": f"baseline, {reps} replications × {steps} steps: engine alone (advance + "
        "summary recorder, shocks drawn beforehand), numba on 1 thread, CPU time, best of 3; and "
        "run_chunk(engine=...) whole (shocks, settling, events; numba on all threads), best of 2",
    }


def bench_big(quick: bool) -> dict[str, Any]:
    from sim.ensemble import run_ensemble
    from sim.scenario.loader import load_scenario

    reps, steps = (10_000, 200) if quick else (100_000, 200)
    rows = []
    for workers in (1, 2):  # 1 process with 2 kernel threads, or 2 processes
        cpu = _tree_cpu()
        start = time.perf_counter()
        scenario = load_scenario(BASELINE).scenario
        result = run_ensemble(scenario, reps, scenario.run.seed, steps, keep_series=False,
                              chunk_size=4096, workers=workers, engine="numba")  # fmt: skip
        wall = time.perf_counter() - start
        cpu = _tree_cpu() - cpu
        assert len(result.replications) == reps
        rows.append({"workers": workers, "wall_seconds": round(wall, 1),
                     "cpu_seconds": round(cpu, 1),
                     "us_per_replication_step": round(wall / (reps * steps) * 1e6, 3)})  # fmt: skip
    return {
        "replications": reps,
        "steps": steps,
        "rows": rows,
        "command": f"run_ensemble(baseline, {reps}, seed, {steps}, keep_series=False, "
        "chunk_size=4096, workers=W, engine='numba') incl. loading, shocks and process start",
    }


def _tree_cpu() -> float:
    """CPU seconds of this process and its finished children (user + system)."""
    import resource

    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench_actors(quick: bool) -> dict[str, Any]:
    from benchmarks.run_all import fitted_exponent
    from benchmarks.synthetic import write_synthetic
    from sim.scenario.loader import load_scenario

    sizes = {6: 1024, 20: 256, 50: 64, 200: 32}
    steps = 4 if quick else 12
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, reps in sizes.items():
            reps = max(32, reps // 4) if quick else reps
            scenario = load_scenario(write_synthetic(Path(tmp), n, steps)).scenario
            cost = engine_costs(scenario, reps, steps, repeat=2 if n < 200 else 1)
            rows.append({"actors": n, "replications": reps, "steps": steps, **cost})
    out = {"rows": rows}
    for engine in ("numpy", "numba"):
        base = rows[0][f"{engine}_us"]
        for row in rows:
            row[f"{engine}_relative_to_6"] = round(row[f"{engine}_us"] / base, 1)
        fit = [{"actors": r["actors"], "us_per_replication_step": r[f"{engine}_us"]} for r in rows]
        out[f"{engine}_exponent"] = fitted_exponent(fit)
        out[f"{engine}_exponent_50_200"] = fitted_exponent(fit[-2:])
    out["command"] = (
        "synthetic scenarios (benchmarks/synthetic.py), engine alone (advance + summary "
        "recorder), numba on 1 thread, CPU time, best of 2 (one run at 200 actors)"
    )
    return out


def bench_mesa(quick: bool) -> dict[str, Any]:
    import mesa

    from sim.ensemble import run_ensemble
    from sim.model import AllianceModel
    from sim.scenario.loader import load_scenario

    k, t = (40, 36) if quick else (300, 36)
    loaded = load_scenario(BASELINE).scenario
    start = time.perf_counter()
    mesa.batch_run(AllianceModel, parameters={"scenario": [loaded], "replication": range(k),
                   "steps": [t]}, max_steps=t, number_processes=1,
                   display_progress=False)  # fmt: skip
    mesa_s = time.perf_counter() - start
    walls = []
    for _ in range(3):  # the first includes loading numba's cached machine code
        start = time.perf_counter()
        scenario = load_scenario(BASELINE).scenario
        run_ensemble(scenario, k, scenario.run.seed, t, keep_series=False, engine="numba")
        walls.append(time.perf_counter() - start)
    return {
        "replications": k,
        "steps": t,
        "mesa_seconds": round(mesa_s, 3),
        "numba_seconds_first": round(walls[0], 4),
        "numba_seconds_best": round(min(walls), 4),
        "ratio_first": round(mesa_s / walls[0], 1),
        "ratio_best": round(mesa_s / min(walls), 1),
        "command": f"mesa.batch_run(AllianceModel, loaded baseline, replication=range({k}), "
        f"steps={t}, number_processes=1) vs run_ensemble(baseline, {k}, seed, {t}, "
        "keep_series=False, engine='numba') incl. loading; first call and best of 3",
    }


def bench_kernel(quick: bool) -> dict[str, Any]:
    """Everything above, in one run (what benchmarks/run_all.py stores)."""
    out = {}
    for name, fn in (("engine", bench_engine), ("actors", bench_actors), ("mesa", bench_mesa),
                     ("big", bench_big)):  # fmt: skip
        print(f"  kernel: {name} ...", flush=True)
        out[name] = fn(quick)
    return out


def render_kernel(d: dict[str, Any]) -> list[str]:
    e, a, m, b = d["engine"], d["actors"], d["mesa"], d["big"]
    lines = [
        "| engine | µs per replication-step (engine alone) | run_chunk, µs per replication-step |",
        "|---|---|---|",
        f"| numpy | {e['numpy_us']} | {e['run_chunk_numpy_us']} |",
        f"| numba, 1 thread | **{e['numba_us']}** ({e['ratio']}× numpy) | "
        f"{e['run_chunk_numba_us']} (all threads) |",
        "",
        f"Measured: {e['command']}.",
        "",
        f"{b['replications']:,} × {b['steps']} summary run, numba: "
        + "; ".join(
            f"{r['workers']} worker(s) **{r['wall_seconds']} s** wall, "
            f"{r.get('cpu_seconds', '?')} s CPU"
            for r in b["rows"]
        )
        + f". Measured: {b['command']}.",
        "",
        "| actors | replications × steps | numpy µs | × of 6 | numba µs | × of 6 |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['actors']} | {r['replications']} × {r['steps']} | {r['numpy_us']} | "
        f"{r['numpy_relative_to_6']} | {r['numba_us']} | {r['numba_relative_to_6']} |"
        for r in a["rows"]
    ]
    lines += [
        "",
        f"Fitted exponent (cost ∝ actors^b): numpy b = {a['numpy_exponent']} "
        f"({a['numpy_exponent_50_200']} from 50 to 200), numba b = {a['numba_exponent']} "
        f"({a['numba_exponent_50_200']} from 50 to 200). Measured: {a['command']}.",
        "",
        f"Mesa: mesa.batch_run {m['mesa_seconds']} s vs numba ensemble "
        f"{m['numba_seconds_first']} s first call (**{m['ratio_first']}×**), "
        f"{m['numba_seconds_best']} s best of 3 (**{m['ratio_best']}×**). "
        f"Measured: {m['command']}.",
        "",
    ]
    return lines


if __name__ == "__main__":
    import sys

    print(json.dumps(bench_kernel("--quick" in sys.argv), indent=1))
