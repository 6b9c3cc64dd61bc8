"""Scenario file → validated `Scenario`: extends, overrides, schema, cross-references.

Every problem is collected as a located `Problem`; nothing is half-loaded.
"""

from __future__ import annotations

import difflib
import errno
import hashlib
import json
import math
import os
import stat
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sim.errors import Problem, ScenarioError, UsageError
from sim.scenario import keypath
from sim.scenario.exploration import check_exploration
from sim.scenario.ledger import Ledger, find_ledger, load_ledger
from sim.scenario.references import (
    check_references,
    check_semantics,
    cites_evidence,
    never_fire,
    unknown_id,
)
from sim.scenario.schema import Scenario
from sim.scenario.shadow import refusal
from sim.scenario.yamlio import (
    EXPONENT,
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
    parent = data.pop("extends", None)
    base: dict[str, Any] = {}
    if parent is not None:
        line, col = located.positions.get(("extends",), (1, 1))
        if not isinstance(parent, str):
            raise ScenarioError([Problem(str(path), line, col, "extends", "expected a file path")])
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
            parts = keypath.resolve(raw, path)  # keys may hold dots (event effects)
            _check_override_ids(raw, parts, path)
            if isinstance(value, float) and not math.isfinite(value):
                message = f"expected a finite number, found {value}"
                raise ScenarioError([Problem("--set", 1, 1, path, message)])
            created = [parts[:i] for i in range(1, len(parts)) if not _exists(raw, parts[:i])]
            raw = keypath.assign(raw, parts, value)
        except UsageError as exc:
            raise ScenarioError([Problem("--set", 1, 1, path, str(exc))]) from None
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
        errors = _merge_union_errors(exc.errors(), raw)
        raise ScenarioError([_translate(err, raw, origins) for err in errors]) from None
    if ledger is None and cites_evidence(scenario):  # a broken ledger must not break
        files = {_real(f).parent for f, _, _ in origins.table.values() if f != "--set"}
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


_UNION_TAGS = {"float": "a number", "int": "a whole number", "bool": "true/false", "str": "text"}


def _merge_union_errors(errors: list[Any], raw: dict[str, Any]) -> list[dict[str, Any]]:
    """One error per value for unions (`0.5 | 1`, `text | 2024`), without pydantic's tags.

    pydantic reports a value that fits no member of `StrictFloat | StrictInt` once per member,
    at `path.float` and `path.int`; users should see one line at `path`.
    """
    grouped: dict[tuple, list[tuple[str | None, dict[str, Any]]]] = {}
    for err in errors:
        loc = tuple(err["loc"])
        tag = loc[-1] if loc and loc[-1] in _UNION_TAGS else None
        if tag is not None and not _is_key(raw, loc):
            loc = loc[:-1]
        else:
            tag = None
        grouped.setdefault(loc, []).append((tag, {**err, "loc": loc}))
    out = []
    for items in grouped.values():
        tags = [tag for tag, _ in items if tag]
        if len(tags) < 2 or len(tags) != len(items):
            out += [err for _, err in items]
            continue
        words = [_UNION_TAGS[t] for t in _UNION_TAGS if t in tags]
        if "a number" in words and "a whole number" in words:
            words.remove("a whole number")
        merged = {**items[0][1], "type": "union_type", "ctx": {"expected": " or ".join(words)}}
        out.append(merged)
    return out


def _is_key(raw: dict[str, Any], loc: tuple) -> bool:
    """True when the last part of `loc` is a key written in the data (not a pydantic tag)."""
    node: Any = raw
    for part in loc[:-1]:
        in_map = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if not (in_map or in_list):
            return False
        node = node[part]
    return isinstance(node, dict) and loc[-1] in node


def _translate(err: dict[str, Any], raw: dict[str, Any], origins: Origins) -> Problem:
    """A pydantic error in the words of the file: expected what, found what."""
    loc = tuple(err["loc"])
    kind = err["type"]
    # A bare number is wrapped as {value: n}; report it at the number itself.
    if loc and loc[-1] == "value" and not _is_weight_object(raw, loc[:-1]):
        loc = loc[:-1]
    loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
    found = _describe(err.get("input"))
    if loc and loc[-1] == "[key]":  # a bad mapping key (an id): point at the key itself
        return origins.problem(loc[:-1], f"{_expected(err)}, found {found}", key=True)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        did = f" (did you mean {hint[0]!r}?)" if hint else ""
        known = f"; expected one of: {', '.join(allowed)}" if allowed and not hint else ""
        return origins.problem(loc, f"unknown key {loc[-1]!r}{did}{known}", key=True)
    if kind == "missing":
        return origins.problem(loc[:-1], f"missing required key {loc[-1]!r}")
    number_text = isinstance(err.get("input"), str) and EXPONENT.match(err["input"])
    if number_text and kind in ("float_type", "int_type", "union_type", "model_type", "dict_type"):
        return origins.problem(loc, _exponent_text(err["input"]))
    if kind in ("model_type", "dict_type") and _is_weight_loc(loc):
        return origins.problem(loc, f"expected a number or {{value, evidence}}, found {found}")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return origins.problem(loc, f"{_range_text(err)}, found {found}")
    expected = _expected(err)
    if kind == "value_error":  # a model's own check: its message says what is wrong
        return origins.problem(loc, expected)
    return origins.problem(loc, f"{expected}, found {found}")


def _exponent_text(text: str) -> str:
    """Why `1e-3` or `1e400` is not a number here, and what to write instead."""
    value = float(text)
    if not math.isfinite(value):
        return f"expected a finite number, found {text} (beyond the largest number, ~1.8e308)"
    mantissa, _, exponent = text.lower().partition("e")
    fixed = f"{mantissa if '.' in mantissa else mantissa + '.0'}e{exponent}"
    return f"expected a number, found {text}, which YAML reads as text: write {fixed}"


def _is_weight_object(raw: dict[str, Any], loc: tuple) -> bool:
    node: Any = raw
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
        else:
            return False
    return isinstance(node, dict)


def _is_weight_loc(loc: tuple) -> bool:
    model = _model_at(loc)
    return model is not None and "Weight" in model.__name__


def _range_text(err: dict[str, Any]) -> str:
    ctx = err.get("ctx", {})
    words = {"ge": "at least", "le": "at most", "gt": "more than", "lt": "less than"}
    for key, word in words.items():
        if key in ctx:
            return f"expected a number {word} {ctx[key]}"
    return err["msg"]


def _expected(err: dict[str, Any]) -> str:
    kind = err["type"]
    table = {
        "float_type": "expected a number",
        "int_type": "expected a whole number",
        "string_type": "expected text",
        "bool_type": "expected true or false",
        "list_type": "expected a list",
        "dict_type": "expected a mapping",
        "model_type": "expected a mapping",
        "literal_error": "expected one of " + str(err.get("ctx", {}).get("expected", "")),
        "string_pattern_mismatch": "expected an id matching "
        + str(err.get("ctx", {}).get("pattern", "")),
        "too_short": "expected at least "
        + str(err.get("ctx", {}).get("min_length", ""))
        + " items",
        "value_error": str(err.get("ctx", {}).get("error", err["msg"])),
        "union_type": "expected " + str(err.get("ctx", {}).get("expected", "")),
    }
    return table.get(kind, err["msg"].rstrip(".").lower().replace("input should be", "expected"))


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"{value!r}"
    if isinstance(value, str):
        return f"text {value[:40]!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _strip(annotation: Any) -> Any:
    """Look through Annotated and Optional to the type that matters."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            rich = [a for a in options if get_origin(a) in (dict, list) or _is_model(a)]
            annotation = (rich or options)[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """Walk the schema along a location to the model that holds its last key."""
    annotation: Any = Scenario
    for part in loc:
        annotation = _strip(annotation)
        if _is_model(annotation) and part in annotation.model_fields:
            annotation = annotation.model_fields[part].annotation
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        elif get_origin(annotation) is list:
            annotation = get_args(annotation)[0]
        else:
            return None
    annotation = _strip(annotation)
    return annotation if _is_model(annotation) else None


def _allowed_keys(loc: tuple) -> list[str]:
    model = _model_at(loc)
    return sorted(model.model_fields) if model else []
