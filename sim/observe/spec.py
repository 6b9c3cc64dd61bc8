"""Calibration spec files (scenarios/calibration/*.yaml) → a validated `CalibrationSpec`.

Coefficient names and bounds come from sim.parameters.PARAMETERS (the model) and
sim.observe.operators.OPERATOR_COEFFICIENTS (the measurement model); nothing is listed here.
The file and each prior are pydantic models (the settings' fields made from `SETTINGS`, a
prior's from its family in sim.observe.priors.FAMILIES), and every problem goes through
the one translator (sim/scenario/messages.py) as FILE:LINE:COL: key.path: message.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
)

from sim.errors import Problem, ScenarioError
from sim.observe.operators import OPERATOR_COEFFICIENTS
from sim.observe.priors import FAMILIES, Prior
from sim.observe.spec_files import glob_files
from sim.parameters import PARAMETERS, not_fitted
from sim.paths import is_name
from sim.scenario.file_kinds import wrong_kind
from sim.scenario.messages import FileLocator, expected_found, require, translate_all
from sim.scenario.yamlio import YamlFail, fail_to_problem, load_yaml
from sim.structural import bounds as given_bounds
from sim.structural import is_given, name_problem

SETTINGS = {  # key: (type, default, lowest, highest)
    "population": (int, 100, 4, 100_000),
    "generations": (int, 5, 1, 100),
    "quantile": (float, 0.5, 0.05, 0.95),
    "min_epsilon": (float, 0.0, 0.0, 1e9),
    "replications": (int, 2, 1, 1000),
    "seed": (int, 1, 0, 2**63 - 1),
    "max_batches": (int, 20, 1, 10_000),
    "predictive_replications": (int, 200, 1, 1_000_000),
    "no_war": (bool, False, False, True),
    "accept": (float, 0.04, 0.001, 1.0),  # rejection: share of prior draws kept
    "origin_inputs_only": (bool, False, False, True),  # rolling forecasts: inputs ≤ origin
}
# smc: ABC-SMC (sim/observe/abc.py); rejection: keep the closest `accept` share of
# population/accept prior draws (sim/observe/rejection.py), for many coefficients, where the
# SMC importance weights collapse (docs/calibration.md).
METHODS = ("smc", "rejection")


@dataclass(frozen=True)
class CalibrationSpec:
    name: str
    file: Path
    scenarios: tuple[Path, ...]
    observations: tuple[Path, ...]
    priors: tuple[Prior, ...]
    settings: dict[str, Any]
    raw: dict[str, Any]

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.priors]

    def content_hash(self) -> str:
        text = json.dumps(self.raw, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def bounds_of(name: str) -> tuple[float, float] | None:
    if name in PARAMETERS:
        return float(PARAMETERS[name].lo), float(PARAMETERS[name].hi)
    if name in OPERATOR_COEFFICIENTS:
        c = OPERATOR_COEFFICIENTS[name]
        return float(c.lo), float(c.hi)
    if given_bounds(name) is not None:  # drive_A, pref_A_B, start_A (sim/structural.py)
        g = given_bounds(name)
        return float(g.lo), float(g.hi)
    return None


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _setting(kind: type, lo: float, hi: float) -> BeforeValidator:
    """A setting of `SETTINGS`: true/false, or a (whole) number in [lo, hi]."""

    def check(v: Any) -> Any:
        if kind is bool:
            return require(isinstance(v, bool), "true or false", v)
        ok = isinstance(v, int) and not isinstance(v, bool) if kind is int else _number(v)
        what = "a whole number" if kind is int else "a number"
        shown = f"[{lo}, {hi}]" if kind is int else f"[{lo:g}, {hi:g}]"  # 2**63 - 1 exactly
        return kind(require(ok and lo <= v <= hi, f"{what} in {shown}", v))

    return BeforeValidator(check)


def _files(v: Any) -> Any:
    ok = isinstance(v, list) and bool(v) and all(isinstance(i, str) for i in v)
    return require(ok, "a non-empty list of file paths (globs allowed)", v)


def _section(v: Any) -> Any:
    return require(isinstance(v, dict), "a mapping of coefficient: {prior: ...}", v)


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Any = None  # checked with the file's name in load_spec
    scenarios: Annotated[list[str], BeforeValidator(_files)] = Field(None, validate_default=True)
    observations: Annotated[list[str], BeforeValidator(_files)] = Field(None, validate_default=True)
    coefficients: Annotated[dict[Any, Any], BeforeValidator(_section)] = {}
    operator_coefficients: Annotated[dict[Any, Any], BeforeValidator(_section)] = {}
    method: Literal[METHODS] = METHODS[0]  # one list of methods (a tuple is its members)


CalibrationFile = create_model(
    "CalibrationFile",
    __base__=_Fields,
    **{k: (Annotated[kind, _setting(kind, lo, hi)], default)
       for k, (kind, default, lo, hi) in SETTINGS.items()},
)  # fmt: skip


class _PriorBase(BaseModel):
    """A prior's bounds: within the coefficient's (the validation context), lo below hi
    (`lo` is declared before `hi`, so hi's check can read it); a lognormal's lo at least 0
    and hi above 0 (drive_PRK's lo of −0.1 was raised to 1e-12 without a word)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("lo", "hi", mode="before", check_fields=False)
    @classmethod
    def _within(cls, v: Any, info: ValidationInfo) -> Any:
        lo, hi = info.context["bounds"]
        given = v is not None
        v = {"lo": lo, "hi": hi}[info.field_name] if v is None else v
        ok = _number(v) and lo <= v <= hi
        require(ok, f"a number within the coefficient's bounds [{lo:g}, {hi:g}]", v)
        if info.field_name == "lo" and info.data.get("prior") == "lognormal":  # drive_A: −0.1
            whose = "" if given else " (lo is not given: the coefficient's own bound)"
            require(v >= 0, "a lower bound of at least 0 for a lognormal prior, which has no "
                            f"mass below 0{whose}", v)  # fmt: skip
        earlier = set(cls.model_fields) - {"hi"}
        if info.field_name == "hi" and earlier <= set(info.data):  # else: reported already
            require(info.data["lo"] < v, f"a number above lo = {info.data['lo']:g}", v)
            if info.data["prior"] == "lognormal":
                require(v > 0, "a positive upper bound (lognormal prior)", v)
        return v


def _argument(positive: bool) -> Any:
    def check(v: Any) -> Any:
        ok = _number(v) and (not positive or v > 0)
        return require(ok, f"a {'positive ' if positive else ''}number", v)

    return (Annotated[float, BeforeValidator(check)], Field(None, validate_default=True))


PRIOR_MODELS = {
    family: create_model(
        f"{family.title()}Prior",
        __base__=_PriorBase,
        prior=(Literal[family], ...),
        **{arg: _argument(arg in ("sd", "sigma", "a", "b")) for arg in args},
        lo=(float, Field(None, validate_default=True)),
        hi=(float, Field(None, validate_default=True)),
    )
    for family, args in FAMILIES.items()
}  # one model per family: its arguments are its only keys besides prior, lo and hi


def is_calibration_spec(path: Path) -> bool:
    """A calibration spec names `scenarios:` and `observations:` and no actors of its own.
    Cheap and forgiving: an unreadable file is "not a spec", so the scenario loader reports
    its real problem."""
    try:
        data = load_yaml(path).data
    except (YamlFail, OSError, UnicodeDecodeError):
        return False
    return (
        isinstance(data, dict)
        and {"scenarios", "observations"} <= set(data)
        and ("actors" not in data)
    )


def load_spec(path: Path) -> CalibrationSpec:
    """Read and check a spec; raise ScenarioError listing every problem, located."""
    try:
        located = load_yaml(path, "a mapping of spec keys")
    except YamlFail as fail:
        raise ScenarioError([fail_to_problem(str(path), fail)]) from None
    data = located.data
    if not isinstance(data, dict):
        raise ScenarioError([Problem(str(path), 1, 1, "", "expected a mapping of spec keys")])
    other = wrong_kind(data, Path(path), "calibration spec")  # a scenario: one line
    if other is not None:
        raise ScenarioError([Problem(str(path), 1, 1, "", other)])
    where = FileLocator(located)
    problems: list[Problem] = []
    try:
        settings = CalibrationFile.model_validate(data).model_dump()
        bad: set[Any] = set()
    except ValidationError as exc:
        problems += translate_all(exc, data, where, CalibrationFile)
        settings, bad = {}, {e["loc"][0] for e in exc.errors() if e["loc"]}
    name = _name(data, Path(path), where, problems)
    _one_generation(settings, where, problems)
    base = Path(path).parent
    scenarios = [] if "scenarios" in bad else glob_files(data, "scenarios", base, where, problems)
    observations = (
        [] if "observations" in bad else glob_files(data, "observations", base, where, problems)
    )
    priors = _priors(data, bad, where, problems)
    if not problems:
        _given_actors(scenarios, priors, where, problems)
    if problems:
        raise ScenarioError(problems)
    chosen = {**{k: settings[k] for k in SETTINGS}, "method": settings["method"]}
    return CalibrationSpec(name, Path(path), tuple(scenarios), tuple(observations),
                           tuple(priors), chosen, data)  # fmt: skip


def check_inputs(spec: CalibrationSpec) -> None:
    """Every problem of the spec's scenario and observation files, as `calibrate` reads
    them (raise ScenarioError). `validate` said "ok" for a spec whose observation file
    `calibrate` then refused at once, line by line."""
    from sim.observe.observations import load_observations
    from sim.scenario.loader import load_scenario

    problems: list[Problem] = []
    for path in spec.scenarios:
        try:
            load_scenario(path)
        except ScenarioError as exc:
            problems += exc.problems
    try:
        load_observations(list(spec.observations))
    except ScenarioError as exc:
        problems += exc.problems
    if problems:
        raise ScenarioError(problems)


def _one_generation(settings: dict, where: FileLocator, problems: list[Problem]) -> None:
    """ABC-SMC needs two generations: generation 0 keeps every prior draw (ε = ∞), so with
    `generations: 1` the prior's draws were written as the posterior, exit 0. Rejection
    reads no `generations`; the prior's draws as they are come from `accept: 1` there."""
    if settings.get("method") == "smc" and settings.get("generations") == 1:
        message = expected_found(
            "at least 2 generations for method: smc (generation 0 keeps every prior draw, "
            "so one generation fits nothing; for the prior's draws themselves use method: "
            "rejection with accept: 1)", 1)  # fmt: skip
        problems.append(where.problem(("generations",), message))


def _name(data: dict, path: Path, where: FileLocator, problems: list[Problem]) -> str:
    """It names the results folder: one pattern (sim/paths.py); the file's stem by default."""
    name = data.get("name", path.stem)
    if not is_name(name):
        expected = "a name of letters, digits, '_' and '-' (no '/' or '.')"
        if "name" in data:
            problems.append(where.problem(("name",), expected_found(expected, name)))
        else:
            message = expected_found(f"a `name:` ({expected}); the file name is not one", name)
            problems.append(where.problem((), message))
    return name


def _priors(data: dict, bad: set, where: FileLocator, problems: list[Problem]) -> list[Prior]:
    before = len(problems)
    out = []
    for section in ("coefficients", "operator_coefficients"):
        if section in bad:
            continue
        for name, body in data.get(section, {}).items():
            prior = _prior(section, name, body, where.below(section, name), problems)
            out += [prior] if prior else []
    if not out and len(problems) == before and not bad & {"coefficients", "operator_coefficients"}:
        message = expected_found("at least one coefficient with a prior", None)
        problems.append(where.problem(("coefficients",), message))  # none given
    return out


def _given_actors(
    scenarios: list[Path], priors: list[Prior], where: FileLocator, problems: list[Problem]
) -> None:
    """A structural term (drive_A, pref_A_B, start_A) names actors of every scenario.

    Why: `drive_XYZ` passed `validate`, and `calibrate` ended in a KeyError traceback from
    the engine after the prior draws. The scenarios are loaded here (their own problems
    are reported as they are)."""
    from sim.errors import UsageError
    from sim.scenario.loader import load_scenario
    from sim.structural import parse

    given = [p.name for p in priors if is_given(p.name)]
    if not given:
        return
    for path in scenarios:
        ids = set(load_scenario(path).scenario.actors)
        for name in given:
            try:  # pref_A_B_C may read as A_B with C or A with B_C: the scenario's ids decide
                actors = parse(name, ids)[1]
            except UsageError as exc:
                problems.append(where.problem(("coefficients", name), f"{exc} in {path}",
                                              key=True))  # fmt: skip
                continue
            missing = [a for a in actors if a not in ids]
            if missing:
                message = (
                    f"{missing[0]} is not an actor of {path} (it has {', '.join(sorted(ids))})"
                )
                problems.append(where.problem(("coefficients", name), message, key=True))


def _prior(section: str, name: Any, body: Any, where: FileLocator,
           problems: list[Problem]) -> Prior | None:  # fmt: skip
    table = PARAMETERS if section == "coefficients" else OPERATOR_COEFFICIENTS
    if name not in table and not (section == "coefficients" and is_given(name)):
        known = (
            "a coefficient of sim.parameters.PARAMETERS or drive_A, pref_A_B, start_A"
            if section == "coefficients"
            else "an operator coefficient (docs/observations.md)"
        )
        problems.append(where.problem((), expected_found(known, name), key=True))
        return None
    if not_fitted(name) or name_problem(name):
        problems.append(where.problem((), not_fitted(name) or name_problem(name), key=True))
        return None
    if not isinstance(body, dict) or body.get("prior") not in FAMILIES:
        found = body.get("prior") if isinstance(body, dict) else body
        message = expected_found(f"prior: one of {', '.join(FAMILIES)}", found)
        problems.append(where.problem(("prior",) if isinstance(body, dict) else (), message))
        return None
    model = PRIOR_MODELS[body["prior"]]
    try:
        got = model.model_validate(body, context={"bounds": bounds_of(name)})
    except ValidationError as exc:
        problems += translate_all(exc, body, where, model)
        return None
    args = tuple(getattr(got, arg) for arg in FAMILIES[got.prior])
    low = max(got.lo, 1e-12) if got.prior == "lognormal" else got.lo  # lo ≥ 0: its density 0 at 0
    prior = Prior(name, got.prior, args, low, got.hi)
    if not prior.log_mass() > -float("inf"):  # every draw would sit at a bound, unsaid
        problems.append(where.problem((), _no_mass(got, body)))
        return None
    return prior


def _no_mass(got: BaseModel, body: dict) -> str:
    words = ", ".join(f"{arg} {body[arg]:g}" for arg in FAMILIES[got.prior])
    return (
        f"expected a prior with mass within the coefficient's bounds [{got.lo:g}, {got.hi:g}], "
        f"found {got.prior} ({words}), which puts none there"
    )
