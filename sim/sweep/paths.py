"""Key paths into raw scenario data, for sweeps.

Same spelling as `--set` (sim/scenario/keypath.py), with one addition a sweep needs: an
event's effect keys are themselves key paths (`events.tech.set.relations.PRK.RUS.trade`),
so at each mapping the longest run of remaining parts that is an existing key is taken
first. Assignment copies only the mappings along the path (the rest is shared), so
building thousands of design points stays cheap; the base data is never changed.
"""

from __future__ import annotations

from typing import Any

from sim.errors import UsageError

MISSING = object()


def split(path: str) -> list[str]:
    parts = path.split(".")
    if not path or any(not p for p in parts):
        raise UsageError(
            f"expected a dot-separated key path like actors.CHN.escalation, found {path!r}"
        )
    return parts


def resolve(data: Any, path: str) -> tuple[str, ...]:
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


def get(data: Any, keys: tuple[str, ...]) -> Any:
    """The value at resolved `keys` (a weight's number), or MISSING."""
    node = data
    for key in keys:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return MISSING
    if isinstance(node, dict) and "value" in node:
        return node["value"]
    return node


def assign(data: dict[str, Any], keys: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of `data` with `keys` set; only the containers along the path are copied.

    Like `--set`: missing mappings are created and a weight keeps its evidence.
    """
    root = dict(data)
    node: Any = root
    for key in keys[:-1]:
        if isinstance(node, dict):
            child = node.get(key)
            child = (
                dict(child)
                if isinstance(child, dict)
                else list(child)
                if isinstance(child, list)
                else {}
            )
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


def assign_all(data: dict[str, Any], items: list[tuple[tuple[str, ...], Any]]) -> dict[str, Any]:
    for keys, value in items:
        data = assign(data, keys, value)
    return data
