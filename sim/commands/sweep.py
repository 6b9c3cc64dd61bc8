"""`alliance-sim sweep` and `alliance-sim analyze`: parameter sweeps and their analysis."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.commands.checks import add_engine_flag
from sim.commands.registry import command, parse_sets

EXECUTORS = ("local", "dask")


def _sweep_args(p: argparse.ArgumentParser) -> None:
    from sim.jobs.sweep.names import DESIGNS

    p.add_argument(
        "spec",
        type=Path,
        help="a sweep file, or a scenario file (its `sweep:` block and/or --param)",
    )
    p.add_argument(
        "--param", action="append", metavar="KEY.PATH=LOW:HIGH[:N]|v1,v2,...",
        help="sweep a value: a range (N grid levels) or a list of choices; repeatable",
    )  # fmt: skip
    p.add_argument("--set", action="append", metavar="KEY.PATH=VALUE", help="fix a value")
    p.add_argument(
        "--design", choices=DESIGNS, help="sampling design (default: the spec's, or grid)"
    )
    p.add_argument(
        "--samples", type=int, metavar="N",
        help="grid: levels per range; lhs: points; sobol: base samples N (a power of 2); "
        "morris: trajectories",
    )  # fmt: skip
    p.add_argument("-n", "--replications", type=int, help="replications per design point")
    p.add_argument("--seed", type=int, help="root seed (default: the spec's, else run.seed)")
    p.add_argument("--steps", type=int, help="steps per run (default: the spec's, else run.steps)")
    p.add_argument("--chunk-size", type=int, help="runs per chunk file (default 2048)")
    p.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    p.add_argument("--executor", choices=EXECUTORS, default="local", help="local (default) or dask")
    p.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://host:8786 (default: start a LocalCluster)",
    )  # fmt: skip
    p.add_argument(
        "--out", type=Path, help="results folder (default results/sweeps/NAME/TIMESTAMP)"
    )
    p.add_argument(
        "--resume", action="store_true", help="continue an interrupted sweep of the same spec"
    )
    p.add_argument("--no-analysis", action="store_true", help="skip `analyze` at the end")
    p.add_argument(
        "--csv", action="store_true",
        help="also write points.csv and analysis/by_point.csv (the per-run chunks stay Parquet)",
    )  # fmt: skip
    p.add_argument("--no-plots", action="store_true", help="skip the charts")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_engine_flag(p)


@command("sweep", _sweep_args)
def cmd_sweep(args: argparse.Namespace) -> int:
    """Sweep scenario parameters (grid, Latin hypercube, Sobol, Morris) with replications."""
    from sim.commands.checks import check_run_flags, engine_for
    from sim.errors import UsageError
    from sim.jobs.run import main_argv
    from sim.jobs.sweep.batch import SweepPointError
    from sim.jobs.sweep.runner import ExecutionFailed, Options, run_sweep
    from sim.jobs.sweep.spec import load_spec
    from sim.procs import cpu_count

    check_run_flags(args, ("samples", "replications", "steps", "chunk_size", "workers"))
    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
    if args.executor == "dask":
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise UsageError("--executor dask needs Dask: pip install 'alliance-sim[dask]'")
    spec = load_spec(
        args.spec, args.param, parse_sets(args.set), design=args.design, samples=args.samples,
        replications=args.replications, seed=args.seed, steps=args.steps,
        chunk_size=args.chunk_size,
    )  # fmt: skip
    for line in sweep_horizon_lines(spec):
        print(line, file=sys.stderr)
    opts = Options(
        out=args.out, resume=args.resume, executor=args.executor,
        workers=args.workers or cpu_count(), scheduler=args.scheduler,
        progress=not args.quiet, argv=main_argv(),
        engine=engine_for(args, spec.n_samples * spec.replications * spec.steps),  # ≤ runs
    )  # fmt: skip
    try:
        done = run_sweep(spec, opts, log=_err)
    except SweepPointError as exc:
        raise UsageError(str(exc)) from None
    except ExecutionFailed as exc:
        raise UsageError(f"a chunk failed: {exc}") from None
    print(
        f"{done.plan.n_runs} runs ({done.plan.n_points} points × {spec.replications} "
        f"replications) in {done.seconds:.1f} s"
    )
    print(f"results: {done.folder}")
    if args.csv:
        _points_csv(done.folder)
    if not args.no_analysis:
        _report(done.folder, prim=True, threshold=None, plots=not args.no_plots, csv=args.csv)
    return 0


def sweep_horizon_lines(spec) -> list[str]:
    """Events of the swept scenario (with its fixed values) that cannot fire within the
    sweep's steps, and swept event dates beyond them."""
    from sim.commands.checks import horizon_warnings, swept_horizon_warnings
    from sim.jobs.sweep.points import validate_raw

    swept = frozenset(".".join(p.keys) for p in spec.params)  # said per value, below
    lines = horizon_warnings(spec.loaded, spec.steps, scenario=validate_raw(spec.base_raw),
                             skip=swept)  # fmt: skip
    return lines + swept_horizon_warnings(spec.params, spec.steps)


def _points_csv(folder: Path) -> None:
    """points.csv beside points.parquet (written whole, then renamed)."""
    import os

    import pandas as pd

    tmp = folder / f".points.csv.tmp-{os.getpid()}"
    pd.read_parquet(folder / "points.parquet").to_csv(tmp, index=False)
    tmp.replace(folder / "points.csv")


def _err(line: str) -> None:
    print(line, file=sys.stderr)


def _analyze_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "sweep_dir", type=Path,
        help="a sweep results folder, or results/sweeps/NAME (its newest complete sweep)",
    )  # fmt: skip
    p.add_argument(
        "--prim-threshold", type=float, metavar="DENSITY",
        help="share of crisis (war) runs a PRIM box must reach "
        "(default: max(0.5, (1 + overall share) / 2))",
    )  # fmt: skip
    p.add_argument("--no-prim", action="store_true", help="skip scenario discovery (PRIM)")
    p.add_argument("--no-plots", action="store_true", help="skip the charts")
    p.add_argument("--csv", action="store_true", help="also write analysis/by_point.csv")


@command("analyze", _analyze_args)
def cmd_analyze(args: argparse.Namespace) -> int:
    """Sensitivity (Sobol, Morris) and scenario discovery (PRIM) for a finished sweep."""
    from sim.errors import UsageError

    if args.prim_threshold is not None and not 0.0 < args.prim_threshold <= 1.0:
        raise UsageError(f"--prim-threshold must be in (0, 1], found {args.prim_threshold}")
    _report(args.sweep_dir, prim=not args.no_prim, threshold=args.prim_threshold,
            plots=not args.no_plots, csv=args.csv)  # fmt: skip
    return 0


def _report(folder: Path, prim: bool, threshold: float | None, plots: bool,
            csv: bool = False) -> None:  # fmt: skip
    from sim.jobs.sweep.analysis import analyze, top_lines
    from sim.results_io import reading

    with reading(folder):
        result = analyze(folder, prim=prim, prim_threshold=threshold, plots=plots, csv=csv)
    for line in top_lines(result):
        print("  " + line)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"analysis: {result.folder / 'analysis'}")
    if result.charts is not None:
        print(f"charts:   {result.charts}")
