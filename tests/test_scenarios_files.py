"""Every scenario file validates, runs, cites evidence for every weight and states its case."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.cli import main
from sim.ensemble import run_ensemble
from sim.evidence import evidence_rows
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parents[1]
FILES = sorted(p for p in (REPO / "scenarios").glob("*.yaml") if p.name != "baseline.yaml")


def test_there_are_scenarios():
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario_validates_and_runs(path, capsys):
    assert main(["validate", str(path)]) == 0
    assert main(["evidence", "--strict", str(path)]) == 0
    loaded = load_scenario(path)
    assert loaded.scenario.name == path.stem
    assert all(row.evidence for row in evidence_rows(loaded))
    result = run_ensemble(loaded.scenario, 4, 1, loaded.scenario.run.steps, keep_series=False)
    assert len(result.summary["final_distancing"]) == 4


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario_states_question_lines_and_expectation(path):
    """The header comment asks a question, cites seed lines and says what analysts expect."""
    text = path.read_text(encoding="utf-8")
    header = text.split("\nextends:", 1)[0]
    assert header.startswith("# Question:"), path
    assert re.search(r"# Motivating seed lines: \d", header), path
    assert "# Expected by the article's analysts:" in header, path
    assert text.count("extends: baseline.yaml") == 1
    loaded = load_scenario(path).scenario
    assert loaded.question and loaded.expected and loaded.assumptions
