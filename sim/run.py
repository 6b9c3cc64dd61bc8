"""`alliance-sim run`: one scenario → an ensemble → a complete results directory.

The directory is assembled under a `.partial` name and renamed at the end, so an
interrupted run never leaves a directory that looks complete.
"""

from __future__ import annotations

import datetime as dt
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd

from sim.ensemble import ChunkResult, prepare, run_ensemble
from sim.output import Slot, atomic_folder, finish, timestamped
from sim.provenance import provenance
from sim.scenario.loader import LoadedScenario
from sim.tables import (
    actor_table,
    events_table,
    pair_table,
    related_pairs,
    step_dates,
    summary_table,
    system_table,
)

PACKAGES = ("alliance-sim", "mesa", "numpy", "pandas", "pyarrow", "pydantic", "matplotlib")


@dataclass(frozen=True)
class RunSettings:
    replications: int
    seed: int
    steps: int
    workers: int = 1
    csv: bool = False


def settings_for(loaded: LoadedScenario, n: int | None, seed: int | None, steps: int | None,
                 workers: int = 1, csv: bool = False) -> RunSettings:  # fmt: skip
    run = loaded.scenario.run
    return RunSettings(
        replications=run.replications if n is None else n,
        seed=run.seed if seed is None else seed,
        steps=run.steps if steps is None else steps,
        workers=workers,
        csv=csv,
    )


def default_out(loaded: LoadedScenario, root: Path = Path("results")) -> Path:
    return timestamped(loaded.scenario.name, root)


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def manifest(loaded: LoadedScenario, settings: RunSettings, argv: list[str]) -> dict:
    return {
        "kind": "run",
        "scenario": loaded.scenario.name,
        "scenario_file": str(loaded.path),
        "scenario_hash": loaded.content_hash(),
        "resolved_scenario": loaded.raw,
        **provenance(loaded.scenario),
        "root_seed": settings.seed,
        "replications": settings.replications,
        "steps": settings.steps,
        "step_unit": loaded.scenario.run.step_unit,
        "start": loaded.scenario.run.start,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": argv,
        "versions": versions(),
        "files": {
            "timeseries": "timeseries.parquet",
            "pairs": "pairs.parquet",
            "system": "system.parquet",
            "summary": "summary.csv",
            "events": "events.csv",
            "charts": "charts/",
        },
    }


def simulate(
    loaded: LoadedScenario, settings: RunSettings, progress: bool = False, keep_series: bool = True
) -> ChunkResult:
    return run_ensemble(
        loaded.scenario,
        settings.replications,
        settings.seed,
        settings.steps,
        keep_series=keep_series,
        workers=settings.workers,
        progress=progress,
    )


def write_run(
    out: Path,
    loaded: LoadedScenario,
    settings: RunSettings,
    result: ChunkResult,
    argv: list[str],
    charts: Callable[[Path], object] | None = None,
    slot: Slot | None = None,
) -> Path:
    """Write every output into `out` atomically (into `slot` if reserved); returns `out`."""
    with atomic_folder(out, slot) as tmp:
        _write_tables(tmp, loaded, settings, result)
        finish(tmp, manifest(loaded, settings, argv), charts)
    return out


def _write_tables(folder: Path, loaded: LoadedScenario, settings: RunSettings,
                  result: ChunkResult) -> None:  # fmt: skip
    world, _ = prepare(loaded.scenario)
    run = loaded.scenario.run
    dates = step_dates(run.start, run.step_unit, settings.steps)
    frames = {
        "timeseries": actor_table(world, result, dates),
        "pairs": pair_table(world, result, related_pairs(world)),
        "system": system_table(result, dates),
    }
    for name, frame in frames.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
        if settings.csv:
            frame.to_csv(folder / f"{name}.csv", index=False)
    summary_table(result).to_csv(folder / "summary.csv", index=False)
    events_table(result.events).to_csv(folder / "events.csv", index=False)


def outcome_lines(result: ChunkResult, ids: list[str]) -> list[str]:
    """The short terminal table: per actor median peak and final rung; outcome shares."""
    from sim.ladder import rung_name

    frame = pd.DataFrame(result.summary)
    lines = [f"{'actor':<6} {'peak escalation (median, 5–95%)':<34} {'final rung (mode)'}"]
    for a in ids:
        peak = frame[f"peak_escalation_{a}"]
        q = peak.quantile([0.05, 0.5, 0.95]).to_numpy()
        mode = int(frame[f"final_rung_{a}"].mode().iloc[0])
        lines.append(f"{a:<6} {q[1]:.2f} ({q[0]:.2f}–{q[2]:.2f}){'':<19} {rung_name(mode)}")
    shares = frame["outcome"].value_counts(normalize=True)
    lines.append("outcomes: " + ", ".join(f"{k} {v:.0%}" for k, v in shares.items()))
    d = frame["final_distancing"].quantile([0.05, 0.5, 0.95]).to_numpy()
    lines.append(f"final distancing index: {d[1]:+.3f} ({d[0]:+.3f} to {d[2]:+.3f})")
    crisis = (frame["first_crisis_step"] >= 0).mean()
    lines.append(f"replications with a crisis: {crisis:.0%}")
    return lines


def main_argv() -> list[str]:
    return [Path(sys.argv[0]).name, *sys.argv[1:]]
