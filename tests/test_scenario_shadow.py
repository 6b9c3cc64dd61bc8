"""Start values an event replaces before they matter (sim/scenario/shadow.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.loader import load_scenario
from sim.scenario.shadow import effective, refusal, shadowing, touching
from sim.world import compile_world

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


def test_pact_strength_is_shadowed_by_pact_signed(baseline):
    hit = shadowing(baseline, "treaties.rus_prk_2024.strength")
    assert hit is not None
    assert (hit.event, hit.op, hit.at, hit.value) == ("pact_signed", "set", 0, 0.8)
    assert hit.lever == "events.pact_signed.set.treaties.rus_prk_2024.strength"


def test_weight_value_suffix_names_the_same_value(baseline):
    hit = shadowing(baseline, "relations.RUS.PRK.military_supply.value")
    assert hit is not None and hit.event == "munitions_flow"
    assert shadowing(baseline, "relations.PRK.RUS.military_supply").event == "rus_tech"


def test_unshadowed_value_has_no_event(baseline):
    assert shadowing(baseline, "parameters.reactivity") is None
    assert shadowing(baseline, "relations.CHN.RUS.trade") is None
    assert refusal(baseline, "parameters.reactivity") is None


def test_refusal_names_event_and_lever(baseline):
    line = refusal(baseline, "treaties.rus_prk_2024.strength")
    assert line is not None and "\n" not in line
    assert "'pact_signed'" in line
    assert "events.pact_signed.set.treaties.rus_prk_2024.strength" in line
    # the lever itself is never refused
    assert refusal(baseline, "events.pact_signed.set.treaties.rus_prk_2024.strength") is None


def _events(**event):
    return {"events": {"e": {"label": "E", **event}}}


@pytest.mark.parametrize(
    ("event", "shadows"),
    [
        ({"at": 0, "set": {"parameters.fatigue": 0.5}}, True),
        ({"at": 3, "set": {"parameters.fatigue": 0.5}}, False),  # start value holds until 3
        ({"at": 0, "add": {"parameters.fatigue": 0.1}}, False),  # combined with the start
        ({"at": 0, "scale": {"parameters.fatigue": 2.0}}, False),
        (
            {
                "at": 0,
                "when": {"metric": "escalation", "actor": "A", "above": 0.5},
                "set": {"parameters.fatigue": 0.5},
            },
            False,
        ),
    ],
)
def test_only_unconditional_set_at_step_zero_shadows(event, shadows):
    source = _events(**event)
    assert len(touching(source, "parameters.fatigue")) == 1
    assert (shadowing(source, "parameters.fatigue") is not None) is shadows


def test_last_setter_in_file_order_is_the_lever():
    source = {
        "events": {
            "first": {"label": "1", "at": 0, "set": {"parameters.fatigue": 0.2}},
            "second": {"label": "2", "at": 0, "set": {"parameters.fatigue": 0.7}},
        }
    }
    assert shadowing(source, "parameters.fatigue").event == "second"


def test_effective_value_of_a_lever(baseline):
    world = compile_world(baseline.scenario)
    start = world.value_at("treaties.rus_prk_2024.strength")
    eff = effective(world, "treaties.rus_prk_2024.strength", start)
    assert start == 0.0 and eff.value == 0.8
    assert eff.lever == "events.pact_signed.set.treaties.rus_prk_2024.strength"
    plain = effective(world, "parameters.reactivity", world.value_at("parameters.reactivity"))
    assert plain.event is None and plain.value == plain.start
    assert plain.lever == "parameters.reactivity"
