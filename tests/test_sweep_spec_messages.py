"""Sweep spec messages, table-driven: each bad input is exactly one line, exit 2.

The file's settings are checked by a pydantic model (sim/jobs/sweep/spec_file.py) and
translated by the scenario loader's translator (sim/scenario/messages.py); these rows pin
the words, the line and the column of each, so that moving the checks cannot change what
a user reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.jobs.sweep.points import wants_whole_number
from sim.scenario import keypath
from sim.scenario.loader import load_scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
PACT_EFFECTS = (
    "relations.PRK.RUS.commitment, relations.PRK.RUS.security_guarantee, "
    "relations.RUS.PRK.commitment, treaties.rus_prk_2024.strength"
)
KEYS = (
    "chunk_size, description, design, levels, name, parameters, replications, samples, "
    "scenario, second_order, seed, set, steps"
)
SWEEP_NOISE = "parameters: {parameters.noise: '0:0.1'}\n"


def run_cli(capsys, *argv: str) -> tuple[int, list[str]]:
    code = main(["sweep", *argv, "-q", "--no-analysis"])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    return code, err


# (line 2 of a sweep file, whether it sweeps parameters.noise too, "LINE:COL: path: message")
FILE_ROWS = [
    ("samples: -3", True, "2:10: samples: expected a whole number at least 1, found -3"),
    ("replications: 0", True,
     "2:15: replications: expected a whole number from 1 to 10000000, found 0"),
    ("seed: 1.5", True, "2:7: seed: expected a whole number from 0 to 9223372036854775807, "
     "found 1.5"),
    ("steps: true", True, "2:8: steps: expected a whole number from 1 to 10000, found True"),
    ("levels: 1", True, "2:9: levels: expected a whole number from 2 to 100, found 1"),
    ("chunk_size: many", True, "2:13: chunk_size: expected a whole number at least 1, "
     "found 'many'"),
    ("second_order: 2", True, "2:15: second_order: expected true or false, found 2"),
    ("design: random", True,
     "2:9: design: expected one of grid, lhs, sobol, morris, found 'random'"),
    ("name: Bad Name", True, "2:7: name: expected a name matching "
     r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$, found 'Bad Name'"),
    ("replication: 5", True,
     "2:1: replication: unknown key 'replication' (did you mean 'replications'?)"),
    ("zzz: 1", True, f"2:1: zzz: unknown key 'zzz'; expected one of: {KEYS}"),
    ("set: [1, 2]", True, "2:6: set: expected a mapping of key.path: value"),
    ("parameters: 3", False, "2:13: parameters: expected a mapping of key.path: range or values"),
    ("description: 3", True, "2:14: description: expected text, found 3"),
    ("set: {events.pact_signed.set.parameters.reactivity: 0.3}", True,
     "2:53: events.pact_signed.set.parameters.reactivity: events.pact_signed.set has no "
     f"effect 'parameters.reactivity' (its effects: {PACT_EFFECTS}); add it to the event "
     "in the scenario first"),
    ("parameters: {events.pact_signed.set.treaties.rus_prk_2024.strenght: '0.1:0.5'}", False,
     "2:69: events.pact_signed.set.treaties.rus_prk_2024.strenght: low: events.pact_signed.set"
     " has no effect 'treaties.rus_prk_2024.strenght' (did you mean "
     "'treaties.rus_prk_2024.strength'?)"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "sweeps", "expected"), FILE_ROWS)
def test_bad_sweep_file_setting_is_exactly_one_line(tmp_path, capsys, line, sweeps, expected):
    spec = tmp_path / "s.yaml"
    spec.write_text(f"scenario: {BASELINE}\n{line}\n" + (SWEEP_NOISE if sweeps else ""))
    code, err = run_cli(capsys, str(spec))
    assert (code, err) == (2, [f"{spec}:{expected}"])


PREFIX = "alliance-sim sweep: error: --param "
# (--param flag, the message after `--param FLAG: `)
PARAM_ROWS = [
    # an event effect the event lacks: named as the effect, not "a whole-number setting"
    ("events.pact_signed.set.parameters.reactivity=0.5:3.5",
     f"low: events.pact_signed.set has no effect 'parameters.reactivity' (its effects: "
     f"{PACT_EFFECTS}); add it to the event in the scenario first"),
    ("events.pact_signed.set.relations.PRK.RUS.commitment=a,b",
     "value 'a': expected a number or true/false, found text 'a'"),
    ("events.pact_signed.label=0.5:3", "low: expected text, found 0.5"),
    ("events.pact_signed.at=0.5:3", "a whole-number setting: 0.5 is not a whole number"),
    ("events.pact_signed.at=a,b", "value 'a': expected a whole number, found text 'a'"),
    ("events.nope.at=1:3",
     "low: events has no 'nope' (keys there: munitions_flow, pact_signed, rus_tech)"),
]  # fmt: skip


@pytest.mark.parametrize(("flag", "message"), PARAM_ROWS)
def test_bad_param_flag_is_exactly_one_line(capsys, flag, message):
    code, err = run_cli(capsys, str(BASELINE), "--param", flag)
    assert (code, err) == (2, [f"{PREFIX}{flag}: {message}"])


def test_whole_number_is_detected_at_the_swept_key_only():
    """An event's `at` wants a whole number; a number union (`0.5 | 1`) elsewhere does not
    make a setting whole-numbered (the cause of the misleading message fixed here)."""
    raw = load_scenario(BASELINE).raw
    at = ("events", "pact_signed", "at")
    assert wants_whole_number(keypath.assign(raw, at, 1.5), at)
    assert not wants_whole_number(keypath.assign(raw, at, 2), at)
    effect = keypath.resolve(raw, "events.pact_signed.set.parameters.reactivity")
    assert effect[3:] == ("parameters", "reactivity")  # not an effect key: split in two
    assert not wants_whole_number(keypath.assign(raw, effect, 1.5), effect)
