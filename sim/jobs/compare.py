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
from sim.errors import UsageError
from sim.jobs.run import RunSettings, override_slug, shown_actors, simulate, versions
from sim.jobs.run import settings_for as run_settings_for
from sim.output import RESULT_ID, Slot, atomic_folder, finish, id_of_manifest, timestamped
from sim.provenance import provenance
from sim.results.write import write_frame
from sim.scenario.loader import LoadedScenario
from sim.tables import summary_table
from sim.world import thaw

QUANTILES = (5.0, 50.0, 95.0)
COLUMNS = ("scenario", "outcome", "median", "lo", "hi", "diff_median", "diff_lo", "diff_hi")
EXTRA_COLUMNS = ("mean", "diff_mean")  # after the contract columns: P(crisis) is a mean


def key_outcomes(actors: Sequence[str], distancing: str = "CHN") -> list[tuple[str, str]]:
    """(outcome, heading) of the terminal table: each shown actor's peak, then the system:
    the distancing, headed by its `run.distancing` actor (compare refuses scenarios whose
    distancing differ; a scenario of other actors was headed "CHN distancing")."""
    system = [("final_distancing", f"{distancing} distancing"), ("crisis", "P(crisis)")]
    return [(f"peak_escalation_{a}", f"{a} peak") for a in actors] + system


def compared_actors(loaded: Sequence[LoadedScenario], steps: int | None = None) -> list[str]:
    """Actors shown in any scenario (active or switched on within `steps`), in first-listed
    order."""
    return list(dict.fromkeys(a for item in loaded for a in shown_actors(item, steps)))


def settings_for(loaded: Sequence[LoadedScenario], n: int | None, seed: int | None,
                 steps: int | None, workers: int = 1, csv: bool = False,
                 overrides: dict | None = None) -> RunSettings:  # fmt: skip
    """Flags win; otherwise the first (reference) scenario's `run` section decides."""
    return run_settings_for(loaded[0], n, seed, steps, workers, csv, overrides=overrides)


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


def summary_frame(result: ChunkResult, shown: Sequence[str] | None = None) -> pd.DataFrame:
    """A run's summary.csv rows plus the 0/1 `crisis` and `war` outcomes; with `shown`
    (the actors shown in any compared scenario), no columns of other actors, as in a run's
    summary.csv (an actor never active anywhere has no outcome)."""
    frame = summary_table(result, shown).sort_values("replication", kind="stable")
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
    entries = [
        {
            "name": name,
            "file": str(item.path),
            "title": item.scenario.title,
            "question": item.scenario.question,
            "scenario_hash": item.content_hash(),
            "actors": shown_actors(item, settings.steps),
            **provenance(item.model_input),
            "overrides": thaw(item.model_input.overrides),
        }
        for name, item in zip(names, loaded, strict=True)
    ]
    return {
        "kind": "compare",
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": argv,
        "versions": versions(),
        "root_seed": settings.seed,
        "replications": settings.replications,
        "steps": settings.steps,
        "posterior": settings.posterior,
        "engine": settings.engine,
        "step_unit": loaded[0].scenario.run.step_unit,
        "reference": names[0],
        "overrides": dict(settings.overrides),
        # Every actor draws its shocks from its own stream keyed by its id (sim/engine.py),
        # so replication r shares them across scenarios even when actor lists differ.
        "common_random_numbers": True,
        # The actors shown in any scenario, as a run manifest's `actors`: the read check
        # requires their columns in summaries.parquet (sim/results_checks._check_compare).
        "actors": list(dict.fromkeys(a for e in entries for a in e["actors"])),
        "scenarios": entries,
        "outcomes": list(outcomes),
        "files": {
            "summaries": "summaries.parquet",
            "comparison": "comparison.csv",
            "charts": "charts/",
        },
    }


def default_out(root: Path = Path("results"), overrides: dict | None = None) -> Path:
    """results/compare/TIMESTAMP, or results/compare+KEY=VALUE/TIMESTAMP with `--set`."""
    return timestamped("compare" + override_slug(overrides or {}), root)


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
    """Write the compare folder atomically (`.NAME.partial-open`, renamed at the end);
    `settings.csv` adds summaries.csv beside summaries.parquet."""
    meta = manifest(loaded, names, settings, table["outcome"].unique().tolist(), argv)
    meta[RESULT_ID] = id_of_manifest(meta)
    with atomic_folder(out, slot) as tmp:
        stacked = pd.concat(
            [f.assign(scenario=n) for n, f in zip(names, frames, strict=True)], ignore_index=True
        )
        stacked = stacked[["scenario", *[c for c in stacked.columns if c != "scenario"]]]
        write_frame(tmp, "summaries.parquet", stacked, csv_copy=settings.csv, rid=meta[RESULT_ID])
        write_frame(tmp, "comparison.csv", table, float_format="%.6g", rid=meta[RESULT_ID])
        finish(tmp, meta, charts)
    return out


def chart_writer() -> Callable[[Path], object] | None:
    """`sim.plots.draw_charts` when the plotting package provides it, else None."""
    from functools import partial

    import sim.plots

    draw = getattr(sim.plots, "draw_charts", None)
    return None if draw is None else partial(draw, jobs=None)  # the CLI: charts in parallel


def _cell(med: float, lo: float, hi: float, signed: bool = False) -> str:
    f = "{:+.2f}" if signed else "{:.2f}"
    return f"{f.format(med)} [{f.format(lo)},{f.format(hi)}]"


def terminal_lines(table: pd.DataFrame, names: Sequence[str], actors: Sequence[str],
                   distancing: str = "CHN") -> list[str]:  # fmt: skip
    """Key outcomes per scenario: median [5–95%], then the paired difference (Δ); one column
    per actor the scenarios show ("–": not in that scenario, or not in the reference)."""
    keys = key_outcomes(actors, distancing)
    by = table.set_index(["scenario", "outcome"])
    width = max(12, *(len(n) + 1 for n in names))
    col = 20
    head = f"{'scenario':<{width}}" + "".join(f"{h:>{col}}" for _, h in keys)
    lines = [head]
    for k, name in enumerate(names):
        level, delta = f"{name:<{width}}", f"{'  Δ':<{width}}"
        for outcome, _ in keys:
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
                if np.isfinite(r["diff_median"]):
                    cell = _cell(r["diff_median"], r["diff_lo"], r["diff_hi"], signed=True)
                else:
                    cell = "–"
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
    same_distancing(loaded)
    note = different_actor_lists(loaded)
    if note:
        print(f"note: {note}", file=sys.stderr)
    # one column set for all: summaries.parquet stacks them
    shown = compared_actors(loaded, settings.steps)
    frames = [
        summary_frame(simulate(item, settings, progress, keep_series=False), shown)
        for item in loaded
    ]
    return names, frames, comparison_table(names, frames)


def same_distancing(loaded: Sequence[LoadedScenario]) -> None:
    """Refuse scenarios whose distancing index measures different things: the difference of
    their `final_distancing` would subtract two unrelated quantities (issue #19)."""

    def definition(item: LoadedScenario) -> str:
        d = item.scenario.run.distancing
        return f"{d.actor} from {', '.join(d.partners)}"

    ref = definition(loaded[0])
    for item in loaded[1:]:
        if definition(item) != ref:
            raise UsageError(
                f"{loaded[0].scenario.name} measures distancing as {ref}, "
                f"{item.scenario.name} as {definition(item)}; give both the same run.distancing"
            )


def different_actor_lists(loaded: Sequence[LoadedScenario]) -> str | None:
    """Name the actors that only some scenarios have. Their shared actors keep their shocks
    (one stream per actor id), so the comparison stays paired; the note says what differs."""
    ref = set(loaded[0].scenario.actors)
    for item in loaded[1:]:
        ids = set(item.scenario.actors)
        if ids != ref:
            added, missing = sorted(ids - ref), sorted(ref - ids)
            return (
                f"{item.scenario.name} adds actors {added} and lacks {missing} against the "
                "reference; the actors they share keep their shocks (common random numbers)"
            )
    return None
