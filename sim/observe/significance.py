"""How sure is a skill score? Paired bootstrap intervals of the model's skill against a null.

Why: the verdicts of docs/validation.md rest on 49 distinct rolling-origin observations and
19 held-out ones. A pooled skill of +0.04 against the events-only world says nothing until
one knows how much it would move with another draw of history's observations. This
module resamples the *observations* (percentile intervals: Efron & Tibshirani 1993; the
paired comparison of forecasters on the same cases of Diebold & Mariano 1995, here by
resampling rather than an asymptotic test), and, given several fits (a `fit` column, e.g.
one per root seed), the fits too:

- paired: a resampled observation carries every forecaster's scores, so the interval is of
  the difference the data show, not of two independent means;
- clustered by observation: an observation forecast from two origins is drawn (or not)
  with both its forecasts;
- stratified by kind: each kind keeps its number of observations, as the pooled score
  weights kinds by their counts (`sim.observe.scoring.skill_table`, whose rules every
  resample follows, including leaving out a kind whose null scored exactly 0);
- over fits: each resample also draws as many fits as there are, with replacement, and
  pools their scores, as the point (skill_table of every fit's rows) does, so the interval
  carries the fits' own noise (the seed-to-seed spread) beside the observations'. (One fit
  per resample gave the interval of a single fit's skill beside the point of their mean.)

Observations of one series in neighbouring years are correlated, which the resampling
ignores; the intervals are therefore if anything too narrow, so a tie inside them is a
tie and a win near their edge is not a safe one. Analysis only: it reads scored rows, it
never runs the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.observe.scoring import NULLS, null_rows, skill_table
from sim.observe.streams import id_key, keyed
from sim.observe.verdict import NULL_NAMES
from sim.results.folder import count

DRAWS = 2000
LEVEL = 0.90
# Below this many distinct observations a kind gets no interval: resampling 1–4 values
# gives at most a handful of distinct resamples (one value: an interval of width 0).
MIN_OBSERVATIONS = 5
BOOT_STREAM = 0x424F  # spawn key of the bootstrap streams ("BO")
FIT_KEY = 0x4649  # the stream choosing a fit per resample ("FI")


@dataclass(frozen=True)
class KindScores:
    """One kind's scores summed per distinct observation: `sums[g, f, i]` is forecaster f's
    CRPS summed over observation i's forecasts in fit g, `counts[g, i]` how many forecasts
    it has (one fit unless the rows carry a `fit` column, e.g. one per root seed)."""

    kind: str
    ids: tuple[str, ...]
    sums: np.ndarray
    counts: np.ndarray


def kind_scores(rows: pd.DataFrame, forecasters: tuple[str, ...]) -> list[KindScores]:
    """Per kind (sorted), the per-observation sums; ids sorted so that row order is moot.
    Every fit must score the same observations: the resampling pairs them across fits."""
    rows = rows if "fit" in rows else rows.assign(fit=0)
    if rows["crps"].isna().any():  # skill_table's mean would skip it, the sums count it as 0
        raise ValueError("a CRPS is missing: score or drop that forecast first")
    fits = sorted(rows["fit"].unique())
    out = []
    for kind, part in sorted(rows.groupby("kind"), key=lambda kv: kv[0]):
        table = part.pivot_table(
            index="id", columns=["fit", "forecaster"], values="crps", aggfunc="sum"
        ).sort_index()
        model = part[part["forecaster"] == "model"]
        counts = model.pivot_table(index="id", columns="fit", values="crps", aggfunc="size")
        counts = counts.reindex(index=table.index, columns=fits)
        if table.isna().to_numpy().any() or counts.isna().to_numpy().any():
            raise ValueError(f"{kind}: the fits or forecasters do not score the same observations")
        sums = np.stack([table[g][list(forecasters)].to_numpy(float).T for g in fits])
        out.append(KindScores(str(kind), tuple(table.index), sums, counts.to_numpy(float).T))
    return out


def resample_weights(k: KindScores, draws: int, seed: int) -> np.ndarray:
    """How often each observation of the kind is drawn in each resample (draws × n, rows
    summing to n), from the kind's own stream: adding a kind leaves the others' draws."""
    n = len(k.ids)
    rng = keyed(seed, BOOT_STREAM, id_key(k.kind))
    picks = rng.integers(0, n, size=(draws, n))
    weights = np.zeros((draws, n))
    np.add.at(weights, (np.arange(draws)[:, None], picks), 1.0)
    return weights


def resample_fits(fits: int, draws: int, seed: int) -> np.ndarray:
    """The fits each resample pools (draws × fits, drawn with replacement; the same for all
    kinds of a resample): the resampled statistic is then the point's own, the skill of the
    fits' pooled scores, and its spread carries the fits' noise beside the observations'."""
    if fits == 1:
        return np.zeros((draws, 1), dtype=int)
    return keyed(seed, BOOT_STREAM, FIT_KEY).integers(0, fits, size=(draws, fits))


def resample_means(
    k: KindScores, weights: np.ndarray, fit: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Mean CRPS per forecaster in each resample (draws × forecasters), and the number of
    forecasts in each resample per fit drawn; resample d pools the fits of row `fit[d]`
    (fit 0 alone when None)."""
    g = np.zeros((len(weights), 1), dtype=int) if fit is None else fit
    forecasts = np.einsum("dn,dn->d", weights, k.counts[g].mean(axis=1))
    sums = np.einsum("dn,dfn->df", weights, k.sums[g].mean(axis=1))
    return sums / forecasts[:, None], forecasts


def pooled_skill(means: list[np.ndarray], forecasts: list[np.ndarray], null: int) -> np.ndarray:
    """scoring.skill_table's pooled skill against forecaster `null` (column 0 is the model),
    for every resample at once; a kind whose null mean is 0 is left out of its resample."""
    num = np.zeros(len(forecasts[0]))
    den = np.zeros(len(forecasts[0]))
    for m, n in zip(means, forecasts, strict=True):
        ok = m[:, null] > 0
        ratio = np.divide(m[:, 0], m[:, null], out=np.zeros_like(n), where=ok)
        num += np.where(ok, n * ratio, 0.0)
        den += np.where(ok, n, 0.0)
    return 1.0 - np.divide(num, den, out=np.full_like(num, np.nan), where=den > 0)


def summary(point: float, draws: np.ndarray, level: float, n: int) -> dict[str, float]:
    """The point skill, its central `level` interval and the share of resamples above 0
    (interval and share NaN when fewer than MIN_OBSERVATIONS observations can vary), over
    the resamples with a finite skill; `degenerate` counts the others (a null whose CRPS is
    0 on the resample: skill −inf), which `cell` and `interval_verdict` mark 'unstable'."""
    usable = n >= MIN_OBSERVATIONS
    finite = draws[np.isfinite(draws)] if usable else draws[:0]
    lo, hi = (
        np.quantile(finite, [(1 - level) / 2, (1 + level) / 2]) if finite.size else (np.nan,) * 2
    )
    return {
        "skill": point,
        "low": float(lo),
        "high": float(hi),
        "share above 0": float(np.mean(finite > 0)) if finite.size else np.nan,
        "degenerate": int(draws.size - finite.size) if usable else 0,
        "resamples": int(draws.size),
    }


def skill_intervals(
    rows: pd.DataFrame,
    seed: int,
    draws: int = DRAWS,
    level: float = LEVEL,
    nulls: tuple[str, ...] = NULLS,
) -> pd.DataFrame:
    """Per kind and pooled (last), the model's skill against each null with its bootstrap
    interval. `rows` is long, as `skill_table` takes it: one row per (forecast of an
    observation, forecaster), columns id, kind, forecaster, crps. Long form: one row per
    (kind, null) with skill, low, high, share above 0, forecasts and observations."""
    if rows.empty:
        return pd.DataFrame()
    kinds = kind_scores(rows, ("model", *nulls))
    point = skill_table(rows, nulls).set_index("kind")
    fit = resample_fits(kinds[0].sums.shape[0], draws, seed)
    boot = [resample_means(k, resample_weights(k, draws, seed), fit) for k in kinds]
    out = [
        _kind_row(k, null, point.loc[k.kind, f"skill vs {null}"], means[:, [0, j]], level)
        for k, (means, _) in zip(kinds, boot, strict=True)
        for j, null in enumerate(nulls, start=1)
    ]
    means, forecasts = [b[0] for b in boot], [b[1] for b in boot]
    for j, null in enumerate(nulls, start=1):
        out.append(
            {
                "kind": "pooled",
                "null": null,
                "forecasts": int(sum(k.counts[0].sum() for k in kinds)),
                "observations": sum(len(k.ids) for k in kinds),
                **summary(
                    float(point.loc["pooled", f"skill vs {null}"]),
                    pooled_skill(means, forecasts, j),
                    level,
                    varying(kinds),
                ),
            }
        )
    return pd.DataFrame(out)


def _kind_row(k: KindScores, null: str, point: float, pair: np.ndarray, level: float) -> dict:
    """One kind's row: `pair` holds each resample's mean CRPS of the model and the null."""
    with np.errstate(divide="ignore", invalid="ignore"):
        per = 1.0 - pair[:, 0] / pair[:, 1]
    return {
        "kind": k.kind,
        "null": null,
        "forecasts": int(k.counts[0].sum()),
        "observations": len(k.ids),
        **summary(float(point), per, level, len(k.ids)),
    }


def varying(kinds: list[KindScores]) -> int:
    """How many observations the pooled resampling can vary: those of kinds with two or
    more. Why: each kind is resampled among its own, so a kind of one observation is the
    same in every resample; five such kinds gave a pooled "interval" of width 0 and a
    verdict of "better" or "worse" from five observations."""
    return sum(len(k.ids) for k in kinds if len(k.ids) > 1)


def interval_verdict(low: float, high: float, degenerate: int = 0) -> str:
    """'better' when the whole interval is above 0, 'worse' when below, else 'tie';
    'unstable' when some resamples had no finite skill (the interval leaves them out)."""
    if not np.isfinite(low) or not np.isfinite(high):
        return "–"
    if degenerate:
        return "unstable"
    return "better" if low > 0 else "worse" if high < 0 else "tie"


def cell(row: pd.Series) -> str:
    """'+0.04 (−0.05 to +0.12) tie': the skill, its interval and the verdict, one cell;
    '… unstable (37 of 2000 resamples without a skill)' when some resamples had none."""
    if not np.isfinite(row["skill"]):
        return "–"
    bad = int(row.get("degenerate", 0))
    dropped = f"{bad} of {int(row.get('resamples', DRAWS))} resamples without a skill"
    if not np.isfinite(row["low"]):
        return (
            f"{row['skill']:+.2f} ({'no interval: ' + dropped if bad else 'too few to resample'})"
        )
    text = f"{row['skill']:+.2f} ({row['low']:+.2f} to {row['high']:+.2f}) "
    return text + (f"unstable ({dropped})" if bad else interval_verdict(row["low"], row["high"]))


def intervals_of(
    views: dict[str, pd.DataFrame], seed: int, seeds: dict[str, int] | None = None
) -> dict[str, pd.DataFrame]:
    """`skill_intervals` of each view, once, for a table (`interval_rows`) and a chart
    (sim/plots/skill_chart.py) alike; `seeds` gives a view its own bootstrap seed."""
    own = seeds or {}
    return {label: skill_intervals(rows, own.get(label, seed)) for label, rows in views.items()}


def interval_rows(intervals: dict[str, pd.DataFrame], kinds: bool = False) -> pd.DataFrame:
    """One row per design (its pooled skill against each null, with interval and verdict);
    with `kinds`, also one row per kind of each design. For reports and docs/validation.md."""
    rows = []
    for design, t in intervals.items():
        if t.empty:
            continue
        for kind, part in t.groupby("kind", sort=False):
            if kind != "pooled" and not kinds:
                continue
            by = part.set_index("null")
            rows.append(
                {
                    "design": design,
                    "kind": kind,
                    "observations": int(by["observations"].iloc[0]),
                    "forecasts": int(by["forecasts"].iloc[0]),
                    **{f"skill vs {n} (90%)": cell(by.loc[n]) for n in by.index},
                }
            )
    return pd.DataFrame(rows)


def interval_table(views: dict[str, pd.DataFrame], seed: int, kinds: bool = False) -> pd.DataFrame:
    """`interval_rows` of the views' intervals, computed here."""
    return interval_rows(intervals_of(views, seed), kinds)


def null_skill_intervals(table: pd.DataFrame, seed: int, design: str = "plain") -> pd.DataFrame:
    """`skill_intervals` of one design of a hindcast table (scoring.null_rows): the hindcast
    command and its report."""
    return skill_intervals(null_rows(table, design), seed)


def interval_words(intervals: pd.DataFrame) -> str:
    """The pooled intervals in one sentence, for the command line and the report."""
    if intervals.empty:
        return ""
    pooled = intervals[intervals["kind"] == "pooled"].set_index("null")
    bits = [f"{NULL_NAMES[n]} {cell(pooled.loc[n]).replace('-', '−')}" for n in pooled.index]
    n = int(pooled["observations"].iloc[0])
    return (
        f"Pooled skill with its {LEVEL:.0%} interval over the {count(n, 'observation')} (paired "
        f"bootstrap, {DRAWS} resamples; 'tie' when the interval straddles 0): "
        + "; ".join(bits)
        + "."
    )
