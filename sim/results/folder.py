"""The one reader of results folders (docs/results-format.md): a manifest and lazy tables.

Charts, reports, the Python API and the dashboard read folders through `ResultsFolder`
only; none of them runs the model. Tables are read from disk on first use and kept, so a
result object of a large run costs nothing until a table is asked for.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from sim.results.manifest import Manifest, compared_actors, parse_manifest
from sim.results.table_files import TABLE_FILES

# Tables a folder may hold: attribute name -> file inside the folder.


class ResultsFolder:
    """One results folder: its checked manifest and, loaded on first use, its tables.

    A folder still being written (`.NAME.partial-open`) is read too: the charts of a run are
    drawn into it before it is renamed. Commands that take a folder from the user refuse
    partial ones first (sim/results_io.py `check_folder`).
    """

    def __init__(self, path: str | Path):
        from sim.results_io import load_manifest  # file checks: size, type, JSON

        self.path = Path(path)
        self.manifest: dict[str, Any] = load_manifest(self.path)
        self.meta: Manifest = parse_manifest(self.manifest)
        self.kind: str = self.meta.kind
        self._tables: dict[str, pd.DataFrame | None] = {}

    # ------------------------------------------------------------------ tables
    def has(self, name: str) -> bool:
        return (self.path / name).exists()

    def table(self, name: str) -> pd.DataFrame | None:
        """A table by its attribute name (TABLE_FILES) or file name; None when absent."""
        file = TABLE_FILES.get(name, name)
        if file not in self._tables:
            self._tables[file] = self._read(file)
        return self._tables[file]

    def _read(self, file: str) -> pd.DataFrame | None:
        path = self.path / file
        if not path.exists():
            return None
        if file.endswith(".parquet"):
            return pd.read_parquet(path)
        try:
            return pd.read_csv(path)
        except pd.errors.EmptyDataError:
            return pd.DataFrame()

    timeseries = property(lambda self: self.table("timeseries"))
    pairs = property(lambda self: self.table("pairs"))
    system = property(lambda self: self.table("system"))
    summary = property(lambda self: self.table("summary"))
    events = property(lambda self: self.table("events"))
    effects = property(lambda self: self.table("effects"))
    summaries = property(lambda self: self.table("summaries"))
    comparison = property(lambda self: self.table("comparison"))
    points = property(lambda self: self.table("points"))
    by_point = property(lambda self: self.table("by_point"))
    sobol = property(lambda self: self.table("sobol"))
    morris = property(lambda self: self.table("morris"))
    prim = property(lambda self: self.table("prim"))

    @cached_property
    def aggregates(self) -> pd.DataFrame | None:
        """Per-step chart aggregates of a run (sim/aggregates.py); None in older folders."""
        frame = self.table("aggregates")
        if frame is not None:
            frame = frame.copy()
            for col in ("series", "date", "source", "target"):
                frame[col] = frame[col].astype(str)
        return frame

    @cached_property
    def runs(self) -> pd.DataFrame | None:
        """Every sweep run: the chunk files stacked, joined with their parameter values."""
        files = sorted((self.path / "chunks").glob("chunk-*.parquet"))
        if not files:
            return None
        frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        if self.points is not None and "point" in self.points:
            extra = [c for c in self.points.columns if c == "point" or c not in frame.columns]
            frame = frame.merge(self.points[extra], on="point", how="left")
        return frame

    # ------------------------------------------------------------------ labels
    @property
    def name(self) -> str:
        """The folder's name (while being written, `.NAME.partial-PID` shows as NAME)."""
        name = self.path.name
        if name.startswith(".") and ".partial-" in name:
            return name[1:].split(".partial-", 1)[0]
        return name

    @property
    def scenario(self) -> dict[str, Any]:
        return self.manifest.get("resolved_scenario") or {}

    @property
    def scenario_title(self) -> str:
        """The (base) scenario's title, or its name."""
        m = self.manifest
        return str(
            self.scenario.get("title") or m.get("title") or m.get("scenario") or "a scenario"
        )

    @property
    def title(self) -> str:
        """The page and chart title: what was run, in words."""
        m = self.manifest
        if self.kind == "run":
            return self.scenario_title + self.override_note()
        if self.kind == "compare":
            names = [s.get("name", "?") for s in m.get("scenarios", [])]
            return "Comparison: " + " vs ".join(names)
        if self.kind == "robustness":
            return f"Robustness of {self.scenario_title}"
        if self.kind == "calibration":
            return f"Calibration: {Path(str(m.get('spec') or 'spec')).stem}"
        if self.kind == "hindcast":
            return f"Hindcast of {m.get('scenario', 'a scenario')}"
        return f"Sweep of {self.scenario_title}"

    def override_note(self) -> str:
        """` (reactivity=0.1)` for a run made with `--set`, else empty: an altered scenario
        never carries the unaltered one's title alone."""
        sets = self.manifest.get("overrides") or {}
        if not isinstance(sets, dict) or not sets:
            return ""
        text = ", ".join(f"{str(k).removeprefix('parameters.')}={v}" for k, v in sets.items())
        return f" ({text})"

    @property
    def step_unit(self) -> str:
        return str(self.manifest.get("step_unit") or "month")

    @property
    def replications(self) -> int | None:
        value = self.manifest.get("replications")
        return int(value) if isinstance(value, int | float) else None

    def provenance(self) -> str:
        """Footer text: what the chart was drawn from."""
        parts = ["alliance-sim", self.kind]
        if self.kind in ("run", "robustness", "hindcast"):
            parts.append(str(self.manifest.get("scenario", "")))
        if self.kind == "sweep":
            parts.append(f"{self.manifest.get('design', '?')} design")
        if self.replications:
            parts.append(count(self.replications, "replication"))
        if "root_seed" in self.manifest:
            parts.append(f"seed {self.manifest['root_seed']}")
        parts.append(self.name)
        return " · ".join(p for p in parts if p)

    # ------------------------------------------------------------------ actors
    def actor_names(self) -> dict[str, str]:
        actors = self.scenario.get("actors") or {}
        return {a: str(spec.get("name", a)) for a, spec in actors.items() if isinstance(spec, dict)}

    def distancing_pair(self) -> tuple[str, list[str]]:
        """(actor, partners) of the index `final_distancing` measures: the scenario's
        `run.distancing` (default China from Russia and North Korea, as on loading)."""
        run = self.scenario.get("run") if isinstance(self.scenario.get("run"), dict) else {}
        dist = run.get("distancing") if isinstance(run.get("distancing"), dict) else {}
        partners = dist.get("partners")
        partners = partners if isinstance(partners, list) else ["RUS", "PRK"]
        return str(dist.get("actor", "CHN")), [str(p) for p in partners]

    def listed_actors(self) -> list[str] | None:
        """The actors the manifest says are shown (active, or switched on by an event): for
        a compare folder, those of any scenario. None for folders written before it said."""
        if self.kind == "compare":
            return compared_actors(self.manifest)
        listed = self.manifest.get("actors")
        return [str(a) for a in listed] if isinstance(listed, list) else None

    def scenario_actors(self, name: str) -> list[str] | None:
        """A compared scenario's shown actors, as its manifest entry lists them."""
        for entry in self.manifest.get("scenarios", []):
            if entry.get("name") == name and isinstance(entry.get("actors"), list):
                return [str(a) for a in entry["actors"]]
        return None

    @property
    def common_random_numbers(self) -> bool:
        """Whether paired runs shared their random numbers (compare folders say so)."""
        return bool(self.manifest.get("common_random_numbers", True))

    def shown_actors(self) -> list[str]:
        """Actors that are active at some step (inactive ones stay off charts and tables)."""
        listed = self.listed_actors()
        if listed is not None:
            return listed
        order = list(self.scenario.get("actors") or {})
        ts = self.timeseries
        if ts is not None and "actor" in ts:
            live = set(ts.loc[ts["active"], "actor"] if "active" in ts else ts["actor"])
            seen = list(dict.fromkeys(ts["actor"]))
            ordered = [a for a in order if a in seen] + [a for a in seen if a not in order]
            return [a for a in ordered if a in live]
        summary = self.summary if self.kind == "run" else self.summaries
        if summary is None and self.kind == "sweep":
            summary = self.by_point
        return actors_from_columns(summary, order)

    def hidden_outcome(self, outcome: str) -> bool:
        """A per-actor outcome of an actor never active in the run (left out of tables)."""
        from sim.results.labels import actor_of

        actor = actor_of(outcome)
        return actor is not None and actor not in self.shown_actors()

    def weight(self, *path: str) -> float | None:
        """A number in the resolved scenario, written bare or as {value: ...}."""
        node: Any = self.scenario
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return weight_value(node)

    def dates(self) -> list[str] | None:
        """Calendar label of each step (from the `date` column)."""
        if self.aggregates is not None:
            first = self.aggregates.drop_duplicates("step").sort_values("step")
            return [str(d) for d in first["date"]]
        for frame in (self.system, self.timeseries):
            if frame is not None and {"step", "date"} <= set(frame.columns):
                first = frame.drop_duplicates("step").sort_values("step")
                return [str(d) for d in first["date"]]
        return None

    # ------------------------------------------------------------------ sweep
    def parameter_paths(self) -> list[str]:
        params = self.manifest.get("parameters") or []
        return [str(p["path"]) for p in params if isinstance(p, dict) and "path" in p]

    def __repr__(self) -> str:
        return f"<ResultsFolder {self.kind} {self.title!r} at {self.path}>"


def open_results(path: str | Path) -> ResultsFolder:
    """The reader of a results folder (raises UsageError, one line, when it is not one)."""
    return ResultsFolder(path)


def count(n: int, noun: str) -> str:
    """'1 replication', '12 replications'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def weight_value(node: Any) -> float | None:
    if isinstance(node, dict):
        node = node.get("value")
    if isinstance(node, bool) or not isinstance(node, int | float):
        return None
    return float(node)


def varies(values: pd.Series) -> bool:
    """More than floating-point noise between the finite values (an inactive actor's mean
    level differs between sweep points only by rounding; sim/jobs/sweep/analysis.py agrees)."""
    import numpy as np

    y = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    y = y[np.isfinite(y)]
    if y.size < 2:
        return False
    return float(np.ptp(y)) > 1e-12 + 1e-9 * float(np.max(np.abs(y)))


def actors_from_columns(frame: pd.DataFrame | None, order: list[str]) -> list[str]:
    """Actors named in `peak_escalation_<A>` columns whose values are not constant."""
    if frame is None:
        return []
    found = []
    for col in frame.columns:
        m = re.fullmatch(r"peak_escalation_(.+)", str(col))
        if m and varies(frame[col]):
            found.append(m.group(1))
    # Actors `order` does not list keep their column order (the scenario's actor order).
    return sorted(found, key=lambda a: order.index(a) if a in order else len(order))
