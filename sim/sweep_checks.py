"""Checks of a sweep folder's manifest against itself and of its design matrix (split from
sim/results_checks.py, which checks every kind of results folder). Why (round 21): a
manifest edited by hand (its design, its number of runs, a range's bounds) or a design
matrix cut short reached SALib or numpy and ended `analyze` in a traceback, NaN indices or
a cryptic line; each is now one line naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.table_checks import fail, read_parquet


def check_sweep_manifest(meta: Path, manifest: dict[str, Any], paths: list[str]) -> None:
    """The manifest's runs, points, design and ranges agree with one another."""
    n_points = manifest.get("n_points")
    reps, n_runs = manifest.get("replications"), manifest.get("n_runs")
    if all(isinstance(v, int) for v in (n_points, reps, n_runs)) and n_points * reps != n_runs:
        fail(meta, f"n_runs: {n_runs:,}, but {n_points:,} design points × {reps:,} "
             f"replication(s) make {n_points * reps:,}; the manifest was edited")  # fmt: skip
    want = design_size(manifest)
    if want is not None and isinstance(n_points, int) and want != n_points:
        fail(meta, f"n_points: {n_points:,}, but a {manifest['design']} design of "
             f"{len(paths)} parameter(s){_samples_words(manifest)} has {want:,} points; "
             "the manifest was edited (run the sweep again)")  # fmt: skip
    for i, p in enumerate(manifest["parameters"]):
        low, high = p.get("low"), p.get("high")
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high))
        if p.get("kind") == "range" and numbers and not low < high:
            fail(meta, f"parameters.{i}: expected low < high, found {low} and {high}")


def check_design_matrix(design: Path, paths: list[str], n_points: Any) -> None:
    """The design matrix Morris and RBD-FAST read back: a row per point, a column per path."""
    if not design.exists():
        return
    matrix = read_parquet(design)
    if n_points is not None and matrix.num_rows != n_points:
        fail(design, f"{matrix.num_rows:,} row(s), the manifest says {n_points:,} design points")
    missing = [p for p in paths if p not in matrix.column_names]
    if missing:
        fail(design, f"no column for the swept {missing[:3]}")


def design_size(manifest: dict[str, Any]) -> int | None:
    """How many points the manifest's design of its parameters makes (as
    sim.jobs.sweep.designs.expected_points), or None when the manifest does not say enough.
    Why (round 21): a manifest whose `design` was changed by hand (`grid` → `sobol` on a
    grid's 6 points) reached SALib, whose "Incorrect number of samples in model output
    file" ended `analyze` in a traceback; `grid` → `lhs` wrote RBD-FAST indices of NaN."""
    import math

    design, params, n = manifest.get("design"), manifest.get("parameters"), manifest.get("samples")
    if not isinstance(params, list) or not all(isinstance(p, dict) for p in params):
        return None
    d = len(params)
    whole = isinstance(n, int) and not isinstance(n, bool)
    if design == "grid":
        levels = [p.get("values") for p in params]
        if not all(isinstance(v, list) for v in levels):
            return None
        return math.prod(len(v) for v in levels)
    if not whole:
        return None
    if design == "lhs":
        return n
    if design == "sobol":
        return n * (2 * d + 2 if manifest.get("second_order") is True else d + 2)
    if design == "morris":
        return n * (d + 1)
    return None


def _samples_words(manifest: dict[str, Any]) -> str:
    if manifest.get("design") == "grid":
        return ""
    order = ", second order" if manifest.get("design") == "sobol" and manifest.get(
        "second_order") is True else ""  # fmt: skip
    return f" and {manifest.get('samples')} samples{order}"
