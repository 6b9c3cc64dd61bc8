"""Calibration spec files (scenarios/calibration/*.yaml) → a validated `CalibrationSpec`.

Coefficient names and bounds come from sim.parameters.PARAMETERS (the model) and
sim.observe.operators.OPERATOR_COEFFICIENTS (the measurement model); nothing is listed here.
"""

from __future__ import annotations

import glob
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import Problem, ScenarioError
from sim.observe.observations import _kind_of
from sim.observe.operators import OPERATOR_COEFFICIENTS
from sim.observe.priors import FAMILIES, Prior
from sim.parameters import PARAMETERS
from sim.paths import is_name
from sim.scenario.yamlio import Located, YamlFail, dotted, fail_to_problem, load_yaml
from sim.structural import bounds as given_bounds
from sim.structural import is_given

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
}
# smc: ABC-SMC (sim/observe/abc.py); rejection: keep the closest `accept` share of
# population/accept prior draws (sim/observe/rejection.py), for many coefficients, where the
# SMC importance weights collapse (docs/calibration.md).
METHODS = ("smc", "rejection")
KEYS = (
    "name", "scenarios", "observations", "coefficients", "operator_coefficients", "method",
    *SETTINGS,
)  # fmt: skip


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


class _Spec:
    def __init__(self, located: Located):
        self.located = located
        self.problems: list[Problem] = []

    def bad(self, path: tuple, expected: str, found: Any, *, key: bool = False) -> None:
        line, col = self.located.where(path, key=key)
        self.problems.append(
            Problem(
                self.located.file,
                line,
                col,
                dotted(path),
                f"expected {expected}, found {_kind_of(found)}",
            )
        )


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
        located = load_yaml(path)
    except YamlFail as fail:
        raise ScenarioError([fail_to_problem(str(path), fail)]) from None
    ck = _Spec(located)
    data = located.data
    if not isinstance(data, dict):
        raise ScenarioError([Problem(str(path), 1, 1, "", "expected a mapping of spec keys")])
    for key in data:
        if key not in KEYS:
            ck.bad((key,), f"one of {', '.join(KEYS)}", key, key=True)
    name = data.get("name", Path(path).stem)
    if not is_name(name):  # it names the results folder: one pattern (sim/paths.py)
        expected = "a name of letters, digits, '_' and '-' (no '/' or '.')"
        if "name" in data:
            ck.bad(("name",), expected, name)
        else:
            ck.bad((), f"a `name:` ({expected}); the file name is not one", name)
    scenarios = _files(ck, data, "scenarios", Path(path).parent)
    observations = _files(ck, data, "observations", Path(path).parent)
    priors = []
    before = len(ck.problems)
    for section in ("coefficients", "operator_coefficients"):
        priors += _priors(ck, data.get(section, {}), section)
    if not priors and len(ck.problems) == before:  # none given (a bad one is already named)
        ck.bad(("coefficients",), "at least one coefficient with a prior", None)
    settings = {k: _setting(ck, data, k, *v) for k, v in SETTINGS.items()}
    settings["method"] = data.get("method", METHODS[0])
    if settings["method"] not in METHODS:
        ck.bad(("method",), f"one of {', '.join(METHODS)}", settings["method"])
    if ck.problems:
        raise ScenarioError(ck.problems)
    return CalibrationSpec(
        name, Path(path), tuple(scenarios), tuple(observations), tuple(priors), settings, data
    )


def _files(ck: _Spec, data: dict, key: str, base: Path) -> list[Path]:
    items = data.get(key)
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        ck.bad((key,), "a non-empty list of file paths (globs allowed)", items)
        return []
    out = []
    for i, item in enumerate(items):
        hits = sorted(glob.glob(str(base / item)))
        if not hits:
            ck.bad((key, i), "a file that exists (relative to the spec)", item)
        out += [Path(h) for h in hits]
    return out


def _priors(ck: _Spec, section: Any, where: str) -> list[Prior]:
    if not isinstance(section, dict):
        ck.bad((where,), "a mapping of coefficient: {prior: ...}", section)
        return []
    out = []
    for name, body in section.items():
        path = (where, name)
        table = PARAMETERS if where == "coefficients" else OPERATOR_COEFFICIENTS
        if name not in table and not (where == "coefficients" and is_given(name)):
            known = (
                "a coefficient of sim.parameters.PARAMETERS or drive_A, pref_A_B, start_A"
                if where == "coefficients"
                else "an operator coefficient (docs/observations.md)"
            )
            ck.bad(path, known, name, key=True)
            continue
        prior = _prior(ck, name, body, path)
        if prior is not None:
            out.append(prior)
    return out


def _prior(ck: _Spec, name: str, body: Any, path: tuple) -> Prior | None:
    if not isinstance(body, dict) or body.get("prior") not in FAMILIES:
        found = body.get("prior") if isinstance(body, dict) else body
        ck.bad(
            (*path, "prior") if isinstance(body, dict) else path,
            f"prior: one of {', '.join(FAMILIES)}",
            found,
        )
        return None
    family = body["prior"]
    lo, hi = bounds_of(name)
    before = len(ck.problems)
    for key in body:
        if key not in ("prior", "lo", "hi", *FAMILIES[family]):
            allowed = ", ".join(("prior", "lo", "hi", *FAMILIES[family]))  # no ", ," (#19)
            ck.bad((*path, key), f"one of {allowed}", key, key=True)
    args = []
    for key in FAMILIES[family]:
        v = body.get(key)
        positive = key in ("sd", "sigma", "a", "b")
        if not _number(v) or (positive and v <= 0):
            ck.bad((*path, key), f"a {'positive ' if positive else ''}number", v)
        else:
            args.append(float(v))
    got_lo, got_hi = body.get("lo", lo), body.get("hi", hi)
    for key, v in (("lo", got_lo), ("hi", got_hi)):
        if not _number(v) or not lo <= v <= hi:
            ck.bad((*path, key), f"a number within the coefficient's bounds [{lo:g}, {hi:g}]", v)
    if len(ck.problems) == before and not got_lo < got_hi:
        ck.bad((*path, "hi"), f"a number above lo = {got_lo:g}", got_hi)
    if family == "lognormal" and len(ck.problems) == before and got_hi <= 0:
        ck.bad((*path, "hi"), "a positive upper bound (lognormal prior)", got_hi)
    if len(ck.problems) > before:
        return None
    low = max(float(got_lo), 1e-12) if family == "lognormal" else float(got_lo)
    return Prior(name, family, tuple(args), low, float(got_hi))


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _setting(ck: _Spec, data: dict, key: str, kind: type, default, lo, hi):
    v = data.get(key, default)
    if kind is bool:
        if not isinstance(v, bool):
            ck.bad((key,), "true or false", v)
            return default
        return v
    ok = isinstance(v, int) and not isinstance(v, bool) if kind is int else _number(v)
    if not ok or not lo <= v <= hi:
        what = "a whole number" if kind is int else "a number"
        ck.bad((key,), f"{what} in [{lo:g}, {hi:g}]", v)
        return default
    return kind(v)
