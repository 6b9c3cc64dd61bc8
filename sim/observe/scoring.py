"""Scores of a predictive sample against an observed value: intervals, coverage, CRPS."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def crps_sample(samples: np.ndarray, y: float) -> float:
    """CRPS of an empirical predictive: E|X − y| − ½ E|X − X'| (Gneiting & Raftery 2007),
    with E|X − X'| from the sorted sample in O(n log n)."""
    x = np.sort(np.asarray(samples, dtype=float).ravel())
    n = x.size
    spread = 2.0 * np.sum((2 * np.arange(1, n + 1) - n - 1) * x) / n**2
    return float(np.mean(np.abs(x - y)) - 0.5 * spread)


def crps_normal(mu: float, sigma: float, y: float) -> float:
    """Closed form for a normal predictive: σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ."""
    z = (y - mu) / sigma
    cdf = 0.5 * (1 + math.erf(z / math.sqrt(2)))
    pdf = math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return sigma * (z * (2 * cdf - 1) + 2 * pdf - 1 / math.sqrt(math.pi))


def interval_row(samples: np.ndarray, y: float) -> dict[str, float | bool]:
    """Predictive quantiles, whether y lies in the central 50% and 90% intervals, the CRPS."""
    q = np.quantile(np.asarray(samples, dtype=float).ravel(), QUANTILES)
    return {
        "q05": q[0],
        "q25": q[1],
        "median": q[2],
        "q75": q[3],
        "q95": q[4],
        "in50": bool(q[1] <= y <= q[3]),
        "in90": bool(q[0] <= y <= q[4]),
        "crps": crps_sample(samples, y),
    }


def coverage(table: pd.DataFrame) -> dict[str, float]:
    """Share of scored observations inside their 50% and 90% intervals, and mean CRPS."""
    scored = table[table["scored"]]
    if scored.empty:
        return {
            "observations": 0,
            "coverage50": float("nan"),
            "coverage90": float("nan"),
            "mean_crps": float("nan"),
            "direction_hits": float("nan"),
        }
    has_dir = scored["direction_observed"].notna() & (scored["direction_observed"] != "")
    hits = scored.loc[has_dir, "direction_observed"] == scored.loc[has_dir, "direction_model"]
    return {
        "observations": len(scored),
        "coverage50": float(scored["in50"].mean()),
        "coverage90": float(scored["in90"].mean()),
        "mean_crps": float(scored["crps"].mean()),
        "direction_hits": float(hits.mean()) if len(hits) else float("nan"),
    }


def sign_word(delta: float) -> str:
    return "up" if delta > 0 else "down" if delta < 0 else "same"


FORECASTERS = ("model", "events_only", "persistence", "trend")
NULLS = ("persistence", "trend", "events_only")


def skill_table(rows: pd.DataFrame, nulls: tuple[str, ...] = NULLS) -> pd.DataFrame:
    """Per kind: observations, mean CRPS of each forecaster, the model's skill against each
    null (1 − S_model/S_null); a last row pools the kinds as 1 − Σ_k n_k·(S_model,k/S_null,k)
    / Σ_k n_k (skill only: CRPS units differ between kinds; a kind whose null CRPS is 0 is
    left out of that null's pooled skill). `rows` is long: one row per
    (observation, forecaster) with columns kind, forecaster, crps. `nulls` other than the
    three (e.g. the full model, for a structure) compare the model with those."""
    forecasters = FORECASTERS if set(nulls) == set(NULLS) else ("model", *nulls)
    mean = rows.pivot_table(index="kind", columns="forecaster", values="crps", aggfunc="mean")
    n = rows[rows["forecaster"] == "model"].groupby("kind").size()
    out = pd.DataFrame({"observations": n})
    for f in forecasters:
        out[f"CRPS {f}"] = mean[f]
    pooled = {"observations": int(n.sum())}
    pooled.update({f"CRPS {f}": np.nan for f in forecasters})
    for null in nulls:
        ok = mean[null] > 0  # a kind the null forecast perfectly has no ratio: left out
        out[f"skill vs {null}"] = (1.0 - mean["model"] / mean[null]).where(ok)
        weight = n[ok].sum()  # 0 when the null was exact on every kind: no pooled skill
        ratio = (n[ok] * mean["model"][ok] / mean[null][ok]).sum() / weight if weight else np.nan
        pooled[f"skill vs {null}"] = 1.0 - ratio
    out.loc["pooled"] = pd.Series(pooled)
    out["observations"] = out["observations"].astype(int)
    return out.reset_index().rename(columns={"index": "kind"})


DESIGN_COLUMNS = {
    "plain": "crps",
    "filtered": "crps_filtered",
    "anomaly": "crps_anomaly",
    "tracked": "crps_tracked",
}


def null_skill(table: pd.DataFrame, design: str = "plain") -> pd.DataFrame:
    """The skill table (`skill_table`) of one design (plain, filtered, anomaly or tracked) on a
    hindcast table's scored rows that every null and every design present can forecast;
    empty when there are none. The one place the hindcast command, its report and the tests
    get the model's skill against the nulls."""
    long = null_rows(table, design)
    return skill_table(long) if not long.empty else pd.DataFrame()


def null_rows(table: pd.DataFrame, design: str = "plain") -> pd.DataFrame:
    """The long rows (id, kind, forecaster, crps) behind `null_skill`: one design, named
    "model", and the nulls on the scored observations that all of them can forecast."""
    cols = {DESIGN_COLUMNS[design]: "model", **{f"crps_{n}": n for n in NULLS}}
    if table.empty or not set(cols) <= set(table.columns):
        return pd.DataFrame()
    every = list(cols) + [c for c in DESIGN_COLUMNS.values() if c in table]
    rows = table[table["scored"]].dropna(subset=every)
    if rows.empty:  # no observation has an earlier one of its series: no null forecast
        return pd.DataFrame()
    long = rows.melt(id_vars=["id", "kind"], value_vars=list(cols), value_name="score")
    long["forecaster"] = long["variable"].map(cols)
    return long.drop(columns="variable").rename(columns={"score": "crps"})


def null_scope(table: pd.DataFrame) -> int:
    """How many scored rows every null can forecast (0 when a null's column is missing).
    `null_rows` keeps fewer when a forecast design (filtered, anomaly, tracked) cannot
    forecast some, e.g. an observation in the window's first year, before any origin."""
    nulls = ["crps", *(f"crps_{n}" for n in NULLS)]
    if table.empty or not set(nulls) <= set(table.columns):
        return 0
    scored = table[table["scored"]] if "scored" in table else table
    return len(scored.dropna(subset=nulls))


def no_skill_reason(table: pd.DataFrame) -> str:
    """Why `null_skill` of a hindcast table is empty, in one sentence for the command and the
    report. Why: both said "no scored observation has an earlier observation of its own
    series" whatever the cause, of tables where many have one (a folder written before the
    nulls were scored; observations of the window's first year, which the designs cannot
    forecast)."""
    missing = [c for c in ("crps", *(f"crps_{n}" for n in NULLS)) if c not in table]
    if missing:
        s = "s" if len(missing) > 1 else ""
        return (
            f"This folder's hindcast.csv has no {', '.join(missing)} column{s} (written before "
            "the null forecasters were scored, or edited): no skill is computed; run the "
            "hindcast again."
        )
    nulls = null_scope(table)
    if not nulls:
        return (
            "No scored observation has an earlier observation of its own series, so "
            "persistence and the linear trend cannot forecast any: no skill is computed."
        )
    many = nulls > 1
    return (
        f"{nulls} scored observation{'s have' if many else ' has'} an earlier observation of "
        f"{'their' if many else 'its'} series, but no forecast design (filtered, anomaly, "
        "tracked) can forecast "
        f"{'them' if many else 'it'}: a design starts from the end of the year before the "
        "observation and needs an observation of the series by then. The skill is computed "
        "on the observations every null and every design can forecast: none here."
    )


def design_skill(views: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One skill table (skill_table) per forecast design, stacked: rows (kind, design) with
    the design's mean CRPS and its skill against each null, kinds in order, pooled last.
    `views` maps a design's name to its long rows, the design named "model" in them."""
    parts = []
    for name, rows in views.items():
        t = skill_table(rows)
        t = t[["kind", "observations", "CRPS model", *[f"skill vs {n}" for n in NULLS]]]
        parts.append(t.rename(columns={"CRPS model": "CRPS"}).assign(design=name))
    out = pd.concat(parts, ignore_index=True)
    order = {d: i for i, d in enumerate(views)}
    out["_k"] = out["kind"].eq("pooled")
    out["_d"] = out["design"].map(order)
    out = out.sort_values(["_k", "kind", "_d"]).drop(columns=["_k", "_d"])
    cols = ["kind", "design", "observations", "CRPS", *[f"skill vs {n}" for n in NULLS]]
    return out[cols].reset_index(drop=True)
