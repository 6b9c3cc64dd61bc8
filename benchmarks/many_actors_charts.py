"""How long `alliance-sim plot` takes per chart, and `report`, on run folders of standalone
scenarios of many actors (round 22, docs/reliability.md §27; docs/performance.md).

Why: the per-actor charts drew one panel, violin or node per actor; at 300 actors a chart
took minutes. Each scenario here is made up and deterministic: N actors `A000`… with
random traits, 5% of the ordered pairs related, three treaties, every tenth actor from the
fourth inactive until an event switches it on, a bump on `A001` at step 3 that the
counterfactual removes; 36 monthly steps, 20 replications. Each chart is timed as a
newcomer meets it: a fresh `alliance-sim plot FOLDER --kind K` process (its start-up
included, ~2–3 s), wall time of one run; `report` after the charts are deleted, so it
draws them all. `--checkout DIR` times another checkout's `sim` (e.g. main, before the
cap) on the same folders.

    python -m benchmarks.many_actors_charts [--actors 50 100 200 300] [--checkout DIR]
        [--all-actors] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

KINDS = ("escalation", "effects", "occupancy", "network", "distancing", "outcomes")
TRAITS = ("stability", "risk_tolerance", "resolve", "grievance", "axis_aversion")
CHANNELS = ("trade", "political_cover", "military_supply", "security_guarantee")
REPO = Path(__file__).resolve().parents[1]


def scenario(n: int, steps: int = 36, seed: int = 22) -> dict:
    """The standalone scenario of `n` actors described above (the same for the same n)."""
    rng = np.random.default_rng(seed + n)
    ids = [f"A{k:03d}" for k in range(n)]

    def r(lo: float = 0.0, hi: float = 1.0) -> float:
        return round(float(rng.uniform(lo, hi)), 3)

    actors = {}
    for k, a in enumerate(ids):
        actors[a] = {"name": f"Actor {k}", "traits": {t: r() for t in TRAITS},
                     "capabilities": {c: r() for c in ("military", "economic", "nuclear")},
                     "escalation": r(0, 0.5)}  # fmt: skip
        if k >= 2 and k % 10 == 3:
            actors[a]["active"] = False
    relations: dict = {}
    for a in ids:
        for b in ids:
            if a != b and rng.uniform() < 0.05:
                row = {c: r() for c in CHANNELS if rng.uniform() < 0.5}
                relations.setdefault(a, {})[b] = {**row, "commitment": r(-1, 1)}
    treaties = {f"pact_{k}": {"members": [str(x) for x in rng.choice(ids, 3, replace=False)],
                              "obligation": "automatic"} for k in range(3)}  # fmt: skip
    events = {f"{a.lower()}_joins": {"label": f"{a} joins", "at": int(rng.integers(0, steps)),
                                     "set": {f"actors.{a}.active": True}}
              for a in ids if actors[a].get("active") is False}  # fmt: skip
    events["bump"] = {"label": "bump", "at": 3, "add": {f"actors.{ids[1]}.escalation": 0.1}}
    run = {"steps": steps, "replications": 20, "start": "2024-06",
           "distancing": {"actor": ids[0], "partners": ids[1:3]}}  # fmt: skip
    return {"name": f"actors{n}", "title": f"{n} actors", "actors": actors,
            "relations": relations, "treaties": treaties, "parameters": {"noise": 0.05},
            "events": events, "run": run,
            "counterfactual": {"label": "no bump", "remove_events": ["bump"]}}  # fmt: skip


def cli(args: list[str], checkout: Path) -> float:
    """Wall seconds of one `alliance-sim ARGS` process importing `sim` from `checkout`."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "MPLBACKEND": "Agg"}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sim.cli", *args], env=env, check=True, cwd=checkout,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    # cwd: `-m` puts the working directory before PYTHONPATH on sys.path
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.many_actors_charts",
                                 description=__doc__.splitlines()[0])  # fmt: skip
    ap.add_argument("--actors", type=int, nargs="+", default=[50, 100, 200, 300])
    ap.add_argument("--checkout", type=Path, default=REPO, help="the sim to time (default: this)")
    ap.add_argument("--all-actors", action="store_true", help="time plot --all-actors")
    ap.add_argument("--out", type=Path, help="keep the scenarios and run folders here")
    args = ap.parse_args(argv)
    if any(n < 2 for n in args.actors):
        print("many_actors_charts: error: --actors: at least 2 each", file=sys.stderr)
        return 2
    work = args.out or Path(tempfile.mkdtemp(prefix="many-actors-"))
    work.mkdir(parents=True, exist_ok=True)
    more = ["--all-actors"] if args.all_actors else []
    print("actors | " + " | ".join(KINDS) + " | report (s)")
    for n in args.actors:
        path, folder = work / f"actors{n}.yaml", work / f"run{n}"
        if not (folder / "manifest.json").is_file():  # the run is not what is timed
            path.write_text(yaml.safe_dump(scenario(n), sort_keys=False))
            cli(["run", str(path), "--out", str(folder), "--no-plots", "-q"], REPO)
        times = []
        for kind in KINDS:
            shutil.rmtree(folder / "charts", ignore_errors=True)
            times.append(cli(["plot", str(folder), "--kind", kind, *more], args.checkout))
        shutil.rmtree(folder / "charts", ignore_errors=True)
        (folder / "report.html").unlink(missing_ok=True)
        times.append(cli(["report", str(folder)], args.checkout))
        print(f"{n} | " + " | ".join(f"{t:.1f}" for t in times), flush=True)
    if args.out is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
