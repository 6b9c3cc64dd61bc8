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

from sim.results.compare_actors import compare_actors, compare_lacking_rows
from sim.sweep_checks import check_design_matrix, check_sweep_manifest
from sim.table_checks import check_index, check_values, fail, read_csv, read_parquet, row_groups
from sim.value_ranges import OUTCOMES, RANGES, SUMMARY_PREFIXES, effect_range


def check_folder(kind: str, path: Path, manifest: dict[str, Any]) -> None:
    """Check the meaning of a results folder's tables (its shape is already checked)."""
    CHECKS.get(kind, _nothing)(Path(path), manifest)


def _nothing(folder: Path, manifest: dict[str, Any]) -> None:
    return None


def _check_outcomes(path: Path, values, column: str = "outcome") -> None:
    found = set(map(str, values)) - set(OUTCOMES)
    if found:
        fail(path, f"column {column}: unknown class(es) {sorted(found)[:3]}; "
             f"expected {', '.join(OUTCOMES)}")  # fmt: skip


def _check_summary(path: Path, frame, replications: int, per: int = 1,
                   actors: list[str] | None = None,
                   lacking_rows: dict[str, np.ndarray] | None = None) -> None:  # fmt: skip
    """One row per replication (per scenario), known outcomes, escalation in range, a peak
    escalation for each of the manifest's `actors` (the report's actor table and chart left
    an actor without one out, exit 0), and beside each actor's peak escalation its final
    escalation and rung (a dropped one was "(KeyError: 'final_rung_CHN')"), and beside
    those its peak (compare manifests written before round 13 list no actors).
    `lacking_rows[actor]` marks the rows (of a compare's scenarios without that actor)
    where its columns are empty by design (`compare_lacking_rows`)."""
    if len(frame) != replications * per:
        fail(path, f"{len(frame):,} row(s), the manifest says {replications * per:,}")
    lacking = [f"peak_escalation_{a}" for a in actors or ()
               if f"peak_escalation_{a}" not in frame.columns]  # fmt: skip
    if lacking:
        fail(path, f"missing column(s) {', '.join(lacking)} (of the manifest's actors {actors})")
    for col in map(str, frame.columns):
        actor = col.removeprefix("peak_escalation_")
        missing = [f"{k}_{actor}" for k in ("final_escalation", "final_rung")
                   if col != actor and f"{k}_{actor}" not in frame.columns]  # fmt: skip
        if missing:
            fail(path, f"missing column(s) {', '.join(missing)} (beside {col})")
        actor = col.removeprefix("final_escalation_").removeprefix("final_rung_")
        if col != actor and f"peak_escalation_{actor}" not in frame.columns:  # compare: no list
            fail(path, f"missing column(s) peak_escalation_{actor} (beside {col})")
    check_index(path, "replication", frame["replication"].to_numpy(), replications,
                "replications")  # fmt: skip
    _check_outcomes(path, frame["outcome"])
    for col in frame.columns:
        for prefix, quantity in SUMMARY_PREFIXES.items():
            if str(col).startswith(prefix):
                values = frame[col].to_numpy(float)
                lacking = (lacking_rows or {}).get(str(col).removeprefix(prefix))
                if lacking is not None:  # empty where the scenario has no such actor
                    values = values[~(lacking & np.isnan(values))]
                check_values(path, col, values, *RANGES[quantity])


def _check_series(path: Path, replications: int, steps: int) -> None:
    """A per-step Parquet table, row group by row group: indices and quantities in range."""
    for group in row_groups(path, {*RANGES, "replication", "step"}):
        for c in group.column_names:
            values = group.column(c).to_numpy()
            if c == "replication":
                check_index(path, c, values, replications, "replications")
            elif c == "step":
                check_index(path, c, values, steps + 1, "steps (0 to the last)")
            else:
                check_values(path, c, values, *RANGES[c])


def _check_events(path: Path, replications: int, steps: int) -> None:
    frame = read_csv(path)
    check_index(path, "replication", frame["replication"].to_numpy(), replications,
                "replications")  # fmt: skip
    check_index(path, "step", frame["step"].to_numpy(), steps + 1, "steps (0 to the last)")


def _check_actors(path: Path, actors: list[str] | None) -> None:
    """The run's actors are listed once each, and the per-step actor table has rows for each.

    Charts draw the manifest's actors from the tables: one the tables lack was an empty
    panel with numpy warnings and exit 0. (The tables may hold more: folders written before
    inactive actors were left out of the tables hold them too.)"""
    if actors is None:
        return
    if len(set(actors)) != len(actors):
        fail(path.parent / "manifest.json", f"actors: {actors} lists an actor twice")
    if not path.exists():
        return
    found: set[str] = set()
    for group in row_groups(path, {"actor"}):
        found.update(map(str, group.column(0).unique()))
    _check_listed(path, "actor", actors, found)


def _check_listed(path: Path, column: str, actors: list[str], found: set[str]) -> None:
    lacking = [a for a in actors if a not in found]
    if lacking:
        fail(path, f"column {column}: no rows for {lacking[:3]} of the manifest's actors {actors}")


def _check_aggregates(path: Path, replications: int, steps: int, actors: list[str] | None) -> None:
    """The run charts' histogram table (sim/aggregates.py): known series, steps within the
    run, counts of at most `of` replications of the manifest, and each quantile of a counted
    row finite and in its series' range (a row counting nothing has none).

    Why: `plot` draws from this table alone, and it was never checked: `of` edited to inf
    was an OverflowError traceback, NaN or 1e6 medians were drawn without a word."""
    from sim.aggregates import Q_COLUMNS, SERIES

    frame = read_parquet(path, ["series", "step", "source", "target", "count", "of", *Q_COLUMNS])
    series = np.asarray(frame.column("series").to_pylist(), dtype=object)
    unknown = sorted(set(map(str, series)) - set(SERIES))
    if unknown:
        fail(path, f"column series: unknown {unknown[:3]}; expected {', '.join(SERIES)}")
    check_index(path, "step", frame.column("step").to_numpy(), steps + 1,
                "steps (0 to the last)")  # fmt: skip
    _check_grid(path, frame, series, steps)
    escalation = frame.column("source").to_numpy(zero_copy_only=False)[series == "escalation"]
    if actors is not None:
        _check_listed(path, "source", actors, set(map(str, escalation)))
    of = frame.column("of").to_numpy(zero_copy_only=False).astype(float)
    check_values(path, "of", of, 0, replications)
    count = frame.column("count").to_numpy(zero_copy_only=False).astype(float)
    check_values(path, "count", count, 0, replications)
    if (count > of).any():
        first = int(np.argmax(count > of))
        fail(path, f"column count: {count[first]:g} replications counted of {of[first]:g}")
    quantiles = {q: frame.column(q).to_numpy(zero_copy_only=False) for q in Q_COLUMNS}
    for name, (lo, hi) in RANGES.items():
        rows = (series == name) & (count > 0)
        for q, values in quantiles.items():
            check_values(path, q, values[rows], lo, hi)


PAIRED = ("commitment", "tension")  # series of actor pairs: none in a run of one actor


def _check_grid(path: Path, frame, series: np.ndarray, steps: int) -> None:
    """Each series has a row for each of its groups (actor, actor and rung, pair, or the
    system) at every step 0 to the last, once: rows cut from the table (a truncated copy,
    an edit) were drawn by `report` from its saved charts with exit 0, and `report --redraw`
    said "the tables do not match the manifest (ValueError: operands could not be broadcast
    …)"; a table with no rows, or without its last steps, was drawn, exit 0."""
    from sim.aggregates import SERIES

    step = frame.column("step").to_numpy()
    source, target = (frame.column(c).to_pandas().astype(str) for c in ("source", "target"))
    groups = (source + "\t" + target).to_numpy()
    for name in SERIES:
        rows = series == name
        if not rows.any():
            if name in PAIRED:
                continue
            fail(path, f"column series: no rows for {name} (rows missing)")
        keys, index = np.unique(groups[rows], return_inverse=True)
        per_step = np.bincount(step[rows], minlength=steps + 1)
        short = np.flatnonzero(per_step != len(keys))
        if short.size:
            at = int(short[0])
            why = "rows missing" if per_step[at] < len(keys) else "a row repeated"
            fail(path, f"series {name}: {per_step[at]:,} row(s) at step {at}, expected "
                 f"{len(keys):,} (one per group) at every step 0 to {steps} ({why})")  # fmt: skip
        cells = step[rows].astype(np.int64) * len(keys) + index
        if len(np.unique(cells)) != len(cells):
            fail(path, f"series {name}: a group has two rows at one step (another none)")


def _check_run(folder: Path, manifest: dict[str, Any]) -> None:
    reps, steps = manifest["replications"], manifest["steps"]
    _check_actors(folder / "timeseries.parquet", manifest.get("actors"))
    if (folder / "aggregates.parquet").exists():
        _check_aggregates(folder / "aggregates.parquet", reps, steps, manifest.get("actors"))
    _check_summary(folder / "summary.csv", read_csv(folder / "summary.csv"), reps,
                   actors=manifest.get("actors"))  # fmt: skip
    if (folder / "events.csv").exists():
        _check_events(folder / "events.csv", reps, steps)
    for name in ("timeseries", "pairs", "system"):
        if (folder / f"{name}.parquet").exists():
            _check_series(folder / f"{name}.parquet", reps, steps)


def _check_compare(folder: Path, manifest: dict[str, Any]) -> None:
    """Scenarios named once, the reference among them, rows of those scenarios only, and
    the summaries of `_check_summary`, with the peak escalation (so the final escalation
    and rung) of each of the compare's actors (`compare_actors`), and comparison.csv's rows
    of them: dropped by hand, an actor was left out of the compare report and charts,
    exit 0. Manifests that list no actors at all are not checked for them, as for runs."""
    path = folder / "summaries.parquet"
    frame = read_parquet(path).to_pandas()
    names = [s["name"] for s in manifest["scenarios"]]
    meta = folder / "manifest.json"
    if len(set(names)) != len(names):  # rows of two scenarios would be read as one
        fail(meta, f"scenarios: {names} names a scenario twice")
    if manifest.get("reference", names[0]) not in names:  # the Δ column's label
        fail(meta, f"reference: {manifest['reference']!r} is not among the scenarios {names}")
    unknown = sorted(set(map(str, frame["scenario"])) - set(names))
    if unknown:
        fail(path, f"column scenario: {unknown[:3]} not among the manifest's {names}")
    actors = compare_actors(manifest)
    _check_summary(path, frame, manifest["replications"], per=len(names), actors=actors,
                   lacking_rows=compare_lacking_rows(manifest, frame))  # fmt: skip
    _check_comparison(folder / "comparison.csv", actors)


PER_ACTOR = ("peak_escalation", "final_escalation", "final_rung")  # required of each actor


def _check_comparison(path: Path, actors: list[str] | None) -> None:
    """comparison.csv (long: a row per scenario and outcome) has rows for each actor's peak
    and final escalation and rung, the outcomes summaries.parquet must hold: an actor whose
    rows were dropped was left out of the report's tables and the comparison chart, exit 0."""
    if actors is None:
        return
    found = set(map(str, read_csv(path)["outcome"]))
    lacking = [f"{k}_{a}" for a in actors for k in PER_ACTOR if f"{k}_{a}" not in found]
    if lacking:
        needs = ", ".join(PER_ACTOR)
        fail(path, f"column outcome: no rows for {', '.join(lacking)} "
             f"(each of the manifest's actors {actors} needs its {needs})")  # fmt: skip


def _check_robustness(folder: Path, manifest: dict[str, Any]) -> None:
    """What sim/jobs/robustness.py writes, in range: shares and probabilities in [0, 1], signs
    −1, 0 or 1, each effect finite and within what a difference of its outcome can be, the
    coefficients within their bounds, known outcome classes, one draw per row of the
    manifest's draws.

    Why: only `share_same_sign` was checked; a `nominal_sign` of 7, an effect of NaN or
    1e6, a `p_crisis` of 5 were reported (P(crisis) "500%") without a word."""
    path = folder / "robustness.csv"
    frame = read_csv(path)
    check_values(path, "share_same_sign", frame["share_same_sign"].to_numpy(float),
                 *RANGES["share_same_sign"])  # fmt: skip
    if "nominal_sign" in frame.columns:
        signs = frame["nominal_sign"].to_numpy(float)
        bad = ~np.isin(signs, (-1.0, 0.0, 1.0))
        if bad.any():
            fail(path, f"column nominal_sign: {signs[bad][0]:g}; expected -1, 0 or 1")
    for row in frame.itertuples(index=False):
        outcome = str(row.outcome)
        if outcome.startswith("draws_p_"):  # the nominal P(crisis) or P(war)
            check_values(path, f"nominal_effect ({outcome})", [row.nominal_effect], 0.0, 1.0)
        elif outcome != "outcome_class":  # the class row has no effect
            lo, hi = effect_range(outcome)
            for column in ("nominal_effect", "effect_p5", "effect_p95"):
                check_values(path, f"{column} ({outcome})", [getattr(row, column)], lo, hi)
    from sim.robustness_checks import check_nominal_signs, check_oat

    check_nominal_signs(path, frame)  # each effect is finite by now
    _check_draws(folder / "draws.parquet", manifest.get("draws"))
    if (folder / "oat.csv").exists():
        check_oat(folder / "oat.csv", read_csv(folder / "oat.csv"), manifest.get("one_at_a_time"))
    for name in ("regimes.csv", "structures.csv"):
        if (folder / name).exists():
            _check_shares(folder / name, read_csv(folder / name))


def _check_draws(path: Path, draws: Any) -> None:
    """One row per draw: coefficients within their bounds, effects as `effect_range`, the
    outcome class known, P(crisis) and P(war) shares with P(war) at most P(crisis)."""
    from sim.observe.spec import bounds_of

    frame = read_parquet(path).to_pandas()
    if isinstance(draws, int) and len(frame) != draws:
        fail(path, f"{len(frame):,} row(s), the manifest says {draws:,} draws")
    for name in map(str, frame.columns):
        values = frame[name]
        if name == "outcome_class":
            _check_outcomes(path, values, name)
        elif name in ("p_crisis", "p_war"):
            check_values(path, name, values.to_numpy(float), 0.0, 1.0)
        elif name.startswith("effect_"):
            check_values(path, name, values.to_numpy(float), *effect_range(name[7:]))
        elif (bounds := bounds_of(name)) is not None:
            check_values(path, name, values.to_numpy(float), *bounds)
    if {"p_crisis", "p_war"} <= set(frame.columns) and (frame["p_war"] > frame["p_crisis"]).any():
        fail(path, "column p_war: above p_crisis (a replication at war is also in crisis)")


def _check_shares(path: Path, frame) -> None:
    """regimes.csv and structures.csv: probabilities and shares of draws in [0, 1], their
    Monte Carlo standard errors in [0, 0.5]."""
    for column in map(str, frame.columns):
        if column in ("regime", "source", "structure"):
            continue
        hi = 0.5 if column.endswith("mc_se") else 1.0
        check_values(path, column, frame[column].to_numpy(float), 0.0, hi)


def _check_calibration(folder: Path, manifest: dict[str, Any]) -> None:
    path = folder / "posterior.parquet"
    frame = read_parquet(path).to_pandas()
    if "weight" not in frame.columns or frame.empty:
        fail(path, "expected a 'weight' column and rows")
    check_values(path, "weight", frame["weight"].to_numpy(float), 0.0, np.inf)
    if not frame["weight"].sum() > 0:  # report --redraw: numpy's ZeroDivisionError traceback
        fail(path, "column weight: the weights sum to 0; a posterior needs a positive weight")
    _check_fitted(path, frame, manifest.get("priors"))
    populations = folder / "populations.parquet"
    if populations.exists():
        _check_fitted(populations, read_parquet(populations).to_pandas(), manifest.get("priors"))
    diag = folder / "diagnostics.csv"
    ess = read_csv(diag).get("ess")
    if ess is not None:
        check_values(diag, "ess", ess.to_numpy(float), 1.0, np.inf)


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
            fail(path, f"no column for the fitted coefficient {name}")
        check_values(path, name, frame[name].to_numpy(float), float(lo), float(hi))


def _check_sweep(folder: Path, manifest: dict[str, Any]) -> None:
    """One points row per design point, a column per swept path (each path once), finite
    numbers. `analyze` sized its arrays by `n_points` (a tampered 10⁹ was a MemoryError
    traceback) and indexed by path (a repeated one was an AttributeError)."""
    from sim.limits import MAX_POINTS

    meta = folder / "manifest.json"
    paths = [p["path"] for p in manifest["parameters"]]
    if len(set(paths)) != len(paths):
        fail(meta, f"parameters: {paths} sweeps a path twice")
    n_points = manifest.get("n_points")
    if n_points is not None and n_points > MAX_POINTS:
        fail(meta, f"n_points: {n_points:,} is above the cap of {MAX_POINTS:,} design points")
    check_sweep_manifest(meta, manifest, paths)
    path = folder / "points.parquet"
    table = read_parquet(path)
    if n_points is not None and table.num_rows != n_points:
        fail(path, f"{table.num_rows:,} row(s), the manifest says {n_points:,} design points")
    check_design_matrix(folder / "design.parquet", paths, n_points)
    missing = [p for p in paths if p not in table.column_names]
    if missing:
        fail(path, f"no column for the swept {missing[:3]}")
    for name in paths:
        column = table.column(name)
        if _is_number(column.type):
            values = np.asarray(column.to_numpy(zero_copy_only=False), dtype=float)
            if not np.isfinite(values).all():
                fail(path, f"column {name}: {int((~np.isfinite(values)).sum()):,} value(s) "
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
