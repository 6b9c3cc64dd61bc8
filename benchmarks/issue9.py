"""The figures of issue #9, old code against new, measured in one run on this machine.

    python -m benchmarks.run_all --only issue9               # old = OLD_REF (below)
    python -m benchmarks.run_all --only issue9 --old-ref REF # any other commit

The old code is the commit the issue measured, extracted with `git archive` into a temporary
folder and run from there (`python -m sim.cli` with that folder as the working directory,
so its `sim` package is imported instead of this checkout's). Both sides use this
checkout's virtual environment. Every figure keeps the exact command that produced it.

Figures:
- run_cli:   `alliance-sim run` wall time and peak memory: n = 1,000 and 2,000 with full
             series (old and new), n = 10,000 with summaries (new; the old code has no
             summary mode and was killed at 12 GB), n = 10,000 with full series (new);
- charts:    `run -n 100` with and without charts, wall time (best of 3);
- mesa:      mesa.batch_run with the scenario's path (re-read every run, the old measure)
             and with the loaded scenario object (the honest measure), against the ensemble;
- floor:     the engine's cost per replication-step against a plain loop of the same
             dynamics calls (no recording, no events);
- load:      load_scenario(baseline) time, old and new;
- setup:     a fresh venv as each `make demo` installs it (size), and test-suite wall times
             (old full suite; new `make test-fast` selection and full suite).
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OLD_REF = "6b0553a"  # the code issue #9 measured (the base of the branch that answers it)
GNU_TIME = Path("/usr/bin/time")


@contextlib.contextmanager
def old_checkout(ref: str) -> Iterator[Path]:
    """`git archive REF` unpacked into a temporary folder (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="alliance-old-") as tmp:
        archive = Path(tmp) / "old.tar"
        with archive.open("wb") as fh:
            subprocess.run(["git", "-C", str(REPO), "archive", ref], stdout=fh, check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(Path(tmp) / "code", filter="data")
        yield Path(tmp) / "code"


def measure(cmd: list[str], cwd: Path) -> dict[str, Any]:
    """Wall seconds and peak RSS of a command: GNU time's maximum resident set (the largest
    single process) and, sampled every 0.1 s, the sum over its process tree."""
    from benchmarks.run_all import run_measured

    wrapped = [str(GNU_TIME), "-v", *cmd] if GNU_TIME.exists() else cmd
    m = run_measured(wrapped, cwd=cwd)
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", m["stderr"])
    return {
        "seconds": m["seconds"],
        "max_rss_mb": round(int(found.group(1)) / 1024, 1) if found else None,
        "tree_rss_mb": m["peak_tree_rss_mb"],
        "process_rss_mb": m["peak_process_rss_mb"],
    }


def cli(code: Path, *args: str) -> list[str]:
    """`python -m sim.cli ARGS` run from `code` (its `sim` package is the one imported)."""
    return [sys.executable, "-m", "sim.cli", *args]


def _run_rows(code: Path, side: str, rows: list[tuple[int, str]], tmp: Path) -> list[dict]:
    out = []
    for n, series in rows:
        args = ["run", "scenarios/baseline.yaml", "-n", str(n), "--steps", "200", "--workers",
                "2", "--no-plots", "-q"]  # fmt: skip
        if series == "summary":
            args += ["--series", "summary"]
        tries = 3 if series == "summary" else 1  # seconds each: best of 3 on a shared machine
        attempts = []
        for k in range(tries):
            folder = tmp / f"{side}-{n}-{series}-{k}"
            attempts.append(measure(cli(code, *args, "--out", str(folder)), code))
        m = min(attempts, key=lambda a: a["seconds"])
        m["attempts"] = [a["seconds"] for a in attempts]
        disk = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        out.append({"code": side, "replications": n, "series": series, **m,
                    "disk_mb": round(disk / 1e6, 1),
                    "command": "alliance-sim " + " ".join(args)})  # fmt: skip
    return out


def bench_run_cli(old: Path, quick: bool) -> list[dict]:
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        small = [(200, "full")] if quick else [(1000, "full"), (2000, "full")]
        rows = _run_rows(old, "old", small, tmp)
        new = [*small, (2000 if quick else 10_000, "summary")]
        if not quick:
            new.append((10_000, "full"))
        rows += _run_rows(REPO, "new", new, tmp)
    return rows


def bench_charts(old: Path, quick: bool) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as t:
        for side, code in (("old", old), ("new", REPO)):
            for plots in (True, False):
                walls = []
                for k in range(1 if quick else 3):
                    args = ["run", "scenarios/baseline.yaml", "-n", "100", "-q"]
                    args += [] if plots else ["--no-plots"]
                    out = ["--out", str(Path(t) / f"{side}-{plots}-{k}")]
                    walls.append(measure(cli(code, *args, *out), code)["seconds"])
                rows.append({"code": side, "charts": plots, "wall_best": min(walls),
                             "walls": walls,
                             "command": "alliance-sim " + " ".join(args)})  # fmt: skip
    return rows


MESA_SCRIPT = """
import sys, time, mesa
from sim.model import AllianceModel
from sim.ensemble import run_ensemble
from sim.scenario.loader import load_scenario
k, t, how = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
path = "scenarios/baseline.yaml"
scenario = path if how == "path" else load_scenario(path).scenario
start = time.perf_counter()
mesa.batch_run(AllianceModel, parameters={"scenario": [scenario], "replication": range(k),
               "steps": [t]}, max_steps=t, number_processes=1, display_progress=False)
mesa_s = time.perf_counter() - start
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    loaded = load_scenario(path).scenario
    run_ensemble(loaded, k, loaded.run.seed, t, keep_series=True, workers=1)
    best = min(best, time.perf_counter() - start)
print(mesa_s, best)
"""


def bench_mesa(quick: bool) -> list[dict]:
    k, t = (40, 36) if quick else (300, 36)
    rows = []
    for how in ("path", "object"):
        proc = subprocess.run([sys.executable, "-c", MESA_SCRIPT, str(k), str(t), how],
                              cwd=REPO, capture_output=True, text=True, check=True)  # fmt: skip
        mesa_s, ens_s = (float(x) for x in proc.stdout.split()[-2:])
        rows.append({"scenario_passed_as": how, "replications": k, "steps": t,
                     "mesa_seconds": round(mesa_s, 3), "ensemble_seconds": round(ens_s, 4),
                     "ratio": round(mesa_s / ens_s, 1)})  # fmt: skip
    return rows


def bench_floor(quick: bool) -> dict[str, Any]:
    """µs per replication-step: the engine (run_chunk, summaries only) against a plain loop
    of the same dynamics calls on the same state (shocks drawn first, nothing recorded)."""
    import numpy as np

    from sim.scenario.loader import load_scenario

    try:  # the engine's internals may move (issue #9's one engine); say so if they did
        from sim.dynamics import advance
        from sim.engine import shocks
        from sim.engine import start as start_state
        from sim.ensemble import prepare, run_chunk
    except ImportError as exc:
        return {"error": f"plain loop not measurable on this code: {exc}"}
    scenario = load_scenario(REPO / "scenarios" / "baseline.yaml").scenario
    world, events = prepare(scenario)
    reps, steps = (256, 50) if quick else (1024, 200)
    rr = np.arange(reps)

    def engine() -> None:
        run_chunk(world, events, rr, 1, steps, keep_series=False)

    def plain() -> None:
        noise = shocks(1, rr, steps, world.ids)
        state = start_state(world, rr)
        for t in range(steps):
            advance(state, noise[t])

    out = {}
    for name, fn in (("engine", engine), ("plain_loop", plain)):
        fn()  # warm up
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            fn()
            best = min(best, time.process_time() - start)
        out[f"{name}_us"] = round(best / (reps * steps) * 1e6, 2)
    out["ratio"] = round(out["engine_us"] / out["plain_loop_us"], 2)
    out["within_2x"] = out["ratio"] <= 2.0
    out["command"] = (
        f"run_chunk(baseline, {reps} replications, {steps} steps, keep_series=False) vs "
        "shocks + start + advance() per step; CPU time, best of 3, one process"
    )
    return out


LOAD_SCRIPT = """
import time
from sim.scenario.loader import load_scenario
load_scenario("scenarios/baseline.yaml")
best = float("inf")
for _ in range(10):
    start = time.perf_counter()
    load_scenario("scenarios/baseline.yaml")
    best = min(best, time.perf_counter() - start)
print(best)
"""


def bench_load(old: Path) -> list[dict]:
    rows = []
    for side, code in (("old", old), ("new", REPO)):
        proc = subprocess.run([sys.executable, "-c", LOAD_SCRIPT], cwd=code,
                              capture_output=True, text=True, check=True)  # fmt: skip
        rows.append({"code": side, "load_ms": round(float(proc.stdout.split()[-1]) * 1e3, 1)})
    return rows


def bench_setup(old: Path, quick: bool) -> list[dict]:
    """Size of a fresh virtual environment as each code's `make demo` installs it (old: the
    dev extras; new: runtime only), pip's cache warm; and test-suite wall times."""
    rows = []
    installs = (("old", old, ".[dev]"), ("new", REPO, "."))
    with tempfile.TemporaryDirectory() as t:
        for side, code, spec in installs:
            venv = Path(t) / side
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            start = time.perf_counter()
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                            spec], cwd=code, check=True, capture_output=True)  # fmt: skip
            size = sum(f.stat().st_size for f in venv.rglob("*") if f.is_file() and
                       not f.is_symlink())  # fmt: skip
            rows.append({"what": f"fresh venv, pip install '{spec}' ({side} make demo)",
                         "code": side, "mb": round(size / 1e6),
                         "seconds": round(time.perf_counter() - start, 1)})  # fmt: skip
    if quick:
        return rows
    suites = (("old", old, []), ("new", REPO, ["-m", "not slow"]), ("new", REPO, []))
    for side, code, extra in suites:
        cmd = [sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider", *extra]
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=code, capture_output=True, text=True)
        tail = (proc.stdout.strip().splitlines() or [""])[-1]
        rows.append({"what": "pytest -n 2" + (" -m 'not slow' (make test-fast)" if extra
                     else " (make test, without lint)"), "code": side,
                     "seconds": round(time.perf_counter() - start, 1),
                     "passed": proc.returncode == 0, "tail": tail[-120:]})  # fmt: skip
    return rows


def which_sim(code: Path) -> str:
    """The folder the `sim` package is imported from when run in `code` (a sanity check)."""
    proc = subprocess.run([sys.executable, "-c", "import sim; print(sim.__file__)"], cwd=code,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return str(Path(proc.stdout.strip()).parent.parent)


def git_head() -> str:
    cmd = ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]
    return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()


def bench_issue9(quick: bool, old_ref: str = OLD_REF) -> dict[str, Any]:
    with old_checkout(old_ref) as old:
        assert which_sim(old) == str(old), "the old code must be the one imported"
        return {
            "old_ref": old_ref,
            "new_ref": git_head(),
            "run_cli": bench_run_cli(old, quick),
            "charts": bench_charts(old, quick),
            "mesa": bench_mesa(quick),
            "floor": bench_floor(quick),
            "load": bench_load(old),
            "setup": bench_setup(old, quick),
        }


def render_issue9(d: dict[str, Any]) -> list[str]:
    lines = [f"Old code: `{d['old_ref']}`; new code: `{d['new_ref']}` (this checkout).", ""]
    lines += [
        "**`alliance-sim run`, 200 steps, 2 workers** (peak memory: the largest process, from "
        "GNU time; in brackets the sum over the process tree, sampled every 0.1 s)",
        "",
        "| code | replications | series | wall s | peak memory (MB) | on disk (MB) | command |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in d["run_cli"]:
        lines.append(
            f"| {r['code']} | {r['replications']:,} | {r['series']} | {r['seconds']}"
            + (f" (best of {r['attempts']})" if len(r.get("attempts", [])) > 1 else "")
            + " | "
            f"**{r['max_rss_mb']}** ({r['tree_rss_mb']}) | {r['disk_mb']} | `{r['command']}` |"
        )
    lines += [
        "",
        "**`run -n 100`: charts** (wall seconds, best of the attempts shown)",
        "",
        "| code | charts | wall s (best) | attempts | command |",
        "|---|---|---|---|---|",
    ]
    for r in d["charts"]:
        lines.append(f"| {r['code']} | {'yes' if r['charts'] else 'no'} | **{r['wall_best']}** | "
                     f"{r['walls']} | `{r['command']}` |")  # fmt: skip
    lines += ["", "**Ratio to mesa.batch_run** (one process each; ensemble best of 3, per-step "
              "series kept, scenario loading included)", "",
              "| scenario passed to Mesa as | replications × steps | Mesa s | ensemble s | ratio |",
              "|---|---|---|---|---|"]  # fmt: skip
    for r in d["mesa"]:
        lines.append(
            f"| {r['scenario_passed_as']} | {r['replications']} × {r['steps']} | "
            f"{r['mesa_seconds']} | {r['ensemble_seconds']} | **{r['ratio']}×** |"
        )
    f = d["floor"]
    lines += ["", "**Cost per replication-step against a plain loop of the same calls**", ""]
    if "error" in f:
        lines.append(f"_{f['error']}_")
    else:
        lines.append(f"engine {f['engine_us']} µs, plain loop {f['plain_loop_us']} µs: "
                     f"**{f['ratio']}×** (within 2×: {'yes' if f['within_2x'] else 'no'}). "
                     f"Measured: {f['command']}.")  # fmt: skip
    if "setup" in d:
        lines += ["", "**Set-up and tests**", "", "| code | what | size (MB) | wall s |",
                  "|---|---|---|---|"]  # fmt: skip
        for r in d["setup"]:
            ok = "" if r.get("passed", True) else " (FAILED)"
            lines.append(f"| {r['code']} | {r['what']} | {r.get('mb', '–')} | "
                         f"{r['seconds']}{ok} |")  # fmt: skip
    lines += ["", "**load_scenario(baseline)** (best of 10): " + ", ".join(
        f"{r['code']} {r['load_ms']} ms" for r in d["load"]) + ".", ""]  # fmt: skip
    return lines
