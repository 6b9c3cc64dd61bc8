"""Key paths (`relations.RUS.PRK.military_supply`) into raw scenario data.

Used by `--set`, sweeps and `extends` merging, so one spelling addresses a value
everywhere. A path that lands on a weight object addresses its `value`.
"""

from __future__ import annotations

import copy
from typing import Any

from sim.errors import UsageError


def split(path: str) -> list[str]:
    parts = path.split(".")
    if not path or any(not p for p in parts):
        raise UsageError(
            f"key path {path!r}: expected dot-separated names like actors.CHN.escalation"
        )
    return parts


def get(data: Any, path: str) -> Any:
    """Value at `path`; a weight object yields its number."""
    node = data
    for i, part in enumerate(split(path)):
        node = _child(node, part, path, i)
    if isinstance(node, dict) and "value" in node:
        return node["value"]
    return node


def _child(node: Any, part: str, path: str, i: int) -> Any:
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    where = ".".join(split(path)[:i]) or "(top level)"
    options = sorted(node) if isinstance(node, dict) else []
    hint = f"; keys there: {', '.join(options)}" if options else ""
    raise UsageError(f"key path {path!r}: {where} has no {part!r}{hint}")


def assign(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `data` with `path` set (missing mappings are created; weights keep evidence)."""
    out = copy.deepcopy(data)
    parts = split(path)
    node: Any = out
    for part in parts[:-1]:
        if isinstance(node, dict):
            node = node.setdefault(part, {})
        else:
            raise UsageError(f"key path {path!r}: {part!r} is not inside a mapping")
    if not isinstance(node, dict):
        raise UsageError(f"key path {path!r}: parent is not a mapping")
    last = parts[-1]
    if isinstance(node.get(last), dict) and "value" in node[last] and not isinstance(value, dict):
        node[last] = {**node[last], "value": value}
    else:
        node[last] = value
    return out


def parse_value(text: str) -> Any:
    """A command-line value: number, true/false/null, or string."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("null", "none"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def deep_merge(base: Any, over: Any) -> Any:
    """`over` onto `base`: mappings merge key by key, null deletes, anything else replaces."""
    if not (isinstance(base, dict) and isinstance(over, dict)):
        return copy.deepcopy(over)
    out = copy.deepcopy(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        elif key in out:
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
