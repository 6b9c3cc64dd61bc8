"""The Python API: load a scenario, run, compare or sweep it, and get pandas tables back.

    import sim
    baseline = sim.load("scenarios/baseline.yaml")
    res = sim.run(baseline, n=50, seed=1)
    res.timeseries.groupby(["step", "actor"])["escalation"].median()
    res.plot("escalation").savefig("escalation.png")

Every call wraps the same internals as the `alliance-sim` commands and writes the same
results folder (docs/results-format.md): into a private temporary folder unless `out=` is
given, so tables, charts and `.save()` all read what `alliance-sim run` would have written
and plots keep reading results, never running the model.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.errors import ScenarioError, UsageError
from sim.scenario.loader import LoadedScenario, load_scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ScenarioLike = LoadedScenario | str | Path

__all__ = ["CompareResults", "Results", "SweepResults", "compare", "load", "run", "sweep"]


# --------------------------------------------------------------------------- loading
def load(path: str | Path, set: Mapping[str, Any] | None = None) -> LoadedScenario:
    """A checked scenario from a YAML file; `set` overrides values by key path.

    `set={"treaties.rus_prk_2024.strength": 1.0}` does what `--set` does on the command
    line; a bad value raises `sim.errors.ScenarioError` whose `.problems` name the file,
    line and key path.
    """
    return load_scenario(path, dict(set or {}))


def _loaded(scenario: ScenarioLike, set: Mapping[str, Any] | None = None) -> LoadedScenario:
    if isinstance(scenario, LoadedScenario):
        if set:
            return load_scenario(scenario.path, dict(set))
        return scenario
    return load(scenario, set)


# --------------------------------------------------------------------------- folders
class _Folder:
    """A results folder this API wrote: read with the chart readers, never re-run."""

    def __init__(self, folder: Path, scratch: tempfile.TemporaryDirectory | None = None):
        from sim.plots.data import Results as Reader

        self._scratch = scratch  # keeps a temporary folder alive as long as this object
        self.folder = Path(folder)
        self._reader = Reader(self.folder)

    @property
    def manifest(self) -> dict[str, Any]:
        return self._reader.manifest

    def plot(self, kind: str, steps: Sequence[int] | None = None) -> Figure:
        """One chart of docs/charts.md (e.g. "escalation", "network") as a matplotlib Figure.

        `steps` picks the network chart's steps. Raises UsageError for a chart this kind
        of results does not have, ValueError when the results lack its data. The figure
        is pyplot's: `plt.close(fig)` when drawing many.
        """
        from sim.plots import build, charts_for

        (chart,) = charts_for(self._reader.kind, [kind])
        fig = build(chart, self._reader, steps)
        if fig is None:
            raise ValueError(f"no data for the {kind!r} chart in {self.folder}")
        return fig

    def save(self, out: str | Path) -> Path:
        """Copy the results folder to `out` (which must not exist); returns the path."""
        from sim.output import atomic_folder

        out = Path(out)
        with atomic_folder(out) as tmp:
            shutil.copytree(self.folder, tmp, dirs_exist_ok=True)
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._reader.title!r} at {self.folder}>"


def _target(out: str | Path | None) -> tuple[Path, tempfile.TemporaryDirectory | None]:
    if out is not None:
        out = Path(out)
        if out.exists():
            raise UsageError(f"out={out} already exists; results are never overwritten")
        return out, None
    scratch = tempfile.TemporaryDirectory(prefix="alliance-sim-")
    return Path(scratch.name) / "results", scratch


def _argv(call: str, *args: object, **kwargs: object) -> list[str]:
    """What the manifest records as the command: the API call and its arguments."""
    shown = [str(a) for a in args] + [f"{k}={v}" for k, v in kwargs.items() if v is not None]
    return [f"sim.{call}", *shown]


# --------------------------------------------------------------------------- run
class Results(_Folder):
    """One scenario's ensemble: the tables of its results folder as DataFrames.

    - `timeseries`: replication × step × actor (escalation, rung, leverage, active);
    - `pairs`: replication × step × ordered pair (commitment, tension);
    - `system`: replication × step (distancing, frustration, crisis, war);
    - `summary`: one row per replication (peaks, finals, first crisis, outcome);
    - `events`: which event fired in which replication at which step;
    - `effects`: the effect against the scenario's counterfactual, when it has one.
    """

    def __init__(self, folder, scratch=None, effects: pd.DataFrame | None = None):
        super().__init__(folder, scratch)
        self._effects = effects

    @property
    def timeseries(self) -> pd.DataFrame:
        return self._reader.timeseries

    @property
    def pairs(self) -> pd.DataFrame:
        return self._reader.pairs

    @property
    def system(self) -> pd.DataFrame:
        return self._reader.system

    @property
    def summary(self) -> pd.DataFrame:
        return self._reader.summary

    @property
    def events(self) -> pd.DataFrame:
        return self._reader.events

    @property
    def effects(self) -> pd.DataFrame | None:
        """Effects against the counterfactual (an `effects` table in the folder or in the
        run's result); None when the scenario names no counterfactual."""
        for name in ("effects.parquet", "effects.csv"):
            path = self.folder / name
            if path.is_file():
                return pd.read_parquet(path) if name.endswith("parquet") else pd.read_csv(path)
        return self._effects


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
) -> Results:
    """Run a scenario's ensemble (`alliance-sim run`); `n`, `seed`, `steps` default to the
    scenario's `run:` section. Same seed → identical tables, whatever `workers`."""
    from sim.jobs.run import settings_for, simulate, write_run

    _check_counts(n=n, steps=steps, workers=workers, seed=seed)
    loaded = _loaded(scenario, set)
    settings = settings_for(loaded, n, seed, steps, workers)
    result = simulate(loaded, settings, progress=progress)
    folder, scratch = _target(out)
    drawer = _chart_drawer() if charts else None
    argv = _argv("run", loaded.path, n=settings.replications, seed=settings.seed,
                 steps=settings.steps)  # fmt: skip
    write_run(folder, loaded, settings, result, argv, drawer)
    return Results(folder, scratch, _effects_of(result))


def _chart_drawer():
    from sim.plots import draw_charts

    return draw_charts


def _check_counts(**values: int | None) -> None:
    """The command line's caps (sim/limits.py), so the API refuses what the CLI refuses."""
    from sim.limits import check_counts

    check_counts(**values)


# --------------------------------------------------------------------------- compare
class CompareResults(_Folder):
    """Scenarios run with common random numbers (`alliance-sim compare`).

    - `summaries`: one row per scenario × replication (the run summary columns);
    - `comparison`: per scenario and outcome, median and 5–95% range, and the same of the
      paired difference from the first (reference) scenario.
    """

    @property
    def summaries(self) -> pd.DataFrame:
        return self._reader.summaries

    @property
    def comparison(self) -> pd.DataFrame:
        return self._reader.comparison


def compare(
    *scenarios: ScenarioLike,
    n: int | None = None,
    seed: int | None = None,
    steps: int | None = None,
    workers: int = 1,
    out: str | Path | None = None,
    charts: bool = False,
) -> CompareResults:
    """Run two or more scenarios with the same replications and seed; the first is the
    reference of the paired differences."""
    from sim.jobs.compare import run_compare, settings_for, write_compare

    if len(scenarios) < 2:
        raise UsageError("compare needs at least two scenarios (the first is the reference)")
    _check_counts(n=n, steps=steps, workers=workers)
    loaded, problems = [], []
    for item in scenarios:
        try:
            loaded.append(_loaded(item))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    settings = settings_for(loaded, n, seed, steps, workers)
    names, frames, table = run_compare(loaded, settings)
    folder, scratch = _target(out)
    argv = _argv("compare", *(item.path for item in loaded), n=settings.replications,
                 seed=settings.seed, steps=settings.steps)  # fmt: skip
    drawer = _chart_drawer() if charts else None
    write_compare(folder, loaded, names, settings, frames, table, argv, drawer)
    return CompareResults(folder, scratch)


# --------------------------------------------------------------------------- sweep
class SweepResults(_Folder):
    """A finished sweep (`alliance-sim sweep`), analysed.

    - `points`: the design points (one column per swept key path);
    - `runs`: every run (point × replication) with its parameters and summary outcomes;
    - `by_point`: per-point means, and `sobol` / `morris` indices when the design has them;
    - `experiments`, `outcomes`: the same runs as EMA Workbench's pair, so its analysis
      (PRIM, feature scoring, envelopes) takes them as they are; `ema` is the tuple.
    """

    @property
    def points(self) -> pd.DataFrame:
        return self._reader.points

    @property
    def runs(self) -> pd.DataFrame:
        return self._reader.runs.sort_values(["point", "replication"], ignore_index=True)

    @property
    def by_point(self) -> pd.DataFrame | None:
        return self._reader.by_point

    @property
    def sobol(self) -> pd.DataFrame | None:
        return self._reader.sobol

    @property
    def morris(self) -> pd.DataFrame | None:
        return self._reader.morris

    @property
    def parameters(self) -> list[str]:
        return self._reader.parameter_paths()

    @property
    def experiments(self) -> pd.DataFrame:
        """One row per run: the swept values, then EMA's `scenario` (the design point),
        `policy` and `model` columns, and the replication."""
        runs = self.runs
        frame = runs[self.parameters].copy()
        frame["scenario"] = runs["point"].to_numpy()
        frame["policy"] = "none"
        frame["model"] = str(self.manifest.get("scenario", "alliance-sim"))
        frame["replication"] = runs["replication"].to_numpy()
        return frame

    @property
    def outcomes(self) -> dict[str, np.ndarray]:
        """Outcome name → one value per row of `experiments` (numeric outcomes only)."""
        runs = self.runs
        skip = {"point", "replication", "run", *self.parameters}
        out: dict[str, np.ndarray] = {}
        for col in runs.columns:
            if col in skip or not pd.api.types.is_numeric_dtype(runs[col]):
                continue
            out[col] = runs[col].to_numpy()
        out["crisis"] = (runs["first_crisis_step"] >= 0).to_numpy()
        out["war"] = (runs["first_war_step"] >= 0).to_numpy()
        return out

    @property
    def ema(self) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        return self.experiments, self.outcomes


def _param_flag(path: str, entry: Any) -> str:
    """{path: (low, high[, levels])} or {path: [v1, v2, ...]} as the `--param` text."""
    if isinstance(entry, str):
        return f"{path}={entry}"
    if isinstance(entry, Mapping):
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
) -> SweepResults:
    """Sweep a scenario's parameters (`alliance-sim sweep`), then analyse the sweep.

    `spec` is a sweep file or a scenario file; `params` adds ranges
    (`{"parameters.reactivity": (0.05, 0.15, 3)}`) or choices (`[0.2, 0.8]`). Runs stream
    to disk chunk by chunk; the result reads them back.
    """
    from sim.jobs.sweep.analysis import analyze
    from sim.jobs.sweep.batch import SweepPointError
    from sim.jobs.sweep.runner import ExecutionFailed, Options, run_sweep
    from sim.jobs.sweep.spec import load_spec

    _check_counts(samples=samples, n=n, steps=steps, workers=workers)
    flags = [_param_flag(path, entry) for path, entry in (params or {}).items()]
    loaded = load_spec(spec, flags, dict(set or {}), design=design, samples=samples,
                       replications=n, seed=seed, steps=steps)  # fmt: skip
    folder, scratch = _target(out)
    opts = Options(out=folder, workers=workers, argv=_argv("sweep", spec, n=n, seed=seed))
    try:
        done = run_sweep(loaded, opts, log=lambda line: None)
    except SweepPointError as exc:
        raise UsageError(str(exc)) from None
    except ExecutionFailed as exc:
        raise UsageError(f"a chunk failed: {exc}") from None
    analyze(done.folder, prim=prim, plots=charts, log=lambda line: None)
    return SweepResults(done.folder, scratch)
