"""`alliance-sim run`: one scenario, an ensemble, a results folder."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from sim.commands.checks import add_engine_flag, check_run_flags
from sim.commands.registry import command, parse_sets


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
    p.add_argument(
        "--series",
        choices=("full", "summary"),
        default="full",
        help="full: per-step tables (streamed to Parquet); summary: per-replication only",
    )
    p.add_argument("--no-plots", action="store_true", help="skip the charts")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("--posterior", type=Path, help="posterior.parquet: replication r runs set r")
    p.add_argument(
        "--allow-model-change", action="store_true",
        help="use a --posterior fitted under another model version (refused by default)",
    )  # fmt: skip
    add_engine_flag(p)


@command("run", _run_args)
def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario's ensemble and write data, charts and a manifest."""
    import dataclasses

    import pandas as pd

    from sim.chunks import auto_work
    from sim.commands.checks import engine_for
    from sim.effects import effect_lines
    from sim.jobs.run import (
        default_out,
        main_argv,
        override_label,
        settings_for,
        shown_actors,
        stream_run,
    )
    from sim.jobs.run_console import check_size, outcome_lines
    from sim.output import reserved
    from sim.results.folder import count
    from sim.scenario.loader import load_scenario
    from sim.scenario.semantics import never_fire

    check_run_flags(args, ("replications", "steps", "workers"))
    refuse_sweep_file(args.scenario)
    overrides = parse_sets(args.set)
    loaded = load_scenario(args.scenario, overrides)
    settings = settings_for(
        loaded, args.replications, args.seed, args.steps, args.workers, args.csv, args.series,
        overrides,
    )  # fmt: skip
    work = settings.replications * settings.steps
    keeps = (settings.series == "full",) + (False,) * (loaded.scenario.counterfactual is not None)
    work = auto_work(work, loaded.model_input.n, settings.steps, keeps)  # many actors: numpy
    settings = dataclasses.replace(settings, engine=engine_for(args, work))
    if args.posterior is not None:
        from sim.observe.posterior import with_posterior

        settings = with_posterior(settings, args.posterior, args.allow_model_change)
    for warning in never_fire(loaded.scenario, settings.steps, loaded.origins):
        print(warning, file=sys.stderr)
    out = args.out or default_out(loaded, overrides=overrides)
    check_size(loaded, settings, out)
    with reserved(out) as slot:  # refuse a taken --out before computing
        charts = None if args.no_plots else _chart_writer()
        result = stream_run(out, loaded, settings, main_argv(), charts,
                            progress=not args.quiet, slot=slot)  # fmt: skip
    title = loaded.scenario.title + (f" ({override_label(overrides)})" if overrides else "")
    size = f"{count(settings.replications, 'replication')} × {count(settings.steps, 'step')}"
    print(f"{title}: {size}")
    for line in outcome_lines(result, shown_actors(loaded, settings.steps)):
        print("  " + line)
    if (out / "effects.csv").exists():
        effects = pd.read_csv(out / "effects.csv")
        for line in effect_lines(
            effects, loaded.scenario.counterfactual.label, settings.replications
        ):
            print("  " + line)
    print(f"results: {out}")
    if charts is not None:
        print(f"charts:  {out / 'charts'}")
    return 0


def refuse_sweep_file(path: Path) -> None:
    """`run` on a sweep file: say which command reads it."""
    from sim.errors import UsageError
    from sim.jobs.sweep.spec_file import is_sweep_file

    if is_sweep_file(path):
        raise UsageError(f"{path} is a sweep file; run it with: alliance-sim sweep {path}")


def _chart_writer() -> Callable[[Path], object]:
    """The run's chart drawer, its imports (matplotlib, ~0.5 s) loaded on a thread while the
    ensemble starts: imported here, they delayed the workers' start in every run with charts
    (issue 18). Drawing waits for the import; an import error is raised there."""
    import threading
    from importlib import import_module

    loading = threading.Thread(target=import_module, args=("sim.plots",), daemon=True,
                               name="chart-import")  # fmt: skip
    loading.start()

    def draw(run_dir: Path) -> object:
        loading.join()
        from sim.plots import draw_run_charts

        return draw_run_charts(run_dir)

    return draw
