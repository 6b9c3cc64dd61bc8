"""Levers mean what they say: a start value an event replaces at step 0 is refused wherever
it is set (--set, sweep axes, sweep files, exploration sections), with one line naming the
event and the key path to use; the exploration section gives effective values."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario.exploration import effective_value, explored
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
LEVER = "events.pact_signed.set.treaties.rus_prk_2024.strength"


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize(
    "argv",
    [
        ["run", str(BASELINE), "--set", "treaties.rus_prk_2024.strength=1", "-q"],
        ["compare", str(BASELINE), str(BASELINE), "--set", "treaties.rus_prk_2024.strength=1"],
        ["sweep", str(BASELINE), "--param", "treaties.rus_prk_2024.strength=0.2:1:3"],
        ["sweep", str(BASELINE), "--param", "parameters.fatigue=0.1:0.3:2",
         "--set", "treaties.rus_prk_2024.strength=1"],
    ],
    ids=["run --set", "compare --set", "sweep --param", "sweep --set"],
)  # fmt: skip
def test_shadowed_start_values_are_refused_in_one_line(tmp_path, capsys, argv):
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    line = one_line(capsys)
    assert "'pact_signed'" in line and LEVER in line
    assert not (tmp_path / "o").exists()


def test_the_event_lever_is_accepted(tmp_path):
    out = tmp_path / "o"
    assert main(["run", str(BASELINE), "--set", f"{LEVER}=1", "-n", "2", "--steps", "2",
                 "-q", "--no-plots", "--out", str(out)]) == 0  # fmt: skip


def test_a_sweep_file_axis_points_at_its_line(tmp_path, capsys):
    spec = tmp_path / "s.yaml"
    spec.write_text(
        f"scenario: {BASELINE}\nname: s\nparameters:\n  relations.RUS.PRK.military_supply: 0:1\n"
    )
    assert main(["validate", str(spec)]) == 2
    line = one_line(capsys)
    assert line.startswith(f"{spec}:4:")
    assert "events.munitions_flow.set.relations.RUS.PRK.military_supply" in line


def test_exploration_refuses_a_shadowed_lever(tmp_path, capsys):
    scenario = tmp_path / "x.yaml"
    scenario.write_text(
        f"extends: {BASELINE}\nexploration:\n  levers:\n"
        "    treaties.rus_prk_2024.strength: {label: pact, low: 0, high: 1}\n"
    )
    assert main(["validate", str(scenario)]) == 2
    line = one_line(capsys)
    assert line.startswith(f"{scenario}:4:") and LEVER in line


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("    parameters.nope: {label: x}\n", "unknown parameter 'nope'"),
        ("    parameters.reactivity: {label: x, low: 0.5, high: 9}\n", "inside [0, 2]"),
        ("    parameters.noise: {label: x, low: 0.5}\n", "give both 'low' and 'high'"),
    ],
)
def test_exploration_entries_are_checked(tmp_path, capsys, body, message):
    scenario = tmp_path / "x.yaml"
    scenario.write_text(f"extends: {BASELINE}\nexploration:\n  uncertainties:\n{body}")
    assert main(["validate", str(scenario)]) == 2
    assert message in one_line(capsys)


def test_baseline_levers_show_their_effective_values():
    loaded = load_scenario(BASELINE)
    model = loaded.model_input
    shown = {e.path: e for e in explored(loaded.scenario, model)}
    assert shown[LEVER].group == "levers" and shown[LEVER].value.value == 0.8
    assert shown["parameters.fatigue"].value.value == model.params["fatigue"][0, 0]
    # the start value under the lever: 0 in the file, 0.8 when the dynamics first read it
    under = effective_value(model, "treaties.rus_prk_2024.strength")
    assert (under.start, under.value, under.lever) == (0.0, 0.8, LEVER)
