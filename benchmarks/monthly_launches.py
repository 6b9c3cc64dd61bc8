"""The real data with monthly launch counts: does the filter beat the events-only world?

The identical twin (docs/preregistration-twin.md, addendum 2) found that with monthly
launch-event counts a true model's particle filter beats the events-only world in two of
three synthetic histories, where annual counts cannot show it. This runs the shipped
validation's rolling-origin forecasts (all four designs and the three nulls) on the real
data with the launch-event series replaced by the 101 monthly launch-day counts of
`seeds/observations/candidates/prk_launch_days_monthly.yaml` (a candidate series, outside
the shipped observation set; docs/preregistration-monthly-launches.md).

    python -m benchmarks.monthly_launches --workers 2
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml

from benchmarks.calibrate import markdown
from benchmarks.twin import EXERCISES, SPEC, write_design
from sim.observe.rolling import rolling_forecasts
from sim.observe.scoring import skill_table
from sim.observe.significance import interval_rows, intervals_of
from sim.observe.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
CANDIDATE = ROOT / "seeds" / "observations" / "candidates" / "prk_launch_days_monthly.yaml"
DESIGNS = ("plain", "filtered", "anomaly", "tracked")


def candidate_records(path: Path = CANDIDATE) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["observations"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.monthly_launches", description=__doc__)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "monthly-launches")
    args = ap.parse_args(argv)
    folder = args.out / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    t0 = time.perf_counter()
    spec = load_spec(write_design(SPEC, "monthly-launches", folder, candidate_records()))
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
