"""docs/python-api.md runs: its ```python blocks are executed in order, in one namespace.

The blocks run in a scratch folder that sees the repository's scenarios, so the examples
that write files (`savefig`, `save`) leave nothing in the working tree.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "python-api.md"
README = ROOT / "README.md"


def python_blocks(path: Path = DOC) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.DOTALL)


def test_the_walkthrough_runs(tmp_path, monkeypatch):
    blocks = python_blocks()
    assert len(blocks) >= 10
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "python_api_doc"}
    try:
        for k, block in enumerate(blocks):
            code = compile(block, f"{DOC.name} block {k + 1}", "exec")
            exec(code, namespace)
    finally:
        plt.close("all")
    assert (tmp_path / "escalation.png").stat().st_size > 10_000
    assert (tmp_path / "results" / "api-baseline" / "manifest.json").is_file()


def test_the_readme_example_runs(tmp_path, monkeypatch):
    (block,) = python_blocks(README)
    assert len(block.strip().splitlines()) == 5  # "the Python API in five lines"
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    try:
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    finally:
        plt.close("all")
    assert (tmp_path / "escalation.png").is_file()
    assert (tmp_path / "results" / "my-run" / "summary.csv").is_file()
