"""Sweep specs: what to vary, how to sample it, how often to repeat each point.

A spec comes from one of three places, merged in this order (later wins):
1. a `sweep:` block inside a scenario file;
2. a sweep file, a YAML mapping that names its `scenario:` (path relative to the file);
3. command-line flags: `--param key.path=LOW:HIGH[:N]`, `--param key.path=v1,v2,v3`,
   `--set key.path=value`, `--design`, `--samples`, `-n`, `--seed`, `--steps`.

Every problem is reported as one located line (FILE:LINE:COL: key path: message, or
`--param ...: message`) before anything runs; docs/sweeps.md is the reference. The file's
settings are a pydantic model (spec_file.py), the swept values' language is params.py,
and whether a value suits the model is points.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import Problem, ScenarioError, UsageError
from sim.jobs.sweep.names import DESIGNS
from sim.jobs.sweep.params import Param, make_param, split_flag
from sim.jobs.sweep.points import check_param, check_value, refuse_shadowed, resolve, validate_raw
from sim.jobs.sweep.spec_file import SweepBlock, Where, parse_block, read_spec_file
from sim.scenario.loader import LoadedScenario, load_scenario, no_removal
from sim.scenario.schema import NAME_ID

if TYPE_CHECKING:
    from sim.world import ModelInput

__all__ = ["DEFAULT_SAMPLES", "Param", "SweepSpec", "check_design", "load_spec"]

DEFAULT_SAMPLES = {"grid": 5, "lhs": 100, "sobol": 64, "morris": 10}


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

    @cached_property
    def model_input(self) -> ModelInput:
        """The sweep's base model input (the scenario with the fixed values), built once;
        every design point is `sim.scenario.overrides.apply` of it."""
        from sim.world import compile_input  # plots read sweep folders without the model

        return compile_input(validate_raw(self.base_raw), {**self.loaded.overrides, **self.fixed})


def _fixed_values(
    spec: SweepBlock, set_flags: dict[str, Any], loaded: LoadedScenario, where: Where,
    problems: list[Problem],
) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """(scenario with the fixed values, the values): the file's `set:` then --set flags."""
    base = loaded.raw
    fixed: dict[str, Any] = {}
    entries = [(str(k), v, ("set", k)) for k, v in spec.set.items()]
    entries += [(k, v, None) for k, v in set_flags.items()]
    for key, value, loc in entries:
        try:
            keys = resolve(base, key, "set")
            if isinstance(value, dict | list):
                raise ValueError("expected a single value")
            if value is None and (why := no_removal(keys)):  # not "expected a mapping, …"
                raise ValueError(why)
            candidate = check_value(base, keys, value, loaded.ledger)
            refuse_shadowed(candidate, key)
        except (ValueError, UsageError) as exc:
            if loc is None:
                raise UsageError(f"--set {key}={_written(value)}: {exc}") from None
            problems.append(where.entry(loc, key, str(exc)))
            continue
        base = candidate
        fixed[key] = value
    return base, fixed


def _swept_values(
    spec: SweepBlock, param_flags: list[str], base: dict[str, Any], loaded: LoadedScenario,
    where: Where, problems: list[Problem],
) -> list[Param]:  # fmt: skip
    """The swept values: the file's `parameters:` then --param flags (a flag replaces the
    file's entry for the same path)."""
    entries: list[tuple[str, Any, tuple | None, str]] = []
    for key, entry in spec.parameters.items():
        entry = where.source_text(("parameters", key), entry)
        entries.append((str(key), entry, ("parameters", key), where.label("parameters", key)))
    flagged: set[str] = set()
    for flag in param_flags:
        key, text = split_flag(flag)
        if key in flagged:  # the later one used to replace the earlier without a word
            raise UsageError(f"--param {flag}: {key} is already swept by an earlier --param")
        flagged.add(key)
        entries.append((key, text, None, f"--param {flag}"))
    params: dict[str, Param] = {}
    for key, entry, loc, label in entries:
        try:
            param = make_param(key, entry, label, lambda path: resolve(base, path))
            param = check_param(param, base, loaded.ledger)
            refuse_shadowed(base, key)
        except (ValueError, UsageError) as exc:
            if loc is None:
                raise UsageError(f"--param {key}={entry}: {exc}") from None
            problems.append(where.entry(loc, key, str(exc)))
            continue
        params.pop(key, None)
        params[key] = param
    return list(params.values())


def _same_settings(params: list[Param]) -> list[Problem]:
    """Two spellings of one setting (an effect written with and without its weight)."""
    seen: dict[tuple[str, ...], str] = {}
    out = []
    for p in params:
        if p.keys in seen:
            message = f"same setting as {seen[p.keys]!r}"
            out.append(Problem(*_split_label(p.origin), p.path, message))
        seen[p.keys] = p.path
    return out


def _written(value: Any) -> str:
    """A --set value as it was written: `null`, `true`, not Python's `None`, `True`."""
    return json.dumps(value) if value is None or isinstance(value, bool) else str(value)


def _swept_and_fixed(
    params: list[Param], fixed: dict[str, Any], set_flags: dict[str, Any], base: dict[str, Any],
    where: Where, problems: list[Problem],
) -> list[Param]:  # fmt: skip
    """The swept values without those a --set fixes (later wins, docs/sweeps.md).

    A value both fixed and swept used to be swept anyway while the manifest recorded it as
    fixed too. A --set of a value the file sweeps fixes it; a --set of a value a --param
    sweeps, or a file that both fixes and sweeps a value, is refused."""
    swept = {p.keys: p for p in params}
    for key, value in fixed.items():
        param = swept.get(tuple(resolve(base, key)))
        if param is None:
            continue
        message = f"also swept ({param.origin or param.path}); fix it or sweep it, not both"
        if key not in set_flags:
            problems.append(where.entry(("set", key), key, message))
        elif param.origin.startswith("--param"):
            raise UsageError(f"--set {key}={_written(value)}: {message}")
        else:
            del swept[param.keys]
            if not swept:
                raise UsageError(
                    f"--set {key}={_written(value)}: fixes the last value the spec sweeps"
                )
    return list(swept.values())


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
    spec, problems = parse_block(block, where)
    base, fixed = _fixed_values(spec, set_flags or {}, loaded, where, problems)
    params = _swept_values(spec, param_flags or [], base, loaded, where, problems)
    problems += _same_settings(params)
    if not problems:
        params = _swept_and_fixed(params, fixed, set_flags or {}, base, where, problems)
    if not problems and not params:
        if not block and is_block:
            raise UsageError(
                f"{spec_path}: nothing to sweep: the scenario has no `sweep:` block "
                "and no --param was given"
            )
        problems.append(where.problem(("parameters",), "no parameters to sweep"))
    if problems:
        raise ScenarioError(problems)
    name = spec.name or (spec_path.stem if not is_block else loaded.scenario.name)
    if not re.match(NAME_ID, name):  # the file's stem names the results folder
        raise ScenarioError(
            [where.problem((), f"the file name {name!r} is not a name matching {NAME_ID}; "
                               "add a `name:`")]
        )  # fmt: skip
    run = loaded.scenario.run
    out = SweepSpec(
        name=name,
        loaded=loaded,
        base_raw=base,
        params=params,
        design=design or spec.design or "grid",
        samples=samples if samples is not None else spec.samples,
        replications=replications or spec.replications or run.replications,
        seed=seed if seed is not None else (spec.seed if spec.seed is not None else run.seed),
        steps=steps or spec.steps or run.steps,
        chunk_size=chunk_size or spec.chunk_size,
        second_order=spec.second_order,
        levels=spec.levels or 4,
        fixed=fixed,
        source=str(spec_path),
        description=spec.description,
    )
    check_design(out)
    _check_model_values(out)
    return out


def _check_model_values(spec: SweepSpec) -> None:
    """Each swept value put into the sweep's model input, as every design point will be.

    Why: the scenario check (points.py) accepts any key the scenario file has, `name` and
    `title` too, but a design point changes the built model input, which holds none of
    those; such a sweep used to print its plan line and fail at design point 0."""
    from sim.scenario.overrides import InvalidValue, apply

    for param in spec.params:
        if param.kind == "range":
            trials = [("low", param.low), ("high", param.high)]
        else:
            trials = [(f"value {v!r}", v) for v in param.values or ()]
        for label, value in trials:
            try:
                apply(spec.model_input, {param.path: value})
            except InvalidValue as exc:
                why = f"{label}: {exc.about(param.keys)}"  # as points.check_param says it
                if param.origin.startswith("--param"):
                    raise UsageError(f"{param.origin}: {why}") from None
                raise ScenarioError(
                    [Problem(*_split_label(param.origin), param.path, why)]
                ) from None


def _split_label(label: str) -> tuple[str, int, int]:
    m = re.match(r"^(.*):(\d+):(\d+)$", label)
    if m:
        return m.group(1), int(m.group(2)), int(m.group(3))
    return label, 1, 1


def check_design(spec: SweepSpec) -> None:
    """Design-specific limits, with a message that says what to change. The design is
    checked first: `sim.sweep(design=...)` passes it unchecked (argparse checks `--design`,
    the file's schema `design:`), and an unknown one was a KeyError."""
    if spec.design not in DESIGNS:
        raise UsageError(f"design: expected one of {', '.join(DESIGNS)}, found {spec.design!r}")
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
