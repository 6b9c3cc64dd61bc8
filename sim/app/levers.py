"""The dashboard's sliders: the scenario values worth moving, each with its evidence.

A lever is a key path of the scenario (the same paths `--set` takes) with its current
value, its allowed range and a tooltip naming the evidence behind the value. Levers are
found from the scenario itself and from `sim.parameters.PARAMETERS`, never from a list of
names written here, so new treaties, actors or coefficients get sliders without code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sim.evidence import evidence_rows
from sim.parameters import PARAMETERS
from sim.scenario.loader import LoadedScenario
from sim.scenario.schema import Scenario
from sim.scenario.shadow import effective

CHANNEL = "military_supply"
SKIPPED_MECHANISMS = ("outputs",)  # thresholds define what is measured, not the dynamics


@dataclass(frozen=True)
class Lever:
    path: str
    label: str
    group: str
    value: float
    lo: float
    hi: float
    tooltip: str
    start_path: str = ""  # the start value's key path when an event shadows it
    start: float | None = None  # that start value
    event: str = ""  # "id (label)" of the event whose value this lever moves

    @property
    def shadowed(self) -> bool:
        return bool(self.event)

    @property
    def step(self) -> float:
        """Fine enough that the scenario's value sits on the slider's grid: a coarse
        slider would snap 0.15 to 0.16 and silently change the scenario."""
        return (self.hi - self.lo) / 1000

    def moved(self, value: float) -> bool:
        return abs(float(value) - self.value) > self.step / 2

    @property
    def css(self) -> str:
        """A CSS class naming the slider (the browser test finds sliders by it)."""
        return "lever-" + self.path.replace(".", "-").replace("_", "-")


def _value(raw: dict[str, Any], path: str) -> float | None:
    node: Any = raw
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    if isinstance(node, dict):
        node = node.get("value")
    return float(node) if isinstance(node, int | float) and not isinstance(node, bool) else None


def _evidence(loaded: LoadedScenario) -> dict[str, str]:
    """Key path → "ids: claims" for every weight that cites the ledger."""
    out = {}
    for row in evidence_rows(loaded):
        if row.claims:
            out[row.path] = "\n".join(row.claims)
        elif row.evidence:
            out[row.path] = "evidence: " + ", ".join(row.evidence)
    return out


def _names(spec: Scenario) -> dict[str, str]:
    return {a: actor.name or a for a, actor in spec.actors.items()}


def treaty_name(key: str, treaty) -> str:
    """A treaty's `label`, or its id and members when it has none (`label` is optional).
    Why (round 22): a standalone scenario's treaty without a label was "Treaty: None"."""
    return treaty.label or f"{key} ({'–'.join(treaty.members)})"


def treaty_levers(loaded: LoadedScenario, evidence: dict[str, str]) -> list[Lever]:
    actors = loaded.scenario.actors
    out = []
    for key, treaty in loaded.scenario.treaties.items():
        path = f"treaties.{key}.strength"
        value = _value(loaded.raw, path)
        if value is None or not all(actors[m].active for m in treaty.members):
            continue
        why = evidence.get(path, "no evidence cited")
        name = treaty_name(key, treaty)
        tip = f"{name} ({treaty.obligation}): strength {value:g}\n{why}"
        out.append(Lever(path, f"Treaty: {name}", "treaties", value, 0.0, 1.0, tip))
    return out


def leverage_levers(loaded: LoadedScenario, evidence: dict[str, str]) -> list[Lever]:
    """Every active patron's leverage over its clients (China's above all)."""
    names = _names(loaded.scenario)
    out = []
    for a, actor in loaded.scenario.actors.items():
        path = f"actors.{a}.leverage"
        value = _value(loaded.raw, path)
        if value is None or value <= 0 or not actor.active:
            continue
        tip = f"{names[a]}'s leverage over its dependants: {value:g}\n"
        tip += evidence.get(path, "no evidence cited")
        out.append(Lever(path, f"{names[a]}'s leverage", "leverage", value, 0.0, 1.0, tip))
    return out


def supply_levers(loaded: LoadedScenario, evidence: dict[str, str]) -> list[Lever]:
    """Military supply between active actors (e.g. Russia's technology for North Korea)."""
    names = _names(loaded.scenario)
    actors = loaded.scenario.actors
    out = []
    for a, row in (loaded.raw.get("relations") or {}).items():
        for b in row or {}:
            path = f"relations.{a}.{b}.{CHANNEL}"
            value = _value(loaded.raw, path)
            if value is None or not (actors[a].active and actors[b].active):
                continue
            label = f"{names[a]}: military supply from {names[b]}"
            tip = f"{names[a]}'s dependence on {names[b]} for military supply: {value:g}\n"
            tip += evidence.get(path, "no evidence cited")
            out.append(Lever(path, label, "military supply", value, 0.0, 1.0, tip))
    return out


def coefficient_levers(loaded: LoadedScenario, evidence: dict[str, str]) -> list[Lever]:
    """The first coefficient of each mechanism in PARAMETERS (the mechanism's main gain)."""
    seen: set[str] = set()
    out = []
    for name, p in PARAMETERS.items():
        if p.mechanism in seen or p.mechanism in SKIPPED_MECHANISMS:
            continue
        seen.add(p.mechanism)
        path = f"parameters.{name}"
        set_here = _value(loaded.raw, path)
        value = p.default if set_here is None else set_here
        source = "set by the scenario" if set_here is not None else "model default"
        tip = f"{name} = {value:g} {p.unit} ({source}; mechanism: {p.mechanism})\n{p.meaning}"
        if path in evidence:
            tip += "\n" + evidence[path]
        out.append(Lever(path, f"Coefficient: {name}", "coefficients", value, p.lo, p.hi, tip))
    return out


def redirected(loaded: LoadedScenario, lever: Lever) -> Lever:
    """The lever itself, or, when an event replaces its start value at step 0, a lever on
    the event's value (the value the dynamics start from), naming the event."""
    eff = effective(loaded, lever.path, lever.value)
    if eff.event is None:
        return lever
    hit = eff.event
    note = (
        f"Event {hit.event!r} ({hit.label}) sets this to {hit.value:g} at step 0, replacing "
        f"the start value {lever.value:g}: this slider moves the event's value ({hit.lever})."
    )
    return replace(
        lever, path=hit.lever, value=eff.value, tooltip=f"{note}\n{lever.tooltip}",
        start_path=lever.path, start=lever.value, event=f"{hit.event} ({hit.label})",
    )  # fmt: skip


def levers_for(loaded: LoadedScenario) -> list[Lever]:
    """Treaty strengths, leverage, military supply, then the main coefficients; a start
    value that an event replaces at step 0 becomes a slider of the event's value."""
    evidence = _evidence(loaded)
    levers = [
        *treaty_levers(loaded, evidence),
        *leverage_levers(loaded, evidence),
        *supply_levers(loaded, evidence),
        *coefficient_levers(loaded, evidence),
    ]
    return [redirected(loaded, lever) for lever in levers]


def overrides(levers: list[Lever], values: dict[str, float]) -> dict[str, float]:
    """The `--set` overrides for the levers whose value was moved."""
    return {
        lever.path: float(values[lever.path])
        for lever in levers
        if lever.path in values and lever.moved(values[lever.path])
    }


def scenario_files(first: Path) -> list[Path]:
    """The scenario files beside `first` (top level of its folder), `first` first."""
    others = sorted(p for p in first.parent.glob("*.yaml") if p.resolve() != first.resolve())
    return [first, *others]
