"""The escalation core against Richardson's analytic arms-race equilibrium."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.ensemble import prepare, run_chunk
from tests.model_builders import richardson


def trajectory(scenario):
    world, events = prepare(scenario)
    res = run_chunk(world, events, np.arange(1), 0, scenario.run.steps, keep_series=True)
    return res.series.escalation[:, 0, :]


def equilibrium(a, b, m, n, g, h):
    det = m * n - a * b
    return (a * h + n * g) / det, (b * g + m * h) / det


@pytest.mark.parametrize(
    ("a", "b", "m", "n", "g", "h"),
    [
        (0.1, 0.15, 0.3, 0.25, 0.02, 0.03),
        (0.2, 0.2, 0.5, 0.4, 0.05, 0.0),
        (0.0, 0.3, 0.3, 0.6, 0.01, 0.04),
    ],
)
def test_stable_case_converges_to_analytic_equilibrium(a, b, m, n, g, h):
    x_star, y_star = equilibrium(a, b, m, n, g, h)
    path = trajectory(richardson(a, b, m, n, g, h))
    assert path[-1, 0] == pytest.approx(x_star, abs=1e-6)
    assert path[-1, 1] == pytest.approx(y_star, abs=1e-6)


@given(
    a=st.floats(0, 0.5),
    b=st.floats(0, 0.5),
    m=st.floats(0.1, 0.6),
    n=st.floats(0.1, 0.6),
    g=st.floats(0, 0.05),
    h=st.floats(0, 0.05),
)
@settings(max_examples=25, deadline=None)
def test_any_stable_case_converges(a, b, m, n, g, h):
    assume(m * n - a * b >= 0.03 and max(m, n) <= 2 * min(m, n))
    x_star, y_star = equilibrium(a, b, m, n, g, h)
    assume(x_star <= 0.9 and y_star <= 0.9)
    # Run until the slowest mode of the monthly map has shrunk below 1e-9.
    slowest = (-(m + n) + np.sqrt((m - n) ** 2 + 4 * a * b)) / 2
    steps = int(np.ceil(np.log(1e-9) / np.log(1 + slowest))) + 10
    path = trajectory(richardson(a, b, m, n, g, h, steps=steps))
    assert path[-1, 0] == pytest.approx(x_star, abs=1e-6)
    assert path[-1, 1] == pytest.approx(y_star, abs=1e-6)


@pytest.mark.parametrize(
    ("a", "b", "m", "n"), [(0.4, 0.5, 0.2, 0.2), (0.3, 0.3, 0.25, 0.3), (0.9, 0.2, 0.15, 0.3)]
)
def test_unstable_case_runs_away(a, b, m, n):
    assert a * b > m * n
    path = trajectory(richardson(a, b, m, n, 0.01, 0.01, x0=0.05, y0=0.05, steps=400))
    # The bounded ladder turns "runs away" into: someone hits the top and stays there.
    top = path.max(axis=1)
    hit = int(np.argmax(top >= 1.0))
    assert top[hit] == 1.0
    assert np.all(top[hit:] == 1.0)
    # Until then the race only accelerates away from the (unstable) fixed point.
    assert np.all(np.diff(path[: hit + 1].sum(axis=1)) > 0)


def test_boundary_is_at_mn_equals_ab():
    """With no grievance the fixed point is 0: below a·b = m·n the race dies out, above it
    the same small start runs away."""
    m = n = 0.3
    settle = trajectory(richardson(0.29, 0.3, m, n, 0.0, 0.0, steps=3000))
    explode = trajectory(richardson(0.31, 0.3, m, n, 0.0, 0.0, steps=3000))
    assert settle[-1].max() < 1e-6
    assert explode[-1].max() == 1.0
