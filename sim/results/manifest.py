"""One manifest model per kind of results folder, and the one place manifests are checked.

Why: six commands wrote `manifest.json` from hand-built dicts and three readers checked
them against two different lists of kinds. Here each kind declares the fields its readers
use (pydantic, strict: `"12"` is not a number, `true` is not a count); a writer checks its
manifest against the same model before writing it (`sim/results/write.py`), so a folder
that is written can always be read. Other fields ride along (`extra="allow"`): the
manifest keeps everything a command records (versions, command, resolved scenario).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Count = Annotated[int, Field(ge=1)]  # replications, steps, draws: at least one
Seed = Annotated[int, Field(ge=0)]


class Counterfactual(BaseModel):
    """What a run's effects are measured against; readers show its `label`."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)
    label: str | None = None


class Manifest(BaseModel):
    """Fields any kind may carry; checked when present.

    Every field a reader (plots, report) takes apart is declared here: a hand-edited
    `"counterfactual": "x"` or `"versions": []` used to pass the check and end in an
    AttributeError traceback inside the report."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)

    kind: str
    root_seed: Seed | None = None
    n_points: Count | None = None
    n_runs: Count | None = None
    n_chunks: Count | None = None
    name: str | None = None
    resolved_scenario: dict[str, Any] | None = None
    step_unit: Literal["month", "week", "quarter", "year"] | None = None
    start: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = None
    created_utc: str | None = None
    counterfactual: Counterfactual | None = None
    versions: dict[str, str] | None = None
    command: list[str] | None = None
    argv: list[str] | None = None
    title: str | None = None
    scenario_file: str | None = None
    structure: str | None = None
    nominal_class: str | None = None
    method: str | None = None
    common_random_numbers: bool | None = None


class RunManifest(Manifest):
    kind: Literal["run"]
    scenario: str
    replications: Count
    steps: Count
    actors: list[str] | None = None  # actors shown (active, or switched on by an event)
    overrides: dict[str, Any] | None = None


class CompareEntry(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, strict=True)
    name: str
    actors: list[str] | None = None
    title: str | None = None


class CompareManifest(Manifest):
    kind: Literal["compare"]
    scenarios: list[CompareEntry]
    replications: Count
    steps: Count
    reference: str | None = None
    actors: list[str] | None = None  # shown in any scenario; None in folders written before


class SweepParameter(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, strict=True)
    path: str


class SweepManifest(Manifest):
    kind: Literal["sweep"]
    design: Literal["grid", "lhs", "sobol", "morris"]  # sim/jobs/sweep/names.py DESIGNS
    parameters: Annotated[list[SweepParameter], Field(min_length=1)]
    replications: Count
    steps: Count
    scenario: str | None = None
    # what `analyze` hands SALib (round 21: an edited `levels: 0` wrote Morris indices of
    # NaN, `design_seed: -1` said "the tables do not match the manifest (ValueError: …)")
    samples: Count | None = None
    second_order: bool | None = None
    levels: Annotated[int, Field(ge=2, le=100)] | None = None
    design_seed: Seed | None = None


class RobustnessManifest(Manifest):
    kind: Literal["robustness"]
    scenario: str
    draws: Count
    replications_per_draw: Count
    spread: float | None = Field(default=None, strict=False)
    steps: Count | None = None


class CalibrationManifest(Manifest):
    kind: Literal["calibration"]
    coefficients: list[str]
    episodes: list[str]
    spec: str | None = None


class HindcastManifest(Manifest):
    kind: Literal["hindcast"]
    scenario: str


MODELS: dict[str, type[Manifest]] = {
    "run": RunManifest,
    "compare": CompareManifest,
    "sweep": SweepManifest,
    "robustness": RobustnessManifest,
    "calibration": CalibrationManifest,
    "hindcast": HindcastManifest,
}
KINDS: tuple[str, ...] = tuple(MODELS)


class ManifestError(ValueError):
    """A manifest that does not match its kind's model; `str()` is one line without the path."""


def parse_manifest(data: Any) -> Manifest:
    """The typed manifest of a JSON object; ManifestError (one line) when it does not fit."""
    if not isinstance(data, dict):
        raise ManifestError(f"expected a JSON object, found {json_word(data)}")
    kind = data.get("kind")
    if kind not in MODELS:
        raise ManifestError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    try:
        return MODELS[kind].model_validate(data)
    except ValidationError as exc:
        raise ManifestError(_first_problem(exc, kind)) from None


def _first_problem(exc: ValidationError, kind_name: str) -> str:
    """`replications: expected a whole number, found text` from pydantic's first error."""
    err = exc.errors(include_url=False)[0]
    loc = [str(p) for p in err["loc"] if not str(p).startswith(("function-", "lax-"))]
    where = ".".join(loc) or "manifest"
    value = err.get("input")
    kind = err["type"]
    if kind == "missing":
        return f"{where}: missing (a {kind_name} manifest needs it)"
    if kind == "greater_than_equal" and err.get("ctx", {}).get("ge", 1) > 1:
        return f"{where}: expected a whole number of at least {err['ctx']['ge']}, found {value}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{where}: expected a positive whole number, found {value}"
    if kind == "less_than_equal":
        return f"{where}: expected a whole number of at most {err['ctx']['le']}, found {value}"
    if kind == "model_type" or kind == "dict_type":
        field = loc[-1] if loc else ""
        key = {"parameters": "path", "scenarios": "name"}.get(loc[0] if loc else "", field)
        if len(loc) == 2 and loc[0] in ("parameters", "scenarios"):
            return f"{where}: expected an object with a '{key}'"
        return f"{where}: expected an object, found {json_word(value)}"
    if kind == "too_short":  # a sweep without parameters
        return f"{where}: expected at least one item, found none"
    if kind == "literal_error":  # one of a few words (the kind, a step unit)
        return f"{where}: expected one of {err['ctx']['expected']}, found {value!r}"[:300]
    if kind == "string_pattern_mismatch":  # the start month
        return f"{where}: expected a month YYYY-MM, found {value!r}"[:300]
    want = _WANT.get(kind.split("_")[0], kind.replace("_", " "))
    return f"{where}: expected {want}, found {json_word(value)}"


_WANT = {"int": "a whole number", "string": "text", "list": "a list", "float": "a number",
         "dict": "an object", "bool": "true or false"}  # fmt: skip


def json_word(value: Any) -> str:
    """How a JSON value reads in a message: 'text', 'a number', 'nothing'."""
    if value is None:
        return "nothing"
    return {bool: "true/false", str: "text", int: "a number", float: "a number",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)  # fmt: skip


def compared_actors(manifest: dict[str, Any]) -> list[Any] | None:
    """The actors a compare folder's scenario entries list as shown, each once in order, or
    None when some entry lists none (folders written before the entries said): the one
    reading of that field for the reader (ResultsFolder.listed_actors) and the checks."""
    lists = [s.get("actors") for s in manifest.get("scenarios", []) if isinstance(s, dict)]
    if lists and all(isinstance(x, list) for x in lists):
        return list(dict.fromkeys(a for x in lists for a in x))
    return None
