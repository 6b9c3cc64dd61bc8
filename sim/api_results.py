"""What the Python API returns: a results folder it wrote, read back as pandas tables.

Why apart from sim/api.py: these classes only read folders (through sim.results), never
run anything, so the dashboard's export and the API's job functions (sim/api.py,
sim/api_jobs.py) share them without importing each other.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.api_args import folder_arg
from sim.errors import UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["CompareResults", "Folder", "Results", "SweepResults", "call_argv", "target"]


READERS = {"run": "Results", "compare": "CompareResults", "sweep": "SweepResults",
           "robustness": "RobustnessResults", "calibration": "CalibrationResults",
           "hindcast": "HindcastResults"}  # fmt: skip
"""The class of `sim` that reads each kind of results folder."""


class Folder:
    """A results folder this API wrote: read with the chart readers, never re-run.

    `_KIND` is the kind of folder a subclass reads: `sim.Results(F)` of a compare folder read
    every table as None without a word. Tables are read lazily, so each read first checks
    that the folder is still there: one deleted or moved after the call read as None too.
    """

    _KIND: str | None = None

    def __init__(self, folder: Path, scratch: tempfile.TemporaryDirectory | None = None,
                 *, fresh: bool = False):  # fmt: skip
        from sim.results.folder import ResultsFolder as Reader

        self._scratch = scratch  # keeps a temporary folder alive as long as this object
        self.folder = folder_arg(folder, "folder")
        self._opened = Reader(self.folder)
        kind = self._opened.kind
        if self._KIND is not None and kind != self._KIND:
            raise UsageError(
                f"{self.folder}: a {kind} folder, not a {self._KIND} folder; "
                f"read it with sim.{READERS.get(kind, 'Results')}"
            )
        if not fresh:  # a folder opened by the user, not one a call of this API just wrote
            from sim.results_io import check_folder

            # what `plot` and `report` refuse (damaged, edited or mixed tables) was read
            # and drawn here without a word
            check_folder(self.folder)

    @property
    def _reader(self):
        """The folder's reader, once the folder is known to be still there."""
        if not (self.folder / "manifest.json").is_file():
            raise UsageError(
                f"{self.folder}: the results folder is gone (deleted or moved since it was opened)"
            )
        return self._opened

    @property
    def manifest(self) -> dict[str, Any]:
        return self._reader.manifest

    def plot(
        self, kind: str, steps: Sequence[int] | None = None, all_actors: bool = False
    ) -> Figure:
        """One chart of docs/charts.md (e.g. "escalation", "network") as a matplotlib Figure.

        `steps` picks the network chart's steps; `all_actors` draws every actor in a
        per-actor chart (default: at most 12, as docs/charts.md says). Raises UsageError
        for a chart this kind of results does not have, ValueError when the results lack
        its data. The figure is pyplot's: `plt.close(fig)` when drawing many.
        """
        from sim.plots import build, charts_for

        (chart,) = charts_for(self._reader.kind, [kind])
        fig = build(chart, self._reader, steps, all_actors)
        if fig is None:
            raise ValueError(f"no data for the {kind!r} chart in {self.folder}")
        return fig

    def save(self, out: str | Path) -> Path:
        """Copy the results folder to `out` (which must not exist); returns the path."""
        from sim.output import atomic_folder

        out = folder_arg(out, "out")
        self._reader  # noqa: B018  (refuses a folder deleted since, before `out` is made)
        if out.resolve().is_relative_to(self.folder.resolve()):  # copied itself into itself
            raise UsageError(
                f"out={out} is inside the results folder {self.folder}; save it elsewhere"
            )
        with atomic_folder(out, copy=True) as tmp:  # an older folder may carry no result id
            shutil.copytree(self.folder, tmp, dirs_exist_ok=True)
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._opened.title!r} at {self.folder}>"


def target(out: str | Path | None) -> tuple[Path, tempfile.TemporaryDirectory | None]:
    if out is not None:
        out = folder_arg(out, "out")
        if out.exists():
            raise UsageError(f"out={out} already exists; results are never overwritten")
        return out, None
    scratch = tempfile.TemporaryDirectory(prefix="alliance-sim-")
    return Path(scratch.name) / "results", scratch


def call_argv(call: str, *args: object, **kwargs: object) -> list[str]:
    """What the manifest records as the command: the API call and its arguments."""
    shown = [str(a) for a in args] + [f"{k}={v}" for k, v in kwargs.items() if v is not None]
    return [f"sim.{call}", *shown]


class Results(Folder):
    """One scenario's ensemble: the tables of its results folder as DataFrames.

    - `timeseries`: replication × step × actor (escalation, rung, leverage, active);
    - `pairs`: replication × step × ordered pair (commitment, tension);
    - `system`: replication × step (distancing, frustration, crisis, war);
    - `summary`: one row per replication (peaks, finals, first crisis, outcome);
    - `events`: which event fired in which replication at which step;
    - `effects`: the effect against the scenario's counterfactual, when it has one.
    """

    _KIND = "run"

    def __init__(self, folder, scratch=None, effects: pd.DataFrame | None = None, *,
                 fresh: bool = False):  # fmt: skip
        super().__init__(folder, scratch, fresh=fresh)
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


class CompareResults(Folder):
    """Scenarios run with common random numbers (`alliance-sim compare`).

    - `summaries`: one row per scenario × replication (the run summary columns);
    - `comparison`: per scenario and outcome, median and 5–95% range, and the same of the
      paired difference from the first (reference) scenario.
    """

    _KIND = "compare"

    @property
    def summaries(self) -> pd.DataFrame:
        return self._reader.summaries

    @property
    def comparison(self) -> pd.DataFrame:
        return self._reader.comparison


class SweepResults(Folder):
    """A finished sweep (`alliance-sim sweep`), analysed.

    - `points`: the design points (one column per swept key path);
    - `runs`: every run (point × replication) with its parameters and summary outcomes;
    - `by_point`: per-point means, and `sobol` / `morris` indices when the design has them;
    - `experiments`, `outcomes`: the same runs as EMA Workbench's pair, so its analysis
      (PRIM, feature scoring, envelopes) takes them as they are; `ema` is the tuple.
    """

    _KIND = "sweep"

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
