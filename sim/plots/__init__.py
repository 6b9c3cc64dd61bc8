"""Charts drawn from saved results folders (they never run the model).

`draw_charts(folder)` reads `manifest.json`, picks the charts for its kind (run, compare,
sweep), draws those the folder has data for, and writes them to `folder/charts/`.
Every chart function returns a matplotlib Figure (or None when the folder lacks its data),
so tests and the HTML report can use the figures without touching the disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from matplotlib.figure import Figure

from sim.errors import UsageError
from sim.plots.catalogue import CHART_NAMES, CHARTS, Chart
from sim.plots.style import save
from sim.results.folder import ResultsFolder as Results

FORMATS = ("png", "svg", "pdf")


def charts_for(kind: str, names: Iterable[str] | None = None) -> list[Chart]:
    """The charts of a folder kind, optionally only those named (unknown names: UsageError)."""
    wanted = list(dict.fromkeys(names or ()))
    unknown = [n for n in wanted if n not in CHART_NAMES]
    if unknown:
        raise UsageError(f"unknown chart {unknown[0]!r}; choose from {', '.join(CHART_NAMES)}")
    mine = [c for c in CHARTS if c.kind == kind]
    if not wanted:
        return mine
    wrong = [n for n in wanted if n not in {c.name for c in mine}]
    if wrong:
        theirs = next(c.kind for c in CHARTS if c.name == wrong[0])
        raise UsageError(
            f"chart {wrong[0]!r} is drawn from {theirs} folders, this is a {kind} folder; "
            f"choose from {', '.join(c.name for c in mine)}"
        )
    return [c for c in mine if c.name in wanted]


def figures(
    results_dir: Path | Results,
    kinds: Iterable[str] | None = None,
    steps: Sequence[int] | None = None,
    all_actors: bool = False,
) -> list[tuple[Chart, Figure]]:
    """Every chart the folder supports, as (chart, Figure) pairs; charts without data: skipped.
    `all_actors`: per-actor charts draw every actor, not the `crowd.ACTORS_SHOWN` chosen."""
    res = results_dir if isinstance(results_dir, Results) else Results(results_dir)
    out = []
    for chart in charts_for(res.kind, kinds):
        fig = build(chart, res, steps, all_actors)
        if fig is not None:
            out.append((chart, fig))
    return out


def _per_actor(chart: Chart) -> bool:
    """Whether the chart draws one item per actor (at most crowd.ACTORS_SHOWN by default):
    read off its function's `limit`, so no list of names must be kept in step with it."""
    import inspect

    return "limit" in inspect.signature(chart.draw).parameters


def build(
    chart: Chart, res: Results, steps: Sequence[int] | None = None, all_actors: bool = False
) -> Figure | None:
    """One chart's Figure, or None when the folder lacks its data."""
    more = {"limit": None} if all_actors and _per_actor(chart) else {}
    if chart.name != "network":
        return chart.draw(res, **more)
    return chart.draw(res, steps=network_steps(steps, res.manifest["steps"]), **more)


def network_steps(steps: object, last: int) -> list[int] | None:
    """The network chart's steps: whole numbers from 0 to the run's `last` step.

    Why: `plot --at` refused a step past the end, but `Results.plot("network", steps=[99])`
    drew the last step (labelled as no step asked for), and -1, 1.5, True or the text "1"
    were drawn too; `steps=1` was a TypeError."""
    if steps is None:
        return None
    from numbers import Integral

    items = list(steps) if isinstance(steps, list | tuple | range) else None
    if items is None or any(type(s).__name__ in ("bool", "bool_") or not isinstance(s, Integral)
                            for s in items):  # fmt: skip
        raise UsageError(f"steps: expected a list of whole-number steps, found {steps!r}")
    items = [int(s) for s in items]
    wrong = [s for s in items if not 0 <= s <= last]
    if wrong:
        raise UsageError(f"steps: {wrong[0]} is not a step of the run (it has steps 0 to {last})")
    return items


def draw_charts(
    results_dir: Path,
    formats: Sequence[str] = ("png",),
    kinds: Iterable[str] | None = None,
    steps: Sequence[int] | None = None,
    dpi: int | None = None,
    jobs: int | None = 1,
    all_actors: bool = False,
) -> list[Path]:
    """Draw every chart the results folder supports into `results_dir/charts/`; their paths.

    `kinds` picks charts by name (see CHART_NAMES), `steps` the network chart's steps,
    `dpi` the resolution of PNGs (default 150), `all_actors` every actor in the per-actor
    charts (default: at most `crowd.ACTORS_SHOWN`, chosen as docs/charts.md says). `jobs`
    processes share the charts (None: up to 2 where the OS can fork; the files are the same
    either way). The default stays in this process: forking is for the command line, not
    for a program that embeds the library.
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise UsageError(f"unknown format {bad[0]!r}; choose from {', '.join(FORMATS)}")
    results_dir = Path(results_dir)
    res = Results(results_dir)
    names = [c.name for c in charts_for(res.kind, kinds)]
    jobs = _jobs(jobs, len(names))
    if jobs <= 1:
        written = _draw(res, formats, names, steps, dpi, all_actors)
    else:
        written = _draw_parallel(results_dir, formats, names, steps, dpi, jobs, all_actors)
    from sim.results_ledger import record  # which result each chart is (sim/results_ledger.py)

    record(results_dir / "charts", res.manifest.get("result_id"), written)
    return written


def _jobs(jobs: int | None, n: int) -> int:
    import multiprocessing as mp
    import os

    if jobs is None:
        forkable = "fork" in mp.get_all_start_methods()
        jobs = min(2, os.cpu_count() or 1) if forkable else 1
    return max(1, min(jobs, n))


def _draw(
    res: Results | Path, formats: Sequence[str], names: Sequence[str],
    steps: Sequence[int] | None, dpi: int | None, all_actors: bool = False,
) -> list[Path]:  # fmt: skip
    res = res if isinstance(res, Results) else Results(res)
    out_dir = res.path / "charts"
    written = []
    for chart, fig in figures(res, names, steps, all_actors):
        try:
            for fmt in formats:
                written.append(save(fig, out_dir / f"{chart.name}.{fmt}", dpi, close=False,
                                    last=fmt == formats[-1]))  # fmt: skip
        finally:
            import matplotlib.pyplot as plt

            plt.close(fig)
    return written


def _draw_parallel(
    results_dir: Path, formats: Sequence[str], names: list[str],
    steps: Sequence[int] | None, dpi: int | None, jobs: int, all_actors: bool = False,
) -> list[Path]:  # fmt: skip
    """Charts shared among `jobs` processes (forked: matplotlib is already loaded) by their
    drawing cost (`shares`); this process draws the first share. Paths come back in chart
    order."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    shares = balanced(names, jobs)
    with ProcessPoolExecutor(jobs - 1, mp_context=mp.get_context("fork")) as pool:
        futures = [
            pool.submit(_draw, results_dir, formats, share, steps, dpi, all_actors)
            for share in shares[1:]
        ]
        written = _draw(results_dir, formats, shares[0], steps, dpi, all_actors)
        for future in futures:
            written += future.result()
    order = {name: k for k, name in enumerate(names)}
    return sorted(written, key=lambda p: (order[p.stem], formats.index(p.suffix[1:])))


# Seconds to draw each chart of a 10,000 × 200 baseline run folder (one process, 2-core VM,
# December 2026): what `balanced` weighs. Round-robin gave one process escalation, occupancy
# and distancing (1.4 s) and the other 0.9 s, and the run waited for the longer (issue 18).
DRAW_SECONDS = {"escalation": 0.56, "occupancy": 0.52, "outcomes": 0.44, "distancing": 0.31,
                "network": 0.30, "effects": 0.17}  # fmt: skip


def balanced(names: Sequence[str], jobs: int) -> list[list[str]]:
    """`names` in `jobs` shares of about equal drawing time: the costliest chart first, each
    to the share with the least time so far (charts without a figure count as the median).
    Which process draws a chart never changes its file."""
    typical = sorted(DRAW_SECONDS.values())[len(DRAW_SECONDS) // 2]
    shares: list[list[str]] = [[] for _ in range(jobs)]
    loads = [0.0] * jobs
    for name in sorted(names, key=lambda n: -DRAW_SECONDS.get(n, typical)):
        k = loads.index(min(loads))
        shares[k].append(name)
        loads[k] += DRAW_SECONDS.get(name, typical)
    return shares


def draw_run_charts(run_dir: Path) -> list[Path]:
    """Used by `alliance-sim run`: every chart of a run folder, as PNG, in two processes."""
    return draw_charts(run_dir, jobs=None)


__all__ = [
    "CHARTS",
    "CHART_NAMES",
    "FORMATS",
    "Chart",
    "Results",
    "build",
    "charts_for",
    "draw_charts",
    "draw_run_charts",
    "figures",
]
