"""The examples in docs/scenario-format.md are valid (so the format page cannot rot).

Each ```yaml block is either a whole scenario (it starts with `name:` or `extends:`) or a
fragment starting with a top-level key, which is checked on top of the baseline. Blocks that
show alternatives side by side (the three spellings of a weight) are skipped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

DOC = Path(__file__).resolve().parents[1] / "docs" / "scenario-format.md"
TOP = set(Scenario.model_fields) | {"extends"}


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def checked_yaml() -> list[str]:
    out = []
    for block in blocks("yaml"):
        first = block.split(":", 1)[0]
        if first in TOP:
            out.append(block)
    return out


def test_doc_has_examples() -> None:
    assert len(checked_yaml()) >= 8


@pytest.mark.parametrize("block", checked_yaml(), ids=lambda b: b.split("\n", 1)[0][:30])
def test_yaml_example_is_valid(block: str, baseline: Path, tmp_path: Path) -> None:
    if block.startswith("extends: baseline.yaml"):
        text = block.replace("extends: baseline.yaml", f"extends: {baseline}", 1)
    elif block.startswith("name:"):
        text = block
    else:
        text = f"extends: {baseline}\n" + block
    path = tmp_path / "example.yaml"
    path.write_text(text, encoding="utf-8")
    load_scenario(path)


def test_json_examples_parse() -> None:
    for block in blocks("json"):
        json.loads(block)
