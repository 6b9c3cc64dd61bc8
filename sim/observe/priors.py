"""Prior distributions of calibrated coefficients, truncated to each coefficient's bounds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FAMILIES = {
    "uniform": (),
    "normal": ("mean", "sd"),
    "lognormal": ("mu", "sigma"),
    "beta": ("a", "b"),
}
RESOLVED = 1e-8  # the least CDF difference, as a share of the CDF values, drawn by the CDF
GRID = 4097  # points of the density's CDF where the CDF cannot resolve the bounds


@dataclass(frozen=True)
class Prior:
    """One coefficient's prior: a family and its arguments, restricted to [lo, hi]."""

    name: str
    family: str
    args: tuple[float, ...]
    lo: float
    hi: float

    def _dist(self):
        from scipy import stats  # here, not at import: `validate` and `--help` never need it

        if self.family == "normal":
            return stats.norm(self.args[0], self.args[1])
        if self.family == "lognormal":
            return stats.lognorm(s=self.args[1], scale=np.exp(self.args[0]))
        if self.family == "beta":
            return stats.beta(self.args[0], self.args[1], loc=self.lo, scale=self.hi - self.lo)
        return stats.uniform(self.lo, self.hi - self.lo)

    def _upper_tail(self, d) -> bool:
        """Whether [lo, hi] lies above the median: there the CDF rounds to 1 at both bounds
        (normal(−10, 1) on [0, 2]) and the survival function keeps the precision."""
        return bool(d.cdf(self.lo) > 0.5)

    def _ends(self, d) -> tuple[float, float, bool]:
        """(a, b, upper): the CDF at lo and hi, or above the median the survival function at
        hi and lo; the prior's mass within the bounds is b − a."""
        if self._upper_tail(d):
            return float(d.sf(self.hi)), float(d.sf(self.lo)), True
        return float(d.cdf(self.lo)), float(d.cdf(self.hi)), False

    @staticmethod
    def _unresolved(a: float, b: float) -> bool:
        """Whether the CDF cannot resolve [lo, hi]: its difference there is below RESOLVED of
        the values it is taken from (b > 0: a far tail where both underflow is no mass).

        Why: normal(0, sd 1e308) is flat over any bounds, but its CDF is 0.5 at both, so the
        spec was refused as a prior with no mass there; with sd 1e14 the inverse-CDF draws
        took 4 distinct values, unsaid. There the draws come from the density instead."""
        return b > 0 and b - a < RESOLVED * b

    def _density_grid(self) -> tuple[np.ndarray, np.ndarray, float]:
        """(x, cdf, log mass) on GRID points of [lo, hi], from the density by the trapezoid
        rule (the density scaled by its largest value there, so nothing underflows)."""
        x = np.linspace(self.lo, self.hi, GRID)
        logp = self.logpdf(x)
        top = float(np.max(logp))
        if not np.isfinite(top):
            return x, np.zeros(GRID), -np.inf
        w = np.exp(logp - top)
        cells = (w[1:] + w[:-1]) / 2 * np.diff(x)
        cdf = np.concatenate([[0.0], np.cumsum(cells)])
        return x, cdf / cdf[-1], top + float(np.log(cdf[-1]))

    def log_mass(self) -> float:
        """The log of the prior's probability within [lo, hi], computed on the side that keeps
        it (or from the density where the CDF cannot resolve the bounds); −inf when it
        underflows (no draw can be made there)."""
        d = self._dist()
        a, b, _ = self._ends(d)
        if self._unresolved(a, b):
            return self._density_grid()[2]
        with np.errstate(divide="ignore"):
            return float(np.log(b - a))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Inverse-CDF draws within [lo, hi] (exact truncation, one uniform per draw); above
        the median by the inverse survival function, whose tail values do not round to 1;
        where the CDF cannot resolve the bounds, by the inverse of the CDF built from the
        density on GRID points (flat there to rounding: uniform draws)."""
        d = self._dist()
        u = rng.random(size)
        a, b, upper = self._ends(d)
        if self._unresolved(a, b):
            x, cdf, _ = self._density_grid()
            return np.clip(np.interp(u, cdf, x), self.lo, self.hi)
        if upper:
            return np.clip(d.isf(a + (b - a) * u), self.lo, self.hi)
        return np.clip(d.ppf(a + (b - a) * u), self.lo, self.hi)

    def logpdf(self, values: np.ndarray) -> np.ndarray:
        """Log density up to a constant; −inf outside [lo, hi]."""
        v = np.asarray(values, dtype=float)
        inside = (v >= self.lo) & (v <= self.hi)
        with np.errstate(divide="ignore", over="ignore"):  # sigma 1e308: its square is inf
            out = self._dist().logpdf(np.clip(v, self.lo, self.hi))
        return np.where(inside, out, -np.inf)
