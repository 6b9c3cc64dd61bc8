"""The real monthly launch counts: the full model's designs against the noise-only model's.

Session 14 found the full model's particle filter surely worse than the events-only world on
the real monthly launch counts. That null lacks the noise as well as the mechanisms, so the
loss may be the filter's and not the mechanisms'. This fits the noise-only model (every
coefficient of `MECHANISMS` at 0, noise and fatigue on) exactly as the full model, design by
design, on the same monthly design and root seeds, and scores each design of the noise-only
model against the same design of the full model (docs/preregistration-monthly-noise-only.md):

    python -m benchmarks.monthly_launches --noise-only --workers 2
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from benchmarks.calibrate import markdown, with_settings
from benchmarks.power import scaled_spec
from benchmarks.twin import EXERCISES
from sim.observe.rolling import rolling_forecasts
from sim.observe.significance import cell, skill_intervals
from sim.observe.spec import CalibrationSpec, load_spec
from sim.observe.structures import MECHANISMS, structure_spec

FULL, NOISE_ONLY = "full", "noise-only"
DESIGNS = {"plain": "model", "filtered": "filtered", "anomaly": "anomaly", "tracked": "tracked"}


def model_specs(design: Path, folder: Path) -> dict[str, CalibrationSpec]:
    """The full model (the design's spec) and the noise-only model: a scenario extending the
    history with every coefficient of `MECHANISMS` at 0 (benchmarks.power's ×0 world), and
    those coefficients out of the priors, as sim/observe/structures.structure_spec has it."""
    noise = scaled_spec(0.0, folder / "noise-only", spec_path=design)
    return {FULL: load_spec(design), NOISE_ONLY: structure_spec(load_spec(noise), MECHANISMS)}


def forecast_rows(
    specs: dict[str, CalibrationSpec], seeds: list[int], workers: int
) -> pd.DataFrame:
    """Every model's rolling-origin rows (all designs and the nulls), one `fit` per seed."""
    frames = []
    for seed in seeds:
        for name, spec in specs.items():
            forecasts = rolling_forecasts(with_settings(spec, seed=seed), workers=workers)
            frames.append(forecasts.rows.assign(model=name, fit=seed))
            print(f"  {name}, seed {seed}: done", flush=True)
    return pd.concat(frames, ignore_index=True)


def paired(rows: pd.DataFrame, mine: tuple[str, str], other: tuple[str, str]) -> pd.DataFrame:
    """The rows of two forecasters, each (model, forecaster), as "model" and "null"."""
    parts = []
    for (model, forecaster), label in ((mine, "model"), (other, "null")):
        part = rows[(rows["model"] == model) & (rows["forecaster"] == forecaster)]
        parts.append(part.assign(forecaster=label))
    return pd.concat(parts, ignore_index=True)


def comparisons(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per design: the noise-only model against the full model (same design), and each model
    against its own fit's events-only world. Positive = the first-named is better."""
    out = {}
    for design, forecaster in DESIGNS.items():
        out[f"{design}: noise-only vs full"] = paired(
            rows, (NOISE_ONLY, forecaster), (FULL, forecaster)
        )
        for model in (FULL, NOISE_ONLY):
            out[f"{design}: {model} vs events-only"] = paired(
                rows, (model, forecaster), (model, "events_only")
            )
    return out


def pooled_cells(pair: pd.DataFrame, seed: int) -> str:
    table = skill_intervals(pair, seed, nulls=("null",))
    return cell(table[table["kind"] == "pooled"].iloc[0])


def verdict_table(rows: pd.DataFrame, seeds: list[int]) -> pd.DataFrame:
    """Each comparison seed by seed and over all seeds together (the fits resampled too),
    with and without the exercises."""
    out = []
    for label, pair in comparisons(rows).items():
        for view, part in (
            ("every kind", pair),
            ("without the exercises", pair[pair["kind"] != EXERCISES]),
        ):
            row = {"comparison": label, "view": view}
            for s in seeds:
                row[f"seed {s}"] = pooled_cells(part[part["fit"] == s].drop(columns="fit"), s)
            row[f"all {len(seeds)} seeds"] = pooled_cells(part, seeds[0])
            out.append(row)
    return pd.DataFrame(out)


def same_null(rows: pd.DataFrame) -> bool:
    """Whether the two models' events-only forecasts are the same numbers (they should be:
    the null zeroes what the two scenarios differ in)."""
    cols = ["fit", "origin", "id", "crps"]
    null = rows[rows["forecaster"] == "events_only"]
    a = null[null["model"] == FULL][cols].sort_values(cols[:3]).reset_index(drop=True)
    b = null[null["model"] == NOISE_ONLY][cols].sort_values(cols[:3]).reset_index(drop=True)
    return a.equals(b)


def run(design: Path, folder: Path, seeds: list[int], workers: int) -> int:
    t0 = time.perf_counter()
    rows = forecast_rows(model_specs(design, folder), seeds, workers)
    rows.to_csv(folder / "rolling.csv", index=False)
    table = verdict_table(rows, seeds)
    table.to_csv(folder / "verdicts.csv", index=False)
    print(
        f"## real monthly launch days: noise-only against full ({time.perf_counter() - t0:.0f} s)"
    )
    print(markdown(table))
    print(f"\nthe two models' events-only forecasts identical: {same_null(rows)}")
    print(f"\nresults: {folder}")
    return 0
