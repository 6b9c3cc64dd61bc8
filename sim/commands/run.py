"""`alliance-sim run`: one scenario, an ensemble, a results folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli import command, parse_sets
from sim.commands.checks import check_run_flags


def _run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", type=Path)
    p.add_argument(
        "-n", "--replications", type=int, help="default: the scenario's run.replications"
    )
    p.add_argument("--seed", type=int, help="root seed (default: the scenario's run.seed)")
    p.add_argument("--steps", type=int, help="number of steps (default: run.steps)")
    p.add_argument("--set", action="append", metavar="KEY.PATH=VALUE", help="override a value")
    p.add_argument("--out", type=Path, help="results folder (default results/NAME/TIMESTAMP)")
    p.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    p.add_argument("--csv", action="store_true", help="also write CSV copies of the tables")
    p.add_argument("--no-plots", action="store_true", help="skip the charts")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


@command("run", _run_args)
def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario's ensemble and write data, charts and a manifest."""
    from sim.limits import check_run_resources
    from sim.output import reserved
    from sim.run import default_out, main_argv, outcome_lines, settings_for, simulate, write_run
    from sim.scenario.loader import load_scenario
    from sim.scenario.references import never_fire

    check_run_flags(args, ("replications", "steps", "workers"))
    loaded = load_scenario(args.scenario, parse_sets(args.set))
    settings = settings_for(
        loaded, args.replications, args.seed, args.steps, args.workers, args.csv
    )
    for warning in never_fire(loaded.scenario, settings.steps, loaded.origins):
        print(warning, file=sys.stderr)
    out = args.out or default_out(loaded)
    series = getattr(args, "series", "full")
    check_run_resources(len(loaded.scenario.actors), settings.replications, settings.steps,
                        series, out.parent)  # fmt: skip
    with reserved(out) as slot:  # refuse a taken --out before computing
        result = simulate(loaded, settings, progress=not args.quiet)
        charts = None if args.no_plots else _chart_writer()
        write_run(out, loaded, settings, result, main_argv(), charts, slot)
    print(f"{loaded.scenario.title}: {settings.replications} replications × {settings.steps} steps")
    for line in outcome_lines(result, shown_actors(loaded)):
        print("  " + line)
    print(f"results: {out}")
    if charts is not None:
        print(f"charts:  {out / 'charts'}")
    return 0


def shown_actors(loaded) -> list[str]:
    """Actors active at the start or switched on by an event (inactive ones stay silent)."""
    spec = loaded.scenario
    switched = {
        path.split(".")[1]
        for ev in spec.events.values()
        for path, value in ev.set.items()
        if path.endswith(".active") and value is True
    }
    return [a for a, actor in spec.actors.items() if actor.active or a in switched]


def _chart_writer():
    from sim.plots import draw_run_charts

    return draw_run_charts
