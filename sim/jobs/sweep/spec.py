"""Sweep specs: what to vary, how to sample it, how often to repeat each point.

A spec comes from one of three places, merged in this order (later wins):
1. a `sweep:` block inside a scenario file;
2. a sweep file, a YAML mapping that names its `scenario:` (path relative to the file);
3. command-line flags: `--param key.path=LOW:HIGH[:N]`, `--param key.path=v1,v2,v3`,
   `--set key.path=value`, `--design`, `--samples`, `-n`, `--seed`, `--steps`.

Every problem is reported as one located line (FILE:LINE:COL: key path: message, or
`--param ...: message`) before anything runs; docs/sweeps.md is the reference.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import Problem, ScenarioError, UsageError
from sim.jobs.sweep.names import DESIGNS
from sim.scenario import keypath, yamlio
from sim.scenario.keypath import parse_value
from sim.scenario.loader import LoadedScenario, Origins, _translate, load_raw, load_scenario
from sim.scenario.references import check_references
from sim.scenario.schema import NAME_ID, Scenario

DEFAULT_SAMPLES = {"grid": 5, "lhs": 100, "sobol": 64, "morris": 10}
SPEC_KEYS = (
    "scenario",
    "name",
    "description",
    "design",
    "samples",
    "replications",
    "seed",
    "steps",
    "chunk_size",
    "second_order",
    "levels",
    "set",
    "parameters",
)
FORBIDDEN_ROOTS = ("run", "sweep", "extends")
_RANGE = re.compile(r"^\s*([^:]+):([^:]+)(?::([^:]+))?\s*$")


@dataclass(frozen=True)
class Param:
    """One swept value: a numeric range or a list of choices."""

    path: str
    keys: tuple[str, ...]
    kind: str  # "range" | "choice"
    low: float | int | None = None
    high: float | int | None = None
    values: tuple | None = None  # choices (or, after planning, a grid's levels)
    levels: int | None = None  # grid levels asked for a range
    integer: bool = False
    origin: str = ""  # where it was written, for messages

    def describe(self) -> dict[str, Any]:
        """The manifest's `{path, kind, low, high, values}` (+ `integer`)."""
        return {
            "path": self.path,
            "kind": self.kind,
            "low": self.low,
            "high": self.high,
            "values": list(self.values) if self.values is not None else None,
            "integer": self.integer,
        }


@dataclass
class SweepSpec:
    name: str
    loaded: LoadedScenario
    base_raw: dict[str, Any]  # the scenario with the fixed `set` values applied
    params: list[Param]
    design: str = "grid"
    samples: int | None = None
    replications: int = 100
    seed: int = 0
    steps: int = 36
    chunk_size: int | None = None  # None: chosen from the number of runs (plan.py)
    second_order: bool = False
    levels: int = 4
    fixed: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    description: str | None = None

    @property
    def n_samples(self) -> int:
        return self.samples if self.samples is not None else DEFAULT_SAMPLES[self.design]


class _Where:
    """Locates problems in the spec (a YAML file, or the command line)."""

    def __init__(self, file: str, origins: Origins | None, prefix: tuple = ()):
        self.file = file
        self.origins = origins
        self.prefix = prefix

    def at(self, *path: Any, key: bool = False) -> tuple[str, int, int]:
        if self.origins is None:
            return (self.file, 1, 1)
        return self.origins.where((*self.prefix, *path), key=key)

    def problem(self, path: tuple, message: str, *, key: bool = False) -> Problem:
        file, line, col = self.at(*path, key=key)
        return Problem(file, line, col, yamlio.dotted((*self.prefix, *path)), message)

    def label(self, *path: Any) -> str:
        file, line, col = self.at(*path, key=True)
        return f"{file}:{line}:{col}"

    def entry(self, loc: tuple, key: str, message: str) -> Problem:
        """A problem with one `set:` / `parameters:` entry, named by its key path."""
        file, line, col = self.at(*loc)
        return Problem(file, line, col, key, message)

    def source_text(self, loc: tuple, value: Any) -> Any:
        """YAML 1.1 reads an unquoted `10:20` as the number 620 (base 60): recover the text."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value
        file, line, col = self.at(*loc)
        try:
            text = Path(file).read_text(encoding="utf-8").splitlines()[line - 1][col - 1 :]
        except (OSError, IndexError, UnicodeDecodeError):
            return value
        token = text.split(" #", 1)[0].strip().rstrip(",}")
        return token if ":" in token else value


# ---------------------------------------------------------------- reading the spec file


def is_sweep_file(path: Path) -> bool:
    """A sweep file names a `scenario:` to sweep and defines no actors of its own.

    Cheap and forgiving: unreadable or malformed files are "not a sweep file", so the
    scenario loader reports their real problem.
    """
    try:
        data = yamlio.load_yaml(path).data
    except (yamlio.YamlFail, OSError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and "scenario" in data and "actors" not in data


def read_spec_file(path: Path) -> tuple[dict[str, Any], _Where, Path, bool]:
    """(spec mapping, locator, scenario path, is_block) for a sweep file or scenario file."""
    origins = Origins(root=str(path))
    try:
        located = yamlio.load_yaml(path)
    except yamlio.YamlFail as fail:
        raise ScenarioError([yamlio.fail_to_problem(str(path), fail)]) from None
    data = located.data
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise ScenarioError([Problem(str(path), 1, 1, "", f"expected a mapping, found {kind}")])
    if "scenario" in data and "actors" not in data:  # a sweep file
        origins.add(located)
        where = _Where(str(path), origins)
        target = data["scenario"]
        if not isinstance(target, str) or not target:
            raise ScenarioError([where.problem(("scenario",), "expected a scenario file path")])
        scenario = path.parent / target
        if not scenario.is_file():
            msg = f"scenario file not found: {target}"
            raise ScenarioError([where.problem(("scenario",), msg)])
        return data, where, scenario, False
    # a scenario file, perhaps with a `sweep:` block (possibly inherited through `extends`)
    raw = load_raw(path, origins)
    block = raw.get("sweep")
    where = _Where(str(path), origins, ("sweep",))
    if block is None:
        return {}, where, path, True
    if not isinstance(block, dict):
        raise ScenarioError([where.problem((), "expected a mapping of sweep settings")])
    if "scenario" in block:
        msg = "a sweep block sweeps its own file; `scenario:` belongs in a sweep file"
        raise ScenarioError([where.problem(("scenario",), msg, key=True)])
    return block, where, path, True


# ---------------------------------------------------------------- parsing values


def parse_param_text(text: str) -> dict[str, Any]:
    """`LOW:HIGH[:N]` → range; `v1,v2,...` → choice (raises ValueError with a message)."""
    text = text.strip()
    if "," in text:
        values = [parse_value(v.strip()) for v in text.split(",")]
        if any(v == "" for v in values):
            raise ValueError(f"empty value in the list {text!r}")
        return {"values": values}
    m = _RANGE.match(text)
    if m:
        low, high = _number(m.group(1), "LOW"), _number(m.group(2), "HIGH")
        out: dict[str, Any] = {"low": low, "high": high}
        if m.group(3) is not None:
            n = parse_value(m.group(3).strip())
            if not isinstance(n, int) or isinstance(n, bool):
                raise ValueError(f"N (grid levels) must be a whole number, found {m.group(3)!r}")
            out["levels"] = n
        return out
    raise ValueError(
        f"expected LOW:HIGH[:N] (a range) or v1,v2,... (at least two values), found {text!r}"
    )


def _number(text: str, name: str) -> float | int:
    value = parse_value(text.strip())
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, found {text.strip()!r}")
    return value


def _scalar_kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number" if math.isfinite(value) else None
    if isinstance(value, str):
        return "text"
    return None


def normalise_param(path: str, entry: Any) -> dict[str, Any]:
    """A parameter entry in any accepted spelling → {low, high, levels} or {values}."""
    if isinstance(entry, str):
        return parse_param_text(entry)
    if isinstance(entry, list):
        return {"values": entry}
    if isinstance(entry, dict):
        unknown = sorted(set(entry) - {"low", "high", "levels", "values"})
        if unknown:
            raise ValueError(
                f"unknown key {unknown[0]!r}; expected low/high (and levels) or values"
            )
        if "values" in entry and ({"low", "high", "levels"} & set(entry)):
            raise ValueError("give either low/high (a range) or values (choices), not both")
        return dict(entry)
    if isinstance(entry, int | float) and not isinstance(entry, bool):
        raise ValueError(
            f"a single value ({entry}) is not a sweep: give LOW:HIGH, a list of values, "
            "or put fixed values under `set:`"
        )
    raise ValueError("expected LOW:HIGH[:N], a list of values, or {low, high} / {values}")


def check_shape(entry: dict[str, Any]) -> None:
    """Types and order of a normalised entry (raises ValueError)."""
    if "values" in entry:
        values = entry["values"]
        if not isinstance(values, list) or len(values) < 2:
            raise ValueError("expected a list of at least two values")
        kinds = {_scalar_kind(v) for v in values}
        if None in kinds:
            bad = next(v for v in values if _scalar_kind(v) is None)
            raise ValueError(f"values must be numbers, text or true/false, found {bad!r}")
        if len(kinds) > 1:
            raise ValueError(
                "values must all be of one kind (all numbers, all text or all true/false)"
            )
        if len(set(map(repr, values))) != len(values):
            raise ValueError("values repeat")
        return
    for key in ("low", "high"):
        if key not in entry:
            raise ValueError(f"missing {key!r}: a range needs low and high")
        if _scalar_kind(entry[key]) != "number":
            raise ValueError(f"{key} must be a finite number, found {entry[key]!r}")
    if not entry["low"] < entry["high"]:
        raise ValueError(f"low ({entry['low']}) must be below high ({entry['high']})")
    levels = entry.get("levels")
    if levels is not None and (
        isinstance(levels, bool) or not isinstance(levels, int) or levels < 2
    ):
        raise ValueError(f"levels must be a whole number of at least 2, found {levels!r}")


# ---------------------------------------------------------------- validating against the model


class PointInvalid(Exception):
    """A scenario value that the model refuses: `path` is where, the message says why."""

    def __init__(self, message: str, path: str = ""):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)

    def about(self, keys: tuple[str, ...]) -> str:
        """The message, naming the key path only when it is not the swept value itself."""
        own = ".".join(keys)
        if self.path in (own, f"{own}.value", ""):
            return self.message
        return f"{self.path}: {self.message}"


def validate_raw(raw: dict[str, Any], ledger: Any = None, references: bool = False) -> Scenario:
    """The Scenario of raw data, or PointInvalid with the first problem."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        problem = _translate(err, raw, Origins(root="-"))
        raise PointInvalid(problem.message, problem.path) from None
    if references:
        problems = check_references(scenario, ledger, Origins(root="-"))
        if problems:
            raise PointInvalid(problems[0].message, problems[0].path)
    return scenario


def _is_int_error(raw: dict[str, Any]) -> bool:
    try:
        Scenario.model_validate(raw)
    except ValidationError as exc:
        return any(e["type"] in ("int_type", "int_from_float") for e in exc.errors())
    return False


def check_param(param: Param, base: dict[str, Any], ledger: Any) -> Param:
    """Check the extremes (or each choice) one at a time against the scenario; detect
    whole-number settings (e.g. an event's `at`)."""
    if param.kind == "range":
        probe = keypath.assign(base, param.keys, param.low + (param.high - param.low) * 0.37)
        if _is_int_error(probe):
            for end in (param.low, param.high):
                if float(end) != int(end):
                    raise ValueError(f"a whole-number setting: {end} is not a whole number")
            param = replace(param, integer=True, low=int(param.low), high=int(param.high))
        trials = [("low", param.low), ("high", param.high)]
    else:
        trials = [(f"value {v!r}", v) for v in param.values or ()]
    for name, value in trials:
        try:
            validate_raw(keypath.assign(base, param.keys, value), ledger, references=True)
        except PointInvalid as exc:
            raise ValueError(f"{name}: {_explain(exc, base, param.keys)}") from None
    return param


def _explain(exc: PointInvalid, base: dict[str, Any], keys: tuple[str, ...]) -> str:
    """The model's complaint, or, for a path the scenario lacks, which key is missing."""
    own = ".".join(keys)
    if exc.path.startswith(own) or "unknown key" in exc.message:
        return exc.about(keys)
    return _missing_hint(base, keys) or exc.about(keys)


def _missing_hint(base: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    """For a path that is not in the scenario: which key is missing, and what is there."""
    node: Any = base
    for depth, key in enumerate(keys):
        if not isinstance(node, dict):
            return None
        if key not in node:
            where = ".".join(keys[:depth]) or "the scenario"
            import difflib

            options = sorted(map(str, node))
            hint = difflib.get_close_matches(key, options, n=1)
            if hint:
                return f"{where} has no {key!r} (did you mean {hint[0]!r}?)"
            shown = f" (keys there: {', '.join(options)})" if options and len(options) <= 12 else ""
            return f"{where} has no {key!r}{shown}"
        node = node[key]
    return None


def _resolve(base: dict[str, Any], path: str) -> tuple[str, ...]:
    keys = keypath.resolve(base, path)
    if keys[0] in FORBIDDEN_ROOTS:
        raise ValueError(
            f"{keys[0]}.* cannot be swept (use --steps, -n and --seed for the run settings)"
        )
    return keys


# ---------------------------------------------------------------- the whole spec


def _int_setting(
    value: Any, name: str, lo: int, hi: int | None, where: _Where, problems: list[Problem]
) -> int | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < lo
        or (hi is not None and value > hi)
    ):
        bound = f"from {lo} to {hi}" if hi is not None else f"at least {lo}"
        problems.append(where.problem((name,), f"expected a whole number {bound}, found {value!r}"))
        return None
    return value


def load_spec(
    spec_path: str | Path,
    param_flags: list[str] | None = None,
    set_flags: dict[str, Any] | None = None,
    *,
    design: str | None = None,
    samples: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    steps: int | None = None,
    chunk_size: int | None = None,
) -> SweepSpec:
    """Read, merge and check a sweep spec; raise ScenarioError/UsageError with every problem."""
    spec_path = Path(spec_path)
    block, where, scenario_path, is_block = read_spec_file(spec_path)
    loaded = load_scenario(scenario_path)
    problems: list[Problem] = []
    unknown = [k for k in block if k not in SPEC_KEYS or (is_block and k == "scenario")]
    for key in unknown:
        import difflib

        hint = difflib.get_close_matches(str(key), SPEC_KEYS, n=1)
        did = (
            f" (did you mean {hint[0]!r}?)"
            if hint
            else f"; expected one of: {', '.join(SPEC_KEYS)}"
        )
        problems.append(where.problem((key,), f"unknown key {key!r}{did}", key=True))

    run = loaded.scenario.run
    file_design = block.get("design")
    if file_design is not None and file_design not in DESIGNS:
        problems.append(
            where.problem(
                ("design",), f"expected one of {', '.join(DESIGNS)}, found {file_design!r}"
            )
        )
        file_design = None
    name = block.get("name")
    if name is not None and (not isinstance(name, str) or not re.match(NAME_ID, name)):
        problems.append(
            where.problem(("name",), f"expected a name matching {NAME_ID}, found {name!r}")
        )
        name = None
    description = block.get("description")
    settings = {
        "samples": _int_setting(block.get("samples"), "samples", 1, None, where, problems),
        "replications": _int_setting(
            block.get("replications"), "replications", 1, 10_000_000, where, problems
        ),
        "seed": _int_setting(block.get("seed"), "seed", 0, 2**63 - 1, where, problems),
        "steps": _int_setting(block.get("steps"), "steps", 1, 10_000, where, problems),
        "chunk_size": _int_setting(block.get("chunk_size"), "chunk_size", 1, None, where, problems),
        "levels": _int_setting(block.get("levels"), "levels", 2, 100, where, problems),
    }
    second_order = block.get("second_order", False)
    if not isinstance(second_order, bool):
        problems.append(
            where.problem(("second_order",), f"expected true or false, found {second_order!r}")
        )
        second_order = False

    # fixed values: the file's `set:` then --set flags
    base = loaded.raw
    fixed: dict[str, Any] = {}
    file_sets = block.get("set") or {}
    if not isinstance(file_sets, dict):
        problems.append(where.problem(("set",), "expected a mapping of key.path: value"))
        file_sets = {}
    entries: list[tuple[str, Any, tuple | None]] = [
        (k, v, ("set", k)) for k, v in file_sets.items()
    ]
    entries += [(k, v, None) for k, v in (set_flags or {}).items()]
    for key, value, loc in entries:
        try:
            keys = _resolve(base, key)
            if isinstance(value, dict | list):
                raise ValueError("expected a single value")
            candidate = keypath.assign(base, keys, value)
            try:
                validate_raw(candidate, loaded.ledger, references=True)
            except PointInvalid as exc:
                raise ValueError(_explain(exc, base, keys)) from None
        except (ValueError, UsageError) as exc:
            if loc is None:
                raise UsageError(f"--set {key}={value}: {exc}") from None
            problems.append(where.entry(loc, key, str(exc)))
            continue
        base = candidate
        fixed[key] = value

    # swept values: the file's `parameters:` then --param flags
    entries_p: list[tuple[str, Any, tuple | None, str]] = []
    file_params = block.get("parameters") or {}
    if not isinstance(file_params, dict):
        problems.append(
            where.problem(("parameters",), "expected a mapping of key.path: range or values")
        )
        file_params = {}
    for key, entry in file_params.items():
        entry = where.source_text(("parameters", key), entry)
        entries_p.append((str(key), entry, ("parameters", key), where.label("parameters", key)))
    for flag in param_flags or []:
        key, sep, text = flag.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"--param {flag}: expected key.path=LOW:HIGH[:N] or key.path=v1,v2,..."
            )
        entries_p.append((key.strip(), text, None, f"--param {flag}"))

    params: dict[str, Param] = {}
    for key, entry, loc, label in entries_p:
        try:
            shape = normalise_param(key, entry)
            check_shape(shape)
            keys = _resolve(base, key)
            if "values" in shape:
                param = Param(key, keys, "choice", values=tuple(shape["values"]), origin=label)
            else:
                param = Param(
                    key, keys, "range", low=shape["low"], high=shape["high"],
                    levels=shape.get("levels"), origin=label,
                )  # fmt: skip
            param = check_param(param, base, loaded.ledger)
        except (ValueError, UsageError) as exc:
            if loc is None:
                raise UsageError(f"--param {key}={entry}: {exc}") from None
            problems.append(where.entry(loc, key, str(exc)))
            continue
        params.pop(key, None)  # a flag replaces the file's entry for the same path
        params[key] = param
    if not problems and not params:
        if not block and is_block:
            raise UsageError(
                f"{spec_path}: nothing to sweep: the scenario has no `sweep:` block "
                "and no --param was given"
            )
        problems.append(where.problem(("parameters",), "no parameters to sweep"))
    seen: dict[tuple[str, ...], str] = {}
    for p in params.values():
        if p.keys in seen:
            problems.append(
                Problem(*_split_label(p.origin), p.path, f"same setting as {seen[p.keys]!r}")
            )
        seen[p.keys] = p.path
    if problems:
        raise ScenarioError(problems)

    chosen_design = design or file_design or "grid"
    name = name or (spec_path.stem if not is_block else loaded.scenario.name)
    if not re.match(NAME_ID, name):  # the file's stem names the results folder
        raise ScenarioError(
            [where.problem((), f"the file name {name!r} is not a name matching {NAME_ID}; "
                               "add a `name:`")]
        )  # fmt: skip
    spec = SweepSpec(
        name=name,
        loaded=loaded,
        base_raw=base,
        params=list(params.values()),
        design=chosen_design,
        samples=samples if samples is not None else settings["samples"],
        replications=replications or settings["replications"] or run.replications,
        seed=seed
        if seed is not None
        else (settings["seed"] if settings["seed"] is not None else run.seed),
        steps=steps or settings["steps"] or run.steps,
        chunk_size=chunk_size or settings["chunk_size"],
        second_order=second_order,
        levels=settings["levels"] or 4,
        fixed=fixed,
        source=str(spec_path),
        description=description if isinstance(description, str) else None,
    )
    check_design(spec, where)
    return spec


def _split_label(label: str) -> tuple[str, int, int]:
    m = re.match(r"^(.*):(\d+):(\d+)$", label)
    if m:
        return m.group(1), int(m.group(2)), int(m.group(3))
    return label, 1, 1


def check_design(spec: SweepSpec, where: _Where) -> None:
    """Design-specific limits, with a message that says what to change."""
    n = spec.n_samples
    if spec.design == "sobol" and n & (n - 1):
        raise UsageError(
            f"sobol design: samples must be a power of two (e.g. {1 << max(1, n.bit_length() - 1)}"
            f" or {1 << n.bit_length()}), found {n}"
        )
    if spec.design == "morris" and n < 2:
        raise UsageError(f"morris design: samples (trajectories) must be at least 2, found {n}")
    if spec.design == "morris" and spec.levels % 2:
        raise UsageError(f"morris design: levels should be even (e.g. 4), found {spec.levels}")
    if spec.design in ("sobol", "morris") and len(spec.params) < 2:
        raise UsageError(f"{spec.design} design: sweep at least two parameters")
