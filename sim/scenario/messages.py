"""pydantic errors → one located line each: `FILE:LINE:COL: key.path: expected X, found Y`.

Why one module: the scenario loader, `--set` overrides, sweep specs (sim/jobs/sweep/
spec_file.py) and the observation/calibration specs all speak to the same user, so a bad
value must be described in the same words wherever it is written. Each caller validates
with its own pydantic model and passes a locator (anything with
`problem(path, message, key=False) -> Problem`, e.g. `sim.scenario.loader.Origins`).
"""

from __future__ import annotations

import difflib
import math
from types import UnionType
from typing import Annotated, Any, Protocol, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sim.errors import Problem
from sim.scenario.schema import ACTOR_ID, NAME_ID, Scenario
from sim.scenario.yamlio import EXPONENT, Located, dotted


class Locator(Protocol):
    """Turns a key path and a message into a located Problem."""

    def problem(self, path: tuple, message: str, *, key: bool = False) -> Problem: ...


class FileLocator:
    """Locates key paths in one YAML file (no `extends`): observation and calibration files."""

    def __init__(self, located: Located, prefix: tuple = ()):
        self.located = located
        self.prefix = prefix  # where the validated part sits in the file

    def problem(self, path: tuple, message: str, *, key: bool = False) -> Problem:
        full = (*self.prefix, *path)
        line, col = self.located.where(full, key=key)
        return Problem(self.located.file, line, col, dotted(full), message)

    def below(self, *path: Any) -> FileLocator:
        return FileLocator(self.located, (*self.prefix, *path))


def expected_found(expected: str, value: Any) -> str:
    """`expected X, found Y` with Y as the observation and calibration files quote it; a
    number YAML 1.1 read as text (`1.0e300`) gets the scenario loader's hint."""
    as_text = isinstance(value, str) and "number" in expected and EXPONENT.match(value)
    if as_text and math.isfinite(float(value.replace("_", ""))):
        fixed = _exponent_fix(value)
        return f"expected {expected}, found {value}, which YAML reads as text: write {fixed}"
    return f"expected {expected}, found {quoted(value)}"


def require(ok: bool, expected: str, value: Any) -> Any:
    """`value` when `ok`; else a ValueError `expected X, found Y`, which pydantic carries to
    `translate` as a `value_error` (its message is printed as it is)."""
    if not ok:
        raise ValueError(expected_found(expected, value))
    return value


def quoted(value: Any) -> str:
    """A found value, short: `'abc'`, `20`, `true`, `nothing`, `a list`."""
    return describe(value, plain=True)


def translate_all(
    exc: ValidationError, raw: Any, where: Locator, root: type[BaseModel] = Scenario
) -> list[Problem]:
    """Every error of `exc` (unions merged to one line per value), in the file's words."""
    return [translate(err, raw, where, root) for err in merge_union_errors(exc.errors(), raw)]


_UNION_TAGS = {"float": "a number", "int": "a whole number", "bool": "true/false", "str": "text"}


def merge_union_errors(errors: list[Any], raw: Any) -> list[dict[str, Any]]:
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


def _is_key(raw: Any, loc: tuple) -> bool:
    """True when the last part of `loc` is a key written in the data (not a pydantic tag)."""
    node: Any = raw
    for part in loc[:-1]:
        in_map = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if not (in_map or in_list):
            return False
        node = node[part]
    return isinstance(node, dict) and loc[-1] in node


def translate(
    err: dict[str, Any], raw: Any, origins: Locator, root: type[BaseModel] = Scenario
) -> Problem:
    """A pydantic error in the words of the file: expected what, found what."""
    loc = tuple(err["loc"])
    kind = err["type"]
    # A bare number is wrapped as {value: n}; report it at the number itself.
    if loc and loc[-1] == "value" and not _is_weight_object(raw, loc[:-1]):
        loc = loc[:-1]
    loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
    found = describe(err.get("input"))
    if loc and loc[-1] == "[key]":  # a bad mapping key (an id): point at the key itself
        return origins.problem(loc[:-1], f"{_expected(err)}, found {found}", key=True)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], root)
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        did = f" (did you mean {hint[0]!r}?)" if hint else ""
        known = f"; expected one of: {', '.join(allowed)}" if allowed and not hint else ""
        return origins.problem(loc, f"unknown key {loc[-1]!r}{did}{known}", key=True)
    if kind == "missing":
        return origins.problem(loc[:-1], f"missing required key {loc[-1]!r}")
    number_text = isinstance(err.get("input"), str) and EXPONENT.match(err["input"])
    if number_text and kind in ("float_type", "int_type", "union_type", "model_type", "dict_type"):
        return origins.problem(loc, _exponent_text(err["input"]))
    if kind in ("model_type", "dict_type") and _is_weight_loc(loc, root):
        return origins.problem(loc, f"expected a number or {{value, evidence}}, found {found}")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return origins.problem(loc, f"{_range_text(err)}, found {found}")
    expected = _expected(err)
    if kind == "value_error":  # a model's own check: its message says what is wrong
        return origins.problem(loc, expected)
    if kind == "string_type" and isinstance(err.get("input"), bool):  # `actor: NO` (Norway)
        found += f"{_BOOLEAN_WORDS}; quote the text"
    if kind == "too_short":  # one actor said "expected at least 2 items, found a mapping"
        have = err.get("ctx", {}).get("actual_length")
        if isinstance(have, int):
            found = f"{have} item" + ("" if have == 1 else "s")
    return origins.problem(loc, f"{expected}, found {found}")


_BOOLEAN_WORDS = " (YAML reads an unquoted yes, no, on or off as a boolean)"


def _exponent_text(text: str) -> str:
    """Why `1e-3` or `1e400` is not a number here, and what to write instead.

    YAML 1.1 wants a dot and a signed exponent: `1.5e2` needs `1.5e+2` (the hint used to
    repeat `1.5e2`, the very text refused)."""
    value = float(text.replace("_", ""))
    if not math.isfinite(value):
        return f"expected a finite number, found {text} (beyond the largest number, ~1.8e308)"
    return f"expected a number, found {text}, which YAML reads as text: write {_exponent_fix(text)}"


def _exponent_fix(text: str) -> str:
    """`1e-3` → `1.0e-3`, `1.5e2` → `1.5e+2`: what YAML 1.1 reads as a number."""
    mantissa, _, exponent = text.lower().partition("e")
    mantissa = mantissa if "." in mantissa else mantissa + ".0"
    return f"{mantissa}e{exponent if exponent[:1] in ('+', '-') else '+' + exponent}"


def _is_weight_object(raw: Any, loc: tuple) -> bool:
    node: Any = raw
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
        else:
            return False
    return isinstance(node, dict)


def _is_weight_loc(loc: tuple, root: type[BaseModel]) -> bool:
    model = _model_at(loc, root)
    return model is not None and "Weight" in model.__name__


def _range_text(err: dict[str, Any]) -> str:
    ctx = err.get("ctx", {})
    words = {"ge": "at least", "le": "at most", "gt": "more than", "lt": "less than"}
    for key, word in words.items():
        if key in ctx:
            return f"expected a number {word} {ctx[key]}"
    return err["msg"]


# The schema's patterns in words: `run.start: 2024-06-01` said "expected an id matching
# ^\d{4}-\d{2}$", a regular expression for a date, and called the date an id.
PATTERN_WORDS = {
    ACTOR_ID: "an id matching ^[A-Z][A-Z0-9_]{1,11}$ (an actor id: capital letters, digits "
    "and '_', like PRK)",
    NAME_ID: "an id matching ^[A-Za-z0-9][A-Za-z0-9_\\-]{0,63}$ (letters, digits, '_' and '-')",
    r"^\d{4}-\d{2}$": "a year and month like 2024-06 (YYYY-MM)",
}


def _pattern_words(pattern: str) -> str:
    return "expected " + PATTERN_WORDS.get(pattern, f"text matching {pattern}")


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
        "string_pattern_mismatch": _pattern_words(str(err.get("ctx", {}).get("pattern", ""))),
        "too_short": "expected at least "
        + str(err.get("ctx", {}).get("min_length", ""))
        + " items",
        "value_error": str(err.get("ctx", {}).get("error", err["msg"])),
        "union_type": "expected " + str(err.get("ctx", {}).get("expected", "")),
    }
    return table.get(kind, err["msg"].rstrip(".").lower().replace("input should be", "expected"))


def describe(value: Any, *, plain: bool = False) -> str:
    """A found value in words: `text 'abc'`, `nothing (null)`, `a mapping`. `plain`: the
    shorter spelling of observation and calibration files (`'abc'`, `nothing`, `true`)."""
    if value is None:
        return "nothing" if plain else "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower() if plain else f"boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"{value!r}"
    if isinstance(value, str):
        if plain:
            return f"{value!r}" if len(value) <= 40 else f"{value[:37]!r}..."
        return f"text {value[:40]!r}"
    if isinstance(value, dict | list) and plain and not value:  # not "non-empty ..., found a list"
        return "an empty mapping" if isinstance(value, dict) else "an empty list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "a mapping" if plain else type(value).__name__


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


def _model_at(loc: tuple, root: type[BaseModel]) -> type[BaseModel] | None:
    """Walk the schema along a location to the model that holds its last key."""
    annotation: Any = root
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


def _allowed_keys(loc: tuple, root: type[BaseModel]) -> list[str]:
    model = _model_at(loc, root)
    return sorted(model.model_fields) if model else []
