"""Read a results folder (docs/results-format.md) for charts and reports; never runs the model."""

from __future__ import annotations

import json
import re
import warnings
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UsageError
from sim.parameters import PARAMETERS

KINDS = ("run", "compare", "sweep", "robustness")  # calibration, hindcast: sim/observe/report.py
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


class Results:
    """One results folder: its manifest and, loaded on first use, its tables."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        manifest = self.path / "manifest.json"
        if not manifest.is_file():
            raise UsageError(f"{self.path}: not a results folder (no manifest.json)")
        try:
            self.manifest: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{manifest}: not valid JSON ({exc})") from None
        if not isinstance(self.manifest, dict):
            raise UsageError(f"{manifest}: expected a JSON object")
        self.kind = self.manifest.get("kind")
        if self.kind not in KINDS:
            raise UsageError(
                f"{manifest}: unknown kind {self.kind!r}; expected one of {', '.join(KINDS)}"
            )

    # ------------------------------------------------------------------ files
    def has(self, name: str) -> bool:
        return (self.path / name).exists()

    def _parquet(self, name: str) -> pd.DataFrame | None:
        return pd.read_parquet(self.path / name) if self.has(name) else None

    def _csv(self, name: str) -> pd.DataFrame | None:
        if not self.has(name):
            return None
        try:
            return pd.read_csv(self.path / name)
        except pd.errors.EmptyDataError:
            return pd.DataFrame()

    @cached_property
    def timeseries(self) -> pd.DataFrame | None:
        return self._parquet("timeseries.parquet")

    @cached_property
    def pairs(self) -> pd.DataFrame | None:
        return self._parquet("pairs.parquet")

    @cached_property
    def system(self) -> pd.DataFrame | None:
        return self._parquet("system.parquet")

    @cached_property
    def aggregates(self) -> pd.DataFrame | None:
        """Per-step chart aggregates of a run (sim/aggregates.py); None in older folders."""
        frame = self._parquet("aggregates.parquet")
        if frame is not None:
            for col in ("series", "date", "source", "target"):
                frame[col] = frame[col].astype(str)
        return frame

    @cached_property
    def summary(self) -> pd.DataFrame | None:
        return self._csv("summary.csv")

    @cached_property
    def events(self) -> pd.DataFrame | None:
        return self._csv("events.csv")

    @cached_property
    def summaries(self) -> pd.DataFrame | None:
        return self._parquet("summaries.parquet")

    @cached_property
    def comparison(self) -> pd.DataFrame | None:
        return self._csv("comparison.csv")

    @cached_property
    def points(self) -> pd.DataFrame | None:
        return self._parquet("points.parquet")

    @cached_property
    def by_point(self) -> pd.DataFrame | None:
        return self._parquet("analysis/by_point.parquet")

    @cached_property
    def sobol(self) -> pd.DataFrame | None:
        return self._csv("analysis/sobol.csv")

    @cached_property
    def morris(self) -> pd.DataFrame | None:
        return self._csv("analysis/morris.csv")

    @cached_property
    def prim(self) -> pd.DataFrame | None:
        return self._csv("analysis/prim.csv")

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
    def title(self) -> str:
        if self.kind == "run":
            title = str(self.scenario.get("title") or self.manifest.get("scenario") or "run")
            return title + self.override_note()
        if self.kind == "compare":
            names = [s.get("name", "?") for s in self.manifest.get("scenarios", [])]
            return "Comparison: " + " vs ".join(names)
        base = self.scenario.get("title") or self.manifest.get("scenario") or "a scenario"
        return f"Sweep of {base}"

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
        parts = ["alliance-sim", self.kind or "?"]
        if self.kind == "run":
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

    def listed_actors(self) -> list[str] | None:
        """The actors the manifest says are shown (active, or switched on by an event): for
        a compare folder, those of any scenario. None for folders written before it said."""
        if self.kind == "compare":
            lists = [s.get("actors") for s in self.manifest.get("scenarios", [])]
            if lists and all(isinstance(x, list) for x in lists):
                return list(dict.fromkeys(a for x in lists for a in x))
            return None
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
        """Actors that are active at some step (inactive ones stay off the charts)."""
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


def quantile_bands(values: np.ndarray) -> dict[float, np.ndarray]:
    """Quantiles across axis 1 (replications) of a (steps, replications) array; NaN-aware."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        qs = np.nanquantile(values, QUANTILES, axis=1)
    return dict(zip(QUANTILES, qs, strict=True))


def wide(frame: pd.DataFrame, value: str) -> np.ndarray:
    """(steps, replications) array of one column; missing cells are NaN. Steps where every
    value is NaN stay (an actor switched on by an event is NaN before it), so rows keep
    lining up with the dates."""
    table = frame.pivot_table(
        index="step", columns="replication", values=value, aggfunc="first", dropna=False
    )
    steps = np.sort(frame["step"].unique())
    return table.reindex(steps).sort_index().to_numpy(dtype=float)


# ---------------------------------------------------------------------- outcome labels
SCALAR_LABELS = {
    "first_crisis_step": ("first crisis", "step of first crisis, −1 = none"),
    "first_war_step": ("first war", "step of first war, −1 = none"),
    "crisis_months": ("time in crisis", "months"),
    "final_distancing": ("final distancing", "index, −2…2"),
    "peak_frustration": ("peak bloc frustration", "share of unbalanced triads, 0–1"),
    "final_frustration": ("final bloc frustration", "share of unbalanced triads, 0–1"),
    "crisis": ("crisis", "share of replications"),
    "war": ("war", "share of replications"),
    "p_crisis": ("P(crisis)", "share of replications"),
    "p_war": ("P(war)", "share of replications"),
}
ACTOR_OUTCOMES = {
    "peak_escalation": ("peak escalation", "level 0–1"),
    "final_escalation": ("final escalation", "level 0–1"),
    "final_rung": ("final rung", "rung 0–7"),
}
# Outcomes a reader asks about first; charts that show a few outcomes pick from this list.
KEY_OUTCOMES = (
    "p_crisis",
    "crisis",
    "final_distancing",
    "peak_frustration",
    "peak_escalation_PRK",
    "peak_escalation_KOR",
    "peak_escalation_CHN",
    "crisis_months",
    "p_war",
    "war",
    "final_frustration",
)


def outcome_parts(outcome: str) -> tuple[str, str]:
    """(name, unit) of an outcome column, e.g. ('peak escalation, PRK', 'level 0–1')."""
    if outcome in SCALAR_LABELS:
        return SCALAR_LABELS[outcome]
    for prefix, (name, unit) in ACTOR_OUTCOMES.items():
        if outcome.startswith(prefix + "_"):
            return f"{name}, {outcome[len(prefix) + 1 :]}", unit
    return outcome.replace("_", " "), ""


def outcome_label(outcome: str, unit: bool = True, wrap: bool = False) -> str:
    name, u = outcome_parts(outcome)
    return f"{name}{chr(10) if wrap else ' '}({u})" if unit and u else name


def parameter_label(path: str) -> str:
    """A swept key path with its unit, e.g. 'parameters.fatigue (per month)'."""
    parts = path.split(".")
    if parts[0] == "parameters" and len(parts) == 2 and parts[1] in PARAMETERS:
        return f"{parts[1]} ({PARAMETERS[parts[1]].unit})"
    if parts[0] in ("actors", "relations") or parts[-1] in ("value", "strength"):
        return f"{path} (weight)"
    return path


def pick_outcomes(available: list[str], limit: int) -> list[str]:
    """Key outcomes first (in KEY_OUTCOMES order), then the rest in their own order."""
    first = [o for o in KEY_OUTCOMES if o in available]
    rest = [o for o in available if o not in first]
    return (first + rest)[:limit]
