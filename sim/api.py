"""The Python API: load a scenario, run, compare or sweep it, and get pandas tables back.

    import sim
    baseline = sim.load("scenarios/baseline.yaml")
    res = sim.run(baseline, n=50, seed=1)
    res.timeseries.groupby(["step", "actor"])["escalation"].median()
    res.plot("escalation").savefig("escalation.png")

Every call wraps the same internals as the `alliance-sim` commands and writes the same
results folder (docs/results-format.md): into a private temporary folder unless `out=` is
given, so tables, charts and `.save()` all read what `alliance-sim run` would have written
and plots keep reading results, never running the model. What the calls return (folders
read back as tables) is sim/api_results.py; robustness, calibration and hindcast are
sim/api_jobs.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sim.api_args import (
    ScenarioLike,
    chart_drawer,
    check_counts,
    file_arg,
    key_paths,
    scenario_arg,
)
from sim.api_results import CompareResults, Results, SweepResults, call_argv, target
from sim.errors import ScenarioError, UsageError
from sim.scenario.loader import LoadedScenario, load_scenario

__all__ = ["CompareResults", "Results", "SweepResults", "compare", "load", "run", "sweep"]


# --------------------------------------------------------------------------- loading
def load(path: str | Path, set: Mapping[str, Any] | None = None) -> LoadedScenario:
    """A checked scenario from a YAML file; `set` overrides values by key path.

    `set={"parameters.fatigue": 0.4}` does what `--set` does on the command line; a bad
    value, or a start value that an event replaces at step 0 (use the event's key path,
    e.g. `events.pact_signed.set.treaties.rus_prk_2024.strength`), raises
    `sim.errors.ScenarioError` whose `.problems` name the file, line and key path. The
    result's `.model_input` is the frozen input every job of it runs on.
    """
    return load_scenario(file_arg(path, "path"), key_paths(set, "set"))


def _effects_of(result: object) -> pd.DataFrame | None:
    table = getattr(result, "effects", None)
    if table is None or isinstance(table, pd.DataFrame):
        return table
    return pd.DataFrame(table)


def run(
    scenario: ScenarioLike,
    n: int | None = None,
    seed: int | None = None,
    steps: int | None = None,
    workers: int = 1,
    *,
    set: Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    charts: bool = False,
    progress: bool = False,
    engine: str | None = None,
) -> Results:
    """Run a scenario's ensemble (`alliance-sim run`); `n`, `seed`, `steps` default to the
    scenario's `run:` section. Same seed → identical tables, whatever `workers`. `engine`:
    "numpy", "numba" or None/"auto" (the fastest available, as `--engine`)."""
    from sim.jobs.run import settings_for, stream_run

    n, steps, workers, seed = check_counts(n=n, steps=steps, workers=workers, seed=seed)
    loaded = scenario_arg(scenario, set)
    settings = _with_engine(settings_for(loaded, n, seed, steps, workers), engine, 1)
    folder, scratch = target(out)
    drawer = chart_drawer(charts)
    argv = call_argv("run", loaded.path, n=settings.replications, seed=settings.seed,
                 steps=settings.steps)  # fmt: skip
    # chunk by chunk to disk, as `alliance-sim run` does: memory stays flat in n
    result = stream_run(folder, loaded, settings, argv, drawer, progress=progress)
    return Results(folder, scratch, _effects_of(result), fresh=True)


def _with_engine(settings, engine: str | None, scenarios: int):
    """The settings with the engine `sim.kernel.choose_engine` picks for their size."""
    import dataclasses

    from sim.kernel import choose_engine

    work = settings.replications * settings.steps * scenarios
    try:
        name = choose_engine(engine, work)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return dataclasses.replace(settings, engine=name)


def compare(
    *scenarios: ScenarioLike,
    n: int | None = None,
    seed: int | None = None,
    steps: int | None = None,
    workers: int = 1,
    out: str | Path | None = None,
    charts: bool = False,
    engine: str | None = None,
) -> CompareResults:
    """Run two or more scenarios with the same replications and seed; the first is the
    reference of the paired differences. `engine` as in `run`."""
    from sim.jobs.compare import run_compare, settings_for, write_compare

    if len(scenarios) < 2:
        raise UsageError("compare needs at least two scenarios (the first is the reference)")
    n, steps, workers, seed = check_counts(n=n, steps=steps, workers=workers, seed=seed)
    loaded, problems = [], []
    for item in scenarios:
        try:
            loaded.append(scenario_arg(item))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    settings = _with_engine(settings_for(loaded, n, seed, steps, workers), engine, len(loaded))
    names, frames, table = run_compare(loaded, settings)
    folder, scratch = target(out)
    argv = call_argv("compare", *(item.path for item in loaded), n=settings.replications,
                 seed=settings.seed, steps=settings.steps)  # fmt: skip
    drawer = chart_drawer(charts)
    write_compare(folder, loaded, names, settings, frames, table, argv, drawer)
    return CompareResults(folder, scratch, fresh=True)


_RANGE_KEYS = {"low", "high", "levels"}  # a mapping with other keys (or without high) is refused


def _param_flag(path: str, entry: Any) -> str:
    """{path: (low, high[, levels])} or {path: [v1, v2, ...]} as the `--param` text."""
    if isinstance(entry, str):
        return f"{path}={entry}"
    if isinstance(entry, Mapping) and {"low", "high"} <= entry.keys() <= _RANGE_KEYS:
        parts = [entry["low"], entry["high"]]
        if "levels" in entry:
            parts.append(entry["levels"])
        return f"{path}=" + ":".join(str(p) for p in parts)
    if isinstance(entry, tuple) and 2 <= len(entry) <= 3:
        return f"{path}=" + ":".join(str(p) for p in entry)
    if isinstance(entry, list) and entry:
        return f"{path}=" + ",".join(str(v) for v in entry)
    raise UsageError(
        f"sweep parameter {path}: expected (low, high[, levels]), "
        f"{{low:, high:, levels:}} or a list of values, found {entry!r}"
    )


def sweep(
    spec: str | Path,
    params: Mapping[str, Any] | None = None,
    *,
    set: Mapping[str, Any] | None = None,
    design: str | None = None,
    samples: int | None = None,
    n: int | None = None,
    seed: int | None = None,
    steps: int | None = None,
    workers: int = 1,
    out: str | Path | None = None,
    prim: bool = False,
    charts: bool = False,
    engine: str | None = None,
) -> SweepResults:
    """Sweep a scenario's parameters (`alliance-sim sweep`), then analyse the sweep.

    `spec` is a sweep file or a scenario file; `params` adds ranges
    (`{"parameters.reactivity": (0.05, 0.15, 3)}`) or choices (`[0.2, 0.8]`). Runs stream
    to disk chunk by chunk; the result reads them back. `engine` as in `run`.
    """
    from sim.jobs.sweep.analysis import analyze
    from sim.jobs.sweep.batch import SweepPointError
    from sim.jobs.sweep.runner import ExecutionFailed, Options, run_sweep
    from sim.jobs.sweep.spec import load_spec
    from sim.kernel import choose_engine

    samples, n, steps, workers, seed = check_counts(
        samples=samples, n=n, steps=steps, workers=workers, seed=seed
    )
    swept, fixed = key_paths(params, "params"), key_paths(set, "set")
    flags = [_param_flag(path, entry) for path, entry in swept.items()]
    loaded = load_spec(file_arg(spec, "spec"), flags, fixed, design=design,
                       samples=samples,
                       replications=n, seed=seed, steps=steps)  # fmt: skip
    folder, scratch = target(out)
    try:
        chosen = choose_engine(engine, loaded.n_samples * loaded.replications * loaded.steps)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    # the call as made, with what the spec left to its defaults: `sim.sweep SPEC n=1` was
    # recorded without params, set, design, samples or steps, so it could not be rerun
    argv = call_argv("sweep", spec, params=swept or None, set=fixed or None, design=loaded.design,
                     samples=loaded.n_samples, n=loaded.replications, seed=loaded.seed,
                     steps=loaded.steps)  # fmt: skip
    opts = Options(out=folder, workers=workers, argv=argv, engine=chosen)
    try:
        done = run_sweep(loaded, opts, log=lambda line: None)
    except SweepPointError as exc:
        raise UsageError(str(exc)) from None
    except ExecutionFailed as exc:
        raise UsageError(f"a chunk failed: {exc}") from None
    analyze(done.folder, prim=prim, plots=charts, log=lambda line: None)
    return SweepResults(done.folder, scratch, fresh=True)
