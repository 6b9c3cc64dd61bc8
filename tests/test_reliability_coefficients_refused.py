"""Every coefficient out of bounds, and the faults round 5 found (docs/reliability.md §11).

Just outside its bounds (and at 0 or ×4 where that is outside), each coefficient is refused
in one located line on every user path: `--set` and the Python API, a scenario's
`parameters:` block, a sweep `--param` or file, a calibration prior, and four commands that
exit 2 and write nothing. Then the faults found: crossed outcome thresholds, thresholds
fitted, priors whose mass is out of reach, numpy values through the API, a preference of an
actor with itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from coefficient_cases import (
    FITTED,
    HISTORY,
    MODEL_OUTSIDE,
    OUTPUTS,
    bound_words,
    calibration_spec,
    outside,
)
from reliability_tools import BASELINE, one_line

import sim
from sim.cli import main
from sim.ensemble import prepare, run_chunk
from sim.errors import ScenarioError, UsageError
from sim.observe.operators import OPERATOR_COEFFICIENTS
from sim.parameters import PARAMETERS
from sim.scenario.loader import load_scenario


def test_set_and_the_api_refuse_every_value_outside_its_bounds():
    """`--set` and `sim.run(set=)`/`sim.load(set=)` share the loader: one problem per key,
    located at `--set`, naming the key path and the bound."""
    for name, value in MODEL_OUTSIDE:
        with pytest.raises(ScenarioError) as caught:
            sim.load(BASELINE, set={f"parameters.{name}": value})
        (problem,) = caught.value.problems
        assert (problem.file, problem.path) == ("--set", f"parameters.{name}"), problem
        assert bound_words(name, value) in problem.message, problem


@pytest.mark.parametrize("side", [0, 1], ids=["below", "above"])
def test_a_parameters_block_refuses_every_value_outside_its_bounds(tmp_path, side):
    """One file with every coefficient out on one side: a line per coefficient, each at its
    own line of the file."""
    values = {n: outside(p.lo, p.hi)[side] for n, p in PARAMETERS.items()}
    body = "".join(f"  {n}: {v!r}\n" for n, v in values.items())
    path = tmp_path / "out.yaml"
    path.write_text(f"extends: {BASELINE}\nname: out\nparameters:\n{body}")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    problems = {p.path: p for p in caught.value.problems}
    assert set(problems) == {f"parameters.{n}" for n in PARAMETERS}
    for line, (name, value) in enumerate(values.items(), start=4):
        problem = problems[f"parameters.{name}"]
        assert (problem.file, problem.line) == (str(path), line)
        assert bound_words(name, value) in problem.message


def test_a_sweep_refuses_every_value_outside_its_bounds(tmp_path):
    """`--param` as a range, as a list, and a sweep file's range: refused before any run."""
    from sim.jobs.sweep.spec import load_spec

    spec = tmp_path / "sweep.yaml"
    for name, value in MODEL_OUTSIDE:
        p = PARAMETERS[name]
        low, high = (value, p.hi) if value < p.lo else (p.lo, value)
        for flag in (f"parameters.{name}={low}:{high}:3", f"parameters.{name}={p.default},{value}"):
            with pytest.raises(UsageError, match=bound_words(name, value)):
                load_spec(BASELINE, [flag])
        entry = f"parameters.{name}: {{low: {low}, high: {high}}}"
        spec.write_text(f"scenario: {BASELINE}\nparameters:\n  {entry}\n")
        with pytest.raises(ScenarioError) as caught:
            load_spec(spec)
        (problem,) = caught.value.problems
        assert (problem.file, problem.line) == (str(spec), 3)
        assert bound_words(name, value) in problem.message


@pytest.mark.parametrize("table", [FITTED, OPERATOR_COEFFICIENTS], ids=["model", "operator"])
def test_a_calibration_prior_outside_the_bounds_is_one_line_per_coefficient(tmp_path, table):
    from sim.observe.spec import load_spec

    section = "coefficients" if table is FITTED else "operator_coefficients"
    for side in (0, 1):
        body = {}
        for name, c in table.items():
            value = outside(c.lo, c.hi)[side]
            bound = "lo" if side == 0 else "hi"
            body[name] = f"{{prior: uniform, {bound}: {value!r}}}"
        with pytest.raises(ScenarioError) as caught:
            load_spec(calibration_spec(tmp_path, section, body))
        problems = {p.path: p for p in caught.value.problems}
        assert set(problems) == {f"{section}.{n}.{'lo' if side == 0 else 'hi'}" for n in table}
        for p in problems.values():
            assert "within the coefficient's bounds" in p.message, p


@pytest.mark.parametrize("table", [FITTED, OPERATOR_COEFFICIENTS], ids=["model", "operator"])
def test_a_calibration_prior_over_each_whole_range_is_accepted(tmp_path, table):
    from sim.observe.spec import load_spec

    section = "coefficients" if table is FITTED else "operator_coefficients"
    body = {n: "{prior: uniform}" for n in table}
    spec = load_spec(calibration_spec(tmp_path, section, body))
    rng = np.random.default_rng(1)
    for prior in spec.priors:
        c = table[prior.name]
        draws = prior.sample(rng, 200)
        assert np.isfinite(draws).all() and c.lo <= draws.min() and draws.max() <= c.hi


CLI_PATHS = {  # one representative per command path; the loops above cover every coefficient
    "run --set": (["run", str(BASELINE), "--set", "parameters.fatigue=2.5"], "at most 2"),
    "run file": (["run", "out.yaml"], "out.yaml:3:12: parameters.fatigue: expected a number"),
    "sweep --param": (
        ["sweep", str(BASELINE), "--param", "parameters.commit_step=0:0.6:3"],
        "at most 0.5",
    ),
    "calibrate": (["calibrate", "spec.yaml"], "within the coefficient's bounds"),
}


@pytest.mark.parametrize("path", list(CLI_PATHS))
def test_the_commands_refuse_in_one_line_and_write_nothing(tmp_path, capsys, monkeypatch, path):
    monkeypatch.chdir(tmp_path)
    Path("out.yaml").write_text(f"extends: {BASELINE}\nparameters:\n  fatigue: 2.5\n")
    calibration_spec(tmp_path, "operator_coefficients", {"trade_log_sd": "{prior: uniform, lo: 0}"})
    argv, words = CLI_PATHS[path]
    assert main([*argv, "-q", "--out", "o"]) == 2
    assert words in one_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.yaml", "spec.yaml"]


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"crisis_threshold": 0.95, "war_threshold": 0.3}, "crisis_threshold"),
        ({"war_threshold": 0.3}, "war_threshold"),  # below the default crisis threshold
        ({"crisis_threshold": 0.9}, "crisis_threshold"),  # above the default war threshold
    ],
)
def test_a_crisis_threshold_above_the_war_threshold_is_refused(values, where):
    """Every pair at war is in crisis (MODEL.md: the war rung is above the crisis rung); with
    crisis_threshold 0.95 and war_threshold 0.3 a run said "war 100%" and "replications with
    a crisis: 0%", exit 0."""
    with pytest.raises(ScenarioError) as caught:
        sim.load(BASELINE, set={f"parameters.{k}": v for k, v in values.items()})
    (problem,) = caught.value.problems
    assert (problem.file, problem.path) == ("--set", f"parameters.{where}")
    crisis = values.get("crisis_threshold", PARAMETERS["crisis_threshold"].default)
    war = values.get("war_threshold", PARAMETERS["war_threshold"].default)
    assert problem.message == (
        f"expected crisis_threshold ({crisis:g}) at most war_threshold ({war:g}): "
        "a pair at war is also in crisis"
    )


def test_equal_thresholds_are_accepted():
    sim.load(BASELINE, set={"parameters.crisis_threshold": 0.7, "parameters.war_threshold": 0.7})


def test_a_sweep_point_with_crossed_thresholds_is_refused(tmp_path):
    """Sweep points change the built model input (sim/scenario/overrides.py), not the file:
    a grid reaching crisis_threshold 1.0 against war_threshold 0.8 ran to the end. Since
    round 16 each swept value is put into the model input before the plan (it was refused
    at design point 1)."""
    with pytest.raises(UsageError) as caught:
        sim.sweep(BASELINE, params={"parameters.crisis_threshold": [0.5, 1.0]}, n=1, steps=2,
                  out=tmp_path / "o")  # fmt: skip
    assert str(caught.value) == (
        "--param parameters.crisis_threshold=0.5,1.0: value 1.0: expected crisis_threshold (1) "
        "at most war_threshold (0.8): a pair at war is also in crisis"
    )
    assert not list(tmp_path.iterdir())


def test_a_prior_far_below_the_bounds_draws_near_the_low_bound():
    """normal(mean −10, sd 1) truncated to fatigue's [0, 2] lives just above 0 (mean ≈ 0.098);
    its CDF at both bounds rounds to 1, and the draws all sat at the *high* bound, 2."""
    from scipy import stats

    from sim.observe.priors import Prior

    prior = Prior("fatigue", "normal", (-10.0, 1.0), 0.0, 2.0)
    draws = prior.sample(np.random.default_rng(3), 4000)
    exact = stats.truncnorm(10.0, 12.0, loc=-10.0, scale=1.0)
    assert draws.max() < 1.0 and abs(draws.mean() - exact.mean()) < 0.01
    assert stats.kstest(draws, exact.cdf).pvalue > 1e-3


def test_a_prior_with_no_mass_within_the_bounds_is_one_line(tmp_path):
    """normal(mean 100, sd 0.01) has no representable mass in [0, 2]: every draw sat at 0,
    the bound opposite its mean, and `calibrate` fitted that without a word."""
    from sim.observe.spec import load_spec

    spec = calibration_spec(
        tmp_path, "coefficients", {"fatigue": "{prior: normal, mean: 100, sd: 0.01}"}
    )
    with pytest.raises(ScenarioError) as caught:
        load_spec(spec)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.path) == (str(spec), 4, "coefficients.fatigue")
    assert problem.message == (
        "expected a prior with mass within the coefficient's bounds [0, 2], found normal "
        "(mean 100, sd 0.01), which puts none there"
    )


@pytest.mark.parametrize(
    ("knobs", "where", "words"),
    [
        (
            "    parameters.crisis_threshold: {label: c, low: 0.5, high: 1}\n",
            "exploration.uncertainties.parameters.crisis_threshold",
            "crisis_threshold up to 1 and war_threshold down to 0.8",
        ),
        (
            "    parameters.war_threshold: {label: w, values: [0.3, 0.9]}\n",
            "exploration.uncertainties.parameters.war_threshold",
            "crisis_threshold up to 0.5 and war_threshold down to 0.3",
        ),
    ],
)
def test_an_exploration_range_crossing_the_thresholds_is_refused(tmp_path, knobs, where, words):
    """An uncertainty the dashboard or a sweep of the exploration would draw from must keep
    every pair at war in crisis; crisis_threshold 0.5–1 against war 0.8 passed `validate`."""
    path = tmp_path / "x.yaml"
    path.write_text(f"extends: {BASELINE}\nname: x\nexploration:\n  uncertainties:\n{knobs}")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert (problem.line, problem.path) == (5, where)
    assert problem.message == (
        f"expected ranges that keep crisis_threshold at most war_threshold, found {words}"
    )


def test_exploration_ranges_that_keep_the_order_are_accepted(tmp_path):
    path = tmp_path / "x.yaml"
    knobs = (
        "    parameters.crisis_threshold: {label: c, low: 0.3, high: 0.6}\n"
        "    parameters.war_threshold: {label: w, low: 0.6, high: 1}\n"
    )
    path.write_text(f"extends: {BASELINE}\nname: x\nexploration:\n  uncertainties:\n{knobs}")
    load_scenario(path)


def test_numpy_values_through_the_api_are_read_as_python_numbers():
    """Grids come from numpy: np.float64(2.5) was refused as "found np.float64(2.5)", and
    np.bool_(True) was taken as fatigue 1.0 where `True` is refused (a flag is no number)."""
    assert (
        sim.load(BASELINE, set={"parameters.fatigue": np.float64(0.4)}).model_input.params[
            "fatigue"
        ][0, 0]
        == 0.4
    )
    for value, found in [(np.float64(2.5), "2.5"), (np.bool_(True), "boolean true")]:
        with pytest.raises(ScenarioError) as caught:
            sim.load(BASELINE, set={"parameters.fatigue": value})
        (problem,) = caught.value.problems
        assert problem.message.endswith(f", found {found}"), problem


@pytest.mark.parametrize("name", OUTPUTS)
def test_an_output_threshold_is_not_fitted(tmp_path, name):
    """The thresholds count crises and wars; they move no state. With `no_war: true` a fit
    of war_threshold escapes the pattern filter by raising it (a simulated war is one at or
    above it), and a fit of either makes replications count by different rules; `validate`
    said ok."""
    from sim.observe.spec import load_spec

    spec = calibration_spec(tmp_path, "coefficients", {name: "{prior: uniform}"})
    with pytest.raises(ScenarioError) as caught:
        load_spec(spec)
    (problem,) = caught.value.problems
    assert (problem.line, problem.path) == (4, f"coefficients.{name}")
    assert problem.message == (
        f"{name} is an output threshold (it counts crises and wars and moves no state), "
        "not a coefficient to fit"
    )


@pytest.mark.parametrize("name", OUTPUTS)
def test_a_posterior_of_an_output_threshold_is_one_line(tmp_path, capsys, name):
    import pandas as pd

    from sim.observe.posterior import write_posterior

    post = tmp_path / "post.parquet"
    write_posterior(pd.DataFrame({name: [0.9, 0.95], "weight": [1.0, 1.0]}), post)
    argv = ["run", str(BASELINE), "--posterior", str(post), "-n", "2", "--steps", "2"]
    assert main([*argv, "-q", "--out", str(tmp_path / "o")]) == 2
    assert one_line(capsys).endswith(
        f"--posterior {post}: {name} is an output threshold (it counts crises and wars and "
        "moves no state), not a coefficient to fit"
    )
    assert not (tmp_path / "o").exists()


def test_a_preference_of_an_actor_with_itself_is_refused(tmp_path):
    """`pref_PRK_PRK` (a pair of one actor, as round 4's `pair: [CHN, CHN]`) passed
    `validate` and would have been "estimated" on the commitment diagonal, which no dynamics
    read: a fit of nothing. Refused in the spec, in a posterior and at the engine."""
    import pandas as pd

    from sim.observe.posterior import read_posterior, write_posterior
    from sim.observe.spec import load_spec

    words = "pref_PRK_PRK: a preference is of a pair, name two different actors (pref_A_B)"
    spec = calibration_spec(tmp_path, "coefficients", {"pref_PRK_PRK": "{prior: uniform}"})
    with pytest.raises(ScenarioError) as caught:
        load_spec(spec)
    (problem,) = caught.value.problems
    assert (problem.line, problem.path, problem.message) == (4, "coefficients.pref_PRK_PRK", words)
    post = tmp_path / "post.parquet"
    write_posterior(pd.DataFrame({"pref_PRK_PRK": [0.1], "weight": [1.0]}), post)
    with pytest.raises(UsageError) as refused:
        read_posterior(post)
    assert str(refused.value) == f"--posterior {post}: {words}"
    world, events = prepare(load_scenario(HISTORY).scenario)
    with pytest.raises(UsageError) as refused:  # the engine's own check, below every file
        run_chunk(world, events, np.arange(1), 1, 2, coefficients={"pref_PRK_PRK": np.ones(1)})
    assert str(refused.value) == f"coefficient {words}"


@pytest.mark.parametrize("op", ["set", "add", "scale"])
@pytest.mark.parametrize("name", ["crisis_threshold", "war_threshold"])
def test_an_event_moving_an_output_threshold_is_refused(tmp_path, capsys, name, op):
    """Round 5 left this open: an event could move a threshold mid-run across the other,
    and only the values at the start were checked. The thresholds define what is counted,
    so no event may move them; the line points at the event's key."""
    value = {"set": 0.95, "add": 0.1, "scale": 1.5}[op]
    text = BASELINE.read_text(encoding="utf-8").replace(
        "    set:\n      relations.RUS.PRK.military_supply: 0.4\n",
        f"    set:\n      relations.RUS.PRK.military_supply: 0.4\n"
        f"    {op}:\n      parameters.{name}: {value}\n"
        if op != "set"
        else f"    set:\n      relations.RUS.PRK.military_supply: 0.4\n"
        f"      parameters.{name}: {value}\n",
    )
    assert f"parameters.{name}" in text
    (tmp_path / "seeds").mkdir()
    ledger = BASELINE.parent.parent / "seeds" / "ledger.yaml"
    (tmp_path / "seeds" / "ledger.yaml").write_bytes(ledger.read_bytes())
    scenario = tmp_path / "moved.yaml"
    scenario.write_text(text, encoding="utf-8")
    assert main(["validate", str(scenario)]) == 2
    line = one_line(capsys)
    assert f"events.munitions_flow.{op}.parameters.{name}" in line
    assert line.endswith(
        f"{name} is an output threshold (it defines what counts as a crisis or a war); "
        "set it under parameters:, not by an event"
    )


def test_an_override_adding_a_threshold_effect_to_an_event_is_refused():
    """The same rule where a built model input is changed directly (a library caller of
    sim.scenario.overrides.apply): an event effect on an output threshold is refused."""
    from sim.scenario.overrides import InvalidValue, apply
    from sim.world import as_input

    model = as_input(load_scenario(BASELINE))
    path = "events.munitions_flow.set.parameters.war_threshold"
    with pytest.raises(InvalidValue) as caught:
        apply(model, {path: 0.1})
    assert (caught.value.path, caught.value.message) == (
        path,
        "war_threshold is an output threshold (it defines what counts as a crisis or a war); "
        "set it under parameters:, not by an event",
    )


def test_crossed_thresholds_point_at_the_value_typed_with_set(tmp_path):
    """A file that writes crisis_threshold, crossed by `--set parameters.war_threshold`:
    the line points at what was typed, not at the file's value."""
    study = tmp_path / "study.yaml"
    study.write_text(
        f"extends: {BASELINE}\nname: study\nparameters:\n  crisis_threshold: 0.6\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as caught:
        sim.load(study, set={"parameters.war_threshold": 0.3})
    (problem,) = caught.value.problems
    assert (problem.file, problem.path) == ("--set", "parameters.war_threshold")
    study.write_text(study.read_text(encoding="utf-8").replace("0.6", "0.9"), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:  # the file alone crossing: the file's line
        sim.load(study)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == (str(study), 4)
    assert problem.path == "parameters.crisis_threshold"
