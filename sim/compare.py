"""Scenario-vs-scenario comparison with common random numbers.

Every scenario is run with the same root seed, number of replications and steps, so
replication r draws the same noise in every scenario (see `sim.ensemble`). The effect of a
scenario is then measured per replication, as the paired difference from the first
(reference) scenario, which removes the noise the two runs share.

The results folder follows docs/results-format.md (`kind: compare`); it is assembled
under a `.partial` name and renamed at the end, like a run folder.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.ensemble import ChunkResult
from sim.output import Slot, atomic_folder, finish, timestamped
from sim.provenance import provenance
from sim.run import RunSettings, simulate, versions
from sim.run import settings_for as run_settings_for
from sim.scenario.loader import LoadedScenario
from sim.tables import summary_table

QUANTILES = (5.0, 50.0, 95.0)
COLUMNS = ("scenario", "outcome", "median", "lo", "hi", "diff_median", "diff_lo", "diff_hi")
EXTRA_COLUMNS = ("mean", "diff_mean")  # after the contract columns: P(crisis) is a mean
# The short terminal table: (outcome, heading).
KEY_OUTCOMES = (
    ("peak_escalation_PRK", "PRK peak"),
    ("peak_escalation_JPN", "JPN peak"),
    ("peak_escalation_KOR", "KOR peak"),
    ("peak_escalation_CHN", "CHN peak"),
    ("final_distancing", "CHN distancing"),
    ("crisis", "P(crisis)"),
)


def settings_for(loaded: Sequence[LoadedScenario], n: int | None, seed: int | None,
                 steps: int | None, workers: int = 1) -> RunSettings:  # fmt: skip
    """Flags win; otherwise the first (reference) scenario's `run` section decides."""
    return run_settings_for(loaded[0], n, seed, steps, workers)


def labels(loaded: Sequence[LoadedScenario]) -> list[str]:
    """Scenario names, made unique (`name_2`, ...) when a scenario appears twice."""
    out: list[str] = []
    for item in loaded:
        name, k = item.scenario.name, 1
        label = name
        while label in out:
            k += 1
            label = f"{name}_{k}"
        out.append(label)
    return out


def summary_frame(result: ChunkResult) -> pd.DataFrame:
    """A run's summary.csv rows plus the 0/1 `crisis` and `war` outcomes."""
    frame = summary_table(result).sort_values("replication", kind="stable")
    frame["crisis"] = (frame["first_crisis_step"] >= 0).astype(np.int64)
    frame["war"] = (frame["first_war_step"] >= 0).astype(np.int64)
    return frame.reset_index(drop=True)


def outcome_columns(frames: Sequence[pd.DataFrame]) -> list[str]:
    """Every numeric outcome any scenario reports, in order of first appearance."""
    out: list[str] = []
    for frame in frames:
        for col in frame.columns:
            if col == "replication" or col in out:
                continue
            if pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(
                frame[col]
            ):
                out.append(col)
    return out


def _quantiles(values: np.ndarray) -> tuple[float, float, float]:
    lo, mid, hi = np.percentile(values, QUANTILES)
    return float(mid), float(lo), float(hi)


def comparison_table(names: Sequence[str], frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The tidy comparison: per scenario and outcome, median and 5–95% interval across
    replications, and the same of the paired difference from the first scenario."""
    ref = frames[0]
    reps = ref["replication"].to_numpy()
    for name, frame in zip(names, frames, strict=True):
        if not np.array_equal(frame["replication"].to_numpy(), reps):
            raise ValueError(f"scenario {name!r} was not run on the same replications")
    rows = []
    nan = float("nan")
    for outcome in outcome_columns(frames):
        base = ref[outcome].to_numpy(dtype=float) if outcome in ref else None
        for name, frame in zip(names, frames, strict=True):
            if outcome not in frame:
                continue
            values = frame[outcome].to_numpy(dtype=float)
            med, lo, hi = _quantiles(values)
            if base is None:
                diff = (nan, nan, nan)
                diff_mean = nan
            else:
                paired = values - base
                diff = _quantiles(paired)
                diff_mean = float(paired.mean())
            rows.append((name, outcome, med, lo, hi, *diff, float(values.mean()), diff_mean))
    return pd.DataFrame(rows, columns=[*COLUMNS, *EXTRA_COLUMNS])


def manifest(loaded: Sequence[LoadedScenario], names: Sequence[str], settings: RunSettings,
             outcomes: Sequence[str], argv: list[str]) -> dict:  # fmt: skip
    return {
        "kind": "compare",
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": argv,
        "versions": versions(),
        "root_seed": settings.seed,
        "replications": settings.replications,
        "steps": settings.steps,
        "step_unit": loaded[0].scenario.run.step_unit,
        "reference": names[0],
        "scenarios": [
            {
                "name": name,
                "file": str(item.path),
                "title": item.scenario.title,
                "question": item.scenario.question,
                "scenario_hash": item.content_hash(),
                **provenance(item.scenario),
            }
            for name, item in zip(names, loaded, strict=True)
        ],
        "outcomes": list(outcomes),
        "files": {
            "summaries": "summaries.parquet",
            "comparison": "comparison.csv",
            "charts": "charts/",
        },
    }


def default_out(root: Path = Path("results")) -> Path:
    return timestamped("compare", root)


def write_compare(
    out: Path,
    loaded: Sequence[LoadedScenario],
    names: Sequence[str],
    settings: RunSettings,
    frames: Sequence[pd.DataFrame],
    table: pd.DataFrame,
    argv: list[str],
    charts: Callable[[Path], object] | None = None,
    slot: Slot | None = None,
) -> Path:
    """Write the compare folder atomically (`.NAME.partial-open`, renamed at the end)."""
    with atomic_folder(out, slot) as tmp:
        stacked = pd.concat(
            [f.assign(scenario=n) for n, f in zip(names, frames, strict=True)], ignore_index=True
        )
        stacked = stacked[["scenario", *[c for c in stacked.columns if c != "scenario"]]]
        stacked.to_parquet(tmp / "summaries.parquet", index=False)
        table.to_csv(tmp / "comparison.csv", index=False, float_format="%.6g")
        meta = manifest(loaded, names, settings, table["outcome"].unique().tolist(), argv)
        finish(tmp, meta, charts)
    return out


def chart_writer() -> Callable[[Path], object] | None:
    """`sim.plots.draw_charts` when the plotting package provides it, else None."""
    import sim.plots

    return getattr(sim.plots, "draw_charts", None)


def _cell(med: float, lo: float, hi: float, signed: bool = False) -> str:
    f = "{:+.2f}" if signed else "{:.2f}"
    return f"{f.format(med)} [{f.format(lo)},{f.format(hi)}]"


def terminal_lines(table: pd.DataFrame, names: Sequence[str]) -> list[str]:
    """Key outcomes per scenario: median [5–95%], then the paired difference (Δ)."""
    by = table.set_index(["scenario", "outcome"])
    width = max(12, *(len(n) + 1 for n in names))
    col = 21
    head = f"{'scenario':<{width}}" + "".join(f"{h:>{col}}" for _, h in KEY_OUTCOMES)
    lines = [head]
    for k, name in enumerate(names):
        level, delta = f"{name:<{width}}", f"{'  Δ':<{width}}"
        for outcome, _ in KEY_OUTCOMES:
            if (name, outcome) not in by.index:
                level += f"{'–':>{col}}"
                delta += f"{'–':>{col}}"
                continue
            r = by.loc[(name, outcome)]
            if outcome == "crisis":
                level += f"{r['mean']:>{col}.0%}"
                pp = 100 * r["diff_mean"]
                delta += f"{round(pp):>+{col - 3}d} pp" if np.isfinite(pp) else f"{'–':>{col}}"
            else:
                level += f"{_cell(r['median'], r['lo'], r['hi']):>{col}}"
                cell = _cell(r["diff_median"], r["diff_lo"], r["diff_hi"], signed=True)
                delta += f"{cell:>{col}}"
        lines.append(level)
        if k > 0:
            lines.append(delta)
    return lines


def run_compare(
    loaded: Sequence[LoadedScenario],
    settings: RunSettings,
    progress: bool = False,
) -> tuple[list[str], list[pd.DataFrame], pd.DataFrame]:
    """Run every scenario with common random numbers; (names, summary frames, table)."""
    names = labels(loaded)
    mismatch = different_actor_lists(loaded)
    if mismatch:
        print(f"warning: {mismatch}", file=sys.stderr)
    frames = [
        summary_frame(simulate(item, settings, progress, keep_series=False)) for item in loaded
    ]
    return names, frames, comparison_table(names, frames)


def different_actor_lists(loaded: Sequence[LoadedScenario]) -> str | None:
    """Shocks are drawn per replication in actor order, so common random numbers need the
    same actor list; say so when scenarios differ (pairing is still by replication)."""
    ref = list(loaded[0].scenario.actors)
    for item in loaded[1:]:
        ids = list(item.scenario.actors)
        if ids != ref:
            return (
                f"{item.scenario.name} lists actors {ids}, the reference {ref}: replications "
                "are paired but their shocks differ, so differences include noise"
            )
    return None
