"""Model validation in one command: honest forecasts beside three null forecasters.

    python -m benchmarks.calibrate                 # the default budget
    python -m benchmarks.calibrate --quick         # small budget, a smoke test
    make validate-model                            # the same as the first line

Steps (all from scenarios/calibration/history.yaml; method in docs/validation.md):
1. in sample: fit the one continuous 2016 – May 2024 history to every observation
   (rejection ABC), score the posterior predictive beside the nulls; identifiability table
   (prior vs posterior 90% widths);
2. rolling origin: for every origin year 2018–2023 fit on data up to it, forecast the next
   two years with three designs from that fit (plain; filtered by a particle filter on the
   data up to the origin; anomaly: last observation plus the model's change), score them,
   the events-only world (operators refitted the same way), persistence and trend on the
   same observations;
3. alternative structures (one mechanism switched off, and the noise-only model with every
   mechanism off: the null that isolates the mechanisms) compared by the same rolling-origin
   score;
4. the baseline's headline effects with the in-sample posterior; wall times;
5. reaction-gain profile (`--part gain`, not in `all`): the rolling-origin scores with the
   reactivity fixed at ½, 1, 2 and 4 times its hand-set value (sim/observe/gain.py); and
   run-to-run noise (`--part seeds`, not in `all`): the plain model's rolling-origin and
   held-out pooled skill for four root seeds, with intervals per seed and over all four;
   and `--part structure-seeds` (not in `all`): step 3 for the same four root seeds;
6. held out (`--part holdout`): the in-sample fit forecasts what happened after May 2024
   (seeds/observations/holdout/, never fitted), scored beside the nulls, with the direction
   of change per observation (sim/observe/holdout.py).
Every skill table has a companion with 90% paired-bootstrap intervals over the observations
(sim/observe/significance.py): how far the verdict would move with other observations.
The tables between the `validation:` markers in docs/validation.md are rewritten; the rows
behind them are kept in results/validation/<timestamp>/.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.observe.gain import gain_profile, gain_table
from sim.observe.holdout import HOLDOUT, VARIANTS, directions, holdout_forecasts, load_holdout
from sim.observe.identify import width_table
from sim.observe.posterior import write_posterior
from sim.observe.rolling import ORIGINS, in_sample, observations_of, rolling_forecasts
from sim.observe.scoring import NULLS, design_skill, skill_table
from sim.observe.significance import interval_rows, interval_words, intervals_of
from sim.observe.spec import CalibrationSpec, load_spec
from sim.observe.structures import (
    STRUCTURES,
    compare_structures,
    structure_seed_table,
    structure_table,
)
from sim.observe.verdict import verdict
from sim.output import timestamped
from sim.pool import command_pool

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "scenarios" / "calibration" / "history.yaml"
DOC = ROOT / "docs" / "validation.md"


def with_settings(spec: CalibrationSpec, **changes) -> CalibrationSpec:
    return dataclasses.replace(spec, settings={**spec.settings, **changes})


def markdown(frame: pd.DataFrame, digits: int = 2) -> str:
    """A Markdown table; floats with `digits` decimals, integers as integers, NaN as a dash."""
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float | np.floating):
                cells.append("–" if np.isnan(v) else f"{v:.{digits}f}")
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


IMG = ROOT / "docs" / "img"
CHARTS = ("validation-skill", "validation-holdout-skill", "validation-seeds-skill")


def interval_chart(out: Path, name: str, intervals: dict[str, pd.DataFrame], seed: int,
                   title: str, part: str = "forecasts") -> None:  # fmt: skip
    """`name`.png in the results folder: each view's pooled skill with its 90% interval
    against each null (sim/plots/skill_chart.py), from the intervals its table was made of;
    docs/img takes it when the doc is rewritten."""
    from sim.plots.skill_chart import skill_forest
    from sim.plots.style import save

    made = f"python -m benchmarks.calibrate --part {part}, root seed {seed}"
    save(skill_forest(intervals, title, made), out / f"{name}.png")


def coverage_by_forecaster(rows: pd.DataFrame) -> pd.DataFrame:
    """Share of observations inside each forecaster's central 90% interval."""
    return rows.pivot_table(index="kind", columns="forecaster", values="in90", aggfunc="mean")


def by_origin(views: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Pooled skill of each design against each null, origin by origin."""
    out = []
    for design, rows in views.items():
        for origin, part in rows.groupby("origin"):
            pooled = skill_table(part).set_index("kind").loc["pooled"]
            out.append(
                {
                    "origin": origin,
                    "design": design,
                    "observations": int(pooled["observations"]),
                    **{f"skill vs {n}": pooled[f"skill vs {n}"] for n in NULLS},
                }
            )
    return pd.DataFrame(out).sort_values(["origin"], kind="stable")


def ess_table(ess: pd.DataFrame) -> pd.DataFrame:
    """The particle filter's effective sample size before each resampling, per origin."""
    g = ess.groupby("origin")["ess"]
    out = pd.DataFrame(
        {
            "assimilations": g.size(),
            "particles": ess.groupby("origin")["particles"].first(),
            "min ESS": g.min(),
            "median ESS": g.median(),
            "share with ESS < N/2": ess.assign(low=ess.ess < ess.particles / 2)
            .groupby("origin")["low"]
            .mean(),
            "ancestors left": ess.groupby("origin")["distinct"].first(),
        }
    )
    return out.reset_index()


def evidence_table(evidence: pd.DataFrame) -> pd.DataFrame:
    """Per origin, each drift scale's log marginal likelihood of the training data minus
    that of the fixed structure (scale 0): a log Bayes factor for a drifting structure."""
    wide = evidence.pivot_table(index="origin", columns="scale", values="log_evidence")
    rel = wide.sub(wide[0.0], axis=0).drop(columns=0.0)
    rel.columns = [f"scale {c:g}" for c in rel.columns]
    return rel.reset_index()


def headline_effects(posterior: Path, replications: int, seed: int, workers: int) -> pd.DataFrame:
    """The baseline's headline effects against its counterfactual, paired by replication:
    with the hand-set coefficients, and with replication r running posterior draw r (the
    given structural terms of the history are left out: sim/observe/posterior.model_only)."""
    from sim.jobs.run import settings_for, simulate, simulate_effects
    from sim.observe.posterior import with_posterior
    from sim.scenario.loader import load_scenario

    loaded = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    plain = settings_for(loaded, replications, seed, None, workers)
    tables = {}
    for label, settings in (("hand-set", plain), ("posterior", with_posterior(plain, posterior))):
        result = simulate(loaded, settings, keep_series=False)
        tables[label] = simulate_effects(loaded, settings, result).set_index("outcome")
    rows = []
    for outcome in tables["hand-set"].index:
        row = {"outcome": "P(crisis)" if outcome == "crisis" else outcome}
        for label, table in tables.items():
            r = table.loc[outcome]
            row[f"effect, {label}"] = (
                f"{r.effect_median:+.2f} ({r.effect_p5:+.2f} to {r.effect_p95:+.2f})"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(
        rf"(<!-- validation:{name}:begin -->\n).*?(<!-- validation:{name}:end -->)", re.S
    )
    if not pattern.search(text):
        raise SystemExit(f"docs/validation.md lacks the validation:{name} markers")
    return pattern.sub(lambda m: m.group(1) + body.rstrip() + "\n" + m.group(2), text)


def timing_table(times: dict[str, float], workers: int) -> str:
    rows = [{"stage": k, "wall time (s)": v, "workers": workers} for k, v in times.items()]
    return markdown(pd.DataFrame(rows), 0)


def forecast_blocks(spec: CalibrationSpec, out: Path, args, times: dict) -> dict[str, str]:
    """In sample, rolling origin, identifiability and headline effects, as Markdown tables."""
    t0 = time.perf_counter()
    ins, post, pop = in_sample(spec, args.workers)
    times["in sample (2 fits)"] = time.perf_counter() - t0
    write_posterior(post, out / "posterior.parquet")  # with its model version (rel)
    ins.to_csv(out / "in_sample.csv", index=False)
    t0 = time.perf_counter()
    fc = rolling_forecasts(spec, workers=args.workers)
    times[f"rolling origin ({2 * len(ORIGINS)} fits, 4 designs)"] = time.perf_counter() - t0
    fc.rows.to_csv(out / "rolling_origin.csv", index=False)
    fc.ess.to_csv(out / "filter_ess.csv", index=False)
    fc.evidence.to_csv(out / "drift_evidence.csv", index=False)
    views = {"plain": fc.plain, "filtered": fc.filtered, "anomaly": fc.anomaly}
    views["tracked"] = fc.tracked
    t0 = time.perf_counter()
    headline = headline_effects(
        out / "posterior.parquet", 200 if args.quick else 1000, spec.settings["seed"], args.workers
    )
    times["headline effects"] = time.perf_counter() - t0
    seed = spec.settings["seed"]
    intervals = intervals_of({"in sample (plain)": ins, **views}, seed)
    title = "Pooled skill with its 90% interval: in sample, and rolling origin 2018–2023"
    interval_chart(out, CHARTS[0], intervals, seed, title)
    return {
        "intervals": markdown(interval_rows(intervals)),
        "intervals-kinds": markdown(interval_rows({"plain": intervals["plain"]}, kinds=True)),
        "in-sample": markdown(skill_table(ins)),
        "coverage": markdown(coverage_by_forecaster(fc.rows).reset_index()),
        "rolling": markdown(skill_table(fc.plain)),
        "rolling-designs": markdown(design_skill(views)),
        "rolling-by-origin": markdown(by_origin(views)),
        "filter-ess": markdown(ess_table(fc.ess), 1),
        "drift-evidence": markdown(evidence_table(fc.evidence), 1),
        "identifiability": markdown(width_table(list(spec.priors), pop.theta, pop.weights)),
        "headline": markdown(headline),
    }


def holdout_intervals(intervals: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every held-out variant's pooled skill with its interval, then the plain model's kinds."""
    kinds = interval_rows({"model": intervals["model"]}, kinds=True)
    return pd.concat([interval_rows(intervals), kinds[kinds["kind"] != "pooled"]],
                     ignore_index=True)  # fmt: skip


VERDICT = "holdout_verdict.txt"  # printed after the tables; not a block of the doc


def holdout_verdict(result, folder: Path, intervals: dict[str, pd.DataFrame]) -> str:
    """In words, under the tables: which nulls each design beats and where it loses
    (sim/observe/verdict.py, as `hindcast` prints it) and how sure (its pooled intervals),
    and every held-out observation of `folder` that is not scored, with the reason. Why
    (round 23): the command printed the tables only, and an observation set aside (a pair
    the scenario lacks, no in-sample observation of its series, one overlapped by another)
    vanished without a word."""
    n = result.rows["id"].nunique()
    lines = [f"Held out ({folder}): {n} observations scored, {len(result.skipped)} not."]
    for v in VARIANTS:
        subject = "The plain model" if v == "model" else f"The {v} forecast"
        lines.append(f"{v}: {verdict(skill_table(result.view(v)), subject)}")
        lines.append(f"{v}: {interval_words(intervals[v])}")
    lines += [f"not scored: {why}" for why in result.skipped]
    lines += [f"scored, straddling May 2024: {note}" for note in result.straddling]
    return "\n".join(lines) + "\n"


def holdout_blocks(spec: CalibrationSpec, out: Path, args) -> dict[str, str]:
    """The held-out scores (every model variant beside the nulls), the plain model per
    kind, the directions of change and the wall time, as Markdown tables."""
    t0 = time.perf_counter()
    result = holdout_forecasts(spec, workers=args.workers, folder=args.holdout)
    wall = {"holdout (2 fits, 5 model variants)": time.perf_counter() - t0}
    result.rows.to_csv(out / "holdout.csv", index=False)
    result.ess.to_csv(out / "holdout_ess.csv", index=False)
    turns = directions(result, observations_of(spec), load_holdout(args.holdout))
    turns.to_csv(out / "holdout_directions.csv", index=False)
    seed = spec.settings["seed"]
    intervals = intervals_of({v: result.view(v) for v in VARIANTS}, seed)
    (out / VERDICT).write_text(holdout_verdict(result, args.holdout, intervals))
    title = "Held out (after May 2024): pooled skill with its 90% interval by design"
    named = {"plain" if v == "model" else v: t for v, t in intervals.items()}  # as elsewhere
    interval_chart(out, CHARTS[1], named, seed, title, "holdout")
    return {
        "holdout": markdown(result.skill()),
        "holdout-kinds": markdown(result.table()),
        "holdout-directions": markdown(turns),
        "holdout-intervals": markdown(holdout_intervals(intervals)),
        "timing-holdout": timing_table(wall, args.workers),
    }


SEEDS = (20160101, 20160102, 20160103, 20160104)


def seed_intervals(frames: list[pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Each root seed's intervals (its rows resampled with that seed's streams), then all
    seeds together (resampled with the first seed's: the interval carries the fits' noise
    too), labelled by the seed and "all N seeds"."""
    fits = [str(f["fit"].iloc[0]) for f in frames]
    twice = sorted({s for s in fits if fits.count(s) > 1})
    if twice:  # one column, but its rows counted twice in "all N seeds" (N counting it twice)
        raise ValueError(f"seed_intervals: seed {', '.join(twice)} given twice")
    views = {s: f.drop(columns="fit") for s, f in zip(fits, frames, strict=True)}
    seeds = {label: int(label) for label in views}
    views[f"all {len(frames)} seeds"] = pd.concat(frames)
    return intervals_of(views, int(frames[0]["fit"].iloc[0]), seeds)


def seed_table(intervals: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The pooled rows of `seed_intervals`: one seed, or all of them, per row."""
    return interval_rows(intervals).drop(columns="kind").rename(columns={"design": "seed"})


# The kind whose pooled ratio is unstable where a null is exact (docs/validation.md, "Results"):
# the sensitivity table leaves it out, on the same rows, without refitting anything.
UNSTABLE_KIND = "joint_exercise"


def without_kind(frames: list[pd.DataFrame], kind: str = UNSTABLE_KIND) -> pd.DataFrame:
    """Every seed's pooled skill, and all seeds', with one kind's rows dropped: how much of
    a pooled verdict one kind carries. A kind no row has is refused (a misspelt or renamed
    kind gave the full table under a heading saying it was left out), as is a seed left
    with no row."""
    if not any((f["kind"] == kind).any() for f in frames):
        raise ValueError(f"without_kind: no row of kind {kind!r}: nothing to leave out")
    kept = [f[f["kind"] != kind] for f in frames]
    for f, rest in zip(frames, kept, strict=True):
        if rest.empty:
            raise ValueError(
                f"without_kind: seed {f['fit'].iloc[0]} has no row but of kind {kind!r}"
            )
    return seed_table(seed_intervals(kept))


def seed_chart_views(parts: dict[str, dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """The seeds' intervals of each part ("rolling", "held out") under one chart's labels."""
    return {
        f"{what}, all seeds" if label.startswith("all") else f"{what} {label}": t
        for what, intervals in parts.items()
        for label, t in intervals.items()
    }


def seed_blocks(spec: CalibrationSpec, out: Path, args) -> dict[str, str]:
    """The plain model's rolling-origin and held-out pooled skill for every root seed of
    `--seeds` (each seed redraws the prior sample, the simulations and the predictive
    draws), with intervals per seed and over all of them."""
    t0 = time.perf_counter()
    rolling, held = [], []
    for seed in args.seeds:
        one = with_settings(spec, seed=seed)
        rolling.append(rolling_forecasts(one, workers=args.workers).plain.assign(fit=seed))
        hold = holdout_forecasts(one, workers=args.workers, folder=args.holdout)
        held.append(hold.view("model").assign(fit=seed))
    pd.concat(rolling).to_csv(out / "seeds_rolling.csv", index=False)
    pd.concat(held).to_csv(out / "seeds_holdout.csv", index=False)
    wall = {f"{len(args.seeds)} seeds × (rolling origin + held out)": time.perf_counter() - t0}
    by_seed, held_by_seed = seed_intervals(rolling), seed_intervals(held)
    views = seed_chart_views({"rolling": by_seed, "held out": held_by_seed})
    title = "The plain model's pooled skill with its 90% interval, seed by seed"
    interval_chart(out, CHARTS[2], views, args.seeds[0], title, "seeds")
    return {
        "seeds-rolling": markdown(seed_table(by_seed)),
        "seeds-holdout": markdown(seed_table(held_by_seed)),
        "seeds-sans-exercises": markdown(
            pd.concat(
                [
                    without_kind(rolling).assign(part="rolling origin"),
                    without_kind(held).assign(part="held out"),
                ]
            ).pipe(lambda t: t[["part", *t.columns[:-1]]])
        ),
        "timing-seeds": timing_table(wall, args.workers),
    }


def structure_seed_blocks(spec: CalibrationSpec, out: Path, args) -> dict[str, str]:
    """The structure comparison for every root seed of `--seeds`: does a verdict hold when
    the fits (the full model's among them) are redrawn?"""
    t0 = time.perf_counter()
    pop = min(args.structure_population, spec.settings["population"])
    rows = pd.concat(
        compare_structures(
            with_settings(spec, population=pop, seed=s), workers=args.workers
        ).assign(fit=s)
        for s in args.seeds
    )
    rows.to_csv(out / "structures_seeds.csv", index=False)
    wall = {f"{len(args.seeds)} seeds × structures": time.perf_counter() - t0}
    return {
        "structures-seeds": markdown(structure_seed_table(rows)),
        "timing-structures-seeds": timing_table(wall, args.workers),
    }


def validation_blocks(spec: CalibrationSpec, out: Path, args) -> dict[str, str]:
    """The tables of the parts asked for (`--part`), keyed by their marker names."""
    blocks: dict[str, str] = {}
    if args.part in ("all", "forecasts"):
        times: dict[str, float] = {}
        blocks.update(forecast_blocks(spec, out, args, times))
        blocks["timing-forecasts"] = timing_table(times, args.workers)
    if args.part in ("all", "structures"):
        times = {}
        t0 = time.perf_counter()
        small = with_settings(
            spec, population=min(args.structure_population, spec.settings["population"])
        )
        structures = compare_structures(small, workers=args.workers)
        times[f"structures ({len(STRUCTURES)} × {len(ORIGINS)} fits)"] = time.perf_counter() - t0
        structures.to_csv(out / "structures.csv", index=False)
        blocks["structures"] = markdown(structure_table(structures, spec.settings["seed"]), 3)
        blocks["timing-structures"] = timing_table(times, args.workers)
    if args.part in ("all", "holdout"):
        blocks.update(holdout_blocks(spec, out, args))
    if args.part == "seeds":  # run-to-run noise, not part of `all` (docs/validation.md)
        blocks.update(seed_blocks(spec, out, args))
    if args.part == "structure-seeds":  # the structure verdicts' run-to-run noise, not in `all`
        blocks.update(structure_seed_blocks(spec, out, args))
    if args.part == "gain":  # a diagnostic, not part of `all` (docs/validation.md)
        t0 = time.perf_counter()
        rows = gain_profile(spec, workers=args.workers)
        rows.to_csv(out / "gain.csv", index=False)
        blocks["gain"] = markdown(gain_table(rows))
        wall = {"reaction-gain profile (4 multiples × 6 origins)": time.perf_counter() - t0}
        blocks["timing-gain"] = timing_table(wall, args.workers)
    return blocks


def whole(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse type: a whole number in [lo, hi], the range the spec file allows for the
    same setting. The flags bypass the spec's checks: `--population 0` was an IndexError
    traceback, `--seed -1` numpy's, `--workers -3` ran and wrote "workers -3" in the tables."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(
                f"expected a whole number in [{lo}, {hi}], found {text}"
            )
        return value

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from sim.limits import MAX_WORKERS
    from sim.observe.spec import SETTINGS

    population = whole(*SETTINGS["population"][2:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", type=Path, default=SPEC)
    ap.add_argument("--workers", type=whole(1, MAX_WORKERS), default=1)
    ap.add_argument(
        "--quick",
        action="store_true",
        help="population 40 (unless --population), 100 predictive runs",
    )
    ap.add_argument(
        "--population",
        type=population,
        default=None,
        help="particles kept per fit (of population/0.04); default 100, 40 with --quick",
    )
    ap.add_argument(
        "--structure-population",
        type=population,
        default=40,
        help="particles kept per structure fit",
    )
    ap.add_argument(
        "--part",
        choices=("all", "forecasts", "structures", "holdout", "gain", "seeds", "structure-seeds"),
        default="all",
        help="forecasts (in sample, rolling origin, identifiability, headline), structures or"
        " holdout (after May 2024) only, or gain (the reaction-gain profile, not in all),"
        " or seeds (the plain model's scores for every --seeds root seed, not in all),"
        " or structure-seeds (the structure comparison for every --seeds root seed, not in all);"
        " parts can run as separate processes, each rewriting only its own tables",
    )
    ap.add_argument(
        "--seeds",
        type=whole(*SETTINGS["seed"][2:]),
        nargs="+",
        default=None,
        help="root seeds of --part seeds and --part structure-seeds",
    )
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/validation.md")
    ap.add_argument(
        "--holdout",
        type=Path,
        default=None,
        help="folder of held-out observation files (*.yaml, *.yml, subfolders too) instead of"
        " seeds/observations/holdout/, read by --part holdout, all and seeds; implies --no-doc",
    )
    ap.add_argument(
        "--seed",
        type=whole(*SETTINGS["seed"][2:]),
        help="root seed instead of the spec's (run-to-run noise: docs/validation.md); implies"
        " --no-doc, so the documented tables stay those of the spec's seed",
    )
    args = ap.parse_args(argv)
    if args.holdout is not None and args.part not in ("all", "holdout", "seeds"):
        ap.error(f"argument --holdout: read only by --part holdout, all and seeds, not --part"
                 f" {args.part}")  # fmt: skip
    if args.holdout is not None and not args.holdout.is_dir():  # not after the other parts
        ap.error(f"argument --holdout: {args.holdout} is not a folder")
    if args.holdout is not None:  # the documented tables are of the shipped folder
        args.no_doc = True
    args.holdout = args.holdout if args.holdout is not None else HOLDOUT
    given = args.seeds is not None  # None: not on the command line (the default is SEEDS)
    args.seeds = args.seeds if given else SEEDS
    twice = sorted({s for s in args.seeds if list(args.seeds).count(s) > 1})
    if twice:  # each seed one fit: a repeat was its rows twice in the pooled interval
        ap.error(f"argument --seeds: {', '.join(map(str, twice))} given twice (each root seed is"
                 " one fit; give it once)")  # fmt: skip
    per_seed = args.part in ("seeds", "structure-seeds")  # the parts that read --seeds
    if given and not per_seed:  # ran the part with the spec's seed, exit 0
        ap.error(f"argument --seeds: read only by --part seeds and --part structure-seeds, not"
                 f" --part {args.part} (use --seed for one root seed)")  # fmt: skip
    if args.seed is not None and per_seed:  # each of --seeds replaced it, without a word
        ap.error(f"argument --seed: --part {args.part} fits every root seed of --seeds; give"
                 " them there")  # fmt: skip
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the parts asked for; a bad spec is its located lines and exit 2, an interrupt one
    line and exit 130 (143 for SIGTERM), and the results folder is named only when complete:
    it was created first, so a failure or Ctrl-C left what looked like finished results."""
    from sim.errors import ScenarioError, UsageError
    from sim.procs import Terminated, interrupts_raised

    args = parse_args(argv)
    try:
        with interrupts_raised():
            return validate(args)
    except ScenarioError as exc:
        print("\n".join(map(str, exc.problems)), file=sys.stderr)
    except UsageError as exc:
        print(f"validation: error: {exc}", file=sys.stderr)
    except Terminated:
        print("validation: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("validation: interrupted", file=sys.stderr)
        return 130
    return 2


def validate(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    # --population wins over --quick's 40 (it was silently replaced by it)
    population = args.population or (40 if args.quick else 100)
    replications = 100 if args.quick else 200
    spec = with_settings(spec, population=population, predictive_replications=replications)
    if args.seed is not None:
        spec = with_settings(spec, seed=args.seed)
        args.no_doc = True
    out = timestamped("validation")
    work = out.with_name(f".{out.name}.partial")
    work.mkdir(parents=True)
    try:
        # One worker pool for every fit of the validation (sim/pool.py), as the CLI opens one
        # per command: without it each ensemble started and stopped its own workers (issue 18).
        with command_pool(args.workers):
            blocks = validation_blocks(spec, work, args)
        for name, body in blocks.items():
            (work / f"{name}.md").write_text(body + "\n")
        work.rename(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name, body in blocks.items():
        print(f"\n## {name}\n{body}")
    if (out / VERDICT).exists():
        print(f"\n{(out / VERDICT).read_text().rstrip()}")
    if not args.no_doc and not args.quick:
        text = DOC.read_text()
        for name, body in blocks.items():
            text = replace_block(text, name, body)
        DOC.write_text(text)
        for name in CHARTS:  # the doc's pictures come from the same run as its tables
            if (out / f"{name}.png").exists():
                shutil.copyfile(out / f"{name}.png", IMG / f"{name}.png")
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
