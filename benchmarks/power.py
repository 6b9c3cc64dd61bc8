"""How often would true mechanisms beat the noise-only model on this history's design?

On the real history the full model ties with the noise-only model (benchmarks.noise_only).
That tie counts against the mechanisms only if true mechanisms would usually win. This
makes identical twins (benchmarks.twin, shipped design) in two arms, truths with the
mechanisms on and off, runs the noise-only comparison unchanged on each, and reports the
design's power (detections in the *on* arm), its false-alarm rate (the *off* arm), and
where the real data's comparison sits among the twins' (docs/preregistration-power.md).

    python -m benchmarks.power --workers 2                  # 20 twins per arm, ~1 hour
    python -m benchmarks.power --truths 1 2 --workers 1     # a quick look
    python -m benchmarks.power --resume results/power/STAMP # finish a stopped run
    python -m benchmarks.power --fixed-dynamics --truths 1 2 3 4 5 6 7 8 9 10  # the oracle arm
    python -m benchmarks.power --fixed-dynamics --scale 2 --off-truths 1 2 3 4 5 --truths 1 2 3

The last is the effect-size arm (docs/preregistration-effect-size.md; its runs took truths
1 to 10): with `--scale K` the mechanisms the noise-only model switches off (`MECHANISMS`;
payoff terms such as the axis cost act through `commit_step`, which is one of them) are K
times their hand-set strength, in the truth and, with `--fixed-dynamics`, in the full
model; the noise-only model has them at 0 whatever K.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.stats import mannwhitneyu

from benchmarks.calibrate import markdown, whole, with_settings
from benchmarks.fixed_dynamics import fixed
from benchmarks.noise_only import structures
from benchmarks.provenance import record_run
from benchmarks.twin import EXERCISES, SPEC, copy_spec, synthetic_values, write_twin
from sim.observe.significance import interval_verdict
from sim.observe.spec import SETTINGS, load_spec
from sim.observe.structures import MECHANISMS, NOISE_ONLY, against_full, compare_structures
from sim.parameters import PARAMETERS
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
ARMS = {"on": True, "off": False}  # the truth's interaction mechanisms
VIEWS = ("every kind", "without the exercises")
REAL = "real"  # the real history's comparison, scored beside the twins


def structure_rows(
    spec_path: Path, workers: int, population: int, fixed_dynamics: bool = False
) -> pd.DataFrame:
    """The full and the noise-only model fitted and forecast on one spec's data, as
    benchmarks.noise_only does for one root seed (the spec's); with `fixed_dynamics`, both
    with the dynamics coefficients at their hand-set values (the oracle arm: the truth's)."""
    spec = with_settings(load_spec(spec_path), population=population)
    spec = fixed(spec) if fixed_dynamics else spec
    return compare_structures(spec, workers=workers, structures=structures())


def twin_rows(
    seed: int,
    arm: str,
    folder: Path,
    workers: int,
    population: int,
    fixed_dynamics: bool = False,
    spec_path: Path = SPEC,
) -> pd.DataFrame:
    """One twin of `spec_path`'s design (truth seed `seed`, mechanisms as `arm` says) and
    the noise-only comparison on its synthetic data."""
    values = synthetic_values(load_spec(spec_path), seed, mechanisms=ARMS[arm])
    twin = write_twin(spec_path, values, folder)
    return structure_rows(twin, workers, population, fixed_dynamics)


def scaled_parameters(k: float, spec_path: Path = SPEC) -> dict[str, float]:
    """Each interaction mechanism the noise-only model switches off, at k times the
    history's value (a coefficient the history does not set: its default). Why these and
    only these: they are what the noise-only comparison tests, so scaling them is scaling
    the effect it looks for; noise and fatigue stay, or the noise would scale too."""
    history = load_scenario(load_spec(spec_path).scenarios[0]).scenario.parameters
    out = {}
    for name in MECHANISMS:
        given = getattr(history, name, None)
        value = k * float(PARAMETERS[name].default if given is None else given)
        p = PARAMETERS[name]
        if not p.lo <= value <= p.hi:
            raise ValueError(
                f"--scale {k:g}: {name} would be {value:g}, outside its range {p.lo:g}–{p.hi:g}"
            )
        out[name] = value
    return out


def scaled_spec(k: float, folder: Path, spec_path: Path = SPEC) -> Path:
    """The spec with a scenario that extends its history and sets `scaled_parameters(k)`
    (nothing else changed); returns the copy's spec path. Written again on a resume, the
    same bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    history = load_spec(spec_path).scenarios[0].resolve()
    scenario = {
        "extends": str(history),
        "name": f"{history.stem}-mechanisms-x{k:g}",
        "title": f"The history with the noise-only model's mechanisms x{k:g} (benchmarks.power)",
        "parameters": scaled_parameters(k, spec_path),
    }
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    out = copy_spec(spec_path, folder, lambda _name, records: records)
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    data["scenarios"] = [str(path.resolve())]
    out.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return out


def verdicts(rows: pd.DataFrame, seed: int) -> list[dict]:
    """The noise-only model's pooled skill against the full model, per view; `detected`
    when its interval lies wholly below 0 (the full model surely better)."""
    out = []
    for view in VIEWS:
        kept = rows if view == VIEWS[0] else rows[rows["kind"] != EXERCISES]
        row = against_full(kept, NOISE_ONLY, seed)
        verdict = interval_verdict(row["low"], row["high"], int(row["degenerate"]))
        out.append(
            {
                "view": view,
                "skill": float(row["skill"]),
                "low": float(row["low"]),
                "high": float(row["high"]),
                "verdict": verdict,
                "detected": verdict == "worse",
            }
        )
    return out


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per view and arm: detections, ties and the reverse, the skills' spread, and where
    the real value falls among the arm's twins (its percentile rank)."""
    out = []
    for view in VIEWS:
        mine = table[table["view"] == view]
        real = mine.loc[mine["arm"] == REAL, "skill"]
        for arm in ARMS:
            s = mine.loc[mine["arm"] == arm, "skill"].to_numpy()
            if not len(s):
                continue
            verdict = mine.loc[mine["arm"] == arm, "verdict"]
            out.append(
                {
                    "view": view,
                    "arm": f"mechanisms {arm}",
                    "twins": len(s),
                    "full surely better (detected)": int((verdict == "worse").sum()),
                    "tie": int((verdict == "tie").sum()),
                    "noise-only surely better": int((verdict == "better").sum()),
                    "median skill": float(np.median(s)),
                    "10th percentile": float(np.percentile(s, 10)),
                    "90th percentile": float(np.percentile(s, 90)),
                    "real skill's rank (%)": (
                        float(100 * np.mean(s <= real.iloc[0])) if len(real) else np.nan
                    ),
                }
            )
    return pd.DataFrame(out)


def separation(table: pd.DataFrame) -> pd.DataFrame:
    """Two-sided Mann–Whitney test of the skills, mechanisms on against off, per view."""
    out = []
    for view in VIEWS:
        mine = table[table["view"] == view]
        on, off = (mine.loc[mine["arm"] == a, "skill"] for a in ARMS)
        if len(on) and len(off):
            p = float(mannwhitneyu(on, off, alternative="two-sided").pvalue)
            out.append({"view": view, "on": len(on), "off": len(off), "Mann–Whitney p": p})
    return pd.DataFrame(out)


def run_one(key: str, folder: Path, make) -> pd.DataFrame:
    """`make()`'s structure rows, kept as `folder/rows-KEY.csv`; read back when present,
    so that a stopped run resumes where it stopped."""
    path = folder / f"rows-{key}.csv"
    if path.exists():
        return pd.read_csv(path)
    rows = make()
    rows.to_csv(path.with_suffix(".tmp"), index=False)
    path.with_suffix(".tmp").replace(path)
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.power",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,  # the examples, one per line
    )
    ap.add_argument(
        "--truths", type=whole(0, 2**31), nargs="+", default=list(range(1, 21)), metavar="SEED"
    )
    ap.add_argument(
        "--off-truths",
        type=whole(0, 2**31),
        nargs="+",
        metavar="SEED",
        help="the mechanism-free arm's truth seeds (default: --truths)",
    )
    ap.add_argument("--arms", nargs="+", choices=tuple(ARMS), default=list(ARMS))
    ap.add_argument(
        "--scale",
        type=float,
        default=1.0,
        metavar="K",
        help="the mechanisms the noise-only model switches off, K times their hand-set strength"
        " (needs --fixed-dynamics)",
    )
    ap.add_argument("--workers", type=whole(1, 64), default=2)
    ap.add_argument("--population", type=whole(*SETTINGS["population"][2:]), default=40)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "power")
    ap.add_argument("--resume", type=Path, metavar="FOLDER", help="a stopped run's folder")
    ap.add_argument(
        "--fixed-dynamics",
        action="store_true",
        help="fit both models with the dynamics at their hand-set values (the oracle arm)",
    )
    args = ap.parse_args(argv)
    args.off_truths = args.truths if args.off_truths is None else args.off_truths
    if any(len(set(v)) != len(v) for v in (args.truths, args.off_truths, args.arms)):
        ap.error("--truths, --off-truths and --arms must not repeat a value")
    if args.scale != 1.0:
        if not args.fixed_dynamics:
            ap.error("--scale needs --fixed-dynamics (free dynamics have priors centred on x1)")
        if not (np.isfinite(args.scale) and args.scale > 0):
            ap.error(f"--scale {args.scale:g}: expected a number above 0")
        try:
            scaled_parameters(args.scale)
        except ValueError as e:
            ap.error(str(e))
        drawn = sorted({p.name for p in fixed(load_spec(SPEC)).priors} & set(MECHANISMS))
        if drawn:  # the full model would draw them from priors centred on x1
            ap.error(f"--scale: the spec has priors for {', '.join(drawn)}; they would not scale")
    if args.resume is not None and not (args.resume / "settings.json").exists():
        ap.error(f"--resume {args.resume}: not a folder this benchmark wrote (no settings.json)")
    return args


def design_of(args: argparse.Namespace) -> str:
    """What a folder's rows and tables depend on: a resumed run must ask for the same (a
    resume with other --truths rewrote twins.csv with a subset of the registered twins)."""
    keys = ("fixed_dynamics", "population", "truths", "arms")
    design = {k: getattr(args, k) for k in keys}
    if args.scale != 1.0 or args.off_truths != args.truths:  # earlier folders lack these keys
        design |= {"scale": args.scale, "off_truths": args.off_truths}
    return json.dumps(design, sort_keys=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    folder = args.resume or args.out / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    kept, mine = folder / "settings.json", design_of(args)
    if args.resume is not None and kept.read_text(encoding="utf-8") != mine:
        print(f"power: error: --resume {folder} was made with {kept.read_text()}", file=sys.stderr)
        return 2
    folder.mkdir(parents=True, exist_ok=True)
    kept.write_text(mine, encoding="utf-8")
    record_run(folder, sys.argv[1:] if argv is None else argv)
    seed = int(load_spec(SPEC).settings["seed"])
    t0 = time.perf_counter()
    spec = SPEC if args.scale == 1.0 else scaled_spec(args.scale, folder / "scaled")
    seeds = {"on": args.truths, "off": args.off_truths}
    jobs = [(REAL, None)] + [(arm, s) for arm in args.arms for s in seeds[arm]]
    rows = []
    for i, (arm, truth) in enumerate(jobs, start=1):
        key = REAL if truth is None else f"{arm}-{truth}"
        if truth is None:
            made = run_one(
                key,
                folder,
                lambda: structure_rows(spec, args.workers, args.population, args.fixed_dynamics),
            )
        else:
            made = run_one(
                key,
                folder,
                lambda a=arm, t=truth, k=key: twin_rows(
                    t, a, folder / k, args.workers, args.population, args.fixed_dynamics, spec
                ),
            )
        rows += [
            {"arm": arm, "truth": "" if truth is None else truth, **v} for v in verdicts(made, seed)
        ]
        print(f"[{i}/{len(jobs)}] {key} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    table = pd.DataFrame(rows)
    table.to_csv(folder / "twins.csv", index=False)
    text = f"## The design's power against the noise-only null ({time.perf_counter() - t0:.0f} s)\n"
    text += markdown(summary(table)) + "\n"
    apart = separation(table)
    if not apart.empty:
        text += "\n" + markdown(apart, 3) + "\n"
    (folder / "summary.md").write_text(text, encoding="utf-8")
    print(text + f"\nresults: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
