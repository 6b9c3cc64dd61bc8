"""Paired pooled CRPS skill of one model variant's forecasts against another's.

    python -m benchmarks.paired RUN_A RUN_B            # skill of B against A
    python -m benchmarks.paired RUN_A RUN_B --with-a MORE_A --with-b MORE_B

Why: the decision rule of docs/preregistration-ripeness.md keeps a mechanism only if the
model with it does not lose to the shipped model without it, "paired pooled CRPS skill
... ≥ 0 at the point", on the rolling origin and held out, with seed 20160101 and with the
four root seeds pooled. The validation scores every variant against three nulls, never one
variant against another; this puts run A's model in the null's seat and computes the skill
exactly as the validation does (sim/observe/scoring.skill_table for the point,
sim/observe/significance.skill_intervals for the interval, its verdict words):

    per kind k:  skill_k = 1 − S̄_B,k / S̄_A,k   (S̄: mean CRPS over the kind's forecasts)
    pooled:      1 − Σ_k n_k·(S̄_B,k / S̄_A,k) / Σ_k n_k   (n_k: forecasts of kind k)

a forecast being one (origin, observation) row, and with several root seeds (`fit`) the
means and counts over every seed's rows; a kind whose S̄_A,k is 0 is left out of the pool.
The interval resamples observations (both runs' scores of an observation travel together:
paired) within kinds and, with several seeds, the seeds too, as `--part seeds` pools them.

A run is a results/validation/<stamp> folder of `python -m benchmarks.calibrate`; RUN_A and
RUN_B may each be several folders (`--with-a`, `--with-b`: parts run as separate processes,
or `--part seeds --seeds S` run seed by seed). Per part, a side holds either the single fit's
file (rolling_origin.csv, holdout.csv: the spec's seed) or the seeds' (seeds_rolling.csv,
seeds_holdout.csv, one `fit` per root seed); both sides must hold the same kind. Refused, in
one line: a missing folder or file, rows that differ (the same origins, observations and
observed values, and the same root seeds, on both sides), persistence or trend scores that
differ (they depend only on the root seed and the observations: a run with another seed),
and different predictive replications (the filters' `particles` in filter_ess.csv or
holdout_ess.csv, when both sides have them; the population is not recorded exactly); also a
blank value in a column read, a CRPS that is not a finite number ≥ 0, a `fit` that is not a
whole number ≥ 0, and a `--without` that leaves no kind.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.observe.scoring import skill_table
from sim.observe.significance import LEVEL, cell, interval_verdict, skill_intervals

DEFAULT_SEED = 20160101  # the spec's root seed: the bootstrap seed of a single fit's tables
A = "A"  # run A's model, in the null's seat
PARTS = {  # part: (single fit's file, seeds' file, the filter's ESS file of the single fit)
    "rolling origin": ("rolling_origin.csv", "seeds_rolling.csv", "filter_ess.csv"),
    "held out": ("holdout.csv", "seeds_holdout.csv", "holdout_ess.csv"),
}
COLUMNS = ("origin", "id", "kind", "observed", "forecaster", "crps")
SEEDED_NULLS = ("persistence", "trend")  # scores fixed by the root seed and the observations


class PairedError(Exception):
    """Input that cannot be compared: one line for the user, exit 2."""


@dataclass(frozen=True)
class Side:
    """One side's rows of one part: `seeded` when they carry a `fit` (root seed) column;
    `replications` the predictive replications the folders record (empty when none)."""

    rows: pd.DataFrame
    seeded: bool
    replications: frozenset[int]


def read_table(path: Path, seeded: bool) -> pd.DataFrame:
    """A scores table with the columns the comparison needs, ids and origins as text."""
    try:
        rows = pd.read_csv(path, dtype={"origin": str, "id": str, "kind": str})
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise PairedError(f"{path}: unreadable ({str(exc).splitlines()[0]})") from None
    need = [*COLUMNS, *(["fit"] if seeded else [])]
    missing = [c for c in need if c not in rows.columns]
    if missing:
        raise PairedError(f"{path}: no column {', '.join(missing)}")
    for col in need:  # a blank kind, observed value or seed read as NaN, never equal to itself
        blank = rows.index[rows[col].isna()]
        if len(blank):
            raise PairedError(f"{path}: row {blank[0] + 1}: column {col}: a value is missing")
    crps = pd.to_numeric(rows["crps"], errors="coerce")
    bad = rows.index[~(np.isfinite(crps) & (crps >= 0))]
    if len(bad):  # text was a TypeError traceback; < 0 or inf a skill, exit 0
        raise PairedError(
            f"{path}: row {bad[0] + 1}: column crps: expected a finite number ≥ 0 (a CRPS),"
            f" found {rows['crps'][bad[0]]}"
        )
    if seeded:  # a root seed: a whole number ≥ 0 (text gave int()'s words as the message)
        fit = pd.to_numeric(rows["fit"], errors="coerce")
        bad = rows.index[~(np.isfinite(fit) & (fit >= 0) & (fit == np.round(fit)))]
        if len(bad):
            raise PairedError(
                f"{path}: row {bad[0] + 1}: column fit: expected a root seed (a whole number"
                f" ≥ 0), found {rows['fit'][bad[0]]}"
            )
        rows = rows.assign(fit=fit.astype(np.int64))
    return rows.assign(crps=crps)


def replications(folder: Path, ess: str) -> set[int]:
    """The predictive replications a folder's filter table records (its `particles`)."""
    path = folder / ess
    if not path.is_file():
        return set()
    try:
        return {int(v) for v in pd.read_csv(path)["particles"].dropna().unique()}
    except (OSError, ValueError, KeyError, pd.errors.ParserError):
        raise PairedError(f"{path}: unreadable, or no 'particles' column") from None


def read_side(folders: list[Path], part: str, label: str) -> Side | None:
    """The part's rows in one side's folders (None when none holds the part)."""
    single, seeds, ess = PARTS[part]
    for folder in folders:
        if not folder.is_dir():
            raise PairedError(f"{label}: no such folder: {folder}")
    plain = [f for f in folders if (f / single).is_file()]
    seeded = [f for f in folders if (f / seeds).is_file()]
    if plain and seeded:
        raise PairedError(
            f"{label}: both {single} ({plain[0]}) and {seeds} ({seeded[0]}): pass the folders"
            " of one layout"
        )
    if len(plain) > 1:
        raise PairedError(f"{label}: {single} in two folders ({plain[0]}, {plain[1]})")
    if plain:
        reps = replications(plain[0], ess)
        return Side(read_table(plain[0] / single, False), False, frozenset(reps))
    if not seeded:
        return None
    frames = [read_table(f / seeds, True) for f in seeded]
    owner: dict[int, Path] = {}
    for folder, frame in zip(seeded, frames, strict=True):
        for fit in frame["fit"].unique():
            if fit in owner:
                raise PairedError(f"{label}: seed {fit} in two folders ({owner[fit]}, {folder})")
            owner[fit] = folder
    return Side(pd.concat(frames, ignore_index=True), True, frozenset())


def forecasts(side: Side, forecaster: str, label: str, part: str) -> pd.DataFrame:
    """One forecaster's rows of a side, indexed by (fit, origin, id); one row each."""
    rows = side.rows if side.seeded else side.rows.assign(fit=0)
    mine = rows[rows["forecaster"] == forecaster]
    if mine.empty:
        raise PairedError(f"{label}, {part}: no forecaster {forecaster!r}")
    mine = mine.set_index(["fit", "origin", "id"]).sort_index()
    if mine.index.has_duplicates:
        raise PairedError(f"{label}, {part}: {forecaster} scores a forecast twice")
    return mine


def sample(keys: pd.Index) -> str:
    """A few (origin, observation) keys for a message."""
    shown = [f"{o} {i}" for _, o, i in list(keys)[:3]]
    return ", ".join(shown) + (", …" if len(keys) > 3 else "")


def check_same(a: Side, b: Side, part: str) -> None:
    """Refuse runs that did not score the same rows with the same seeds and budget."""
    if a.seeded != b.seeded:
        which = "per-seed rows (--part seeds)" if a.seeded else "a single fit's rows"
        raise PairedError(f"{part}: RUN_A holds {which}, RUN_B not: compare runs of one layout")
    if a.seeded:
        fa, fb = sorted(a.rows["fit"].unique()), sorted(b.rows["fit"].unique())
        if fa != fb:
            fa, fb = [int(f) for f in fa], [int(f) for f in fb]  # not np.int64(…) in the line
            raise PairedError(f"{part}: different root seeds: RUN_A {fa}, RUN_B {fb}")
    if a.replications and b.replications and a.replications != b.replications:
        raise PairedError(
            f"{part}: different budgets: predictive replications {sorted(a.replications)} "
            f"(RUN_A) against {sorted(b.replications)} (RUN_B)"
        )


def paired_rows(a: Side, b: Side, part: str, forecaster: str = "model") -> pd.DataFrame:
    """Long rows for skill_table and skill_intervals: B's `forecaster` as "model", A's as the
    null "A", on the (fit, origin, observation) rows both score; refused unless the rows,
    their kinds and observed values, and the seed-fixed nulls' scores are the same."""
    check_same(a, b, part)
    ma, mb = forecasts(a, forecaster, "RUN_A", part), forecasts(b, forecaster, "RUN_B", part)
    only_a, only_b = ma.index.difference(mb.index), mb.index.difference(ma.index)
    if len(only_a) or len(only_b):
        raise PairedError(
            f"{part}: RUN_A and RUN_B do not score the same rows: {len(only_a)} only in RUN_A"
            f" ({sample(only_a) or 'none'}), {len(only_b)} only in RUN_B"
            f" ({sample(only_b) or 'none'})"
        )
    for col in ("kind", "observed"):
        differ = ma.index[ma[col].to_numpy() != mb.loc[ma.index, col].to_numpy()]
        if len(differ):
            raise PairedError(f"{part}: the runs' {col} differs on {sample(differ)}")
    for null in SEEDED_NULLS:
        if not ((a.rows["forecaster"] == null).any() and (b.rows["forecaster"] == null).any()):
            continue
        na, nb = forecasts(a, null, "RUN_A", part), forecasts(b, null, "RUN_B", part)
        na, nb = na.reindex(ma.index), nb.reindex(ma.index)
        differ = ma.index[~np.isclose(na["crps"], nb["crps"], rtol=1e-12, atol=0.0)]
        if len(differ):
            raise PairedError(
                f"{part}: {null}'s CRPS differs on {len(differ)} rows ({sample(differ)}): runs"
                " with different root seeds or observation files"
            )
    keep = ["kind", "crps"]
    out = pd.concat(
        [mb[keep].assign(forecaster="model"), ma[keep].assign(forecaster=A)]
    ).reset_index()
    return out if a.seeded else out.drop(columns="fit")


def views(rows: pd.DataFrame, seed: int) -> dict[str, tuple[pd.DataFrame, int]]:
    """What the table shows and the bootstrap seed of each, as benchmarks.calibrate does:
    a single fit with the spec's seed; per root seed with its own seed, then all seeds
    together (each resample drawing the seeds with replacement) with the smallest's, which
    is the first of the default --seeds, as calibrate.seed_intervals takes the first."""
    if "fit" not in rows:
        return {"": (rows, seed)}
    fits = list(dict.fromkeys(rows["fit"]))
    out = {str(f): (rows[rows["fit"] == f].drop(columns="fit"), int(f)) for f in fits}
    if len(fits) > 1:
        out[f"all {len(fits)} seeds"] = (rows, int(fits[0]))
    return out


def point_word(skill: float) -> str:
    """Whether the point skill meets the decision rule's "≥ 0" ('–' when there is none)."""
    return "–" if not np.isfinite(skill) else "yes" if skill >= 0 else "no"


def paired_table(parts: dict[str, pd.DataFrame], seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Per part, seed view and kind (pooled last): both runs' mean CRPS and B's skill
    against A with its interval, the verdict words and whether the point is ≥ 0."""
    out = []
    for part, rows in parts.items():
        for label, (view, boot) in views(rows, seed).items():
            means = skill_table(view, (A,)).set_index("kind")
            for _, r in skill_intervals(view, boot, nulls=(A,)).iterrows():
                out.append(
                    {
                        "part": part,
                        "seed": label or f"{boot} (spec)",
                        "kind": r["kind"],
                        "observations": int(r["observations"]),
                        "forecasts": int(r["forecasts"]),
                        "CRPS A": means.loc[r["kind"], f"CRPS {A}"],
                        "CRPS B": means.loc[r["kind"], "CRPS model"],
                        "skill B vs A": r["skill"],
                        "low": r["low"],
                        "high": r["high"],
                        "share above 0": r["share above 0"],
                        "degenerate": r["degenerate"],
                        "resamples": r["resamples"],
                        "verdict": interval_verdict(r["low"], r["high"], r["degenerate"]),
                        "point >= 0": point_word(r["skill"]),
                        f"skill B vs A ({LEVEL:.0%})": cell(r),
                    }
                )
    return pd.DataFrame(out)


def compare(run_a: list[Path], run_b: list[Path], forecaster: str = "model",
            seed: int = DEFAULT_SEED, without: tuple[str, ...] = ()) -> pd.DataFrame:  # fmt: skip
    """The paired table of every part both sides hold; a part on one side only is refused.
    Kinds in `without` are left out before pooling: the held-out exercises, whose CRPS is
    near 0 for both runs, make their ratio, and so the pooled skill, unstable."""
    parts = {}
    for part in PARTS:
        a, b = read_side(run_a, part, "RUN_A"), read_side(run_b, part, "RUN_B")
        if a is None and b is None:
            continue
        if a is None or b is None:
            lacking, files = ("RUN_A" if a is None else "RUN_B"), " or ".join(PARTS[part][:2])
            raise PairedError(f"{part}: {lacking} has no {files} (the other side has)")
        rows = paired_rows(a, b, part, forecaster)
        unknown = set(without) - set(rows["kind"])
        if unknown:
            raise PairedError(f"{part}: --without {', '.join(sorted(unknown))}: no such kind")
        parts[part] = rows[~rows["kind"].isin(without)]
        if parts[part].empty:  # was a KeyError traceback from skill_table
            kinds = ", ".join(sorted(set(rows["kind"])))
            raise PairedError(f"{part}: --without leaves no kind to compare (its kinds: {kinds})")
    if not parts:
        files = ", ".join(f for single, seeds, _ in PARTS.values() for f in (single, seeds))
        raise PairedError(f"no scores in the folders given (looked for {files})")
    try:
        return paired_table(parts, seed)
    except ValueError as exc:  # significance.kind_scores: seeds scoring different rows
        raise PairedError(str(exc)) from None


SHOWN = ["part", "seed", "kind", "observations", "forecasts", "CRPS A", "CRPS B",
         f"skill B vs A ({LEVEL:.0%})", "point >= 0"]  # fmt: skip


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.paired", description=__doc__.splitlines()[0]
    )
    ap.add_argument("run_a", type=Path, help="results/validation/<stamp> of the reference")
    ap.add_argument("run_b", type=Path, help="results/validation/<stamp> of the variant")
    ap.add_argument(
        "--with-a",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="another folder of run A (a part or a seed run separately)",
    )
    ap.add_argument(
        "--with-b",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="another folder of run B",
    )
    ap.add_argument(
        "--forecaster",
        default="model",
        help="the design compared on both sides (model = plain; filtered, ...)",
    )
    ap.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help="bootstrap seed of a single fit's rows (the spec's root seed)",
    )
    ap.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="KIND",
        help="leave this observation kind out (e.g. joint_exercise); repeatable",
    )
    ap.add_argument("--out", type=Path, help="CSV (default RUN_B/paired-vs-<RUN_A name>.csv)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Print the table and write its CSV; bad input is one line on stderr and exit 2."""
    from benchmarks.calibrate import markdown

    args = parse_args(argv)
    run_a, run_b = [args.run_a, *args.with_a], [args.run_b, *args.with_b]
    rest = "".join(f"-without-{k}" for k in args.without)
    out = args.out or args.run_b / f"paired-vs-{args.run_a.resolve().name}{rest}.csv"
    try:
        table = compare(run_a, run_b, args.forecaster, args.seed, tuple(args.without))
        table.to_csv(out, index=False)
    except PairedError as exc:
        print(f"paired: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # pandas' "non-existent directory" has no filename nor strerror
        why = exc.strerror or str(exc)
        print(f"paired: error: cannot write {exc.filename or out}: {why}", file=sys.stderr)
        return 2
    print(f"Paired CRPS skill of B ({run_b[0]}) against A ({run_a[0]}), {args.forecaster}:")
    print(markdown(table[SHOWN], 3))
    print(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
