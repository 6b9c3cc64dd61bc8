"""The frozen model input (sim/world.py) and changes to it by key path (sim/scenario/overrides.py).

Loading ends in one immutable ModelInput; a command builds it once; `apply` changes it by
key path with the loader's own checks and the same result as loading with `--set`.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.ensemble import run_ensemble
from sim.parameters import PARAMETERS
from sim.scenario.loader import load_scenario
from sim.scenario.overrides import InvalidValue, apply

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
PACT = "events.pact_signed.set.treaties.rus_prk_2024.strength"


@pytest.fixture(scope="module")
def base():
    return load_scenario(BASELINE).model_input


def test_the_input_is_immutable(base):
    with pytest.raises(ValueError, match="read-only"):
        base.x0[0, 0] = 0.9
    with pytest.raises(ValueError, match="read-only"):
        base.params["reactivity"][0, 0] = 0.9
    with pytest.raises(TypeError, match="frozen"):
        base.params["reactivity"] = np.ones((1, 1))
    with pytest.raises(TypeError, match="frozen"):
        base.events["pact_signed"]["set"]["treaties.rus_prk_2024.strength"] = 1.0
    with pytest.raises(TypeError, match="frozen"):
        base.ids.append("XXX")
    with pytest.raises(AttributeError):
        base.steps = 3


def test_the_input_pickles_as_plain_values(base):
    """Workers receive this object: the same numbers, still frozen, no pydantic inside."""
    back = pickle.loads(pickle.dumps(base))
    assert back.fingerprint() == base.fingerprint()
    assert not back.x0.flags.writeable
    text = pickle.dumps(base)
    assert b"pydantic" not in text and b"sim.scenario" not in text


def test_fingerprint_follows_every_coefficient_and_nothing_else(base):
    again = load_scenario(BASELINE).model_input
    assert again.fingerprint() == base.fingerprint()
    seen = {base.fingerprint()}
    for name, p in PARAMETERS.items():
        value = p.lo if base.params[name][0, 0] != p.lo else p.hi
        if name == "war_threshold":  # at its low bound it would cross crisis_threshold
            value = p.hi
        seen.add(apply(base, {f"parameters.{name}": value}).fingerprint())
    assert len(seen) == len(PARAMETERS) + 1
    # an override is part of the input even when it restates the value
    same = apply(base, {"parameters.reactivity": float(base.params["reactivity"][0, 0])})
    assert same.fingerprint() != base.fingerprint()
    assert same.record()["coefficients"] == base.record()["coefficients"]


CHANGES = [
    {"parameters.fatigue": 0.4},
    {"actors.CHN.escalation": 0.2},
    {"actors.CHN.traits.stability": 0.5},
    {"actors.PRK.capabilities.military": 0.2},
    {"actors.UKR.active": True},
    {"relations.PRK.CHN.trade": 0.5},
    {"relations.CHN.PRK.commitment": -0.2},
    {"treaties.usa_kor_1953.strength": 0.9},
    {"treaties.chn_prk_1961.obligation": "automatic"},
    {"theatres.ukraine.intensity": 0.5},
    {PACT: 1.0},
    {"events.pact_signed.at": 3},
    {"events.rus_tech.set.relations.PRK.RUS.military_supply": 0.6},
    {"run.settle": False},
    {"parameters.reactivity": 0.1, PACT: 0.5},
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: ",".join(c))
def test_apply_equals_loading_with_set(base, change):
    """A sweep point applied to the frozen input is the input `--set` would have built."""
    loaded = load_scenario(BASELINE, change).model_input
    assert apply(base, change).record() == loaded.record()


BAD = [
    ({"parameters.fatigue": 5}, "expected a number at most 2, found 5"),
    ({"relations.PRK.RUS.trade": 1.5}, "expected a number at most 1, found 1.5"),
    ({"events.pact_signed.at": 2.5}, "expected a whole number, found 2.5"),
    ({"actors.UKR.active": 1}, "expected true or false, found 1"),
    ({PACT: 2}, "expected a value in [0, 1], found 2"),
    ({"treaties.chn_prk_1961.obligation": "x"}, "expected one of 'automatic'"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_apply_refuses_what_loading_refuses_in_the_same_words(base, change, message):
    with pytest.raises(InvalidValue) as got:
        apply(base, change)
    assert message in got.value.message
    with pytest.raises(sim.ScenarioError) as loaded:
        load_scenario(BASELINE, change)
    assert got.value.message == loaded.value.problems[0].message


def test_apply_refuses_structure_and_shadowed_starts(base):
    with pytest.raises(InvalidValue, match="other keys need the scenario file"):
        apply(base, {"run.steps": 3})
    with pytest.raises(InvalidValue, match=r"set events\.pact_signed\.set\.treaties"):
        apply(base, {"treaties.rus_prk_2024.strength": 1.0})
    # once the event fires later, the start value holds until then: a lever again
    later = apply(base, {"events.pact_signed.at": 6, "treaties.rus_prk_2024.strength": 0.3})
    assert later.value_at("treaties.rus_prk_2024.strength") == 0.3


def test_api_overrides_add_up_and_the_file_is_not_read_again(tmp_path):
    """The issue's case: load with one override, run with another: both run, both recorded."""
    loaded = sim.load(BASELINE, set={"parameters.reactivity": 0.1})
    loaded.path = tmp_path / "gone.yaml"  # a reload would need the file; `sim.run` must not
    res = sim.run(loaded, n=2, seed=1, steps=3, set={"parameters.fatigue": 0.4})
    meta = res.manifest
    assert meta["overrides"] == {"parameters.reactivity": 0.1, "parameters.fatigue": 0.4}
    assert meta["model_input"]["coefficients"]["reactivity"] == 0.1
    assert meta["model_input"]["coefficients"]["fatigue"] == 0.4
    assert meta["model_input"]["overrides"] == meta["overrides"]


def test_one_run_compiles_the_model_input_once(tmp_path, monkeypatch, capsys):
    """Run, counterfactual, manifest, size check and fingerprint share one input
    (before: 5 compilations at -n 8, 7 at -n 600, one more per chunk)."""
    import sim.world

    calls = []
    compile_input = sim.world.compile_input
    monkeypatch.setattr(sim.world, "compile_input", lambda *a: calls.append(1) or compile_input(*a))
    out = tmp_path / "o"
    assert main(["run", str(BASELINE), "-n", "600", "--steps", "2", "-q", "--no-plots",
                 "--series", "summary", "--out", str(out)]) == 0  # fmt: skip
    assert len(calls) == 1
    meta = json.loads((out / "manifest.json").read_text())
    assert "effects" in meta["files"]  # the counterfactual ran, without compiling again


def test_the_pact_lever_acts_through_its_event(base):
    """A stronger pact event widens China's distancing from the pair; ablation: in the
    counterfactual (the rapprochement events removed) the same lever changes nothing."""
    removed = ["munitions_flow", "pact_signed", "rus_tech"]

    def distancing(model):
        return run_ensemble(model, 6, 3, 12, keep_series=False).summary["final_distancing"]

    weak, strong = apply(base, {PACT: 0.4}), apply(base, {PACT: 1.0})
    assert (distancing(strong) > distancing(weak)).all()
    cf_weak = distancing(weak.without_events(removed))
    cf_strong = distancing(strong.without_events(removed))
    assert cf_weak.tobytes() == cf_strong.tobytes()


def test_a_scenario_does_not_travel_to_workers(tmp_path):
    """Workers receive the model input; a pydantic Scenario cannot even be pickled (its
    bounded weight classes are built at import), so two workers prove it is never sent."""
    loaded = load_scenario(BASELINE)
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(loaded.scenario)
    one = run_ensemble(loaded.scenario, 6, 2, 4, keep_series=False, chunk_size=3)
    two = run_ensemble(loaded.scenario, 6, 2, 4, keep_series=False, chunk_size=3, workers=2)
    assert one.summary["final_distancing"].tobytes() == two.summary["final_distancing"].tobytes()
