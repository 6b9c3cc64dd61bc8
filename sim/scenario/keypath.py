"""Key paths (`relations.RUS.PRK.military_supply`) into raw scenario data: the one module.

Used by `--set`, sweeps, events and `extends` merging, so one spelling addresses a value
everywhere. A path that lands on a weight object addresses its `value`. An event's effect
keys are themselves key paths (`events.tech.set.relations.PRK.RUS.trade`), so at each
mapping the longest run of remaining parts that is an existing key is taken first.
Assignment copies only the containers along the path (the rest is shared with the input,
which is never changed), so building thousands of sweep design points stays cheap.
"""

from __future__ import annotations

import copy
from typing import Any

from sim.errors import UsageError

MISSING = object()
Keys = tuple[str, ...]


def split(path: str) -> list[str]:
    parts = path.split(".")
    if not path or any(not p for p in parts):
        raise UsageError(
            f"key path {path!r}: expected dot-separated names like actors.CHN.escalation"
        )
    return parts


def resolve(data: Any, path: str) -> Keys:
    """The keys `path` walks through in `data` (keys may contain dots; new keys are kept)."""
    parts = split(path)
    keys: list[str] = []
    node = data
    i = 0
    while i < len(parts):
        if isinstance(node, dict):
            for j in range(len(parts), i, -1):
                key = ".".join(parts[i:j])
                if key in node:
                    keys.append(key)
                    node = node[key]
                    i = j
                    break
            else:  # not there: the rest is created as nested mappings
                keys += parts[i:]
                return tuple(keys)
        elif isinstance(node, list) and parts[i].isdigit() and int(parts[i]) < len(node):
            keys.append(parts[i])
            node = node[int(parts[i])]
            i += 1
        else:
            where = ".".join(keys) or "(top level)"
            raise UsageError(f"key path {path!r}: {where} is not a mapping")
    return tuple(keys)


def _keys(data: Any, path: str | Keys) -> Keys:
    return resolve(data, path) if isinstance(path, str) else tuple(path)


def get(data: Any, path: str | Keys, default: Any = MISSING) -> Any:
    """The value at `path` (a weight's number); `default`, or a UsageError naming the keys
    there, when it does not exist."""
    keys = _keys(data, path)
    node = data
    for i, key in enumerate(keys):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif default is not MISSING:
            return default
        else:
            label = path if isinstance(path, str) else ".".join(path)
            where = ".".join(keys[:i]) or "(top level)"
            options = sorted(node) if isinstance(node, dict) else []
            hint = f"; keys there: {', '.join(options)}" if options else ""
            raise UsageError(f"key path {label!r}: {where} has no {key!r}{hint}")
    if isinstance(node, dict) and "value" in node:
        return node["value"]
    return node


def assign(data: dict[str, Any], path: str | Keys, value: Any) -> dict[str, Any]:
    """A copy of `data` with `path` set; only the containers along the path are copied.

    Missing mappings are created and a weight keeps its evidence (only its value changes).
    """
    keys = _keys(data, path)
    root = dict(data)
    node: Any = root
    for key in keys[:-1]:
        if isinstance(node, dict):
            child = node.get(key)
            if isinstance(child, dict | list):
                child = type(child)(child)
            elif child is None:
                child = {}
            else:
                raise UsageError(f"key path {'.'.join(keys)!r}: {key!r} is not a mapping")
            node[key] = child
        else:  # a list, by resolve()
            child = node[int(key)]
            child = dict(child) if isinstance(child, dict) else list(child)
            node[int(key)] = child
        node = child
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
        return root
    old = node.get(last)
    if isinstance(old, dict) and "value" in old and not isinstance(value, dict):
        node[last] = {**old, "value": value}
    else:
        node[last] = value
    return root


def assign_all(data: dict[str, Any], items: list[tuple[str | Keys, Any]]) -> dict[str, Any]:
    for keys, value in items:
        data = assign(data, keys, value)
    return data


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
