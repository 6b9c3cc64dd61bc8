"""`alliance-sim compare`: several scenarios, the same random numbers, paired differences."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.commands.checks import add_engine_flag
from sim.commands.registry import command, parse_sets


def _compare_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "scenarios", nargs="+", type=Path, help="scenario files; the first is the reference"
    )
    p.add_argument(
        "-n", "--replications", type=int, help="default: the first scenario's run.replications"
    )
    p.add_argument("--seed", type=int, help="root seed (default: the first scenario's run.seed)")
    p.add_argument("--steps", type=int, help="number of steps (default: the first's run.steps)")
    p.add_argument(
        "--set", action="append", metavar="KEY.PATH=VALUE",
        help="override a value in every scenario (repeatable)",
    )  # fmt: skip
    p.add_argument("--out", type=Path, help="results folder (default results/compare/TIMESTAMP)")
    p.add_argument("--csv", action="store_true", help="also write summaries.csv")
    p.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    p.add_argument("--no-plots", action="store_true", help="skip the charts")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("--posterior", type=Path, help="posterior.parquet: replication r runs set r")
    p.add_argument(
        "--allow-model-change", action="store_true",
        help="use a --posterior fitted under another model version (refused by default)",
    )  # fmt: skip
    add_engine_flag(p)


@command("compare", _compare_args)
def cmd_compare(args: argparse.Namespace) -> int:
    """Run scenarios with common random numbers and tabulate paired differences."""
    import dataclasses

    from sim.commands.checks import (
        calendar_notes,
        check_run_flags,
        engine_for,
        horizon_warnings,
    )
    from sim.errors import ScenarioError, UsageError
    from sim.jobs.compare import (
        chart_writer,
        compared_actors,
        default_out,
        run_compare,
        settings_for,
        terminal_lines,
        write_compare,
    )
    from sim.jobs.run import main_argv, override_label
    from sim.limits import check_run_resources
    from sim.output import reserved
    from sim.scenario.loader import load_scenario

    check_run_flags(args, ("replications", "steps", "workers"))
    if len(args.scenarios) < 2:
        raise UsageError("give at least two scenario files (the first is the reference)")
    overrides = parse_sets(args.set)
    loaded, problems = [], []
    for path in args.scenarios:
        try:
            loaded.append(load_scenario(path, overrides))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    settings = settings_for(
        loaded, args.replications, args.seed, args.steps, args.workers, args.csv, overrides
    )
    for item in loaded:
        for line in horizon_warnings(item, settings.steps, args.steps, "compare"):
            print(line, file=sys.stderr)
    for line in calendar_notes(loaded, "compare"):
        print(line, file=sys.stderr)
    work = settings.replications * settings.steps * len(loaded)
    settings = dataclasses.replace(settings, engine=engine_for(args, work))
    if args.posterior is not None:
        from sim.observe.posterior import with_posterior

        settings = with_posterior(settings, args.posterior, args.allow_model_change)
    out = args.out or default_out(overrides=overrides)
    actors = max(len(item.scenario.actors) for item in loaded)
    check_run_resources(actors, settings.replications * len(loaded), settings.steps, "summary",
                        out.parent)  # fmt: skip
    with reserved(out) as slot:  # refuse a taken --out before computing
        names, frames, table = run_compare(loaded, settings, progress=not args.quiet)
        charts = None if args.no_plots else chart_writer()
        write_compare(out, loaded, names, settings, frames, table, main_argv(), charts, slot)
    crn = "common random numbers"  # one noise stream per actor id (sim/engine.py)
    sets = f", with {override_label(overrides)}" if overrides else ""
    print(
        f"{len(names)} scenarios × {settings.replications} replications × {settings.steps} steps,"
        f" seed {settings.seed}{sets} ({crn}; Δ = paired difference from {names[0]})"
    )
    who = loaded[0].scenario.run.distancing.actor
    for line in terminal_lines(table, names, compared_actors(loaded, settings.steps), who):
        print("  " + line)
    print(f"results: {out}")
    if charts is not None:
        print(f"charts:  {out / 'charts'}")
    return 0
