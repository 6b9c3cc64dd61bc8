"""`alliance-sim plot` and `alliance-sim report`: redraw charts and write the HTML report
from a saved results folder, without running the model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.commands.registry import command, file_to_write

CHART_NAMES = (
    "escalation",
    "effects",
    "occupancy",
    "network",
    "distancing",
    "outcomes",
    "comparison",
    "compare_outcomes",
    "heatmap",
    "sobol",
    "morris",
    "scatter",
    "robustness",
    "oat",
    "prior_posterior",
    "diagnostics",
    "predictive_check",
    "hindcast",
    "hindcast_skill",
)


def _results_dir(path: Path, rewrites: tuple[str, ...] = ()) -> Path:
    """The folder, the newest complete results folder inside it (results/NAME holds one per
    run), or one clear line (UsageError) when there is none; the folder is checked (manifest
    fields, each table's schema: sim/results_io.py)."""
    import sys

    from sim.errors import UsageError
    from sim.results_io import check_folder

    if ".partial" in path.name:
        raise UsageError(f"{path}: an unfinished results folder (.partial); rerun the command")
    if not (path.is_dir() and (path / "manifest.json").is_file()):
        newest = newest_results(path)
        if newest is None:
            from sim.paths import what_is

            what = what_is(path)
            if what not in ("a folder", "no such file or folder"):  # a FIFO or a file: say so
                raise UsageError(f"{path}: {what}, expected a results folder")
            raise UsageError(f"{path}: not a results folder (no manifest.json)")
        print(f"{path}: using its newest results, {newest}", file=sys.stderr)
        path = newest
    check_folder(path, rewrites)
    from sim.paths import check_inside

    check_inside(path, "charts", "report.html")  # never write through a symlink (issue #19)
    return path


def newest_results(path: Path) -> Path | None:
    """The newest complete results folder directly inside `path` (timestamped names sort by
    time; unfinished `.NAME.partial-…` folders are skipped), or None."""
    if not path.is_dir():
        return None
    found = sorted(
        p for p in path.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / "manifest.json").is_file()
    )  # fmt: skip
    return found[-1] if found else None


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _plot_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "results",
        type=Path,
        metavar="RESULTS_DIR",
        help="a results folder (any kind)",
    )
    p.add_argument(
        "--kind",
        action="append",
        metavar="CHART",
        help=f"only these charts (repeat or comma-separate): {', '.join(CHART_NAMES)}",
    )
    p.add_argument(
        "--format",
        action="append",
        metavar="FMT",
        help="png (default), svg or pdf; repeat for several",
    )
    p.add_argument(
        "--at",
        action="append",
        type=int,
        metavar="STEP",
        help="network chart: steps to draw (default: first and last); repeat for several",
    )
    p.add_argument("--dpi", type=int, help="PNG resolution (default 150)")
    p.add_argument(
        "--all-actors",
        action="store_true",
        help="per-actor charts draw every actor (default: at most 12, chosen as "
        "docs/charts.md says; slow for hundreds)",
    )


@command("plot", _plot_args)
def cmd_plot(args: argparse.Namespace) -> int:
    """Redraw the charts of a results folder into RESULTS_DIR/charts (never runs the model)."""
    from sim.plots import FORMATS, draw_charts

    folder = _results_dir(args.results, ("charts",))  # redrawn: its ledger is rewritten
    formats = _split(args.format) or ["png"]
    from sim.errors import UsageError

    for fmt in formats:
        if fmt not in FORMATS:
            raise UsageError(f"--format {fmt!r}: choose from {', '.join(FORMATS)}")
    _check_at(folder, args.at)
    if args.dpi is not None and not 20 <= args.dpi <= 1200:
        raise UsageError(f"--dpi must be between 20 and 1200, found {args.dpi}")
    kinds = _split(args.kind) or None
    if args.kind is not None and kinds is None:  # `--kind ,` used to draw every chart
        raise UsageError(f"--kind {','.join(args.kind)!r}: name at least one chart")
    from sim.results_io import reading

    with reading(folder):
        written = draw_charts(
            folder, formats=formats, kinds=kinds, steps=args.at, dpi=args.dpi, jobs=None,
            all_actors=args.all_actors,
        )  # fmt: skip
    for path in written:
        print(path)
    if not written:
        print(f"{folder}: nothing to draw (the folder has none of the tables the charts read)")
    # a chart named with --kind and not drawn was left out without a word (`--kind
    # escalation,effects` of a `--series summary` run printed effects.png alone)
    skipped = [k for k in dict.fromkeys(kinds or []) if k not in {p.stem for p in written}]
    if skipped and written:
        print(f"note: --kind {','.join(skipped)}: not drawn, {folder} has none of the tables "
              "it reads", file=sys.stderr)  # fmt: skip
    return 0


def _check_at(folder: Path, at: list[int] | None) -> None:
    """`--at` names steps of a run folder's network chart, 0 to the run's last step.

    A step past the end used to be drawn as the last step, labelled as the step asked for
    nowhere, and `--at` on a folder without a network chart was ignored: exit 0 either way."""
    from sim.errors import UsageError
    from sim.results_io import read_manifest

    if not at:
        return
    if any(step < 0 for step in at):
        raise UsageError("--at: steps start at 0")
    manifest = read_manifest(folder)
    if manifest["kind"] != "run":
        raise UsageError(f"--at: only run folders have a network chart; {folder} is a "
                         f"{manifest['kind']} folder")  # fmt: skip
    beyond = [step for step in at if step > manifest["steps"]]
    if beyond:
        raise UsageError(f"--at {beyond[0]}: the run has steps 0 to {manifest['steps']}")


def _report_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "results",
        type=Path,
        metavar="RESULTS_DIR",
        help="a results folder (any kind)",
    )
    p.add_argument(
        "-o", "--out", type=file_to_write, help="write here (default RESULTS_DIR/report.html)"
    )
    p.add_argument(
        "--redraw",
        action="store_true",
        help="draw every chart afresh instead of embedding the saved charts/*.png",
    )


@command("report", _report_args)
def cmd_report(args: argparse.Namespace) -> int:
    """Write one self-contained report.html (charts embedded) from a results folder."""
    from sim.report import write_report
    from sim.results_io import check_output, reading

    folder = _results_dir(args.results)
    check_output(folder, args.out, ("report.html",))  # never over the folder's own files
    with reading(folder):
        print(write_report(folder, args.out, reuse_charts=not args.redraw))
    return 0
