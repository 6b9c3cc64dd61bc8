"""A validated `Scenario` written back as YAML that `load_scenario` reads to an equal scenario.

Weights are written as one-line `{value: ..., evidence: [...]}` maps so every number keeps
its evidence in view; fields left unset (`None`) and empty optional collections are omitted;
everything else, defaults included, is written out, so a dumped scenario stands alone.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from pydantic import BaseModel

from sim.scenario.schema import Scenario, Weight

_ID = re.compile(r"^[A-Za-z0-9_\-]+$")


class _Flow(dict):
    """A mapping written in flow style (`{value: 0.5, evidence: [a, b]}`)."""


class _FlowList(list):
    """A list written in flow style (`[RUS, PRK]`)."""


class _Dumper(yaml.SafeDumper):
    """Safe dumper that keeps key order and never writes anchors or aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _flow_map(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _flow_list(dumper: yaml.SafeDumper, data: _FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _block_map(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items())


def _text(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # PyYAML folds NEL/LS/PS inside plain and single-quoted scalars; double quotes escape them.
    style = '"' if any(c in data for c in _BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_BREAKS = ("\x85", "\u2028", "\u2029")
_Dumper.add_representer(str, _text)
_Dumper.add_representer(_Flow, _flow_map)
_Dumper.add_representer(_FlowList, _flow_list)
_Dumper.add_representer(dict, _block_map)


def dump_scenario(scenario: Scenario) -> str:
    """YAML text for `scenario` (round-trips through `load_scenario` to an equal model)."""
    data = _plain(scenario)
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def _plain(value: Any) -> Any:
    """Plain data for YAML: models become mappings in field order, weights flow maps."""
    if isinstance(value, Weight):
        out = _Flow(value=value.value, evidence=_FlowList(value.evidence))
        if value.note is not None:
            out["note"] = value.note
        return out
    if isinstance(value, BaseModel):
        result: dict[str, Any] = {}
        for name in type(value).model_fields:
            item = _plain(getattr(value, name))
            if item is None or ((item == {} or item == []) and _optional(value, name)):
                continue  # unset, an empty default, or parameters with nothing overridden
            result[name] = item
        return result
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        items = [_plain(item) for item in value]
        ids = all(isinstance(item, str) and _ID.match(item) for item in items)
        return _FlowList(items) if ids else items
    return value


def _optional(model: BaseModel, name: str) -> bool:
    """True when leaving the field out loads back the same (empty) value."""
    info = type(model).model_fields[name]
    if info.is_required():
        return False
    default = info.default_factory() if info.default_factory else info.default
    plain = _plain(default)
    return plain == {} or plain == []
