"""`alliance-sim run`: one scenario → an ensemble → a complete results directory.

The directory is assembled under a `.partial` name and renamed at the end, so an
interrupted run never leaves a directory that looks complete.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from sim.aggregates import RunAggregates
from sim.ensemble import Arm, ChunkResult, iter_arms, merge, run_ensemble
from sim.output import (
    RESULT_ID,
    Slot,
    atomic_folder,
    finish,
    result_id,
    timestamped,
)
from sim.pool import stop_active_workers
from sim.provenance import provenance
from sim.result_ids import record_csv
from sim.results.csv_text import CsvAppender
from sim.results.write import write_frame
from sim.scenario.loader import LoadedScenario
from sim.stream_tables import ChunkTables, JoinedTables, TableWriter, sunk_beside
from sim.tables import events_table, related_pairs, step_dates, summary_table
from sim.world import thaw

PACKAGES = ("alliance-sim", "mesa", "numpy", "pandas", "pyarrow", "pydantic", "matplotlib")


SERIES = ("full", "summary")
# Replications per chunk; fixed (never from --workers), so files do not depend on --workers.
CHUNK = 250  # with full series: about 100 MB of tables per chunk in the writing process
SUMMARY_CHUNK = 1024  # summaries only: chunks are small, larger ones vectorise better; a
# whole number of the kernel's 32-replication blocks (1000 padded every chunk by 24 lanes)


@dataclass(frozen=True)
class RunSettings:
    replications: int
    seed: int
    steps: int
    workers: int = 1
    csv: bool = False
    series: str = "full"  # "summary": per-replication summaries only, no per-step tables
    overrides: tuple[tuple[str, object], ...] = ()  # `--set` pairs, in the order given
    # --posterior: the file's name and hash (for the manifest), and replication r's model
    # coefficients (sim/observe/posterior.py `with_posterior`); None runs the scenario's values
    posterior: dict | None = None
    coefficients: dict | None = field(default=None, compare=False, repr=False)
    engine: str = "numpy"  # numpy (the reference) or numba (sim/kernel/); the manifest says


def settings_for(loaded: LoadedScenario, n: int | None, seed: int | None, steps: int | None,
                 workers: int = 1, csv: bool = False, series: str = "full",
                 overrides: dict[str, object] | None = None) -> RunSettings:  # fmt: skip
    run = loaded.scenario.run
    return RunSettings(
        replications=run.replications if n is None else n,
        seed=run.seed if seed is None else seed,
        steps=run.steps if steps is None else steps,
        workers=workers,
        csv=csv,
        series=series,
        overrides=tuple((overrides or {}).items()),
    )


def default_out(
    loaded: LoadedScenario, root: Path = Path("results"), overrides: dict | None = None
) -> Path:
    """results/NAME/TIMESTAMP, or results/NAME+KEY=VALUE/TIMESTAMP for a run with `--set`
    (an altered scenario never lands among the unaltered one's runs)."""
    return timestamped(loaded.scenario.name + override_slug(overrides or {}), root)


def override_label(overrides: dict) -> str:
    """`reactivity=0.1, relations.PRK.RUS.trade=0.5`: the overrides as a reader sees them."""
    return ", ".join(f"{_short(k)}={v}" for k, v in overrides.items())


def override_slug(overrides: dict) -> str:
    """A folder-name suffix naming the overrides (hashed when too long for a name)."""
    if not overrides:
        return ""
    text = "+" + "+".join(f"{_short(k)}={v}" for k, v in overrides.items())
    text = re.sub(r"[^A-Za-z0-9_.=+-]", "-", text)
    if len(text) > 80:
        digest = hashlib.sha256(json.dumps(overrides, default=str).encode()).hexdigest()[:10]
        text = text[:60] + "-" + digest
    return text


def _short(path: str) -> str:
    """A key path without the `parameters.` prefix (the common case stays short)."""
    return path.removeprefix("parameters.")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def shown_actors(loaded: LoadedScenario, steps: int | None = None) -> list[str]:
    """Actors active at the start or switched on by an event that can fire within the run's
    `steps` (default `run.steps`): the ones tables, charts and sensitivity show (an inactive
    actor's frozen level is not an outcome). An event dated at or after the last step never
    fires, so the actor it would switch on never takes part (it used to be shown, its
    frozen level read as a "final rung")."""
    return actors_taking_part(loaded.scenario, steps)


def actors_taking_part(spec, steps: int | None = None, dated_within: frozenset[str] = frozenset()
                       ) -> list[str]:  # fmt: skip
    """`shown_actors` of a Scenario; events in `dated_within` count as dated within the run
    whatever their date (a sweep that moves the date into it at some point)."""
    horizon = spec.run.steps if steps is None else steps
    switched = {
        path.split(".")[1]
        for eid, ev in spec.events.items()
        if ev.at is None or ev.at < horizon or eid in dated_within
        for path, value in ev.set.items()
        if path.startswith("actors.") and path.endswith(".active") and value is True
    }
    return [a for a, actor in spec.actors.items() if actor.active or a in switched]


def manifest(loaded: LoadedScenario, settings: RunSettings, argv: list[str]) -> dict:
    prov = provenance(loaded.model_input)
    what = {  # what determines the tables (not workers, time or command): sim/output.py
        "kind": "run", "scenario_hash": loaded.content_hash(),
        "model_fingerprint": prov["model_fingerprint"], "root_seed": settings.seed,
        "replications": settings.replications, "steps": settings.steps,
        "series": settings.series, "overrides": thaw(loaded.model_input.overrides),
        "posterior": settings.posterior,
    }  # fmt: skip
    return {
        "kind": "run",
        RESULT_ID: result_id(what),
        "scenario": loaded.scenario.name,
        "actors": shown_actors(loaded, settings.steps),
        "scenario_file": str(loaded.path),
        "scenario_hash": loaded.content_hash(),
        "resolved_scenario": loaded.raw,
        **prov,
        "root_seed": settings.seed,
        "replications": settings.replications,
        "steps": settings.steps,
        "step_unit": loaded.scenario.run.step_unit,
        "start": loaded.scenario.run.start,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": argv,
        "versions": versions(),
        "series": settings.series,
        "engine": settings.engine,
        "overrides": thaw(loaded.model_input.overrides),
        "posterior": settings.posterior,
        "files": _files(settings),
    }


def _files(settings: RunSettings) -> dict[str, str]:
    full = settings.series == "full"
    tables = {name: f"{name}.parquet" for name in (*SERIES_TABLES, "aggregates")} if full else {}
    return {**tables, "summary": "summary.csv", "events": "events.csv", "charts": "charts/"}


def simulate(
    loaded: LoadedScenario, settings: RunSettings, progress: bool = False, keep_series: bool = True
) -> ChunkResult:
    return run_ensemble(
        loaded.model_input,
        settings.replications,
        settings.seed,
        settings.steps,
        keep_series=keep_series,
        workers=settings.workers,
        progress=progress,
        coefficients=settings.coefficients,
        engine=settings.engine,
    )


SERIES_TABLES = ("timeseries", "pairs", "system")


def write_run(
    out: Path,
    loaded: LoadedScenario,
    settings: RunSettings,
    result: ChunkResult,
    argv: list[str],
    charts: Callable[[Path], object] | None = None,
    slot: Slot | None = None,
) -> Path:
    """Write an in-memory result into `out` atomically (into `slot` if reserved)."""
    stream_run(out, loaded, settings, argv, charts, chunks=[result], slot=slot)
    return out


def stream_run(
    out: Path,
    loaded: LoadedScenario,
    settings: RunSettings,
    argv: list[str],
    charts: Callable[[Path], object] | None = None,
    progress: bool = False,
    chunks: Iterable[ChunkResult] | None = None,
    slot: Slot | None = None,
) -> ChunkResult:
    """Simulate chunk by chunk; with full series, each chunk's tables are written where it
    ran (a worker, into the partial folder: sim.stream_tables.ChunkTables) and joined here
    into one Parquet file per table as chunks arrive, so memory stays flat in the number of
    replications; then the summary, events, manifest and charts. Everything lands in `out`
    atomically. Returns the merged summaries and events (no series)."""
    full = settings.series == "full"
    spec = loaded.scenario
    world = loaded.model_input
    run = spec.run
    dates = step_dates(run.start, run.step_unit, settings.steps)
    shown = shown_actors(loaded, settings.steps)  # actors never active stay out of the tables
    pairs = related_pairs(world, shown)
    meta = manifest(loaded, settings, argv)
    paired = chunks is None and spec.counterfactual is not None
    kept: list[ChunkResult] = []
    counter: list[ChunkResult] = []
    aggregates = RunAggregates(world, pairs, dates) if full else None
    with atomic_folder(out, slot) as tmp:
        stage = tmp / STAGE  # the chunk files, inside the reserved partial folder
        stage.mkdir()
        sink = ChunkTables(stage, meta[RESULT_ID], settings.csv, tuple(pairs), tuple(dates),
                           tuple(shown)) if full else None  # fmt: skip
        groups = _groups(loaded, settings, sink, chunks, progress)
        joined = JoinedTables(tmp, stage)
        summary = CsvAppender(tmp / "summary.csv")  # formatted while the workers compute
        try:
            with closing(groups):  # on failure, workers stop before the folder is removed
                for group in groups:
                    chunk = group[0]
                    summary.add(summary_table(chunk, shown))  # chunks come in order
                    if chunk.tables is not None:
                        joined.add(chunk.tables)
                        aggregates.merge(chunk.tables.counts)
                    kept.append(ChunkResult(chunk.replications, chunk.summary, chunk.events, None))
                    counter.extend(group[1:])
        except BaseException:
            stop_active_workers()  # none may still write chunk files when the folder goes
            joined.discard()
            raise
        finally:
            summary.close()
        joined.close()
        if aggregates is not None and aggregates.replications:
            writer = TableWriter(tmp, settings.csv, meta[RESULT_ID])
            try:
                writer.write("aggregates", aggregates.table())  # what the charts read
            finally:
                writer.close()
        result = merge(kept)
        if not np.all(np.diff(result.replications) > 0):  # not in order after all: rewrite
            write_frame(tmp, "summary.csv", summary_table(result, shown))
        record_csv(tmp / "summary.csv")  # its sha256 goes into the manifest
        write_frame(tmp, "events.csv", events_table(result.events), rid=meta[RESULT_ID])
        if paired:
            effects = paired_effects(loaded, result, merge(counter))
        else:
            effects = simulate_effects(loaded, settings, result)
        if effects is not None:
            write_frame(tmp, "effects.csv", effects, rid=meta[RESULT_ID])
            meta["files"]["effects"] = "effects.csv"
            meta["counterfactual"] = spec.counterfactual.model_dump(mode="json")
        finish(tmp, meta, charts)
    return result


STAGE = ".chunks"  # inside the partial folder; empty and removed before publication


def _groups(loaded: LoadedScenario, settings: RunSettings, sink: ChunkTables | None,
            chunks: Iterable[ChunkResult] | None,
            progress: bool) -> Iterator[tuple[ChunkResult, ...]]:  # fmt: skip
    """The run's chunks (with its counterfactual's beside them when it names one): simulated
    on the workers, or the given in-memory `chunks`; `sink` applied where each chunk ran."""
    world = loaded.model_input
    if chunks is not None:
        for chunk in chunks:
            yield (chunk if sink is None else sink(world, chunk),)
        return
    spec = loaded.scenario
    here = sink is not None and settings.workers <= 1  # chunks run in this process
    arms = [Arm(world, sink is not None, sink=None if here else sink)]
    if spec.counterfactual is not None:  # the same input without its events
        arms.append(Arm(world.without_events(spec.counterfactual.remove_events), False))
    groups = iter_arms(
        arms, settings.replications, settings.seed, settings.steps,
        chunk_size=CHUNK if sink is not None else SUMMARY_CHUNK, workers=settings.workers,
        progress=progress, coefficients=settings.coefficients, engine=settings.engine,
    )  # fmt: skip
    yield from sunk_beside(groups, sink, world) if here else groups


def simulate_effects(loaded: LoadedScenario, settings: RunSettings,
                     result: ChunkResult) -> pd.DataFrame | None:  # fmt: skip
    """The paired effects against the scenario's counterfactual (None if it names none):
    the counterfactual runs with the same seed and replications (common random numbers),
    summaries only, and with the same coefficient set per replication (--posterior)."""
    spec = loaded.scenario
    if spec.counterfactual is None:
        return None
    world = loaded.model_input.without_events(spec.counterfactual.remove_events)
    cf = run_ensemble(world, settings.replications, settings.seed,
                      settings.steps, keep_series=False, workers=settings.workers,
                      coefficients=settings.coefficients, engine=settings.engine)  # fmt: skip
    return paired_effects(loaded, result, cf)


def paired_effects(loaded: LoadedScenario, result: ChunkResult, cf: ChunkResult) -> pd.DataFrame:
    """The effects table of a run against its counterfactual run (same replications)."""
    from sim.effects import effects_table, reported

    return effects_table(result.summary, cf.summary, reported(loaded.scenario, result.summary))


def main_argv() -> list[str]:
    return [Path(sys.argv[0]).name, *sys.argv[1:]]
