"""The sweep spec as written: a sweep file, or a scenario's `sweep:` block, on pydantic.

Why a model: the spec's settings are checked as the scenario is (sim/scenario/schema.py),
and every problem comes out through the one translator (sim/scenario/messages.py) as
`FILE:LINE:COL: key.path: message`. The values of `set:` and `parameters:` are key paths
into the scenario; they are checked against the model later (sim/jobs/sweep/points.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from sim.errors import Problem, ScenarioError
from sim.jobs.sweep.names import DESIGNS
from sim.scenario import yamlio
from sim.scenario.loader import Origins, load_raw
from sim.scenario.messages import translate_all
from sim.scenario.schema import NAME_ID


def _whole(lo: int, hi: int | None = None) -> BeforeValidator:
    """A whole-number setting in [lo, hi], refused in one sentence that gives the bounds."""

    def check(value: Any) -> Any:
        out_of_range = isinstance(value, int) and (value < lo or (hi is not None and value > hi))
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or
                                  out_of_range):  # fmt: skip
            bound = f"from {lo} to {hi}" if hi is not None else f"at least {lo}"
            raise ValueError(f"expected a whole number {bound}, found {value!r}")
        return value

    return BeforeValidator(check)


def _one_of(choices: tuple[str, ...]) -> BeforeValidator:
    def check(value: Any) -> Any:
        if value is not None and value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, found {value!r}")
        return value

    return BeforeValidator(check)


def _name(value: Any) -> Any:
    if value is not None and (not isinstance(value, str) or not re.match(NAME_ID, value)):
        raise ValueError(f"expected a name matching {NAME_ID}, found {value!r}")
    return value


def _flag(value: Any) -> Any:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, found {value!r}")
    return value


def _mapping(what: str) -> BeforeValidator:
    """`set:` and `parameters:` are mappings of key paths; null means none."""

    def check(value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError(f"expected a mapping of key.path: {what}")
        return value

    return BeforeValidator(check)


class SweepBlock(BaseModel):
    """The settings a sweep file or `sweep:` block may hold (all optional)."""

    model_config = ConfigDict(extra="forbid")

    scenario: str | None = None  # sweep files only (a block sweeps its own file)
    name: Annotated[str | None, BeforeValidator(_name)] = None
    description: str | None = None
    design: Annotated[str | None, _one_of(DESIGNS)] = None
    samples: Annotated[int | None, _whole(1)] = None
    replications: Annotated[int | None, _whole(1, 10_000_000)] = None
    seed: Annotated[int | None, _whole(0, 2**63 - 1)] = None
    steps: Annotated[int | None, _whole(1, 10_000)] = None
    chunk_size: Annotated[int | None, _whole(1)] = None
    second_order: Annotated[bool, BeforeValidator(_flag)] = False
    levels: Annotated[int | None, _whole(2, 100)] = None
    set: Annotated[dict[Any, Any], _mapping("value")] = {}
    parameters: Annotated[dict[Any, Any], _mapping("range or values")] = {}


class Where:
    """Locates problems in the spec: key paths below `prefix` in a YAML file."""

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


def parse_block(block: dict[str, Any], where: Where) -> tuple[SweepBlock, list[Problem]]:
    """The block's settings and every problem with them; a bad setting is left at its
    default, so that the entries' own problems are reported in the same run."""
    try:
        return SweepBlock.model_validate(block), []
    except ValidationError as exc:
        problems = translate_all(exc, block, where, SweepBlock)
        bad = {err["loc"][0] for err in exc.errors() if err["loc"]}
        kept = {k: v for k, v in block.items() if k not in bad}
        try:
            return SweepBlock.model_validate(kept), problems
        except ValidationError:  # settings that fail only together: report, sweep nothing
            return SweepBlock(), problems


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


def read_spec_file(path: Path) -> tuple[dict[str, Any], Where, Path, bool]:
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
        where = Where(str(path), origins)
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
    where = Where(str(path), origins, ("sweep",))
    if block is None:
        return {}, where, path, True
    if not isinstance(block, dict):
        raise ScenarioError([where.problem((), "expected a mapping of sweep settings")])
    if "scenario" in block:
        msg = "a sweep block sweeps its own file; `scenario:` belongs in a sweep file"
        raise ScenarioError([where.problem(("scenario",), msg, key=True)])
    return block, where, path, True
