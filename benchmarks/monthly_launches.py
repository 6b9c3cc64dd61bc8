"""The real data with monthly launch counts: does the filter beat the events-only world?

The identical twin (docs/preregistration-twin.md, addendum 2) found that with monthly
launch-event counts a true model's particle filter beats the events-only world in two of
three synthetic histories, where annual counts cannot show it. This runs the shipped
validation's rolling-origin forecasts (all four designs and the three nulls) on the real
data with the launch-event series replaced by the 101 monthly launch-day counts of
`seeds/observations/candidates/prk_launch_days_monthly.yaml` (a candidate series, outside
the shipped observation set; docs/preregistration-monthly-launches.md).

    python -m benchmarks.monthly_launches --workers 2
    python -m benchmarks.monthly_launches --holdout --workers 2
    python -m benchmarks.monthly_launches [--holdout] --dispersion --workers 2
    python -m benchmarks.monthly_launches --noise-only [--seeds S ...] --workers 2

`--dispersion` frees the launch operator's over-dispersion φ (prior uniform on [0, 3]) in
every fit, the model's and the events-only world's (docs/preregistration-launch-dispersion.md).

`--holdout`: the same training design forecasts the 23 held-out monthly counts of June
2024 – April 2026 (`prk_launch_days_monthly_holdout.yaml`, never fitted) with the shipped
held-out forecast (sim/observe/holdout.py), in place of the held-out launch-event records
(docs/preregistration-monthly-launches-holdout.md).

`--noise-only`: the noise-only model's designs against the full model's, on four root seeds
(benchmarks/monthly_noise_only.py; docs/preregistration-monthly-noise-only.md).
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import pandas as pd
import yaml

from benchmarks import monthly_noise_only
from benchmarks.calibrate import SEEDS, markdown, whole, with_settings
from benchmarks.twin import EXERCISES, SPEC, copy_records, write_design
from scripts import derive_launch_days as derive
from sim.observe.holdout import HOLDOUT, VARIANTS, Holdout, holdout_forecasts
from sim.observe.identify import width_table
from sim.observe.observations import load_observations
from sim.observe.rolling import rolling_forecasts
from sim.observe.scoring import skill_table
from sim.observe.series import definition
from sim.observe.significance import interval_rows, intervals_of
from sim.observe.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
CANDIDATE = derive.IN_SAMPLE.out  # the files scripts/derive_launch_days.py derives
HELD_OUT = derive.HELD_OUT.out
DISPERSION_PRIOR = {"prior": "uniform", "lo": 0.0, "hi": 3.0}  # pre-registered


def design_spec(folder: Path, dispersion: bool) -> Path:
    """Session 14's monthly design; with `dispersion`, its spec also frees φ."""
    path = write_design(SPEC, "monthly-launches", folder, candidate_records())
    if dispersion:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["operator_coefficients"]["launch_dispersion"] = dict(DISPERSION_PRIOR)
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return path


DESIGNS = ("plain", "filtered", "anomaly", "tracked")


def candidate_records(path: Path = CANDIDATE) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["observations"]


def holdout_folder(folder: Path, shipped: Path = HOLDOUT, monthly: Path = HELD_OUT) -> Path:
    """The shipped held-out files without their launch-event records (the series the
    monthly counts stand in for, as `write_design` removes them from the training data),
    and the held-out monthly counts beside them."""
    out = folder / "holdout"
    files = sorted(shipped.glob("*.yaml"))
    events = {o.id for o in load_observations(files) if definition(o) == "events"}
    copy_records(files, out, lambda _name, records: [r for r in records if r["id"] not in events])
    shutil.copyfile(monthly, out / monthly.name)
    return out


def held_out_tables(rows: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pooled skill of every variant against each null with its interval, on the monthly
    counts alone, on everything, and without the exercises; and the mean forecast of the
    monthly counts beside their realised mean (a bias check)."""
    monthly = rows[rows["id"].isin(held_out_ids())]
    parts = {
        "monthly launch days": monthly,
        "every held-out": rows,
        "without the exercises": rows[rows["kind"] != EXERCISES],
    }
    views = {
        f"{variant}, {label}": Holdout(part, pd.DataFrame(), []).view(variant)
        for variant in VARIANTS
        for label, part in parts.items()
    }
    pooled = interval_rows(intervals_of(views, seed))
    means = monthly.groupby("forecaster")["mean"].mean().rename("mean forecast per month")
    bias = means.to_frame().assign(realised=float(monthly.groupby("id")["observed"].first().mean()))
    return pooled, bias.reset_index()


def seeded(spec, seed: int | None):
    """The spec with another root seed (run-to-run noise of the fits), or as it is."""
    return spec if seed is None else with_settings(spec, seed=seed)


def held_out_ids(path: Path = HELD_OUT) -> set[str]:
    return {o.id for o in load_observations([path])}


def run_holdout(args: argparse.Namespace, folder: Path) -> int:
    """The held-out forecast of the monthly design: tables to the terminal and the folder
    (with `--dispersion`, also how far the fit narrowed φ)."""
    t0 = time.perf_counter()
    spec = seeded(load_spec(design_spec(folder, args.dispersion)), args.seed)
    result = holdout_forecasts(spec, workers=args.workers, folder=holdout_folder(folder))
    result.rows.to_csv(folder / "holdout.csv", index=False)
    pooled, bias = held_out_tables(result.rows, spec.settings["seed"])
    pooled.to_csv(folder / "pooled.csv", index=False)
    bias.to_csv(folder / "bias.csv", index=False)
    n = result.rows[result.rows["id"].isin(held_out_ids())]["id"].nunique()
    print(f"## held out, {n} monthly launch-day counts ({time.perf_counter() - t0:.0f} s)")
    print(markdown(pooled))
    print("\n### mean forecast of the monthly counts")
    print(markdown(bias))
    if result.skipped:
        print("\nnot scored: " + "; ".join(result.skipped))
    if args.dispersion:  # how far the held-out forecast's own fit narrowed φ
        pop = result.population
        widths = width_table(list(spec.priors), pop.theta, pop.weights)
        widths.to_csv(folder / "identifiability.csv", index=False)
        print("\n### identifiability of the over-dispersion")
        print(markdown(widths[widths["coefficient"] == "launch_dispersion"]))
    print(f"\nresults: {folder}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from sim.limits import MAX_WORKERS
    from sim.observe.spec import SETTINGS

    ap = argparse.ArgumentParser(prog="python -m benchmarks.monthly_launches", description=__doc__)
    ap.add_argument("--workers", type=whole(1, MAX_WORKERS), default=2)
    ap.add_argument("--holdout", action="store_true", help="forecast the held-out months")
    ap.add_argument("--dispersion", action="store_true", help="free the launch over-dispersion")
    ap.add_argument("--seed", type=whole(*SETTINGS["seed"][2:]), default=None,
                    help="root seed instead of the spec's")  # fmt: skip
    ap.add_argument("--noise-only", action="store_true",
                    help="the noise-only model's designs against the full model's")  # fmt: skip
    ap.add_argument("--seeds", type=whole(*SETTINGS["seed"][2:]), nargs="+", default=list(SEEDS),
                    help="root seeds of --noise-only")  # fmt: skip
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "monthly-launches")
    args = ap.parse_args(argv)
    if args.noise_only and (args.holdout or args.dispersion or args.seed is not None):
        ap.error("--noise-only takes --seeds, not --holdout, --dispersion or --seed")
    if len(set(args.seeds)) != len(args.seeds):
        ap.error("--seeds: distinct root seeds, please")
    folder = args.out / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    if args.noise_only:
        folder.mkdir(parents=True)
        return monthly_noise_only.run(design_spec(folder, False), folder, args.seeds, args.workers)
    if args.holdout:
        return run_holdout(args, folder)
    t0 = time.perf_counter()
    spec = seeded(load_spec(design_spec(folder, args.dispersion)), args.seed)
    forecasts = rolling_forecasts(spec, workers=args.workers, designs=True)
    views = {}
    for name in DESIGNS:
        rows = forecasts.design("model" if name == "plain" else name)
        views[name] = rows
        views[f"{name} without the exercises"] = rows[rows["kind"] != EXERCISES]
    pooled = interval_rows(intervals_of(views, spec.settings["seed"]))
    kinds = {name: skill_table(views[name]) for name in DESIGNS}
    pooled.to_csv(folder / "pooled.csv", index=False)
    forecasts.rows.to_csv(folder / "rolling.csv", index=False)
    for name, table in kinds.items():
        table.to_csv(folder / f"kinds-{name}.csv", index=False)
    print(f"## real data, monthly launch days ({time.perf_counter() - t0:.0f} s)")
    print(markdown(pooled))
    for name in ("plain", "filtered"):
        print(f"\n### {name}, per kind")
        print(markdown(kinds[name]))
    print(f"\nresults: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
