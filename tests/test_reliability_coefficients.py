"""Every coefficient perturbed in bounds (reliability round 5, docs/reliability.md §11).

Each model coefficient at 0, at each bound, at a quarter and at four times its default
(tests/coefficient_cases.py builds the cases from the registries), alone and at the corners
of the box; the given structural terms at their bounds; every operator coefficient likewise.
They must run to the end with finite, bounded outputs and the two engines agreeing, through
the kernel, `sim.run` (to the charts), a sweep and a hindcast. The refusals of values out
of bounds are tests/test_reliability_coefficients_refused.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from coefficient_cases import (
    FILES,
    FITTED,
    HISTORY,
    MODEL_CASES,
    MODEL_OUTSIDE,
    OPERATOR_CASES,
    OPERATOR_OUTSIDE,
    REPO,
)
from reliability_tools import BASELINE

import sim
from sim.ensemble import prepare, run_chunk
from sim.kernel import numba_available
from sim.observe.likelihood import log_likelihood
from sim.observe.observations import Observation
from sim.observe.operators import (
    OPERATOR_COEFFICIENTS,
    PairHistory,
    Window,
    default_coefficients,
    draw,
)
from sim.parameters import PARAMETERS
from sim.scenario.loader import load_scenario

BOUNDED = {  # series of the recorder and the range the model promises for each
    "escalation": (0.0, 1.0),
    "leverage": (0.0, 1.0),
    "commitment": (-1.0, 1.0),
    "tension": (0.0, 1.0),
    "frustration": (0.0, 1.0),
}


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
    (with choice_temperature 0.01 and commit_step 0.5 the logit move's slope is 33 per unit
    of payoff; a commitment's deviation grew 40- to 100-fold a month), so the engines'
    last-bit rounding differences grow to O(1), as any two summation orders' would: they are
    compared on the first step only, where nothing has amplified yet; every step stays
    bounded (docs/reliability.md §11)."""
    from tests.test_kernel import assert_same

    rows = corners(40)
    ref, new = run_both(path, rows)
    assert_bounded(ref, rows)
    assert_bounded(new, rows)
    first = run_both(path, rows, steps=1)
    assert_same(*first)


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
            if kind == "summit":  # no summit in two years, at the opposite commitment
                anchor = PairHistory(0.0, 24, np.full(1, -float(c)))
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


HINDCAST_ARGS = {"n": 4, "draws": 5, "seed": 1}


@pytest.fixture(scope="module")
def plain_hindcast():
    """The history's hindcast with the hand-set coefficients (one for both bounds)."""
    files = sorted((REPO / "seeds" / "observations").glob("*.yaml"))
    return files, sim.hindcast(files, HISTORY, **HINDCAST_ARGS).scores


@pytest.mark.parametrize("bound", ["lo", "hi"])
def test_a_hindcast_with_every_coefficient_at_a_bound_scores_every_observation(
    tmp_path, bound, plain_hindcast
):
    """The operator coefficients reach users through a posterior: every model coefficient
    (thresholds aside, they are not fitted) and every operator coefficient at its low or high
    bound, scored against every observation file. Scores are finite wherever the scenario's
    own run scores (a null that cannot forecast an observation leaves NaN in both)."""
    import pandas as pd

    from sim.observe.posterior import write_posterior

    row = {n: getattr(c, bound) for n, c in {**FITTED, **OPERATOR_COEFFICIENTS}.items()}
    post = tmp_path / "post.parquet"
    write_posterior(pd.DataFrame([row, row]).assign(weight=1.0), post)
    files, plain = plain_hindcast
    scored = sim.hindcast(files, HISTORY, posterior=post, **HINDCAST_ARGS).scores
    numbers = plain.select_dtypes("number").columns
    assert len(scored) == len(plain) > 0
    assert (np.isfinite(scored[numbers]) == np.isfinite(plain[numbers])).all().all()


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
