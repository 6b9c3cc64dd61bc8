"""Speed and memory benchmarks of the ensemble and sweep engines, in one run.

    python -m benchmarks.run_all            # everything but the 10^6-run sweep (~3 min)
    python -m benchmarks.run_all --full     # also the 10^6-run sweep (several minutes)
    python -m benchmarks.run_all --quick    # small sizes, a smoke test (~1 min)
    python -m benchmarks.run_all --only mesa steps

Each measurement is kept in benchmarks/results.json (with its date, the machine and the
exact settings) and benchmarks/results.md is rendered from all of them, so a default run
keeps the last --full 10^6-run numbers instead of erasing them. --quick writes to the
temp folder unless --out is given.

Measurements:
- mesa:     runs/s of mesa.batch_run(AllianceModel, ...) vs the ensemble engine, same
            scenario, replications and steps, one process each;
- target:   10,000 baseline replications × 200 steps with 2 worker processes (wall time);
- actors:   cost per replication-step with 6, 20, 50, 200 actors (synthetic scenarios);
- steps:    cost with 12 … 400 steps (baseline);
- rss:      peak memory of `alliance-sim sweep` for 10^4, 10^5 (and 10^6) runs of summaries,
            sampled over the whole process tree in a separate process;
- resume:   a sweep killed with SIGKILL and resumed equals an uninterrupted one;
- issue18:  the targets of issue #18 (one pool, counter-based noise, streaming output, fast
            start), the old code against this checkout in one run (benchmarks/issue18.py;
            the compiled kernel's rows go in its KERNEL_ROWS);
- issue9:   the figures of issue #9, the old code against this checkout in one run
            (benchmarks/issue9.py);
- kernel:   the compiled kernel against the numpy engine: per replication-step cost,
            100k × 200 runs, actor scaling, Mesa ratio (benchmarks/kernel.py);
- done18:   every "done when" line of issue #18, each against its reference in the same
            run, with target and met / not met (benchmarks/done18.py).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BASELINE = REPO / "scenarios" / "baseline.yaml"
RESULTS_MD = HERE / "results.md"
CLI = [sys.executable, "-c", "import sys; from sim.cli import main; sys.exit(main())"]


def machine() -> dict[str, Any]:
    import numpy as np

    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "load_1min_at_start": round(load, 2),
    }


# ---------------------------------------------------------------- mesa.batch_run ratio


def bench_mesa(quick: bool) -> dict[str, Any]:
    import mesa
    import numpy as np

    from sim.ensemble import run_ensemble
    from sim.model import AllianceModel
    from sim.scenario.loader import load_scenario

    k, t = (40, 36) if quick else (300, 36)
    start = time.perf_counter()
    cpu = time.process_time()
    # The loaded scenario object, not its path: with a path every Mesa run re-reads the YAML,
    # which is not the model's cost (issue #9; benchmarks/issue9.py shows both).
    loaded = load_scenario(BASELINE).scenario
    mesa.batch_run(
        AllianceModel,
        parameters={"scenario": [loaded], "replication": range(k), "steps": [t]},
        max_steps=t,
        number_processes=1,
        display_progress=False,
    )
    mesa_s, mesa_cpu = time.perf_counter() - start, time.process_time() - cpu
    rows = {}
    for keep in (True, False):
        rows[keep] = float("inf")
        for _ in range(3):  # best of 3: the ensemble side takes a fraction of a second
            start = time.perf_counter()
            scenario = load_scenario(BASELINE).scenario
            result = run_ensemble(scenario, k, scenario.run.seed, t, keep_series=keep, workers=1)
            rows[keep] = min(rows[keep], time.perf_counter() - start)
            assert len(result.replications) == k
    # the same numbers: a Mesa model is one replication of the ensemble
    model = AllianceModel(str(BASELINE), seed=scenario.run.seed, replication=3, steps=t)
    while model.running:
        model.step()
    final = [result.summary[f"final_escalation_{a}"][3] for a in model.world.ids]
    same = bool(np.array_equal(model.state.x[0], np.array(final)))
    return {
        "replications": k,
        "steps": t,
        "mesa_seconds": round(mesa_s, 3),
        "mesa_cpu_seconds": round(mesa_cpu, 3),
        "mesa_runs_per_s": round(k / mesa_s, 2),
        "ensemble_series_seconds": round(rows[True], 4),
        "ensemble_summary_seconds": round(rows[False], 4),
        "ensemble_series_runs_per_s": round(k / rows[True], 1),
        "ensemble_summary_runs_per_s": round(k / rows[False], 1),
        "ratio_series": round(mesa_s / rows[True], 1),
        "ratio_summary": round(mesa_s / rows[False], 1),
        "same_numbers_checked": same,
        "command": f"mesa.batch_run(AllianceModel, parameters={{'scenario': [load_scenario("
        "baseline).scenario], "
        f"'replication': range({k}), 'steps': [{t}]}}, max_steps={t}, number_processes=1) vs "
        f"run_ensemble(baseline, {k}, seed, {t}, workers=1) (best of 3, loading included); "
        "Mesa gets the loaded scenario object (loading once)",
    }


# ---------------------------------------------------------------- 10^4 × 200 with 2 workers


def bench_target(quick: bool) -> dict[str, Any]:
    from sim.ensemble import run_ensemble
    from sim.scenario.loader import load_scenario

    reps, steps, workers = (2000, 200, 2) if quick else (10_000, 200, 2)
    out = {}
    for _ in range(1 if quick else 3):
        start = time.perf_counter()
        scenario = load_scenario(BASELINE).scenario
        result = run_ensemble(
            scenario, reps, scenario.run.seed, steps, keep_series=False, chunk_size=512,
            workers=workers,
        )  # fmt: skip
        wall = time.perf_counter() - start
        assert len(result.replications) == reps
        out.setdefault("walls", []).append(round(wall, 2))
    best = min(out["walls"])
    return {
        "replications": reps,
        "steps": steps,
        "workers": workers,
        "wall_seconds_best": best,
        "wall_seconds_all": out["walls"],
        "us_per_replication_step_wall": round(best / (reps * steps) * 1e6, 3),
        "under_10_s": best < 10.0,
        "command": f"run_ensemble(baseline, {reps}, seed, {steps}, keep_series=False, "
        f"chunk_size=512, workers={workers}) incl. loading and process start-up; best of "
        f"{len(out['walls'])}",
    }


# ---------------------------------------------------------------- scaling


def _cost(scenario, reps: int, steps: int) -> float:
    import numpy as np

    from sim.ensemble import prepare, run_chunk
    from sim.jobs.sweep.plan import batch_size

    world, events = prepare(scenario)
    batch = batch_size(world.n)
    run_chunk(world, events, np.arange(min(batch, 16)), 1, 2)  # warm up
    best = float("inf")
    for _ in range(2):
        start = time.process_time()
        for lo in range(0, reps, batch):
            run_chunk(world, events, np.arange(lo, min(lo + batch, reps)), 1, steps)
        best = min(best, time.process_time() - start)
    return best


def bench_actors(quick: bool) -> dict[str, Any]:
    from benchmarks.synthetic import write_synthetic
    from sim.scenario.loader import load_scenario

    sizes = {6: 1024, 20: 256, 50: 64, 200: 16}
    steps = 12 if quick else 36
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, reps in sizes.items():
            reps = max(16, reps // 4) if quick else reps
            scenario = load_scenario(write_synthetic(Path(tmp), n, steps)).scenario
            cpu = _cost(scenario, reps, steps)
            rows.append(
                {
                    "actors": n,
                    "replications": reps,
                    "steps": steps,
                    "cpu_seconds": round(cpu, 3),
                    "us_per_replication_step": round(cpu / (reps * steps) * 1e6, 2),
                    "runs_per_s_one_core": round(reps / cpu, 1),
                }
            )
    base = rows[0]["us_per_replication_step"]
    for row in rows:
        row["relative_to_6"] = round(row["us_per_replication_step"] / base, 1)
    return {
        "rows": rows,
        "exponent": fitted_exponent(rows),
        "command": "run_chunk on synthetic scenarios (benchmarks/synthetic.py), batches of "
        "sim.jobs.sweep.plan.batch_size(N), one process, CPU time, best of 2",
    }


def fitted_exponent(rows: list[dict[str, Any]]) -> float:
    """b in cost ∝ actors^b: the least-squares slope of log cost on log actors."""
    import numpy as np

    x = np.log([r["actors"] for r in rows])
    y = np.log([r["us_per_replication_step"] for r in rows])
    return round(float(np.polyfit(x, y, 1)[0]), 2)


def bench_steps(quick: bool) -> dict[str, Any]:
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(BASELINE).scenario
    reps = 256 if quick else 1024
    rows = []
    for steps in (12, 36, 100) if quick else (12, 36, 100, 200, 400):
        cpu = _cost(scenario, reps, steps)
        rows.append(
            {
                "steps": steps,
                "replications": reps,
                "cpu_seconds": round(cpu, 3),
                "us_per_replication_step": round(cpu / (reps * steps) * 1e6, 2),
                "ms_per_run": round(cpu / reps * 1e3, 3),
            }
        )
    return {"rows": rows, "command": f"run_chunk(baseline, {reps} replications), one process"}


# ---------------------------------------------------------------- memory of big sweeps


def _tree_rss(proc, peaks: dict[int, int] | None = None) -> int:
    """The RSS summed over `proc` and its descendants; each process's own peak goes into
    `peaks` (pid → bytes) when given."""
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            rss = p.memory_info().rss
            total += rss
            if peaks is not None:
                peaks[p.pid] = max(peaks.get(p.pid, 0), rss)
    return total


def run_measured(cmd: list[str], env: dict | None = None, cwd: Path = REPO) -> dict[str, Any]:
    """Run a command; sample the RSS of its whole process tree every 0.1 s."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ps = psutil.Process(proc.pid)
    peak_tree = peak_main = 0
    peaks: dict[int, int] = {}
    while proc.poll() is None:
        peak_tree = max(peak_tree, _tree_rss(ps, peaks))
        with contextlib.suppress(psutil.NoSuchProcess):
            peak_main = max(peak_main, ps.memory_info().rss)
        time.sleep(0.1)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err.decode()[-2000:]}")
    return {
        "seconds": round(time.perf_counter() - start, 1),
        "peak_tree_rss_mb": round(peak_tree / 2**20, 1),
        "peak_driver_rss_mb": round(peak_main / 2**20, 1),
        # the largest peak of any single process of the tree (sampled, like the tree sum)
        "peak_process_rss_mb": round(max(peaks.values(), default=0) / 2**20, 1),
        "stdout": out.decode(),
        "stderr": err.decode(),
    }


def _rss_spec(folder: Path, runs: int, steps: int) -> Path:
    reps = 100
    points = runs // reps
    spec = folder / f"rss_{runs}.yaml"
    spec.write_text(
        f"scenario: {BASELINE}\nname: rss_{runs}\ndesign: lhs\nsamples: {points}\n"
        f"replications: {reps}\nsteps: {steps}\nparameters:\n"
        "  parameters.reactivity: 0.03:0.3\n  parameters.restraint: 0:2\n"
        "  events.pact_signed.set.treaties.rus_prk_2024.strength: 0.2:1.0\n"
        "  relations.PRK.CHN.trade: 0.3:0.99\n"
        "  actors.PRK.traits.resolve: 0.4:1.0\n"
    )
    return spec


def bench_rss(quick: bool, full: bool) -> dict[str, Any]:
    sizes = [10_000] if quick else [10_000, 100_000] + ([1_000_000] if full else [])
    steps = 36
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for runs in sizes:
            spec = _rss_spec(Path(tmp), runs, steps)
            out = Path(tmp) / f"out_{runs}"
            cmd = [*CLI, "sweep", str(spec), "--out", str(out), "-q", "--no-analysis",
                   "--workers", "2"]  # fmt: skip
            m = run_measured(cmd)
            chunks = len(list((out / "chunks").glob("*.parquet")))
            disk = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
            row = {
                "runs": runs,
                "points": runs // 100,
                "replications": 100,
                "steps": steps,
                "workers": 2,
                "chunks": chunks,
                "seconds": m["seconds"],
                "runs_per_s": round(runs / m["seconds"], 1),
                "peak_tree_rss_mb": m["peak_tree_rss_mb"],
                "peak_driver_rss_mb": m["peak_driver_rss_mb"],
                "disk_mb": round(disk / 2**20, 1),
            }
            a = run_measured([*CLI, "analyze", str(out), "--no-plots"])
            row["analyze_seconds"] = a["seconds"]
            row["analyze_peak_rss_mb"] = a["peak_tree_rss_mb"]
            rows.append(row)
    return {
        "rows": rows,
        "command": "alliance-sim sweep SPEC --workers 2 --no-analysis (LHS over 5 parameters, "
        "100 replications per point, 36 steps) in a subprocess; RSS of the driver and its "
        "worker processes summed, sampled every 0.1 s with psutil; then alliance-sim analyze",
    }


# ---------------------------------------------------------------- resume after SIGKILL


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted((folder / "chunks").glob("*.parquet")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def bench_resume(quick: bool) -> dict[str, Any]:
    runs = 20_000 if quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        spec = _rss_spec(Path(tmp), runs, 36)
        ref = Path(tmp) / "ref"
        base = [*CLI, "sweep", str(spec), "-q", "--no-analysis", "--workers", "2"]
        full = run_measured([*base, "--out", str(ref)])
        out = Path(tmp) / "killed"
        proc = subprocess.Popen([*base, "--out", str(out)], cwd=REPO, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        partial = None
        while proc.poll() is None:  # kill when about 40% of the chunks are written
            found = list(Path(tmp).glob(".killed.partial-*"))
            if found and (found[0] / "plan.json").exists():
                partial = found[0]
                chunks = len(list((partial / "chunks").glob("chunk-*.parquet")))
                total = json.loads((partial / "plan.json").read_text())["n_chunks"]
                if chunks >= 0.4 * total:
                    break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        partial = next(Path(tmp).glob(".killed.partial-*"))
        kept = len(list((partial / "chunks").glob("chunk-*.parquet")))
        resumed = run_measured([*base, "--out", str(out), "--resume"])
        equal = _digest(out) == _digest(ref)
        total = len(list((out / "chunks").glob("chunk-*.parquet")))
    return {
        "runs": runs,
        "chunks": total,
        "chunks_kept_after_sigkill": kept,
        "uninterrupted_seconds": full["seconds"],
        "resume_seconds": resumed["seconds"],
        "final_data_equal": equal,
        "command": "sweep killed with SIGKILL (whole process group) once ~40% of chunk files "
        "exist, then `--resume`; sha256 of all chunk files compared with an uninterrupted run",
    }


# ---------------------------------------------------------------- report


def render(results: dict[str, Any]) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m benchmarks.run_all` (see benchmarks/run_all.py for what each",
        "number is). Each section shows when and where it was measured. The machine is",
        "shared, so wall times vary with its load (shown as `load`).",
        "",
    ]

    def head(name: str, title: str) -> dict[str, Any] | None:
        entry = results.get(name)
        if entry is None:
            lines.extend([f"## {title}", "", "_not measured yet_", ""])
            return None
        m = entry["machine"]
        lines.extend(
            [
                f"## {title}",
                "",
                f"_{entry['date']} · {m['cores']} cores · Python {m['python']} · numpy "
                f"{m['numpy']} · load {m['load_1min_at_start']} · `{entry['argv']}`_",
                "",
            ]
        )
        return entry["data"]

    d = head("mesa", "Ratio to mesa.batch_run (one process each)")
    if d:
        lines += [
            "| engine | replications × steps | seconds | runs/s | ratio |",
            "|---|---|---|---|---|",
            f"| mesa.batch_run(AllianceModel) | {d['replications']} × {d['steps']} | "
            f"{d['mesa_seconds']} | {d['mesa_runs_per_s']} | 1 |",
            f"| ensemble, per-step series kept | {d['replications']} × {d['steps']} | "
            f"{d['ensemble_series_seconds']} | {d['ensemble_series_runs_per_s']} | "
            f"**{d['ratio_series']}×** |",
            f"| ensemble, summaries only | {d['replications']} × {d['steps']} | "
            f"{d['ensemble_summary_seconds']} | {d['ensemble_summary_runs_per_s']} | "
            f"**{d['ratio_summary']}×** |",
            "",
            f"Measured: {d['command']}.",
            "",
        ]
    d = head("target", "10,000 baseline replications × 200 steps, 2 workers")
    if d:
        lines += [
            f"**{d['wall_seconds_best']} s** wall (all attempts: {d['wall_seconds_all']}); "
            f"{d['us_per_replication_step_wall']} µs per replication-step of wall time; "
            f"under 10 s: **{'yes' if d['under_10_s'] else 'no'}**.",
            "",
            f"Measured: {d['command']}.",
            "",
        ]
    d = head("actors", "Cost with the number of actors")
    if d:
        lines += [
            "| actors | replications × steps | µs per replication-step | × cost of 6 "
            "| runs/s (one core) |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['actors']} | {r['replications']} × {r['steps']} | "
            f"{r['us_per_replication_step']} | {r['relative_to_6']} | {r['runs_per_s_one_core']} |"
            for r in d["rows"]
        ]
        if "exponent" in d:
            lines += ["", f"Fitted exponent (cost ∝ actors^b, least squares on logs, "
                      f"{d['rows'][0]['actors']} to {d['rows'][-1]['actors']} actors): "
                      f"**b = {d['exponent']}**."]  # fmt: skip
        lines += ["", f"Measured: {d['command']}.", ""]
    d = head("steps", "Cost with the number of steps (baseline, 8 actors)")
    if d:
        lines += [
            "| steps | replications | CPU s | µs per replication-step | ms per run |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['steps']} | {r['replications']} | {r['cpu_seconds']} | "
            f"{r['us_per_replication_step']} | {r['ms_per_run']} |"
            for r in d["rows"]
        ]
        lines += ["", f"Measured: {d['command']}.", ""]
    d = head("rss", "Memory of large summary sweeps (peak RSS)")
    if d:
        lines += [
            "| runs | points × replications | chunks | seconds | runs/s | peak RSS, all processes "
            "(MB) | peak RSS, driver (MB) | on disk (MB) | analyze s | analyze peak RSS (MB) |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['runs']:,}{' (' + r['kept_from'] + ')' if 'kept_from' in r else ''} | "
            f"{r['points']:,} × {r['replications']} | {r['chunks']} | "
            f"{r['seconds']} | {r['runs_per_s']} | **{r['peak_tree_rss_mb']}** | "
            f"{r['peak_driver_rss_mb']} | {r['disk_mb']} | {r['analyze_seconds']} | "
            f"{r['analyze_peak_rss_mb']} |"
            for r in d["rows"]
        ]
        lines += ["", f"Measured: {d['command']}.", ""]
    d = head("resume", "Resume after SIGKILL")
    if d:
        lines += [
            f"{d['runs']:,}-run sweep, {d['chunks']} chunks: killed with "
            f"{d['chunks_kept_after_sigkill']} chunk files written; the resumed run took "
            f"{d['resume_seconds']} s (uninterrupted: {d['uninterrupted_seconds']} s); final "
            "chunk data equal to the uninterrupted run's: "
            f"**{'yes' if d['final_data_equal'] else 'NO'}**.",
            "",
            f"Measured: {d['command']}.",
            "",
        ]
    d = head("issue18", "Issue #18 targets, old code against new (one run)")
    if d:
        from benchmarks.issue18 import render_issue18

        lines += render_issue18(d)
    d = head("done18", "Issue #18, done when: each line against its target (one run)")
    if d:
        from benchmarks.done18_report import render_done18

        lines += render_done18(d)
    d = head("kernel", "Compiled kernel (numba) against the numpy engine (one run)")
    if d:
        from benchmarks.kernel import render_kernel

        lines += render_kernel(d)
    d = head("issue9", "Issue #9 figures, old code against new (one run)")
    if d:
        from benchmarks.issue9 import render_issue9

        lines += render_issue9(d)
    return "\n".join(lines)


BENCHES = (
    "issue18",
    "issue9",
    "mesa",
    "target",
    "actors",
    "steps",
    "rss",
    "resume",
    "kernel",
    "done18",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run_all", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    parser.add_argument("--full", action="store_true", help="include the 10^6-run sweep")
    parser.add_argument("--only", nargs="+", choices=BENCHES, help="run only these")
    parser.add_argument(
        "--out", type=Path,
        help="report file (default benchmarks/results.md; with --quick a file in the temp "
        "folder, so a smoke test never replaces the real numbers)",
    )  # fmt: skip
    parser.add_argument(
        "--old-ref", default=None,
        help="issue9/issue18: the commit to measure as the old code (default: each module's "
        "OLD_REF)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    md = args.out or (
        Path(tempfile.gettempdir()) / "alliance-sim-bench-quick.md" if args.quick else RESULTS_MD
    )
    store = md.with_suffix(".json")
    results = json.loads(store.read_text()) if store.exists() else {}
    argv_text = "python -m benchmarks.run_all " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    for name in args.only or BENCHES:
        print(f"benchmark {name} ...", flush=True)
        info = machine()
        if name == "issue9":
            from benchmarks.issue9 import OLD_REF, bench_issue9

            data = bench_issue9(args.quick, args.old_ref or OLD_REF)
        elif name == "issue18":
            from benchmarks.issue18 import OLD_REF as REF18
            from benchmarks.issue18 import bench_issue18

            data = bench_issue18(args.quick, args.old_ref or REF18)
        elif name == "kernel":
            from benchmarks.kernel import bench_kernel

            data = bench_kernel(args.quick)
        elif name == "done18":
            from benchmarks.done18 import bench_done18

            data = bench_done18(args.quick)
        elif name == "rss":
            data = bench_rss(args.quick, args.full)
            if not args.full and "rss" in results and not args.quick:
                old = {r["runs"]: r for r in results["rss"]["data"]["rows"]}
                if 1_000_000 in old:  # keep the last --full measurement of 10^6 runs
                    data["rows"].append({**old[1_000_000], "kept_from": results["rss"]["date"]})
        else:
            data = globals()[f"bench_{name}"](args.quick)
        if args.quick:
            data["quick"] = True
        results[name] = {
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": info,
            "argv": argv_text.strip(),
            "data": data,
        }
        print(json.dumps(data, indent=1)[:2000], flush=True)
        store.write_text(json.dumps(results, indent=1) + "\n")
        md.write_text(render(results) + "\n")
    print(f"wrote {md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
