"""Reliability suite, round 21: `analyze` on its own, the dashboard's entry points, and
round 20's leftovers.

Round 20 left three things (docs/reliability.md, section 25, "Left alone"): `--set` null on
a whole section, the benchmarks' events-only fits that still took the plain EVENTS_ONLY,
and the two wordings of a missing condition bound. This round fixes them and drives
`alliance-sim analyze` on finished, interrupted and hand-edited sweep folders and the
dashboard's Python entry points on standalone scenarios. docs/reliability.md, section 26,
lists what was found and what held.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from tests.reliability_tools import one_line
from tests.test_reliability_round20 import scenario

REPO = Path(__file__).resolve().parents[1]
HISTORY = REPO / "scenarios" / "history" / "base_2016.yaml"


# --------------------------------------------------------------------------- 1. --set null
@pytest.mark.parametrize(
    ("key", "what"),
    [
        ("events", "the events: delete them in the file, or list them in "
                   "counterfactual.remove_events to run the world without them"),
        ("parameters", "the parameters section: it sets one value at a time, as in --set "
                       "parameters.NAME=VALUE"),
        ("actors", "the actors: a scenario needs at least 2; set actors.ID.active=false to "
                   "run without one"),
        ("run", "the run section: it sets one value at a time, as in --set run.steps=12"),
    ],
)  # fmt: skip
def test_set_null_on_a_whole_section_says_what_set_can_do(tmp_path, capsys, key, what):
    """`--set events=null` (or `parameters=null`) said "events: expected a mapping, found
    nothing (null)", which reads as a typo in the file; round 20 worded the entry-level
    case (`events.ID=null`) and left the section (section 25, Left alone)."""
    path = tmp_path / "s.yaml"
    extra = "events:\n  bump: {label: bump, at: 1, add: {actors.AAA.escalation: 0.1}}\n"
    path.write_text(scenario(["AAA", "BBB", "CCC"], extra))
    out = tmp_path / "run"
    assert main(["run", str(path), "--set", f"{key}=null", "--out", str(out), "-q"]) == 2
    assert one_line(capsys) == f"--set:1:1: {key}: --set cannot remove {what}"
    assert not out.exists()


def test_a_sweep_set_null_on_a_section_says_the_same(tmp_path, capsys):
    """A sweep's `--set` goes through sim/jobs/sweep/spec.py: the same sentence."""
    path = tmp_path / "s.yaml"
    path.write_text(scenario(["AAA", "BBB"]))
    out = tmp_path / "sweep"
    argv = ["sweep", str(path), "--param", "parameters.reactivity=0.02:0.1:2", "--set",
            "parameters=null", "--out", str(out), "-q"]  # fmt: skip
    assert main(argv) == 2
    assert one_line(capsys) == (
        "alliance-sim sweep: error: --set parameters=null: --set cannot remove the parameters "
        "section: it sets one value at a time, as in --set parameters.NAME=VALUE"
    )
    assert not out.exists()


def test_set_null_on_an_optional_section_or_a_coefficient_still_works(tmp_path, capsys):
    """Control: null on an optional section (the sweep block) removes it, and null on one
    coefficient returns it to its default: the run finishes."""
    path = tmp_path / "s.yaml"
    extra = "parameters: {reactivity: 0.2}\nsweep: {design: grid}\n"
    path.write_text(scenario(["AAA", "BBB"], extra))
    argv = ["run", str(path), "-q", "--no-plots", "--set", "sweep=null", "--set",
            "parameters.reactivity=null", "--out", str(tmp_path / "run")]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    assert (tmp_path / "run" / "manifest.json").exists()
