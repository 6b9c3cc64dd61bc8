"""An identical-twin test: could the 2016 – May 2024 design see dynamics that are true?

The model ties with the events-only world out of sample and the history narrows none of its
dynamics coefficients. Either the dynamics add nothing real, or these observations cannot
tell dynamics of this size from none. This makes the model true by construction (the
hand-set dynamics, the shipped posterior's median measurement coefficients, noise on, one
replication), gives every in-sample observation the value the true model's operator draws,
and runs the shipped fits and scores on those values (docs/preregistration-twin.md).

    python -m benchmarks.twin                 # three twins, truth seeds 1 2 3, 2 workers
    python -m benchmarks.twin --truths 7 --workers 1 --out results/twin
    python -m benchmarks.twin --set reactivity=0.16   # a stronger truth
    python -m benchmarks.twin --design monthly-launches   # a denser, hypothetical design
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from benchmarks.calibrate import markdown
from sim.ensemble import run_ensemble
from sim.observe.episodes import anchor_of, assign, episode_of, window
from sim.observe.identify import prior_quantile, width_table
from sim.observe.observations import COUNT_KINDS, load_observations
from sim.observe.operators import OPERATOR_COEFFICIENTS, default_coefficients, draw
from sim.observe.posterior import read_posterior
from sim.observe.rolling import in_sample, observations_of, rolling_forecasts
from sim.observe.scoring import skill_table
from sim.observe.series import definition
from sim.observe.significance import interval_rows, intervals_of
from sim.observe.spec import CalibrationSpec, load_spec
from sim.observe.structures import MECHANISMS
from sim.parameters import defaults
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "scenarios" / "calibration" / "history.yaml"
POSTERIOR = ROOT / "seeds" / "posterior" / "history-2016-2024.parquet"
EXERCISES = "joint_exercise"  # near-zero CRPS for every forecaster: an unstable ratio
DYNAMICS = ("reactivity", "fatigue", "restraint", "backing", "axis_cost")
WHOLE = (*COUNT_KINDS, "unsc_vote", "joint_exercise")  # kinds whose values are whole numbers


DESIGNS = ("shipped", "monthly-launches")
# Addendum 3's control truth: the events-only world's overrides but the noise and the
# fatigue, so each actor's escalation is an independent mean-reverting noise process.
# The noise-only structure of sim/observe/structures.py as scenario overrides.
MECHANISMS_OFF = {f"parameters.{name}": 0.0 for name in MECHANISMS}
SYNTHETIC_SOURCE = {  # a hypothetical record: it exists only in a twin's folder
    "publisher": "benchmarks.twin (synthetic design, not data)",
    "title": "Monthly launch-event counts: a hypothetical series for a power test",
    "date": "2026-12-07",
    "url": "https://example.invalid/alliance-sim/twin",
}


def monthly_launches(start: int = 2016, end: tuple[int, int] = (2024, 5)) -> list[dict]:
    """One launch-event record per month, January `start` to `end` (values 0 until the
    truth draws them)."""
    records = []
    for year in range(start, end[0] + 1):
        for month in range(1, 13 if year < end[0] else end[1] + 1):
            records.append(
                {
                    "id": f"twin-prk-launch-events-{year}-{month:02d}",
                    "kind": "missile_launches",
                    "actor": "PRK",
                    "period": f"{year}-{month:02d}",
                    "value": 0,
                    "unit": "launch events in the month (synthetic design)",
                    "reliability": "solid",
                    "source": dict(SYNTHETIC_SOURCE),
                }
            )
    return records


Edit = Callable[[str, list[dict]], list[dict]]


def copy_records(files: list[Path], out_dir: Path, edit: Edit) -> None:
    """Observation files copied into `out_dir`, each file's records passed through
    `edit(file name, records)`; a file left with none is not written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in files:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["observations"] = edit(path.name, doc["observations"])
        if doc["observations"]:
            (out_dir / path.name).write_text(yaml.safe_dump(doc, sort_keys=False), "utf-8")


def copy_spec(spec_path: Path, folder: Path, edit: Edit) -> Path:
    """The spec and its observation files copied into `folder` (`copy_records`); returns
    the copy's spec path. Scenarios stay where they are (absolute paths)."""
    data = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    files = sorted({p for g in data["observations"] for p in spec_path.parent.glob(g)})
    copy_records(files, folder / "observations", edit)
    data["scenarios"] = [str((spec_path.parent / s).resolve()) for s in data["scenarios"]]
    data["observations"] = ["observations/*.yaml"]
    out = folder / "spec.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return out


def write_design(
    spec_path: Path, design: str, folder: Path, monthly: list[dict] | None = None
) -> Path:
    """The spec with its observation files as `design` has them; returns the design's
    spec path. "shipped" is the spec itself; "monthly-launches" replaces the launch-event
    series (every record counting events) by `monthly` (default: `monthly_launches`, the
    synthetic records; benchmarks.monthly_launches passes the real ones)."""
    if design == "shipped":
        return spec_path
    every = load_observations(list(load_spec(spec_path).observations))  # overlapping too
    events = {o.id for o in every if definition(o) == "events"}
    added = monthly if monthly is not None else monthly_launches()

    def edit(name: str, records: list[dict]) -> list[dict]:
        kept = [r for r in records if r["id"] not in events]
        return kept + added if name == "missile_launches.yaml" else kept

    return copy_spec(spec_path, folder, edit)


def truth_operators(posterior: Path = POSTERIOR) -> dict[str, np.ndarray]:
    """The measurement model of the truth: each fitted operator coefficient at the shipped
    posterior's median, the others at their defaults (one replication)."""
    ops = default_coefficients(1)
    post = read_posterior(posterior)
    for name in OPERATOR_COEFFICIENTS:
        if name in post.columns:
            ops[name] = np.array([float(post[name].median())])
    return ops


def synthetic_values(
    spec: CalibrationSpec,
    truth_seed: int,
    truth: Mapping[str, float] | None = None,
    mechanisms: bool = True,
) -> dict[str, float]:
    """Every in-sample observation's value drawn by the true model, in time order, so an
    anchor or a summit pair history reads the synthetic earlier values (a trade series'
    first value is its own anchor: the real level, which the operator does not model).
    `truth` moves dynamics coefficients off their hand-set values (re-settled at the start,
    as every calibration draw is). `mechanisms=False` is the truth of addendum 3: the
    interaction mechanisms off, noise and fatigue on (`MECHANISMS_OFF`)."""
    ep = episode_of(load_scenario(spec.scenarios[0], None if mechanisms else MECHANISMS_OFF))
    assign([ep], observations_of(spec))
    coefs = {k: np.array([float(v)]) for k, v in (truth or {}).items()}
    series = run_ensemble(
        ep.loaded.scenario, 1, truth_seed, ep.steps, keep_series=True, coefficients=coefs
    ).series
    ops, rng = truth_operators(), np.random.default_rng(truth_seed)
    values: dict[str, float] = {}
    for obs in sorted(ep.observations, key=lambda o: (o.last, o.first, o.id)):
        value = float(
            draw(obs, window(series, ep, obs), ops, rng, 1, anchor_of(ep, series, obs))[0, 0]
        )
        values[obs.id] = value
        at = next(i for i, o in enumerate(ep.observations) if o.id == obs.id)
        ep.observations[at] = dataclasses.replace(obs, value=value)
    return values


def write_twin(spec_path: Path, values: dict[str, float], folder: Path) -> Path:
    """The spec and its observation files with the synthetic values (records the fit does
    not use keep theirs); returns the twin's spec path."""

    def edit(_name: str, records: list[dict]) -> list[dict]:
        for rec in records:
            if rec["id"] in values:
                v = values[rec["id"]]
                rec["value"] = round(v) if rec["kind"] in WHOLE else round(v, 6)
        return records

    return copy_spec(spec_path, folder, edit)


def truth_of(name: str, truth: Mapping[str, float] | None = None, mechanisms: bool = True) -> float:
    """The true value of a coefficient: `truth`'s, else the hand-set dynamics (0 for a
    mechanism switched off); structural offsets 0."""
    if not mechanisms and f"parameters.{name}" in MECHANISMS_OFF:
        return float(MECHANISMS_OFF[f"parameters.{name}"])
    return float((truth or {}).get(name, defaults().get(name, 0.0)))


def parse_truth(items: list[str], spec: CalibrationSpec) -> dict[str, float]:
    """`NAME=VALUE` pairs for dynamics coefficients, each inside its prior's 90% range
    (a truth the fit could not reach would test the prior, not the design)."""
    truth: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or name not in DYNAMICS:
            raise ValueError(
                f"--set {item!r}: expected NAME=VALUE, NAME one of {', '.join(DYNAMICS)}"
            )
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"--set {item!r}: {text!r} is not a number") from None
        prior = next(p for p in spec.priors if p.name == name)
        lo, hi = prior_quantile(prior, 0.05), prior_quantile(prior, 0.95)
        if not (np.isfinite(value) and lo <= value <= hi):
            raise ValueError(f"--set {item!r}: outside the prior's 90% range {lo:.3g}–{hi:.3g}")
        if name in truth:
            raise ValueError(f"--set {item!r}: {name} is set twice")
        truth[name] = value
    return truth


def one_twin(
    truth_seed: int,
    folder: Path,
    workers: int,
    truth: Mapping[str, float] | None = None,
    design: str = "shipped",
    filtered: bool = False,
    mechanisms: bool = True,
) -> dict[str, pd.DataFrame]:
    """Fit and score one twin: the identifiability table (with the truth and whether the
    90% interval holds it) and the plain design's pooled rolling-origin intervals (with
    `filtered`, the particle filter's too)."""
    shaped = write_design(SPEC, design, folder)
    spec = load_spec(shaped)
    values = synthetic_values(spec, truth_seed, truth, mechanisms)
    twin = load_spec(write_twin(shaped, values, folder))
    _rows, _post, pop = in_sample(twin, workers)
    widths = width_table(list(twin.priors), pop.theta, pop.weights)
    model = widths[widths["coefficient"].isin(DYNAMICS)].copy()
    model["truth"] = model["coefficient"].map(lambda n: truth_of(n, truth, mechanisms))
    model["inside"] = (model["posterior q05"] <= model["truth"]) & (
        model["truth"] <= model["posterior q95"]
    )
    forecasts = rolling_forecasts(twin, workers=workers, designs=filtered)
    plain = forecasts.plain
    views = {"plain": plain, "plain without the exercises": plain[plain["kind"] != EXERCISES]}
    if filtered:
        kept = forecasts.filtered
        views |= {
            "filtered": kept,
            "filtered without the exercises": kept[kept["kind"] != EXERCISES],
        }
    pooled = interval_rows(intervals_of(views, twin.settings["seed"]))
    out = {"widths": model, "pooled": pooled, "kinds": skill_table(plain), "rolling": plain}
    if filtered:  # kept so that the filter's result can be audited kind by kind
        out |= {"kinds-filtered": skill_table(kept), "rolling-filtered": kept}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.twin", description=__doc__)
    ap.add_argument("--truths", type=int, nargs="+", default=[1, 2, 3], metavar="SEED")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "twin")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a dynamics coefficient of the truth off its hand-set value (repeatable)",
    )
    ap.add_argument(
        "--design",
        choices=DESIGNS,
        default="shipped",
        help="the observations' design: as shipped, or monthly launch-event counts",
    )
    ap.add_argument(
        "--filtered", action="store_true", help="also score the particle filter's forecasts"
    )
    ap.add_argument(
        "--truth-mechanisms",
        choices=("on", "off"),
        default="on",
        help="off: the truth's interaction mechanisms off, its noise and fatigue on",
    )
    args = ap.parse_args(argv)
    if any(s < 0 for s in args.truths) or len(set(args.truths)) != len(args.truths):
        print("twin: error: --truths must be distinct whole numbers ≥ 0", file=sys.stderr)
        return 2
    if args.workers < 1:
        print(f"twin: error: --workers must be at least 1, found {args.workers}", file=sys.stderr)
        return 2
    try:
        truth = parse_truth(args.set, load_spec(SPEC))
    except ValueError as exc:
        print(f"twin: error: {exc}", file=sys.stderr)
        return 2
    mechanisms = args.truth_mechanisms == "on"
    if truth and not mechanisms:
        print("twin: error: --set and --truth-mechanisms off do not mix", file=sys.stderr)
        return 2
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for seed in args.truths:
        t0 = time.perf_counter()
        folder = args.out / stamp / f"truth-{seed}"
        result = one_twin(seed, folder, args.workers, truth, args.design, args.filtered, mechanisms)
        for name, table in result.items():
            table.to_csv(folder / f"{name}.csv", index=False)
        shown = ", ".join(f"{k}={v:g}" for k, v in truth.items()) or "hand-set dynamics"
        shown += f", design {args.design}" + (", plain and filtered" if args.filtered else "")
        shown += "" if mechanisms else ", truth's mechanisms off"
        print(f"\n## truth seed {seed}, {shown} ({time.perf_counter() - t0:.0f} s)")
        cols = [
            "coefficient",
            "truth",
            "posterior q05",
            "posterior q95",
            "90% width ratio",
            "inside",
        ]
        print(markdown(result["widths"][cols]))
        print(markdown(result["pooled"]))
        print(markdown(result["kinds"]))  # the forecasts themselves: rolling.csv
    print(f"\nresults: {args.out / stamp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
