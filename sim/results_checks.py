"""Semantic checks of a results folder on read: values in range, rows as the manifest says.

Why (issue #19): `plot` and `report` drew folders whose tables parsed but meant nothing:
all-NaN or out-of-range escalation, 0 summary rows against a manifest of 8 replications,
outcome classes the model never produces, events at step 99999. sim/results_io.py checks
shape (manifest fields, table schemas); this module checks meaning, and is called by it
through one entry point, `check_folder(kind, path, manifest)`. Each failure is one line
naming the file, the column and what was expected.

Large tables are read one Parquet row group at a time and only the checked columns, so the
check costs a fraction of what drawing the charts costs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import UsageError

OUTCOMES = ("calm", "tense", "crisis", "war")  # sim/ensemble.py outcome_class
# The range of every model quantity a table may hold (MODEL.md; sim/metrics.py).
RANGES: dict[str, tuple[float, float]] = {
    "escalation": (0.0, 1.0),
    "leverage": (0.0, 1.0),
    "commitment": (-1.0, 1.0),
    "tension": (0.0, 1.0),
    "distancing": (-2.0, 2.0),  # a fall in mean commitment, each in [-1, 1]
    "frustration": (0.0, 1.0),
    "share_same_sign": (0.0, 1.0),
}
SUMMARY_PREFIXES = {"peak_escalation_": "escalation", "final_escalation_": "escalation",
                    "final_leverage_": "leverage"}  # fmt: skip


def check_folder(kind: str, path: Path, manifest: dict[str, Any]) -> None:
    """Check the meaning of a results folder's tables (its shape is already checked)."""
    CHECKS.get(kind, _nothing)(Path(path), manifest)


def _nothing(folder: Path, manifest: dict[str, Any]) -> None:
    return None


def _fail(path: Path, message: str) -> None:
    raise UsageError(f"{path}: {message}")


def _check_values(path: Path, column: str, values: np.ndarray, lo: float, hi: float) -> None:
    """Finite and within [lo, hi]; the first offending value is named."""
    v = np.asarray(values, dtype=float)
    bad = ~np.isfinite(v) | (v < lo) | (v > hi)
    if bad.any():
        first = v[bad][0]
        what = "not a number" if np.isnan(first) else f"{first:g}"
        _fail(path, f"column {column}: {int(bad.sum()):,} value(s) outside [{lo:g}, {hi:g}] "
                    f"(first: {what})")  # fmt: skip


def _check_index(path: Path, column: str, values: np.ndarray, count: int, what: str) -> None:
    """Whole numbers in [0, count)."""
    v = np.asarray(values)
    if len(v) and (v.min() < 0 or v.max() >= count):
        _fail(path, f"column {column}: {v.max() if v.max() >= count else v.min()} is outside "
                    f"the {count:,} {what} of the manifest")  # fmt: skip


def _check_outcomes(path: Path, values) -> None:
    found = set(map(str, values)) - set(OUTCOMES)
    if found:
        _fail(path, f"column outcome: unknown class(es) {sorted(found)[:3]}; "
                    f"expected {', '.join(OUTCOMES)}")  # fmt: skip


def _read_csv(path: Path):
    import pandas as pd

    return pd.read_csv(path)


def _check_summary(path: Path, frame, replications: int, per: int = 1) -> None:
    """One row per replication (per scenario), known outcomes, escalation in range."""
    if len(frame) != replications * per:
        _fail(path, f"{len(frame):,} row(s), the manifest says {replications * per:,}")
    _check_index(path, "replication", frame["replication"].to_numpy(), replications,
                 "replications")  # fmt: skip
    _check_outcomes(path, frame["outcome"])
    for col in frame.columns:
        for prefix, quantity in SUMMARY_PREFIXES.items():
            if str(col).startswith(prefix):
                _check_values(path, col, frame[col].to_numpy(float), *RANGES[quantity])


def _check_series(path: Path, replications: int, steps: int) -> None:
    """A per-step Parquet table, row group by row group: indices and quantities in range."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    names = pf.schema_arrow.names
    cols = [c for c in names if c in RANGES or c in ("replication", "step")]
    for i in range(pf.num_row_groups):
        group = pf.read_row_group(i, columns=cols)
        for c in cols:
            values = group.column(c).to_numpy()
            if c == "replication":
                _check_index(path, c, values, replications, "replications")
            elif c == "step":
                _check_index(path, c, values, steps + 1, "steps (0 to the last)")
            else:
                _check_values(path, c, values, *RANGES[c])


def _check_events(path: Path, replications: int, steps: int) -> None:
    frame = _read_csv(path)
    _check_index(path, "replication", frame["replication"].to_numpy(), replications,
                 "replications")  # fmt: skip
    _check_index(path, "step", frame["step"].to_numpy(), steps + 1, "steps (0 to the last)")


def _check_actors(path: Path, actors: list[str] | None) -> None:
    """The run's actors are listed once each, and the per-step actor table has rows for each.

    Charts draw the manifest's actors from the tables: one the tables lack was an empty
    panel with numpy warnings and exit 0. (The tables may hold more: folders written before
    inactive actors were left out of the tables hold them too.)"""
    if actors is None:
        return
    if len(set(actors)) != len(actors):
        _fail(path.parent / "manifest.json", f"actors: {actors} lists an actor twice")
    if not path.exists():
        return
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    found: set[str] = set()
    for i in range(pf.num_row_groups):
        found.update(map(str, pf.read_row_group(i, columns=["actor"]).column(0).unique()))
    lacking = [a for a in actors if a not in found]
    if lacking:
        _fail(path, f"column actor: no rows for {lacking[:3]} of the manifest's actors {actors}")


def _check_aggregates(path: Path, replications: int, steps: int) -> None:
    """The run charts' histogram table (sim/aggregates.py): known series, steps within the
    run, counts of at most `of` replications of the manifest, and each quantile of a counted
    row finite and in its series' range (a row counting nothing has none).

    Why: `plot` draws from this table alone, and it was never checked: `of` edited to inf
    was an OverflowError traceback, NaN or 1e6 medians were drawn without a word."""
    import pyarrow.parquet as pq

    from sim.aggregates import Q_COLUMNS, SERIES

    frame = pq.read_table(path, columns=["series", "step", "count", "of", *Q_COLUMNS])
    series = np.asarray(frame.column("series").to_pylist(), dtype=object)
    unknown = sorted(set(map(str, series)) - set(SERIES))
    if unknown:
        _fail(path, f"column series: unknown {unknown[:3]}; expected {', '.join(SERIES)}")
    _check_index(path, "step", frame.column("step").to_numpy(), steps + 1,
                 "steps (0 to the last)")  # fmt: skip
    of = frame.column("of").to_numpy(zero_copy_only=False).astype(float)
    _check_values(path, "of", of, 0, replications)
    count = frame.column("count").to_numpy(zero_copy_only=False).astype(float)
    _check_values(path, "count", count, 0, replications)
    if (count > of).any():
        first = int(np.argmax(count > of))
        _fail(path, f"column count: {count[first]:g} replications counted of {of[first]:g}")
    quantiles = {q: frame.column(q).to_numpy(zero_copy_only=False) for q in Q_COLUMNS}
    for name, (lo, hi) in RANGES.items():
        rows = (series == name) & (count > 0)
        for q, values in quantiles.items():
            _check_values(path, q, values[rows], lo, hi)


def _check_run(folder: Path, manifest: dict[str, Any]) -> None:
    reps, steps = manifest["replications"], manifest["steps"]
    _check_actors(folder / "timeseries.parquet", manifest.get("actors"))
    if (folder / "aggregates.parquet").exists():
        _check_aggregates(folder / "aggregates.parquet", reps, steps)
    _check_summary(folder / "summary.csv", _read_csv(folder / "summary.csv"), reps)
    if (folder / "events.csv").exists():
        _check_events(folder / "events.csv", reps, steps)
    for name in ("timeseries", "pairs", "system"):
        if (folder / f"{name}.parquet").exists():
            _check_series(folder / f"{name}.parquet", reps, steps)


def _check_compare(folder: Path, manifest: dict[str, Any]) -> None:
    import pandas as pd

    path = folder / "summaries.parquet"
    frame = pd.read_parquet(path)
    names = [s["name"] for s in manifest["scenarios"]]
    meta = folder / "manifest.json"
    if len(set(names)) != len(names):  # rows of two scenarios would be read as one
        _fail(meta, f"scenarios: {names} names a scenario twice")
    if manifest.get("reference", names[0]) not in names:  # the Δ column's label
        _fail(meta, f"reference: {manifest['reference']!r} is not among the scenarios {names}")
    unknown = sorted(set(map(str, frame["scenario"])) - set(names))
    if unknown:
        _fail(path, f"column scenario: {unknown[:3]} not among the manifest's {names}")
    _check_summary(path, frame, manifest["replications"], per=len(names))


def _check_robustness(folder: Path, manifest: dict[str, Any]) -> None:
    path = folder / "robustness.csv"
    frame = _read_csv(path)
    _check_values(path, "share_same_sign", frame["share_same_sign"].to_numpy(float),
                  *RANGES["share_same_sign"])  # fmt: skip


def _check_calibration(folder: Path, manifest: dict[str, Any]) -> None:
    import pandas as pd

    path = folder / "posterior.parquet"
    frame = pd.read_parquet(path)
    if "weight" not in frame.columns or frame.empty:
        _fail(path, "expected a 'weight' column and rows")
    _check_values(path, "weight", frame["weight"].to_numpy(float), 0.0, np.inf)
    if not frame["weight"].sum() > 0:  # report --redraw: numpy's ZeroDivisionError traceback
        _fail(path, "column weight: the weights sum to 0; a posterior needs a positive weight")
    _check_fitted(path, frame, manifest.get("priors"))
    populations = folder / "populations.parquet"
    if populations.exists():
        _check_fitted(populations, pd.read_parquet(populations), manifest.get("priors"))
    diag = folder / "diagnostics.csv"
    ess = _read_csv(diag).get("ess")
    if ess is not None:
        _check_values(diag, "ess", ess.to_numpy(float), 1.0, np.inf)


def _check_fitted(path: Path, frame, priors: Any) -> None:
    """Each fitted coefficient (the manifest's priors) has a column of finite values within
    its prior's bounds: NaN, 1e300 or a value below the bound were drawn into the prior and
    posterior chart without a word."""
    if not isinstance(priors, list):
        return
    for prior in (p for p in priors if isinstance(p, dict)):
        name, lo, hi = prior.get("name"), prior.get("lo"), prior.get("hi")
        if not isinstance(name, str) or not all(isinstance(v, int | float) for v in (lo, hi)):
            continue  # an older or edited manifest: nothing to check against
        if name not in frame.columns:
            _fail(path, f"no column for the fitted coefficient {name}")
        _check_values(path, name, frame[name].to_numpy(float), float(lo), float(hi))


def _check_sweep(folder: Path, manifest: dict[str, Any]) -> None:
    """One points row per design point, a column per swept path (each path once), finite
    numbers. `analyze` sized its arrays by `n_points` (a tampered 10⁹ was a MemoryError
    traceback) and indexed by path (a repeated one was an AttributeError)."""
    import pyarrow.parquet as pq

    from sim.limits import MAX_POINTS

    meta = folder / "manifest.json"
    paths = [p["path"] for p in manifest["parameters"]]
    if len(set(paths)) != len(paths):
        _fail(meta, f"parameters: {paths} sweeps a path twice")
    n_points = manifest.get("n_points")
    if n_points is not None and n_points > MAX_POINTS:
        _fail(meta, f"n_points: {n_points:,} is above the cap of {MAX_POINTS:,} design points")
    path = folder / "points.parquet"
    table = pq.read_table(path)
    if n_points is not None and table.num_rows != n_points:
        _fail(path, f"{table.num_rows:,} row(s), the manifest says {n_points:,} design points")
    missing = [p for p in paths if p not in table.column_names]
    if missing:
        _fail(path, f"no column for the swept {missing[:3]}")
    for name in paths:
        column = table.column(name)
        if _is_number(column.type):
            values = np.asarray(column.to_numpy(zero_copy_only=False), dtype=float)
            if not np.isfinite(values).all():
                _fail(path, f"column {name}: {int((~np.isfinite(values)).sum()):,} value(s) "
                            "that are not finite numbers")  # fmt: skip


def _is_number(kind) -> bool:
    import pyarrow as pa

    return pa.types.is_integer(kind) or pa.types.is_floating(kind)


CHECKS: dict[str, Callable[[Path, dict[str, Any]], None]] = {
    "run": _check_run,
    "compare": _check_compare,
    "sweep": _check_sweep,
    "robustness": _check_robustness,
    "calibration": _check_calibration,
}
