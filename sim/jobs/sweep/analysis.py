"""`alliance-sim analyze SWEEP_DIR`: which parameters matter, and where crises happen.

Reads only the sweep folder (chunks are streamed one at a time, so memory does not grow
with the number of runs) and writes `analysis/` (docs/results-format.md):

- by_point.parquet: per point, its parameter values, the mean of every numeric outcome
  over its replications, and p_crisis / p_war (share of replications with one);
- sobol.csv (design sobol): first-order and total Sobol indices with confidence
  intervals, SALib `sobol.analyze` on the per-point means (sobol2.csv: second order);
- morris.csv (design morris): μ*, its confidence interval, σ (and μ), SALib `morris.analyze`;
- rbd_fast.csv (design lhs of at least RBD_MIN_POINTS points): first-order indices by
  RBD-FAST, SALib `rbd_fast.analyze`;
- prim.csv: PRIM boxes for crisis and war (sim.jobs.sweep.prim, ema_workbench).

Categorical parameters enter the sensitivity analysis as their index in sampler units
(docs/sweeps.md). Outcomes constant across points (e.g. an inactive actor) have no
sensitivity and are left out; first_crisis_step / first_war_step are left out of the
sensitivity tables because their −1 "never" code is not a quantity (p_crisis, p_war and
crisis_months carry that information).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.errors import UsageError
from sim.jobs.sweep import store
from sim.jobs.sweep.indices import (
    morris_table,
    rbd_fast_table,
    rbd_min,
    sensitivity_outcomes,
    sobol_tables,
)

PRIM_MAX_RUNS = 200_000


@dataclass
class Analysis:
    folder: Path
    by_point: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    charts: Path | None = None


def find_sweep(path: Path, rewrites: tuple[str, ...] = ()) -> Path:
    """A sweep folder, or the newest complete sweep under results/sweeps/NAME (`rewrites`:
    subfolders the caller writes afresh, see sim/results_io.check_folder)."""
    if not path.is_dir():
        from sim.paths import what_is

        what = what_is(path)  # a FIFO is not "no such folder"
        if what == "no such file or folder":
            raise UsageError(f"{path}: no such folder{_unfinished(path.parent, path.name)}")
        raise UsageError(f"{path}: {what}, expected a sweep results folder")
    if (path / store.MANIFEST).is_file():
        manifest = store.read_manifest(path, rewrites)
        if manifest.get("kind") != "sweep":
            raise UsageError(f"{path}: a {manifest.get('kind')!r} results folder, not a sweep")
        return path
    if (path / store.PLAN_FILE).is_file():
        raise UsageError(
            f"{path}: an unfinished sweep; finish it with `alliance-sim sweep SPEC --resume`"
        )
    runs = sorted(
        p for p in path.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / store.MANIFEST).is_file()
    )  # fmt: skip
    if not runs:
        why = _unfinished(path) or " (no manifest.json)"
        raise UsageError(f"{path}: not a sweep results folder{why}")
    return find_sweep(runs[-1], rewrites)


def _unfinished(parent: Path, name: str = "*") -> str:
    """'; …' naming the newest unfinished sweep `.NAME.partial-*` in `parent`, or ''. Why
    (round 21): `sweep --out X` stopped half way keeps its chunks in `.X.partial-open`, and
    `analyze X` said only "X: no such folder" (the parent of such folders, "not a sweep
    results folder (no manifest.json)")."""
    from sim.output import is_live

    try:
        found = [p for p in parent.glob(f".{name}.partial-*") if (p / store.PLAN_FILE).is_file()]
        newest = max(found, key=lambda p: p.stat().st_mtime, default=None)
    except OSError:
        return ""
    if newest is None:
        return ""
    if is_live(newest):
        return f"; a sweep still running is writing {newest}"
    return (
        f"; an unfinished sweep's chunks are in {newest}: finish it with the same "
        "`alliance-sim sweep` command and --resume"
    )


def outcome_columns(frame_columns: list[str]) -> list[str]:
    return [c for c in frame_columns if c not in ("point", "replication", "outcome")]


def aggregate(folder: Path, manifest: dict[str, Any], points: pd.DataFrame) -> pd.DataFrame:
    """Per-point means, streaming the chunk files one by one."""
    n_points = int(manifest["n_points"])
    n_chunks = int(manifest.get("n_chunks") or 0)
    chunk_dir = folder / store.CHUNKS
    files = sorted(chunk_dir.glob("chunk-*.parquet"))
    if n_chunks and len(files) != n_chunks:
        raise UsageError(f"{folder}: {len(files)} of {n_chunks} chunk files present")
    cols: list[str] | None = None
    sums: np.ndarray | None = None
    counts = np.zeros(n_points)
    crisis = np.zeros(n_points)
    war = np.zeros(n_points)
    for path in files:
        frame = pq.read_table(path).to_pandas()
        if cols is None:
            cols = outcome_columns(list(frame.columns))
            sums = np.zeros((n_points, len(cols)))
        assert sums is not None
        pts = frame["point"].to_numpy()
        lo, hi = int(pts.min()), int(pts.max()) + 1
        local = pts - lo
        counts[lo:hi] += np.bincount(local, minlength=hi - lo)
        for j, c in enumerate(cols):
            sums[lo:hi, j] += np.bincount(
                local, weights=frame[c].to_numpy(float), minlength=hi - lo
            )
        crisis[lo:hi] += np.bincount(
            local, weights=(frame["first_crisis_step"].to_numpy() >= 0), minlength=hi - lo
        )
        war[lo:hi] += np.bincount(
            local, weights=(frame["first_war_step"].to_numpy() >= 0), minlength=hi - lo
        )
    if cols is None or sums is None:
        raise UsageError(f"{folder}: no chunk files")
    if (counts == 0).any():
        missing = int(np.argmax(counts == 0))
        raise UsageError(f"{folder}: design point {missing} has no runs in the chunk files")
    means = pd.DataFrame(sums / counts[:, None], columns=cols)
    means["p_crisis"] = crisis / counts
    means["p_war"] = war / counts
    return pd.concat([points.reset_index(drop=True), means], axis=1)


def run_flags(
    folder: Path, manifest: dict[str, Any], max_runs: int = PRIM_MAX_RUNS
) -> pd.DataFrame:
    """point, crisis, war per run; at most `max_runs` runs (the first k replications of
    every point, so each point keeps equal weight)."""
    reps = int(manifest["replications"])
    keep = max(1, min(reps, max_runs // max(1, int(manifest["n_points"]))))
    parts = []
    for path in sorted((folder / store.CHUNKS).glob("chunk-*.parquet")):
        t = pq.read_table(
            path, columns=["point", "replication", "first_crisis_step", "first_war_step"]
        )
        f = t.to_pandas()
        f = f[f["replication"] < keep]
        parts.append(
            pd.DataFrame(
                {
                    "point": f["point"].to_numpy(),
                    "crisis": f["first_crisis_step"].to_numpy() >= 0,
                    "war": f["first_war_step"].to_numpy() >= 0,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def analyze(
    path: Path,
    *,
    prim: bool = True,
    prim_threshold: float | None = None,
    plots: bool = True,
    log: Callable[[str], None] = print,
    csv: bool = False,
) -> Analysis:
    """Analyse a finished sweep into `analysis/`; `csv` adds by_point.csv."""
    folder = find_sweep(Path(path), ("analysis",))  # written afresh below
    manifest = store.read_manifest(folder, ("analysis",))
    points = pd.read_parquet(folder / "points.parquet")
    params = [p["path"] for p in manifest["parameters"]]
    by_point = aggregate(folder, manifest, points)
    result = Analysis(folder, by_point)
    outcomes, constant = sensitivity_outcomes(by_point, params)
    if constant:
        result.notes.append(f"constant across points, no sensitivity: {', '.join(constant)}")
    design_kind = manifest["design"]
    design_path = folder / "design.parquet"
    design = pd.read_parquet(design_path) if design_path.is_file() else None
    rbd = design_kind == "lhs" and len(points) >= rbd_min(len(params))
    if design is None and (design_kind == "morris" or rbd):  # it said "use --design morris"
        raise UsageError(f"{design_path}: missing (the {design_kind} indices are computed "
                         "from its design matrix)")  # fmt: skip
    if design_kind == "morris" and manifest.get("levels") is None:  # int(None): TypeError
        raise UsageError(f"{folder / store.MANIFEST}: levels: expected a whole number of at "
                         "least 2, found nothing (a morris sweep's manifest needs it)")  # fmt: skip
    if design_kind == "sobol":
        result.tables.update(sobol_tables(manifest, by_point, outcomes))
    elif design_kind == "morris" and design is not None:
        result.tables["morris"] = morris_table(manifest, by_point, design, outcomes)
    elif rbd and design is not None:
        result.tables["rbd_fast"] = rbd_fast_table(manifest, by_point, design, outcomes)
    elif design_kind == "lhs":
        result.notes.append(
            f"lhs design of {len(by_point)} points: RBD-FAST indices need at least "
            f"{rbd_min(len(params))} (use --samples {rbd_min(len(params))} or more); "
            "by_point.parquet holds the per-point means"
        )
    else:
        result.notes.append(
            f"{design_kind} design: no variance-based indices (use --design sobol or morris); "
            "by_point.parquet holds the per-point means"
        )
    if prim:
        from sim.jobs.sweep import prim as prim_mod

        try:
            flags = run_flags(folder, manifest)
            result.tables["prim"] = prim_mod.prim_table(
                points, params, flags, threshold=prim_threshold
            )
        except prim_mod.PrimUnavailable as exc:
            result.notes.append(str(exc))
    _write(folder, result, csv, manifest.get("result_id"))
    if plots:
        result.charts = _charts(folder, result)
    return result


def _write(folder: Path, result: Analysis, csv: bool = False, rid: str | None = None) -> None:
    """Write analysis/ atomically: a reader sees the old tables or the new ones."""
    target = folder / "analysis"
    tmp = folder / f".analysis.partial-{os.getpid()}"
    if tmp.exists():
        import shutil

        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        _write_tables(tmp, result, csv, rid)
    except BaseException:  # a full disk, Ctrl-C: no half-written .analysis.partial left
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        raise
    store.replace_dir(tmp, target)


def _write_tables(tmp: Path, result: Analysis, csv: bool, rid: str | None) -> None:
    result.by_point.to_parquet(tmp / "by_point.parquet", index=False)
    if csv:
        result.by_point.to_csv(tmp / "by_point.csv", index=False)
    for name, table in result.tables.items():
        table.to_csv(tmp / f"{name}.csv", index=False)
    from sim.results_ledger import record  # which sweep these tables are (results_ledger.py)

    record(tmp, rid, [p for p in tmp.iterdir() if not p.name.startswith(".")])


def _charts(folder: Path, result: Analysis) -> Path | None:
    """Charts come from sim.plots.draw_charts(folder) when that exists."""
    try:
        import sim.plots as plots
    except ImportError:
        return None
    draw = getattr(plots, "draw_charts", None)
    if draw is None:
        result.notes.append("charts: sim.plots.draw_charts is not available yet")
        return None
    try:
        draw(folder)
    except Exception as exc:  # the tables are written; say what went wrong with the charts
        result.notes.append(f"charts: drawing failed ({type(exc).__name__}: {exc})")
        return None
    return folder / "charts"


def top_lines(result: Analysis, n: int = 3) -> list[str]:
    """A few lines for the terminal: what drives crisis, war and distancing."""
    lines = []
    for name, col in (("sobol", "ST"), ("morris", "mu_star"), ("rbd_fast", "S1")):
        table = result.tables.get(name)
        if table is None or table.empty:
            continue
        for outcome in ("p_crisis", "p_war", "final_distancing"):
            sub = table[table["outcome"] == outcome].sort_values(col, ascending=False).head(n)
            if sub.empty:
                continue
            ranked = ", ".join(f"{r.parameter} {getattr(r, col):.2f}" for r in sub.itertuples())
            lines.append(f"{outcome} ({name} {col}): {ranked}")
    prim = result.tables.get("prim")
    if prim is not None and not prim.empty:
        for (outcome, box), sub in prim.groupby(["outcome", "box"], sort=False):
            first = sub.iloc[0]
            ranges = "; ".join(_range_text(r) for r in sub.itertuples())
            lines.append(
                f"PRIM {outcome} box {box}: {ranges} "
                f"(density {first['density']:.2f}, coverage {first['coverage']:.2f})"
            )
    return lines


def _range_text(r: Any) -> str:
    values = getattr(r, "values", None)
    if isinstance(values, str) and values:
        return f"{r.parameter} in {{{values}}}"
    return f"{r.low:.4g} ≤ {r.parameter} ≤ {r.high:.4g}"
