"""`alliance-sim robustness`: does the scenario's conclusion survive ±25% on every coefficient?"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli import command, parse_sets
from sim.commands.checks import check_run_flags, positive


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", type=Path)
    p.add_argument("--draws", type=int, default=200, help="coefficient draws (default 200)")
    p.add_argument("--spread", type=float, default=0.25, help="± fraction (default 0.25)")
    p.add_argument("-n", "--replications", type=int, default=40, help="per draw (default 40)")
    p.add_argument("--seed", type=int, help="root seed (default: the scenario's run.seed)")
    p.add_argument("--steps", type=int, help="number of steps (default: run.steps)")
    p.add_argument("--set", action="append", metavar="KEY.PATH=VALUE", help="override a value")
    p.add_argument("--out", type=Path, help="results folder (default results/NAME-robustness/TS)")
    p.add_argument("--workers", type=int, default=1, help="processes (default 1)")


@command("robustness", _args)
def cmd_robustness(args: argparse.Namespace) -> int:
    """Perturb every coefficient within ±spread and report how often the effects keep their sign."""
    from sim.errors import UsageError
    from sim.output import atomic_folder, finish, timestamped
    from sim.robustness import report_lines, robustness
    from sim.run import main_argv, versions
    from sim.scenario.loader import load_scenario

    check_run_flags(args, ("draws", "replications", "steps", "workers"))
    positive("--draws", args.draws)
    if not 0.0 <= args.spread < 1.0:
        raise UsageError(f"--spread must be in [0, 1), found {args.spread}")
    loaded = load_scenario(args.scenario, parse_sets(args.set))
    spec = loaded.scenario
    if spec.counterfactual is None:
        raise UsageError(f"{args.scenario}: robustness needs a scenario with a counterfactual")
    out = args.out or timestamped(f"{spec.name}-robustness")
    if out.exists():
        raise UsageError(f"--out {out} already exists; results are never overwritten")
    result = robustness(spec, args.draws, args.spread, args.replications, args.seed,
                        args.steps, args.workers)  # fmt: skip
    meta = {
        "kind": "robustness",
        "scenario": spec.name,
        "scenario_file": str(loaded.path),
        "scenario_hash": loaded.content_hash(),
        "draws": args.draws,
        "spread": args.spread,
        "replications_per_draw": args.replications,
        "root_seed": spec.run.seed if args.seed is None else args.seed,
        "command": main_argv(),
        "versions": versions(),
        "files": {"draws": "draws.parquet", "shares": "robustness.csv", "chart": "robustness.png"},
    }
    with atomic_folder(out) as tmp:
        result.draws.to_parquet(tmp / "draws.parquet", index=False)
        result.shares.to_csv(tmp / "robustness.csv", index=False)
        finish(tmp, meta, _chart)
    print(f"{spec.title}: robustness against '{spec.counterfactual.label}'")
    for line in report_lines(result, args.draws, args.spread):
        print("  " + line)
    print(f"results: {out}")
    return 0


def _chart(folder: Path) -> None:
    from sim.plots.robustness_chart import draw_robustness

    draw_robustness(folder)
