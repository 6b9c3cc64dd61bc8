"""`alliance-sim robustness`: does the scenario's conclusion survive ±25% on every coefficient?"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli import command, parse_sets
from sim.commands.checks import check_run_flags


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
    p.add_argument("--csv", action="store_true", help="also write draws.csv")
    p.add_argument("--no-plots", action="store_true", help="skip the chart")
    p.add_argument("--posterior", type=Path, help="draw coefficient sets from this posterior file")
    p.add_argument("--hold-structure", action="store_true",
                   help="keep the nominal structural terms (no re-settling per draw)")  # fmt: skip
    p.add_argument("--structures", action="store_true",
                   help="also compare re-settled vs held structure at ±25%%, ±50%% (and the "
                   "posterior): structures.csv")  # fmt: skip


@command("robustness", _args)
def cmd_robustness(args: argparse.Namespace) -> int:
    """Perturb every coefficient within ±spread and report how often the effects keep their sign."""
    from sim.errors import UsageError
    from sim.jobs.run import main_argv, versions
    from sim.limits import MAX_REPLICATIONS, check_count, check_run_resources
    from sim.output import finish, reserved, timestamped
    from sim.plots import draw_charts
    from sim.provenance import provenance
    from sim.robustness import report_lines, robustness
    from sim.scenario.loader import load_scenario

    check_run_flags(args, ("draws", "replications", "steps", "workers"))
    if not 0.0 <= args.spread < 1.0:
        raise UsageError(f"--spread must be in [0, 1), found {args.spread}")
    # every draw runs its replications twice (scenario and counterfactual)
    check_count("--draws × --replications", args.draws * args.replications, MAX_REPLICATIONS)
    loaded = load_scenario(args.scenario, parse_sets(args.set))
    spec = loaded.scenario
    if spec.counterfactual is None:
        raise UsageError(f"{args.scenario}: robustness needs a scenario with a counterfactual")
    steps = spec.run.steps if args.steps is None else args.steps
    out = args.out or timestamped(f"{spec.name}-robustness")
    check_run_resources(len(spec.actors), 2 * args.draws * args.replications, steps, "summary",
                        out.parent)  # fmt: skip
    meta = {
        "kind": "robustness",
        "scenario": spec.name,
        "scenario_file": str(loaded.path),
        "scenario_hash": loaded.content_hash(),
        **provenance(spec),
        "draws": args.draws,
        "spread": args.spread,
        "replications_per_draw": args.replications,
        "steps": steps,
        "structure": "nominal" if args.hold_structure else "re-settled",
        "posterior": None if args.posterior is None else str(args.posterior),
        "root_seed": spec.run.seed if args.seed is None else args.seed,
        "command": main_argv(),
        "versions": versions(),
        "files": {"draws": "draws.parquet", "shares": "robustness.csv", "charts": "charts/"},
    }
    with reserved(out) as slot:  # refuse a taken --out before computing
        result = robustness(spec, args.draws, args.spread, args.replications, args.seed,
                            args.steps, args.workers, resettle=not args.hold_structure,
                            posterior=args.posterior)  # fmt: skip
        structures = None
        if args.structures:
            from sim.robustness import compare_structures

            structures = compare_structures(spec, posterior=args.posterior, draws=args.draws,
                                            replications=args.replications, seed=args.seed,
                                            steps=args.steps, workers=args.workers)  # fmt: skip
        from sim.output import atomic_folder

        with atomic_folder(out, slot) as tmp:
            result.draws.to_parquet(tmp / "draws.parquet", index=False)
            if args.csv:
                result.draws.to_csv(tmp / "draws.csv", index=False)
            result.shares.to_csv(tmp / "robustness.csv", index=False)
            result.regimes.to_csv(tmp / "regimes.csv", index=False)
            if structures is not None:
                structures.to_csv(tmp / "structures.csv", index=False)
            finish(tmp, meta, None if args.no_plots else draw_charts)
    print(f"{spec.title}: robustness against '{spec.counterfactual.label}'")
    for line in report_lines(result, args.draws, args.spread):
        print("  " + line)
    if structures is not None:
        from sim.robustness import structure_lines

        print("  re-settled per draw vs structural terms held at nominal:")
        for line in structure_lines(structures):
            print("    " + line)
    print(f"results: {out}")
    return 0
