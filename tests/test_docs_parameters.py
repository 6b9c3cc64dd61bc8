"""docs/parameters.md carries the table generated from sim.parameters.PARAMETERS."""

from __future__ import annotations

from pathlib import Path

from sim.parameters import PARAMETERS
from sim.scenario.docs import BEGIN, END, parameters_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "parameters.md"
FIX = "run `python -m sim.scenario.docs docs/parameters.md` to regenerate the table"


def test_parameters_doc_has_the_generated_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert parameters_markdown() in text, FIX
    between = text.split(BEGIN, 1)[1].split(END, 1)[0]
    assert between == "\n" + parameters_markdown(), FIX


def test_table_has_one_row_per_parameter() -> None:
    rows = [r for r in parameters_markdown().splitlines() if r.startswith("| `")]
    assert [r.split("`")[1] for r in rows] == list(PARAMETERS)
    for row, p in zip(rows, PARAMETERS.values(), strict=True):
        assert row.count(" | ") == 5, row
        assert p.unit in row and p.mechanism in row
