"""The dashboard's levers come from the scenario and PARAMETERS, with their evidence."""

from __future__ import annotations

import pytest

from sim.app import serve
from sim.app.levers import levers_for, overrides, scenario_files
from sim.cli import main
from sim.errors import ScenarioError
from sim.parameters import PARAMETERS
from sim.scenario.loader import load_scenario
from sim.scenario.references import weights
from sim.scenario.yamlio import dotted

BASELINE = "scenarios/baseline.yaml"


@pytest.fixture(scope="module")
def loaded():
    return load_scenario(BASELINE)


def test_levers_are_the_scenarios_values(loaded):
    levers = levers_for(loaded)
    by_path = {dotted(loc): w for loc, w in weights(loaded.scenario)}
    spec = loaded.scenario
    for lever in levers:
        assert lever.lo <= lever.value <= lever.hi, lever.path
        if lever.path.startswith("parameters."):
            name = lever.path.split(".", 1)[1]
            set_here = getattr(spec.parameters, name)
            expected = PARAMETERS[name].default if set_here is None else set_here
            assert lever.value == getattr(expected, "value", expected)
            assert PARAMETERS[name].meaning in lever.tooltip
        elif lever.shadowed:  # redirected to the event that replaces the start value
            assert lever.path.startswith("events.") and lever.start_path in by_path
            assert lever.start == by_path[lever.start_path].value
            event = spec.events[lever.path.split(".")[1]]
            assert lever.value == event.set[lever.path.split(".", 3)[3]]
        else:
            assert lever.value == by_path[lever.path].value, lever.path
            for ref in by_path[lever.path].evidence:
                assert ref in lever.tooltip, (lever.path, ref)
    paths = {lever.path for lever in levers}
    assert "events.pact_signed.set.treaties.rus_prk_2024.strength" in paths
    assert "treaties.rus_prk_2024.strength" not in paths  # the event replaces it at step 0
    paths |= {p.split(".", 3)[3] for p in paths if p.startswith("events.")}
    live = [k for k, t in spec.treaties.items() if all(spec.actors[m].active for m in t.members)]
    starts = {lever.start_path or lever.path for lever in levers}
    assert {f"treaties.{k}.strength" for k in live} <= starts
    dead = set(spec.treaties) - set(live)
    assert not {f"treaties.{k}.strength" for k in dead} & starts
    assert "actors.CHN.leverage" in paths
    assert any(p.endswith(".military_supply") for p in paths)
    mechanisms = {PARAMETERS[p.split(".", 1)[1]].mechanism for p in paths if p.startswith("param")}
    assert len(mechanisms) == sum(1 for p in paths if p.startswith("parameters."))


def test_the_scenario_value_sits_on_the_slider_grid(loaded):
    """A slider that snapped 0.15 to 0.16 would change the scenario without a touch."""
    for lever in levers_for(loaded):
        ticks = (lever.value - lever.lo) / lever.step
        assert ticks == pytest.approx(round(ticks), abs=1e-6), lever.path
        assert not lever.moved(lever.lo + round(ticks) * lever.step)


def test_only_moved_levers_become_overrides(loaded):
    levers = levers_for(loaded)
    first, second = levers[0], levers[1]
    values = {first.path: first.value, second.path: second.hi}
    assert overrides(levers, values) == {second.path: second.hi}
    assert load_scenario(BASELINE, overrides(levers, values)).scenario is not None


def test_scenario_files_start_with_the_chosen_one():
    files = scenario_files(load_scenario(BASELINE).path)
    assert files[0].name == "baseline.yaml"
    assert len(files) == len(set(files)) > 1


def test_the_server_binds_localhost_by_default():
    from sim.cli import build_parser

    args = build_parser().parse_args(["app"])
    assert args.host == serve.DEFAULT_HOST == "127.0.0.1"
    with serve.listen(args.host, 0) as sock:
        assert sock.getsockname()[0] == "127.0.0.1"


def test_app_with_a_bad_scenario_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "extends: " + str(load_scenario(BASELINE).path.resolve()) + "\nrun: {steps: 0}\n"
    )
    assert main(["app", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "run.steps" in err[0]


def test_a_lever_an_event_shadows_moves_the_event_and_names_it(loaded):
    """The pact's strength starts at 0 and `pact_signed` sets it to 0.8 at step 0: the
    slider shows 0.8, names the event, and moving it up strengthens the pact's effect;
    moving the start value instead is refused, since it would weaken it (issue 17)."""
    import sim

    pact = next(lv for lv in levers_for(loaded) if lv.start_path.endswith("rus_prk_2024.strength"))
    assert pact.shadowed and pact.value == 0.8 and pact.start == 0.0
    assert pact.path == "events.pact_signed.set.treaties.rus_prk_2024.strength"
    assert "pact_signed" in pact.event and "pact_signed" in pact.tooltip.splitlines()[0]

    def distancing_effect(moved: dict[str, float]) -> float:
        effects = sim.run(sim.load(BASELINE, set=moved), n=20, steps=24).effects
        return float(effects.set_index("outcome").loc["final_distancing", "effect_median"])

    as_written = distancing_effect({})
    assert distancing_effect(overrides([pact], {pact.path: 1.0})) > as_written
    # moving the start value instead is refused on load, naming the event to move
    with pytest.raises(ScenarioError, match=r"events\.pact_signed\.set\.treaties\.rus_prk_2024"):
        sim.load(BASELINE, set={pact.start_path: 1.0})
