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


# A direction claimed in the prose before a block, or in its comments.
SIGN_WORDS = re.compile(
    r"\b(emboldened|more escalated|further from|rises|falls|distances|increases|decreases|"
    r"higher|lower|stronger|weaker|positive|negative)\b"
)


def blocks_with_prose(path: Path = DOC) -> list[tuple[str, str]]:
    """(paragraph before the block, block) for every ```python block."""
    text = path.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r"```python\n(.*?)```", text, re.DOTALL):
        out.append((text[: m.start()].rstrip().split("\n\n")[-1], m.group(1)))
    return out


def test_every_claimed_sign_is_asserted():
    """A block whose prose or comments claim a direction checks it with `assert` (so the
    walkthrough test fails when the model stops giving that sign)."""
    claims = 0
    for prose, block in blocks_with_prose():
        comments = " ".join(line.split("#", 1)[1] for line in block.splitlines() if "#" in line)
        if SIGN_WORDS.search(prose) or SIGN_WORDS.search(comments):
            claims += 1
            assert "assert " in block, f"claims a direction but asserts nothing:\n{block}"
    assert claims >= 3


def test_the_what_if_assertions_fail_when_the_sign_does(tmp_path, monkeypatch):
    """Ablation of the "fully automatic pact" block: with the pact at the event's own
    strength (0.8: no change) or weaker (0.5), its sign assertions fail, so they test the
    model's answer and cannot pass whatever it is."""
    blocks = python_blocks()
    what_if = next(k for k, b in enumerate(blocks) if "strong = sim.run(automatic" in b)
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "python_api_doc"}
    for k in range(what_if):
        if "sim.run(" in blocks[k] or "sim.load(" in blocks[k] or k == 0:
            exec(compile(blocks[k], f"{DOC.name} block {k + 1}", "exec"), namespace)
    for strength in (0.8, 0.5):
        sim = namespace["sim"]
        pact = namespace["pact"]
        namespace["automatic"] = sim.load("scenarios/baseline.yaml", set={pact: strength})
        try:
            exec(compile(blocks[what_if], "what-if", "exec"), namespace)
        except AssertionError:
            continue
        raise AssertionError(f"the what-if block passed with the pact at strength {strength}")


def test_the_plot_kinds_named_are_each_kinds_charts():
    """The `plot(kind)` paragraph lists, per results kind, exactly the charts `plot` draws
    for it (it named `outcome_classes`, which `plot` refuses, and left out `effects`)."""
    from sim.plots import CHARTS

    text = DOC.read_text(encoding="utf-8")
    para = text[text.index("`plot(kind)` returns") :].split("\n\n", 1)[0]
    kinds = {"run": "run", "comparison": "compare", "sweep": "sweep"}
    listed = dict(re.findall(r"for an? (run|comparison|sweep)\s+(.*?)(?:;|\.\s)", para, re.DOTALL))
    assert set(listed) == set(kinds), para
    for said, kind in kinds.items():
        names = set(re.findall(r"`(\w+)`", listed[said]))
        assert names == {c.name for c in CHARTS if c.kind == kind}, (said, names)
