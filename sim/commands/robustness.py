"""`alliance-sim robustness`: does the scenario's conclusion survive ±25% on every coefficient?
With `--one-at-a-time`, also which coefficient moves which headline effect (sim/jobs/oat.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.commands.checks import add_engine_flag, check_run_flags, engine_for, horizon_warnings
from sim.commands.registry import command, parse_sets


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
    p.add_argument(
        "--allow-model-change", action="store_true",
        help="use a --posterior fitted under another model version (refused by default)",
    )  # fmt: skip
    p.add_argument("--hold-structure", action="store_true",
                   help="keep the nominal structural terms (no re-settling per draw)")  # fmt: skip
    p.add_argument("--structures", action="store_true",
                   help="also compare re-settled vs held structure at ±25%%, ±50%% (and the "
                   "posterior): structures.csv")  # fmt: skip
    p.add_argument(
        "--one-at-a-time",
        "--oat",
        dest="oat",
        action="store_true",
        help="also move each coefficient alone by each factor: oat.csv, knife edges",
    )
    p.add_argument(
        "--factors",
        metavar="F,F",
        help="one-at-a-time factors of the nominal value (default 0.5,2)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_engine_flag(p)


def _oat_factors(args: argparse.Namespace) -> tuple[float, ...] | None:
    """The one-at-a-time factors (None: no OAT); `--factors` alone is refused."""
    from sim.errors import UsageError
    from sim.jobs.oat import DEFAULT_FACTORS, parse_factors

    if args.factors is not None and not args.oat:
        raise UsageError("--factors needs --one-at-a-time")
    if not args.oat:
        return None
    return DEFAULT_FACTORS if args.factors is None else parse_factors(args.factors)


@command("robustness", _args)
def cmd_robustness(args: argparse.Namespace) -> int:
    """Perturb every coefficient within ±spread and report how often the effects keep their sign."""
    from sim.errors import UsageError
    from sim.jobs.oat import check_oat, knife_edge_lines, one_at_a_time
    from sim.jobs.robustness import (
        check_request,
        compare_structures,
        manifest,
        report_lines,
        robustness,
        structure_lines,
        write_robustness,
    )
    from sim.jobs.run import main_argv
    from sim.limits import check_run_resources
    from sim.output import reserved, timestamped
    from sim.plots import draw_charts
    from sim.scenario.loader import load_scenario

    check_run_flags(args, ("draws", "replications", "steps", "workers"))
    check_request(args.draws, args.spread, args.replications)
    factors = _oat_factors(args)
    loaded = load_scenario(args.scenario, parse_sets(args.set))
    spec = loaded.scenario
    if spec.counterfactual is None:
        raise UsageError(f"{args.scenario}: robustness needs a scenario with a counterfactual")
    steps = spec.run.steps if args.steps is None else args.steps
    for line in horizon_warnings(loaded, steps):
        print(line, file=sys.stderr)
    out = args.out or timestamped(f"{spec.name}-robustness")
    oat_runs = 0 if factors is None else check_oat(spec, factors, args.replications)
    runs = 2 * args.draws * args.replications + oat_runs
    check_run_resources(len(spec.actors), runs, steps, "summary", out.parent)
    engine = engine_for(args, (2 * (args.draws + 1) * args.replications + oat_runs) * steps)
    oat_meta = None if factors is None else {"factors": list(factors),
                                             "replications": args.replications}  # fmt: skip
    meta = manifest(loaded, args.draws, args.spread, args.replications, args.seed, args.steps,
                    main_argv(), not args.hold_structure, args.posterior, engine,
                    oat_meta)  # fmt: skip
    with reserved(out) as slot:  # refuse a taken --out before computing
        result = robustness(spec, args.draws, args.spread, args.replications, args.seed,
                            args.steps, args.workers, resettle=not args.hold_structure,
                            posterior=args.posterior, engine=engine,
                            allow_model_change=args.allow_model_change)  # fmt: skip
        structures = None
        if args.structures:
            structures = compare_structures(spec, posterior=args.posterior, draws=args.draws,
                                            replications=args.replications, seed=args.seed,
                                            steps=args.steps, workers=args.workers,
                                            allow_model_change=args.allow_model_change)  # fmt: skip
        oat = None
        if factors is not None:
            oat = one_at_a_time(spec, factors, args.replications, args.seed, args.steps,
                                args.workers, not args.hold_structure, engine,
                                progress=not args.quiet)  # fmt: skip
        charts = None if args.no_plots else draw_charts
        write_robustness(out, result, meta, args.csv, charts, slot, structures, oat)
    print(f"{spec.title}: robustness against '{spec.counterfactual.label}'")
    for line in report_lines(result, args.draws, args.spread):
        print("  " + line)
    if structures is not None:
        print("  re-settled per draw vs structural terms held at nominal:")
        for line in structure_lines(structures):
            print("    " + line)
    if oat is not None:
        for line in knife_edge_lines(oat, args.replications):
            print("  " + line)
    print(f"results: {out}")
    return 0
