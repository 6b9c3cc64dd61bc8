"""A swept value as written, `--param key.path=LOW:HIGH[:N]` or a `parameters:` entry,
→ a checked shape: `{low, high[, levels]}` (a range) or `{values}` (choices).

Why apart from the spec file: the same small language is written on the command line and
in YAML, and its checks (order, kinds, repeats) do not depend on the scenario; whether
the values suit the model is sim/jobs/sweep/points.py's job.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.errors import UsageError
from sim.scenario.keypath import parse_value

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


def make_param(
    path: str, entry: Any, origin: str, resolve: Callable[[str], tuple[str, ...]]
) -> Param:
    """A Param of an entry in any accepted spelling (raises ValueError with a message);
    the entry's shape is checked before its key path is resolved in the scenario."""
    shape = normalise_param(entry)
    check_shape(shape)
    keys = resolve(path)
    if "values" in shape:
        return Param(path, keys, "choice", values=tuple(shape["values"]), origin=origin)
    return Param(path, keys, "range", low=shape["low"], high=shape["high"],
                 levels=shape.get("levels"), origin=origin)  # fmt: skip


def split_flag(flag: str) -> tuple[str, str]:
    """`key.path=TEXT` → (key path, text), or a UsageError that shows the expected form."""
    key, sep, text = flag.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"--param {flag}: expected key.path=LOW:HIGH[:N] or key.path=v1,v2,...")
    return key.strip(), text


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


def normalise_param(entry: Any) -> dict[str, Any]:
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
        _check_values(entry["values"])
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


def _check_values(values: Any) -> None:
    if not isinstance(values, list) or len(values) < 2:
        raise ValueError("expected a list of at least two values")
    kinds = {_scalar_kind(v) for v in values}
    if None in kinds:
        bad = next(v for v in values if _scalar_kind(v) is None)
        raise ValueError(f"values must be numbers, text or true/false, found {bad!r}")
    if len(kinds) > 1:
        raise ValueError("values must all be of one kind (all numbers, all text or all true/false)")
    if len(set(map(repr, values))) != len(values):
        raise ValueError("values repeat")
