"""`alliance-sim calibrate` and `alliance-sim hindcast`: fit to history, score against it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.commands.checks import add_engine_flag
from sim.commands.registry import command


def _calibrate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", type=Path, help="calibration spec (scenarios/calibration/*.yaml)")
    p.add_argument("--out", type=Path, help="results folder (default results/calibrate/NAME/TS)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted --out")
    p.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    p.add_argument("--exclude", metavar="EPISODE", help="leave this episode (scenario name) out")
    p.add_argument("--no-plots", action="store_true", help="skip the charts and report")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_engine_flag(p)


@command("calibrate", _calibrate_args)
def cmd_calibrate(args: argparse.Namespace) -> int:
    """Estimate coefficients by ABC (SMC or rejection) against history; write the posterior."""
    from sim.commands.checks import engine_for
    from sim.errors import UsageError
    from sim.jobs.run import main_argv
    from sim.observe.calibrate import calibrate, diagnostics_frame, finish_run
    from sim.observe.spec import load_spec
    from sim.output import timestamped
    from sim.results.folder import count

    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.resume and args.out is None:
        raise UsageError("--resume needs the --out folder of the interrupted calibration")
    spec = load_spec(args.spec)
    out = args.out or timestamped(spec.name, Path("results") / "calibrate")
    if out.exists():
        raise UsageError(f"--out {out} already exists; results are never overwritten")
    _check_calibration_size(spec, out)
    engine = engine_for(args, None)  # ABC-SMC runs many ensembles: always worth compiling
    pops, prob, left = calibrate(spec, out, args.workers, args.resume, not args.quiet, args.exclude,
                                 engine, say=lambda line: print(line, file=sys.stderr))  # fmt: skip
    finish_run(out, spec, pops, prob, left, main_argv(), charts=not args.no_plots)
    last = diagnostics_frame(pops).iloc[-1]
    how = (
        f"rejection ABC, kept {int(last.particles)} of {int(last.proposed)} prior draws"
        if spec.settings["method"] == "rejection"
        else count(len(pops), "generation")
    )
    print(
        f"{spec.name}: {how}, ε = {last.epsilon:.3g}, "
        f"acceptance {last.acceptance:.2f}, ESS {last.ess:.0f}; "
        f"{count(len(prob.targets), 'observation')} scored, {len(left)} outside every episode"
    )
    print(f"results: {out}")
    return 0


def _check_calibration_size(spec, out: Path) -> None:
    """Refuse before any work when a batch or the predictive check will not fit in memory."""
    from sim.limits import check_calibration_resources
    from sim.observe.observations import load_observations
    from sim.scenario.loader import load_scenario

    episodes = [load_scenario(p).scenario for p in spec.scenarios]
    n_obs = len(load_observations(list(spec.observations)))
    actors = max(len(e.actors) for e in episodes)
    steps = max(e.run.steps for e in episodes)
    check_calibration_resources(actors, steps, spec.settings, n_obs, out.parent)


def _hindcast_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("observations", type=Path, help="observations file (docs/observations.md)")
    p.add_argument("scenario", type=Path, help="scenario whose time window covers them")
    p.add_argument("--posterior", type=Path, help="posterior.parquet from calibrate")
    p.add_argument(
        "--allow-model-change", action="store_true",
        help="use a --posterior fitted under another model version (refused by default)",
    )  # fmt: skip
    p.add_argument("-n", "--replications", type=int, default=200, help="default 200")
    p.add_argument("--draws", type=int, default=10, help="measurement draws per replication")
    p.add_argument("--seed", type=int, help="root seed (default: the scenario's run.seed)")
    p.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    p.add_argument("--out", type=Path, help="results folder (default results/hindcast/NAME/TS)")
    p.add_argument("--no-plots", action="store_true", help="skip the chart and report")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


@command("hindcast", _hindcast_args)
def cmd_hindcast(args: argparse.Namespace) -> int:
    """Score a scenario against observations: intervals, coverage, direction, CRPS."""
    from sim.commands.checks import check_run_flags
    from sim.errors import UsageError
    from sim.jobs.run import main_argv
    from sim.limits import MAX_DRAWS, MAX_REPLICATIONS, check_count
    from sim.observe.hindcast import hindcast, write_hindcast
    from sim.observe.scoring import (
        DESIGN_COLUMNS,
        NULLS,
        coverage,
        no_skill_reason,
        null_skill,
    )
    from sim.observe.significance import interval_words, null_skill_intervals
    from sim.observe.verdict import signed, verdict
    from sim.output import timestamped
    from sim.results.folder import count
    from sim.scenario.loader import load_scenario

    check_run_flags(args, ("replications", "workers"))  # and --seed (sim/limits.py caps)
    check_count("--draws", args.draws, MAX_DRAWS)
    check_count("--replications × --draws", args.replications * args.draws, MAX_REPLICATIONS)
    if args.out is not None and args.out.exists():  # was refused after every replication
        raise UsageError(f"--out {args.out} already exists; results are never overwritten")
    loaded = load_scenario(args.scenario)
    seed = args.seed if args.seed is not None else loaded.scenario.run.seed
    from sim.observe.hindcast import check_size

    check_size([args.observations], loaded.scenario, args.replications, args.draws,
               args.out.parent if args.out else Path("results"))  # fmt: skip
    table, left, ep = hindcast(
        [args.observations],
        args.scenario,
        args.posterior,
        args.replications,
        seed,
        args.draws,
        args.workers,
        args.allow_model_change,
        progress=not args.quiet,
    )
    out = args.out or timestamped(ep.name, Path("results") / "hindcast")
    meta = {
        "scenario_file": str(args.scenario),
        "observations": str(args.observations),
        "posterior": str(args.posterior) if args.posterior else None,
        "root_seed": seed,
        "replications": args.replications,
        "draws": args.draws,
        "argv": main_argv(),
    }
    write_hindcast(out, table, left, ep, meta, charts=not args.no_plots)
    c = coverage(table)
    print(
        f"{ep.name}: {count(c['observations'], 'observation')} scored ({len(left)} outside "
        "the window);"
        f" 50% coverage {c['coverage50']:.2f}, 90% coverage {c['coverage90']:.2f}, "
        f"mean CRPS {c['mean_crps']:.3g}"
    )
    for design in DESIGN_COLUMNS:  # plain, filtered, anomaly, tracked (docs/validation.md)
        skill = null_skill(table, design)
        if skill.empty:  # was silent: no skill line and no reason
            if design == "plain":
                print(f"skill: {no_skill_reason(table)}")
            break
        pooled = skill.set_index("kind").loc["pooled"]
        print(
            f"{design} skill (1 − CRPS model / CRPS null, pooled over "
            f"{count(int(pooled['observations']), 'observation')} every null and design can "
            "forecast): " + ", ".join(f"{n} {signed(pooled[f'skill vs {n}'])}" for n in NULLS)
        )
        subject = "The model" if design == "plain" else f"The {design} forecast"  # as the report
        print(f"{design}: {verdict(skill, subject)}")
        if design == "plain":  # how sure: docs/validation.md, "How sure is a skill?"
            print(f"plain: {interval_words(null_skill_intervals(table, seed))}")
    print(f"results: {out}")
    return 0
