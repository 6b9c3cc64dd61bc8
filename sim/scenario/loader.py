"""Scenario file → validated `Scenario`: extends, overrides, schema, cross-references.

Every problem is collected as a located `Problem`; nothing is half-loaded.
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sim.errors import Problem, ScenarioError, UsageError
from sim.scenario import keypath
from sim.scenario.exploration import check_exploration
from sim.scenario.file_kinds import wrong_kind
from sim.scenario.ledger import Ledger, find_ledger, load_ledger
from sim.scenario.messages import translate_all
from sim.scenario.references import check_references, cites_evidence, unknown_id
from sim.scenario.schema import Scenario
from sim.scenario.semantics import check_semantics, never_fire
from sim.scenario.shadow import refusal
from sim.scenario.yamlio import (
    Located,
    YamlFail,
    dotted,
    fail_to_problem,
    load_yaml,
)

if TYPE_CHECKING:
    from sim.world import ModelInput

MAX_EXTENDS = 16


@dataclass
class Origins:
    """Where each key path of the merged document was written (file, line, col)."""

    table: dict[tuple, tuple[str, int, int]] = field(default_factory=dict)
    keys: dict[tuple, tuple[str, int, int]] = field(default_factory=dict)
    root: str = ""
    nulled: set[tuple] = field(default_factory=set)  # key paths `--set K=null` removed
    added: set[tuple] = field(default_factory=set)  # keys `--set` wrote that were not there

    def add(self, located: Located) -> None:
        for path, (line, col) in located.positions.items():
            self.table[path] = (located.file, line, col)
        for path, (line, col) in located.key_positions.items():
            self.keys[path] = (located.file, line, col)

    def where(self, path: tuple, *, key: bool = False) -> tuple[str, int, int]:
        for cut in range(len(path), -1, -1):
            hit = (self.keys.get(path[:cut]) if key else None) or self.table.get(path[:cut])
            if hit:
                return hit
        return (self.root, 1, 1)

    def problem(self, path: tuple, message: str, *, key: bool = False) -> Problem:
        file, line, col = self.where(path, key=key)
        # `--set events.E.at=null` breaks the event's own check (neither at nor when): the
        # error is the override's, not the line of the file that wrote the event
        under = sorted(p for p in self.nulled if len(p) > len(path) and p[: len(path)] == path)
        if under and file != "--set":
            return Problem("--set", 1, 1, dotted(under[0]), f"{message}; null removes the key")
        # `--set events.E.when.below=0.2` on a condition with `above` breaks the condition's
        # own check: said against the override (round 21), as apply says it for a sweep
        added = sorted(p for p in self.added if len(p) > len(path) and p[: len(path)] == path)
        if added and file != "--set":
            return Problem("--set", 1, 1, dotted(added[0]), message)
        return Problem(file, line, col, dotted(path), message)


@dataclass
class LoadedScenario:
    scenario: Scenario
    raw: dict[str, Any]
    path: Path
    ledger: Ledger | None
    origins: Origins = field(default_factory=Origins)
    warnings: list[Problem] = field(default_factory=list)  # e.g. events that can never fire
    overrides: dict[str, Any] = field(default_factory=dict)  # key path → value, as applied

    @cached_property
    def model_input(self) -> ModelInput:
        """The frozen model input (sim/world.py), compiled once and then shared by every
        job of the command: run, counterfactual, manifest, fingerprint, workers."""
        from sim.world import compile_input  # reading results never loads the model input

        return compile_input(self.scenario, self.overrides)

    def content_hash(self) -> str:
        """Hash of the resolved scenario (stable across key order and whitespace)."""
        text = json.dumps(self.raw, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def load_raw(path: Path, origins: Origins, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a file and everything it extends, deep-merged, recording origins."""
    resolved = Path(os.path.realpath(path))  # never raises on a symlink loop (resolve() may)
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, resolved))
        raise ScenarioError([Problem(str(path), 1, 1, "extends", f"extends cycle: {cycle}")])
    if len(chain) > MAX_EXTENDS:
        raise ScenarioError([Problem(str(path), 1, 1, "extends", "extends chain too long")])
    try:
        located = load_yaml(path)
    except YamlFail as fail:
        raise ScenarioError([fail_to_problem(str(path), fail)]) from None
    data = located.data
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise ScenarioError([Problem(str(path), 1, 1, "", f"expected a mapping, found {kind}")])
    other = wrong_kind(data, path, "scenario")  # an observations file: one line, not a dozen
    if other is not None:
        raise ScenarioError([Problem(str(path), 1, 1, "", other)])
    parent = data.pop("extends", None)
    base: dict[str, Any] = {}
    if parent is not None:
        line, col = located.positions.get(("extends",), (1, 1))
        if not isinstance(parent, str):
            raise ScenarioError([Problem(str(path), line, col, "extends", "expected a file path")])
        if not parent.strip():  # `extends: ''` named the file's own folder: "is a directory"
            raise ScenarioError(
                [Problem(str(path), line, col, "extends", "expected a file path, found empty text")]
            )
        parent_path = path.parent / parent
        parent_real = Path(os.path.realpath(parent_path))
        if parent_real in (*chain, resolved):
            cycle = " -> ".join(p.name for p in (*chain, resolved, parent_real))
            raise ScenarioError(
                [Problem(str(path), line, col, "extends", f"extends cycle: {cycle}")]
            )
        why = _not_a_file(parent_path)
        if why is not None:
            raise ScenarioError([Problem(str(path), line, col, "extends", f"{parent}: {why}")])
        base = load_raw(parent_path, origins, (*chain, resolved))
    origins.add(located)
    return keypath.deep_merge(base, data)


def _not_a_file(path: Path) -> str | None:
    """Why `path` cannot be a parent scenario, or None when it is a regular file."""
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop (the link points back to itself)"
        return "extends file not found" if exc.errno == errno.ENOENT else str(exc.strerror)
    if stat.S_ISDIR(info.st_mode):
        return "is a directory, expected a scenario file"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a FIFO, device or socket), expected a scenario file"
    return None


def _check_override_ids(raw: dict[str, Any], parts: tuple[str, ...], path: str) -> None:
    """`--set actors.CHM.x=1` names an actor that does not exist: say so, not "missing key"."""
    roles = {"actors": "actor", "relations": "actor", "treaties": "treaty", "events": "event"}
    if len(parts) < 3 or parts[0] not in roles or not isinstance(raw.get(parts[0]), dict):
        return
    known = set(raw["actors"]) if isinstance(raw.get("actors"), dict) else set()
    ids = [parts[1], parts[2]] if parts[0] == "relations" and len(parts) >= 4 else [parts[1]]
    if parts[0] in ("treaties", "events"):
        known = set(raw[parts[0]])
    for name in ids:
        if name not in known:
            message = unknown_id(name, known, roles[parts[0]])
            raise ScenarioError([Problem("--set", 1, 1, path, message)])


def apply_overrides(
    raw: dict[str, Any], overrides: dict[str, Any], origins: Origins
) -> dict[str, Any]:
    for path, value in overrides.items():
        try:
            parts = _effect_key(keypath.resolve(raw, path))  # keys may hold dots (effects)
            _check_override_ids(raw, parts, path)
            if value is None and (why := no_removal(parts)):
                raise ScenarioError([Problem("--set", 1, 1, path, why)])
            if isinstance(value, float) and not math.isfinite(value):
                message = f"expected a finite number, found {value}"
                raise ScenarioError([Problem("--set", 1, 1, path, message)])
            created = [parts[:i] for i in range(1, len(parts)) if not _exists(raw, parts[:i])]
            new_key = not _exists(raw, parts)
            raw = keypath.assign(raw, parts, value)
        except UsageError as exc:
            raise ScenarioError([Problem("--set", 1, 1, path, str(exc))]) from None
        if value is None:
            origins.nulled.add(parts)
        elif new_key:
            origins.added.add(parts)
        # Mappings the override created have no line in any file: point their errors at --set.
        for prefix in (*created, parts):
            origins.table[prefix] = ("--set", 1, 1)
        if isinstance(value, dict):  # a replaced mapping: forget where its old keys were
            for table in (origins.table, origins.keys):
                for stale in [k for k in table if len(k) > len(parts) and k[: len(parts)] == parts]:
                    del table[stale]
        elif _exists(raw, (*parts, "value")):  # a weight keeps its evidence; its value is ours
            origins.table[(*parts, "value")] = ("--set", 1, 1)
    return raw


# what `--set K=null` cannot remove: an entry of a keyed collection (null removes a key of
# an entry, `events.E.at=null`; an entry set to null was "expected a mapping, found nothing")
_ENTRIES = {"actors": 2, "events": 2, "treaties": 2, "theatres": 2, "relations": 3}
_INSTEAD = {
    "actors": "or set actors.{0}.active=false to run without it",
    "events": "or list it in counterfactual.remove_events to run the world without it",
}
# ... nor a whole section (`--set events=null` was "expected a mapping, found nothing"):
# --set changes one value at a time, and cannot write a mapping either (`events={}` is text)
_ONE = "it sets one value at a time, as in"
_SECTIONS = {
    "actors": ("the actors", "a scenario needs at least 2; set actors.ID.active=false to "
               "run without one"),
    "relations": ("the relations", "delete them in the file"),
    "treaties": ("the treaties", "delete them in the file"),
    "theatres": ("the theatres", "delete them in the file"),
    "events": ("the events", "delete them in the file, or list them in "
               "counterfactual.remove_events to run the world without them"),
    "parameters": ("the parameters section", f"{_ONE} --set parameters.NAME=VALUE"),
    "run": ("the run section", f"{_ONE} --set run.steps=12"),
}  # fmt: skip


def no_removal(parts: Sequence[str]) -> str | None:
    """Why `--set PATH=null` cannot remove the entry or section at `parts`, or None (not
    an entry or such a section)."""
    if len(parts) == 1 and parts[0] in _SECTIONS:
        what, instead = _SECTIONS[parts[0]]
        return f"--set cannot remove {what}: {instead}"
    if not 1 < len(parts) <= _ENTRIES.get(parts[0], 0):
        return None
    what = {"relations": "a relation", "actors": "an actor", "events": "an event",
            "treaties": "a treaty", "theatres": "a theatre"}[parts[0]]  # fmt: skip
    if parts[0] == "relations" and len(parts) == 2:
        what = "an actor's relations"
    instead = _INSTEAD.get(parts[0], "").format(*parts[1:])
    return f"--set cannot remove {what}: delete it in the file{', ' + instead if instead else ''}"


def _effect_key(parts: tuple[str, ...]) -> tuple[str, ...]:
    """Under an event's `set`, `add` or `scale` every key is a key path, so an effect the
    event does not have yet (`events.E.add.actors.KOR.escalation`) is one new key, as in a
    file; it used to become nested mappings, refused as "events.E.add.actors: expected a
    number or true/false, found a mapping". (A sweep refuses a new effect: its points
    change the values of the model input, not its structure.)"""
    if len(parts) > 4 and parts[0] == "events" and parts[2] in ("set", "add", "scale"):
        return (*parts[:3], ".".join(parts[3:]))
    return parts


def _exists(raw: dict[str, Any], parts: tuple[str, ...]) -> bool:
    node: Any = raw
    for part in parts:
        if not (isinstance(node, dict) and part in node):
            return False
        node = node[part]
    return True


def load_scenario(
    path: str | Path, overrides: dict[str, Any] | None = None, ledger_path: Path | None = None
) -> LoadedScenario:
    """The one entry point: a path (plus `--set` overrides) to a checked scenario."""
    path = Path(path)
    origins = Origins(root=str(path))
    raw = load_raw(path, origins)
    return _build(path, raw, origins, dict(overrides or {}), {}, ledger_path=ledger_path)


def with_overrides(loaded: LoadedScenario, overrides: dict[str, Any]) -> LoadedScenario:
    """`loaded` with more overrides, checked as `--set` is, without reading any file again;
    the result records the earlier overrides and these (later ones win)."""
    origins = Origins(dict(loaded.origins.table), dict(loaded.origins.keys), loaded.origins.root)
    return _build(loaded.path, loaded.raw, origins, dict(overrides), loaded.overrides,
                  ledger=loaded.ledger)  # fmt: skip


def _build(path: Path, raw: dict[str, Any], origins: Origins, new: dict[str, Any],
           earlier: dict[str, Any], ledger_path: Path | None = None,
           ledger: Ledger | None = None) -> LoadedScenario:  # fmt: skip
    """Apply `new` overrides to merged data, validate, cross-check: a LoadedScenario."""
    raw = apply_overrides(raw, new, origins)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(translate_all(exc, raw, origins)) from None
    if ledger is None and cites_evidence(scenario):  # a broken ledger must not break
        named = {f for f, _, _ in origins.table.values() if f != "--set"}  # a few files
        files = {_real(f).parent for f in named}  # resolved once each, not once per key
        candidates = [_real(path).parent, *sorted(files)]
        ledger_file = ledger_path or next(filter(None, map(find_ledger, candidates)), None)
        ledger = load_ledger(ledger_file) if ledger_file else None
    problems = check_references(scenario, ledger, origins)
    problems += check_semantics(scenario, raw, origins)
    overrides = {**earlier, **new}
    problems += shadowed_overrides(scenario, overrides)
    problems += check_exploration(scenario, origins)
    if problems:
        raise ScenarioError(problems)
    loaded = LoadedScenario(scenario=scenario, raw=raw, path=path, ledger=ledger, origins=origins,
                            overrides=overrides)  # fmt: skip
    loaded.warnings = never_fire(scenario, scenario.run.steps, origins)
    return loaded


def shadowed_overrides(scenario: Scenario, overrides: dict[str, Any]) -> list[Problem]:
    """An override of a start value that an event replaces at step 0 would change only the
    world without that event (the counterfactual): refused, naming the event's key path."""
    events = scenario.model_dump(mode="json", exclude_none=True)["events"]
    out = []
    for path in overrides:
        reason = refusal(events, path)
        if reason:
            out.append(Problem("--set", 1, 1, path, reason))
    return out


def _real(path: str | Path) -> Path:
    return Path(os.path.realpath(path))
