"""Forecasts with the dynamics fixed at their hand-set values, against the shipped free fit.

The history identifies none of the five dynamics coefficients, so the scenarios keep them
at their hand-set values (docs/validation.md, "Identifiability"); the forecasting fits
still draw them from their priors. This scores both variants on the rolling origin and
the held-out observations, beside the three nulls, for four root seeds, and the fixed
variant against the free one (docs/preregistration-fixed-dynamics.md):

    python -m benchmarks.fixed_dynamics --workers 2
    python -m benchmarks.fixed_dynamics --seeds 20160101 --workers 1   # one seed
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import pandas as pd

from benchmarks.calibrate import (
    SEEDS,
    markdown,
    seed_intervals,
    seed_table,
    whole,
    with_settings,
    without_kind,
)
from benchmarks.provenance import record_run
from benchmarks.twin import DYNAMICS, EXERCISES, SPEC
from sim.observe.holdout import holdout_forecasts
from sim.observe.rolling import rolling_forecasts
from sim.observe.significance import cell
from sim.observe.spec import SETTINGS, CalibrationSpec, load_spec
from sim.observe.structures import against_full

ROOT = Path(__file__).resolve().parents[1]
# make validate-model's budget (benchmarks.calibrate.validate), not the spec's 400 predictive
# runs: the free variant's tables are then the documented ones, seed for seed
VALIDATION = {"population": 100, "predictive_replications": 200}
VARIANTS = ("free", "fixed")
PARTS = ("rolling origin", "held out")


def fixed(spec: CalibrationSpec) -> CalibrationSpec:
    """The spec with the dynamics coefficients out of its priors: they stay at the
    scenario's (hand-set) values; structural terms and operators stay free."""
    assert all(any(p.name == n for p in spec.priors) for n in DYNAMICS), DYNAMICS
    return dataclasses.replace(spec, priors=tuple(p for p in spec.priors if p.name not in DYNAMICS))


def variant_rows(spec: CalibrationSpec, workers: int) -> dict[str, pd.DataFrame]:
    """The plain design's rolling-origin rows and the held-out rows, with the nulls."""
    return {
        PARTS[0]: rolling_forecasts(spec, workers=workers, designs=False).plain,
        PARTS[1]: holdout_forecasts(spec, workers=workers).view("model"),
    }


def paired(rows: pd.DataFrame) -> pd.DataFrame:
    """The fixed variant against the free one on the same observations, seed by seed and
    over all seeds (each seed's bootstrap stream; the first seed's for all), every kind and
    without the exercises: one cell each, positive = fixed better."""
    model = rows[rows["forecaster"] == "model"]
    # the structure comparison's own pairing: "fixed" against "full" (the free variant)
    pair = model.assign(structure=model["variant"].map({"fixed": "fixed", "free": "full"}))
    seeds = sorted(pair["fit"].unique())
    out = []
    for view, kept in (
        ("every kind", pair),
        ("without the exercises", pair[pair["kind"] != EXERCISES]),
    ):
        row = {"view": view}
        for label, part, seed in [
            *((str(s), kept[kept["fit"] == s].drop(columns="fit"), s) for s in seeds),
            (f"all {len(seeds)} seeds", kept, seeds[0]),
        ]:
            row[label] = cell(against_full(part, "fixed", int(seed)))
        out.append(row)
    return pd.DataFrame(out)


def tables(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per part: each variant against the nulls, seed by seed and over all seeds; and the
    fixed variant against the free one."""
    out = {}
    for part in PARTS:
        mine = rows[rows["part"] == part].drop(columns="part")
        for v in VARIANTS:
            frames = [
                f.drop(columns="variant") for _, f in mine[mine["variant"] == v].groupby("fit")
            ]
            out[f"{part}: {v} against the nulls"] = seed_table(seed_intervals(frames))
            out[f"{part}: {v} against the nulls, without the exercises"] = without_kind(frames)
        out[f"{part}: fixed against free"] = paired(mine)
    return out


def launch_crps(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean CRPS of the launch series per part, seed and variant (prediction F1)."""
    model = rows[(rows["forecaster"] == "model") & (rows["kind"] == "missile_launches")]
    return model.pivot_table(index=["part", "fit"], columns="variant", values="crps").reset_index()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.fixed_dynamics", description=__doc__)
    ap.add_argument("--workers", type=whole(1, 64), default=2)
    ap.add_argument("--seeds", type=whole(*SETTINGS["seed"][2:]), nargs="+", default=list(SEEDS))
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "fixed-dynamics")
    args = ap.parse_args(argv)
    if len(set(args.seeds)) != len(args.seeds):
        ap.error("--seeds must not repeat a seed")
    folder = args.out / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    t0, spec, frames = time.perf_counter(), with_settings(load_spec(SPEC), **VALIDATION), []
    for seed in args.seeds:
        for v in VARIANTS:
            one = with_settings(spec if v == "free" else fixed(spec), seed=seed)
            for part, rows in variant_rows(one, args.workers).items():
                frames.append(rows.assign(fit=seed, variant=v, part=part))
            print(f"seed {seed}, {v} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    rows = pd.concat(frames, ignore_index=True)
    folder.mkdir(parents=True)
    record_run(folder, sys.argv[1:] if argv is None else argv)  # the code at the end of the run
    rows.to_csv(folder / "rows.csv", index=False)
    text = f"## Dynamics fixed at their hand-set values ({time.perf_counter() - t0:.0f} s)\n"
    for title, table in {**tables(rows), "mean launch CRPS": launch_crps(rows)}.items():
        text += f"\n### {title}\n{markdown(table)}\n"
    (folder / "summary.md").write_text(text, encoding="utf-8")
    print(text + f"\nresults: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
