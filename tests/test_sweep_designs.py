"""Designs make the right number of points, inside the bounds, reproducibly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.jobs.sweep.designs import expected_points, make_design
from sim.jobs.sweep.spec import load_spec

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
PARAMS = [
    "parameters.reactivity=0.02:0.3",
    "relations.PRK.CHN.trade=0.4:0.98:3",
    "treaties.chn_prk_1961.obligation=vague,conditional,automatic",
]


def spec(design: str, samples: int | None, params=PARAMS, seed: int = 11, **kw):
    return load_spec(BASELINE, params, design=design, samples=samples, seed=seed, **kw)


def check_bounds(d, s) -> None:
    for p in s.params:
        col = d.points[p.path]
        if p.kind == "range":
            assert col.min() >= p.low and col.max() <= p.high, p.path
        else:
            assert set(col) <= set(p.values), p.path


@pytest.mark.parametrize(
    ("design", "samples", "second_order", "n_points"),
    [
        ("grid", 4, False, 4 * 3 * 3),  # reactivity: 4 levels, trade: its own 3, 3 choices
        ("lhs", 25, False, 25),
        ("sobol", 16, False, 16 * (3 + 2)),
        ("sobol", 8, True, 8 * (2 * 3 + 2)),
        ("morris", 6, False, 6 * (3 + 1)),
    ],
)
def test_point_counts_and_bounds(design, samples, second_order, n_points):
    s = spec(design, samples)
    s.second_order = second_order
    d = make_design(s)
    assert d.n_points == n_points == expected_points(s)
    assert list(d.points["point"]) == list(range(n_points))
    assert d.matrix.shape == (n_points, 3)
    check_bounds(d, s)


def test_grid_is_the_full_product_with_exact_ends():
    d = make_design(spec("grid", 4))
    react = sorted(set(d.points["parameters.reactivity"]))
    assert react == [0.02, 0.113333333333, 0.206666666667, 0.3]
    assert sorted(set(d.points["relations.PRK.CHN.trade"])) == [0.4, 0.69, 0.98]
    combos = set(map(tuple, d.points.drop(columns="point").astype(str).to_numpy()))
    assert len(combos) == d.n_points


def test_lhs_is_a_latin_hypercube():
    s = spec("lhs", 20, ["parameters.reactivity=0:2", "parameters.noise=0:0.1"])
    d = make_design(s)
    for p in s.params:
        strata = np.floor((d.points[p.path] - p.low) / (p.high - p.low) * 20).astype(int)
        assert sorted(np.minimum(strata, 19)) == list(range(20))


def test_same_seed_same_points_other_seed_other_points():
    a = make_design(spec("sobol", 8)).points
    b = make_design(spec("sobol", 8)).points
    c = make_design(spec("sobol", 8, seed=12)).points
    assert a.equals(b)
    assert not a.equals(c)


def test_whole_number_settings_stay_whole(tmp_path):
    scenario = tmp_path / "e.yaml"
    scenario.write_text(
        f"extends: {BASELINE}\nname: e\nevents:\n  x:\n    label: x\n    at: 4\n"
        "    add: {actors.KOR.escalation: 0.1}\n"
    )
    s = load_spec(
        scenario, ["events.x.at=1:12", "parameters.noise=0:0.1"], design="lhs", samples=30
    )
    at = make_design(s).points["events.x.at"]
    assert at.dtype.kind == "i" and at.min() >= 1 and at.max() <= 12
    assert len(set(at)) > 6  # spread over the whole numbers, ends included


@settings(max_examples=15, deadline=None)
@given(
    lo=st.floats(0.0, 0.9, allow_nan=False),
    width=st.floats(0.01, 1.0, allow_nan=False),
    design=st.sampled_from(["lhs", "sobol", "morris"]),
)
def test_samples_respect_any_bounds(lo, width, design):
    hi = min(1.0, lo + width)
    assume(hi > lo)
    s = spec(design, 4, [f"actors.PRK.escalation={lo}:{hi}", "parameters.noise=0:0.1"])
    check_bounds(make_design(s), s)
