"""Every coefficient perturbed (reliability round 5, docs/reliability.md §11).

The cases are built from the registries (sim.parameters.PARAMETERS and
sim.observe.operators.OPERATOR_COEFFICIENTS), never listed by hand, so a coefficient added
tomorrow is perturbed by these tests too: each at 0, at each bound, at a quarter and at
four times its default, and just outside its bounds. In-bounds values must run to the end
with finite, bounded outputs and the two engines agreeing; out-of-bounds values must be
refused in one located line on every user path (`--set`, a scenario's `parameters:`
block, a sweep `--param` or file, a calibration prior, the Python API).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from reliability_tools import BASELINE, one_line

import sim
from sim.cli import main
from sim.ensemble import prepare, run_chunk
from sim.errors import ScenarioError, UsageError
from sim.kernel import numba_available
from sim.observe.likelihood import log_likelihood
from sim.observe.observations import Observation
from sim.observe.operators import OPERATOR_COEFFICIENTS, Window, default_coefficients, draw
from sim.parameters import PARAMETERS
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parents[1]
HISTORY = REPO / "scenarios" / "history" / "base_2016.yaml"
FILES = [*sorted((REPO / "scenarios").glob("*.yaml")), HISTORY]
BOUNDED = {  # series of the recorder and the range the model promises for each
    "escalation": (0.0, 1.0),
    "leverage": (0.0, 1.0),
    "commitment": (-1.0, 1.0),
    "tension": (0.0, 1.0),
    "frustration": (0.0, 1.0),
}


def perturbations(default: float, lo: float, hi: float) -> dict[str, float]:
    """The values the task names: 0, each bound, ×0.25 and ×4 of the default."""
    return {"zero": 0.0, "lo": lo, "hi": hi, "quarter": default * 0.25, "four": default * 4}


def outside(lo: float, hi: float) -> list[float]:
    """Just below and just above the bounds (a hundredth of the range out)."""
    step = (hi - lo) / 100
    return [lo - step, hi + step]


def _inside(table) -> list[tuple[str, str, float]]:
    return [
        (name, label, v)
        for name, c in table.items()
        for label, v in perturbations(c.default, c.lo, c.hi).items()
        if c.lo <= v <= c.hi
    ]


def _outside(table) -> list[tuple[str, float]]:
    out = []
    for name, c in table.items():
        values = [*outside(c.lo, c.hi), *perturbations(c.default, c.lo, c.hi).values()]
        out += [(name, v) for v in dict.fromkeys(values) if not c.lo <= v <= c.hi]
    return out


MODEL_CASES = _inside(PARAMETERS)
MODEL_OUTSIDE = _outside(PARAMETERS)
OPERATOR_CASES = _inside(OPERATOR_COEFFICIENTS)
OPERATOR_OUTSIDE = _outside(OPERATOR_COEFFICIENTS)


def per_replication(rows: list[dict[str, float]]) -> dict[str, np.ndarray]:
    """Coefficient arrays indexed by replication: replication r runs rows[r] (the rest at
    their defaults), the way a posterior or a robustness draw reaches the model."""
    coefs = {n: np.full(len(rows), p.default) for n, p in PARAMETERS.items()}
    for r, row in enumerate(rows):
        for name, value in row.items():
            coefs[name][r] = value
    return coefs


def run_both(path: Path, rows: list[dict[str, float]], steps: int | None = None):
    scenario = load_scenario(path).scenario
    world, events = prepare(scenario)
    reps, coefs = np.arange(len(rows)), per_replication(rows)
    steps = steps or scenario.run.steps
    return [
        run_chunk(world, events, reps, 7, steps, keep_series=True, coefficients=coefs, engine=e)
        for e in ("numpy", "numba")
    ]


def assert_bounded(result, rows) -> None:
    """Every float of the summaries and series finite; every bounded series in its range."""
    for key, a in result.summary.items():
        if a.dtype.kind == "f":
            bad = np.unique(np.argwhere(~np.isfinite(a))[:, 0])
            assert not bad.size, (key, [rows[i] for i in bad[:3]])
    for name, (lo, hi) in BOUNDED.items():
        a = getattr(result.series, name)
        assert np.isfinite(a).all(), name
        assert lo <= a.min() and a.max() <= hi, (name, a.min(), a.max())


ENGINES = ("numpy", "numba")
needs_numba = pytest.mark.skipif(not numba_available(), reason="numba is not installed")


@needs_numba
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_coefficient_perturbed_runs_bounded_and_the_engines_agree(path):
    """One replication per (coefficient, value): the full horizon of every scenario file."""
    from tests.test_kernel import assert_same

    rows = [{name: v} for name, _, v in MODEL_CASES]
    ref, new = run_both(path, rows)
    assert_bounded(ref, rows)
    assert_bounded(new, rows)
    assert_same(ref, new)


def corners(count: int) -> list[dict[str, float]]:
    """Every coefficient at its low bound, at its high bound, and `count` seeded mixtures."""
    rng = np.random.default_rng(20261205)
    rows = [{n: p.lo for n, p in PARAMETERS.items()}, {n: p.hi for n, p in PARAMETERS.items()}]
    for _ in range(count):
        rows.append({n: (p.lo, p.hi)[int(rng.integers(2))] for n, p in PARAMETERS.items()})
    return rows


@needs_numba
@pytest.mark.parametrize("path", [BASELINE, FILES[-1]], ids=lambda p: p.stem)
def test_corners_of_the_coefficient_box_stay_bounded(path):
    """At the box's corners the noise-free dynamics can be unstable at the settled state
    (choice_temperature 0.01 with commit_step 0.5 multiplies a commitment's deviation by
    about 1 + 0.5·(2/3)/0.01 ≈ 34 a month), so the engines' last-bit rounding differences
    grow to O(1) within ten steps, as any two summation orders would: they are compared
    on the first step only, where nothing has amplified yet; every step stays bounded."""
    from tests.test_kernel import assert_same

    rows = corners(40)
    ref, new = run_both(path, rows)
    assert_bounded(ref, rows)
    assert_bounded(new, rows)
    first = run_both(path, rows, steps=1)
    assert_same(*first)


# ----------------------------------------------------------------- out of bounds: every path
def _expected(name: str, value: float) -> str:
    p = PARAMETERS[name]
    return f"at most {p.hi:g}" if value > p.hi else f"at least {p.lo:g}"


def test_set_and_the_api_refuse_every_value_outside_its_bounds():
    """`--set` and `sim.run(set=)`/`sim.load(set=)` share the loader: one problem per key,
    located at `--set`, naming the key path and the bound."""
    for name, value in MODEL_OUTSIDE:
        with pytest.raises(ScenarioError) as caught:
            sim.load(BASELINE, set={f"parameters.{name}": value})
        (problem,) = caught.value.problems
        assert (problem.file, problem.path) == ("--set", f"parameters.{name}"), problem
        assert _expected(name, value) in problem.message, problem


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
        assert _expected(name, value) in problem.message


def test_a_sweep_refuses_every_value_outside_its_bounds(tmp_path):
    """`--param` as a range, as a list, and a sweep file's range: refused before any run."""
    from sim.jobs.sweep.spec import load_spec

    spec = tmp_path / "sweep.yaml"
    for name, value in MODEL_OUTSIDE:
        p = PARAMETERS[name]
        low, high = (value, p.hi) if value < p.lo else (p.lo, value)
        for flag in (f"parameters.{name}={low}:{high}:3", f"parameters.{name}={p.default},{value}"):
            with pytest.raises(UsageError, match=_expected(name, value)):
                load_spec(BASELINE, [flag])
        entry = f"parameters.{name}: {{low: {low}, high: {high}}}"
        spec.write_text(f"scenario: {BASELINE}\nparameters:\n  {entry}\n")
        with pytest.raises(ScenarioError) as caught:
            load_spec(spec)
        (problem,) = caught.value.problems
        assert (problem.file, problem.line) == (str(spec), 3)
        assert _expected(name, value) in problem.message


def _calibration(tmp_path: Path, section: str, body: dict[str, str]) -> Path:
    spec = tmp_path / "spec.yaml"
    lines = "".join(f"  {name}: {prior}\n" for name, prior in body.items())
    spec.write_text(
        f"scenarios: [{REPO / 'scenarios/history/base_2016.yaml'}]\n"
        f"observations: [{REPO / 'seeds/observations/summits.yaml'}]\n{section}:\n{lines}"
    )
    return spec


FITTED = {n: p for n, p in PARAMETERS.items() if p.mechanism != "outputs"}  # see below


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
            load_spec(_calibration(tmp_path, section, body))
        problems = {p.path: p for p in caught.value.problems}
        assert set(problems) == {f"{section}.{n}.{'lo' if side == 0 else 'hi'}" for n in table}
        for p in problems.values():
            assert "within the coefficient's bounds" in p.message, p


@pytest.mark.parametrize("table", [FITTED, OPERATOR_COEFFICIENTS], ids=["model", "operator"])
def test_a_calibration_prior_over_each_whole_range_is_accepted(tmp_path, table):
    from sim.observe.spec import load_spec

    section = "coefficients" if table is FITTED else "operator_coefficients"
    body = {n: "{prior: uniform}" for n in table}
    spec = load_spec(_calibration(tmp_path, section, body))
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
    _calibration(tmp_path, "operator_coefficients", {"trade_log_sd": "{prior: uniform, lo: 0}"})
    argv, words = CLI_PATHS[path]
    assert main([*argv, "-q", "--out", "o"]) == 2
    assert words in one_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.yaml", "spec.yaml"]


# ----------------------------------------------------------------- the observation operators
IDS = ["CHN", "PRK", "USA", "KOR"]
SOURCE = {"publisher": "p", "title": "t", "date": "2020-01-01", "url": "https://e.org"}
KINDS = {  # kind: (actors, an observed value) — one observation of each operator
    "missile_launches": (("PRK",), 3.0),
    "nuclear_test": (("PRK",), 1.0),
    "summit": (("CHN", "PRK"), 1.0),
    "sanction_measure": (("USA",), 2.0),
    "unsc_vote": (("CHN",), 0.0),
    "joint_exercise": (("USA", "KOR"), 1.0),
    "trade_value": (("CHN", "PRK"), 2.5e9),
}
SUPPORT = {"unsc_vote": {-1.0, 0.0, 1.0}, "joint_exercise": {0.0, 1.0}}


def _window(x: float, c: float, lev: float, months: int = 12) -> Window:
    n = len(IDS)
    return Window(
        np.full((months, 1, n), x), np.full((months, 1, n, n), c), np.full((months, 1, n), lev), IDS
    )


@pytest.mark.parametrize(("name", "label", "value"), OPERATOR_CASES, ids=lambda v: str(v))
def test_every_operator_coefficient_perturbed_draws_in_its_support(name, label, value):
    """At every extreme state (escalation, commitment, leverage at their bounds): finite
    draws in the observable's support, finite log likelihoods, with one coefficient moved."""
    k = default_coefficients(1)
    k[name] = np.full(1, value)
    rng = np.random.default_rng(0)
    for kind, (actors, observed) in KINDS.items():
        obs = Observation("o", kind, actors, "2017", 0, 11, observed, "u", "solid", SOURCE, "f", 1)
        anchor = (observed, np.zeros(1)) if kind == "trade_value" else (1.0, None)
        for x, c, lev in [(0, -1, 0), (1, 1, 1), (0, 1, 1), (1, -1, 0)]:
            w = _window(x, c, lev)
            draws = draw(obs, w, k, rng, 50, anchor=anchor)
            assert np.isfinite(draws).all(), (kind, x, c, lev)
            if kind in SUPPORT:
                assert set(np.unique(draws)) <= SUPPORT[kind]
            else:
                assert (draws >= 0).all()
            assert np.isfinite(log_likelihood(obs, w, k, anchor)).all(), (kind, x, c, lev)


def test_the_operator_cases_cover_every_coefficient():
    """The tables above come from the registries: every coefficient has its in-bounds and its
    out-of-bounds cases (a coefficient added later is perturbed without editing this file)."""
    assert {n for n, _, _ in OPERATOR_CASES} == set(OPERATOR_COEFFICIENTS)
    assert {n for n, _ in OPERATOR_OUTSIDE} == set(OPERATOR_COEFFICIENTS)
    assert {n for n, _, _ in MODEL_CASES} == set(PARAMETERS)
    assert {n for n, _ in MODEL_OUTSIDE} == set(PARAMETERS)


# ----------------------------------------------------------------- faults found (round 5)
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
    a grid reaching crisis_threshold 1.0 against war_threshold 0.8 ran to the end."""
    with pytest.raises(UsageError) as caught:
        sim.sweep(BASELINE, params={"parameters.crisis_threshold": [0.5, 1.0]}, n=1, steps=2,
                  out=tmp_path / "o")  # fmt: skip
    assert str(caught.value) == (
        "design point 1 (parameters.crisis_threshold=1.0): parameters.crisis_threshold: "
        "expected crisis_threshold (1) at most war_threshold (0.8): a pair at war is also in crisis"
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

    spec = _calibration(
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


@pytest.mark.parametrize("bound", ["lo", "hi"])
def test_the_api_runs_every_coefficient_at_a_bound_to_charts(tmp_path, bound):
    """Through `sim.run(set=)` (the path of `--set` and a scenario's `parameters:`), every
    coefficient at once at its low or high bound: every table finite (the aggregates'
    quantiles are NaN only over no replications and in the count-only rows,
    docs/results-format.md) and every chart drawn."""
    import pandas as pd

    values = {f"parameters.{n}": getattr(p, bound) for n, p in PARAMETERS.items()}
    res = sim.run(BASELINE, n=3, seed=1, steps=6, set=values, charts=True, out=tmp_path / "r")
    for table in (res.timeseries, res.pairs, res.system, res.summary):
        assert np.isfinite(table.select_dtypes("number").to_numpy(dtype=float)).all()
    aggregates = pd.read_parquet(tmp_path / "r" / "aggregates.parquet")
    quantiles = aggregates[["q05", "q25", "q50", "q75", "q95"]].to_numpy()
    counted = ~aggregates["series"].isin(["rung", "crisis", "war"])  # counts only: NaN
    expected = counted & (aggregates["count"] > 0)
    assert (np.isfinite(quantiles).all(axis=1) == expected).all()
    charts = {p.name for p in (tmp_path / "r" / "charts").glob("*.png")}
    assert {"escalation.png", "network.png", "outcomes.png"} <= charts
    assert all(p.stat().st_size > 0 for p in (tmp_path / "r" / "charts").glob("*.png"))


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


@needs_numba
def test_a_sweep_over_every_coefficient_range_runs_and_the_engines_agree(tmp_path):
    """A sweep stacks its points as rows of one model input (not per-replication
    coefficients): a Latin hypercube over every coefficient's whole range (the thresholds
    split at 0.5 so that none crosses), both engines, finite and equal."""
    params = {f"parameters.{n}": (p.lo, p.hi) for n, p in PARAMETERS.items()}
    params["parameters.crisis_threshold"] = (0.0, 0.5)
    params["parameters.war_threshold"] = (0.5, 1.0)
    runs = [
        sim.sweep(
            BASELINE,
            params=params,
            design="lhs",
            samples=24,
            n=2,
            steps=12,
            engine=e,
            out=tmp_path / e,
        ).runs
        for e in ("numpy", "numba")
    ]
    numbers = runs[0].select_dtypes("number").columns
    assert np.isfinite(runs[0][numbers].to_numpy(dtype=float)).all()
    np.testing.assert_allclose(runs[1][numbers], runs[0][numbers], rtol=0, atol=1e-12)


OUTPUTS = [n for n, p in PARAMETERS.items() if p.mechanism == "outputs"]


@pytest.mark.parametrize("name", OUTPUTS)
def test_an_output_threshold_is_not_fitted(tmp_path, name):
    """The thresholds count crises and wars; they move no state. With `no_war: true` a fit
    of war_threshold escapes the pattern filter by raising it (a simulated war is one at or
    above it), and a fit of either makes replications count by different rules; `validate`
    said ok."""
    from sim.observe.spec import load_spec

    spec = _calibration(tmp_path, "coefficients", {name: "{prior: uniform}"})
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


@pytest.mark.parametrize("bound", ["lo", "hi"])
def test_a_hindcast_with_every_coefficient_at_a_bound_scores_every_observation(tmp_path, bound):
    """The operator coefficients reach users through a posterior: every model coefficient
    (thresholds aside, they are not fitted) and every operator coefficient at its low or high
    bound, scored against every observation file. Scores are finite wherever the scenario's
    own run scores (a null that cannot forecast an observation leaves NaN in both)."""
    import pandas as pd

    from sim.observe.posterior import write_posterior

    row = {n: getattr(c, bound) for n, c in {**FITTED, **OPERATOR_COEFFICIENTS}.items()}
    post = tmp_path / "post.parquet"
    write_posterior(pd.DataFrame([row, row]).assign(weight=1.0), post)
    files = sorted((REPO / "seeds" / "observations").glob("*.yaml"))
    args = {"n": 4, "draws": 5, "seed": 1}
    scored = sim.hindcast(files, HISTORY, posterior=post, **args).scores
    plain = sim.hindcast(files, HISTORY, **args).scores
    numbers = plain.select_dtypes("number").columns
    assert len(scored) == len(plain) > 0
    assert (np.isfinite(scored[numbers]) == np.isfinite(plain[numbers])).all().all()


def test_a_preference_of_an_actor_with_itself_is_refused(tmp_path):
    """`pref_PRK_PRK` (a pair of one actor, as round 4's `pair: [CHN, CHN]`) passed
    `validate` and would have been "estimated" on the commitment diagonal, which no dynamics
    read: a fit of nothing. Refused in the spec, in a posterior and at the engine."""
    import pandas as pd

    from sim.observe.posterior import read_posterior, write_posterior
    from sim.observe.spec import load_spec

    words = "pref_PRK_PRK: a preference is of a pair, name two different actors (pref_A_B)"
    spec = _calibration(tmp_path, "coefficients", {"pref_PRK_PRK": "{prior: uniform}"})
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


@needs_numba
@pytest.mark.parametrize("path", [BASELINE, HISTORY], ids=lambda p: p.stem)
def test_given_terms_at_their_bounds_run_bounded_and_the_engines_agree(path):
    """The given structural terms (sim/structural.py GIVEN_BOUNDS) are coefficients too: each
    drive_A, start_A and pref_A_B of the scenario's actors at its low bound, 0 and its high
    bound, one replication each, both engines, the full horizon."""
    from sim.structural import GIVEN_BOUNDS
    from tests.test_kernel import assert_same

    scenario = load_scenario(path).scenario
    world, events = prepare(scenario)
    ids = list(world.ids)
    names = [f"{k}_{a}" for k in ("drive", "start") for a in ids]
    names += [f"pref_{a}_{b}" for a in ids for b in ids if a < b]
    rows = []
    for name in names:
        bounds = GIVEN_BOUNDS[name.split("_")[0]]
        rows += [(name, value) for value in (bounds.lo, 0.0, bounds.hi)]
    coefs = {n: np.zeros(len(rows)) for n in names}
    for r, (name, value) in enumerate(rows):
        coefs[name][r] = value
    reps, steps = np.arange(len(rows)), scenario.run.steps
    runs = [run_chunk(world, events, reps, 7, steps, True, coefs, engine=e) for e in ENGINES]
    ref, new = runs
    assert_bounded(ref, rows)
    assert_bounded(new, rows)
    assert_same(ref, new)
