"""The over-dispersed launch operator (docs/preregistration-launch-dispersion.md): at φ = 0 it
is the Poisson operator, draw for draw; at φ > 0 a month's count has mean μ and variance
μ + φμ², and the filter's likelihood is the density of what the operator draws."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.stats import nbinom

from benchmarks import monthly_launches
from benchmarks.twin import SPEC
from sim.observe.likelihood import log_likelihood
from sim.observe.observations import load_observations
from sim.observe.operators import Window, default_coefficients, draw
from sim.observe.series import definition
from sim.observe.spec import load_spec

MONTH = load_observations([monthly_launches.CANDIDATE])[0]  # a one-month launch-day count


def _window(x: np.ndarray) -> Window:
    """PRK's escalation x shaped (M, R); nothing else is read by the launch operator."""
    m, r = x.shape
    return Window(x=x[:, :, None], C=np.zeros((m, r, 1, 1)), lev=np.zeros((m, r, 1)), ids=["PRK"])


def _coefs(r: int, phi: float | None) -> dict[str, np.ndarray]:
    k = default_coefficients(r)
    k["launch_log_rate"] = np.full(r, np.log(1.5))
    k["launch_escalation"] = np.zeros(r)
    if phi is None:
        del k["launch_dispersion"]
    else:
        k["launch_dispersion"] = np.full(r, phi)
    return k


def test_at_zero_dispersion_the_draws_are_the_poisson_operators():
    w = _window(np.full((1, 3), 0.4))
    zero = draw(MONTH, w, _coefs(3, 0.0), np.random.default_rng(5), 50)
    without = draw(MONTH, w, _coefs(3, None), np.random.default_rng(5), 50)
    assert np.array_equal(zero, without)


@pytest.mark.parametrize("phi", [0.3, 1.0, 2.5])
def test_a_months_count_has_mean_mu_and_variance_mu_plus_phi_mu_squared(phi):
    w = _window(np.zeros((1, 1)))
    values = draw(MONTH, w, _coefs(1, phi), np.random.default_rng(11), 400_000)[0]
    mu = 1.5
    assert values.mean() == pytest.approx(mu, rel=0.02)
    assert values.var() == pytest.approx(mu + phi * mu * mu, rel=0.05)
    poisson = draw(MONTH, w, _coefs(1, 0.0), np.random.default_rng(11), 400_000)[0]
    assert values.var() > 1.2 * poisson.var()  # the dispersion, not the rate, widens it


@pytest.mark.parametrize("phi", [0.0, 0.7])
def test_the_likelihood_of_a_month_is_the_negative_binomial_the_operator_draws(phi):
    k, w = _coefs(2, phi), _window(np.zeros((1, 2)))
    for y in (0, 1, 4):
        month = dataclasses.replace(MONTH, value=float(y))
        got = log_likelihood(month, w, k)
        if phi == 0:
            want = y * np.log(1.5) - 1.5 - np.log(float(np.prod(range(1, y + 1))))
        else:
            n = 1 / phi  # scipy's size; p = n / (n + μ)
            want = nbinom.logpmf(y, n, n / (n + 1.5))
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_over_several_months_the_likelihood_has_the_draws_mean_and_variance():
    """A period of three months whose rates differ: the moment-matched density sums to 1
    and has the mixed draws' mean Σμ and variance Σμ + φΣμ² (the draws check themselves)."""
    year = load_observations([SPEC.parents[2] / "seeds" / "observations" / "missile_launches.yaml"])
    annual = next(o for o in year if o.last > o.first and definition(o) == "events")
    months = annual.last - annual.first + 1
    x = np.linspace(0.0, 0.3, months)[:, None]
    k, w = _coefs(1, 0.9), _window(x)
    k["launch_escalation"] = np.full(1, 2.0)
    ys = np.arange(0, 400)
    p = np.array([np.exp(log_likelihood(dataclasses.replace(annual, value=float(y)), w, k))[0]
                  for y in ys])  # fmt: skip
    mu = np.exp(np.log(1.5) + 2.0 * x[:, 0])
    assert p.sum() == pytest.approx(1.0, abs=1e-6)
    assert (ys * p).sum() == pytest.approx(mu.sum(), rel=1e-6)
    variance = ((ys - mu.sum()) ** 2 * p).sum()
    assert variance == pytest.approx(mu.sum() + 0.9 * (mu**2).sum(), rel=1e-4)
    values = draw(annual, w, k, np.random.default_rng(2), 200_000)[0]
    assert values.mean() == pytest.approx(mu.sum(), rel=0.02)
    assert values.var() == pytest.approx(variance, rel=0.05)


def test_the_shipped_spec_keeps_the_launch_count_poisson():
    """φ is 0 in every shipped fit: the spec gives it no prior, and its default is 0."""
    spec = load_spec(SPEC)
    assert "launch_dispersion" not in {p.name for p in spec.priors}
    assert not default_coefficients(4)["launch_dispersion"].any()
