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

    def mass(self) -> float:
        """The prior's probability within [lo, hi], computed on the side that keeps it; 0
        when it underflows (no draw can be made there)."""
        d = self._dist()
        if self._upper_tail(d):
            return float(d.sf(self.lo) - d.sf(self.hi))
        return float(d.cdf(self.hi) - d.cdf(self.lo))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Inverse-CDF draws within [lo, hi] (exact truncation, one uniform per draw); above
        the median by the inverse survival function, whose tail values do not round to 1."""
        d = self._dist()
        u = rng.random(size)
        if self._upper_tail(d):
            a, b = d.sf(self.hi), d.sf(self.lo)
            return np.clip(d.isf(a + (b - a) * u), self.lo, self.hi)
        a, b = d.cdf(self.lo), d.cdf(self.hi)
        return np.clip(d.ppf(a + (b - a) * u), self.lo, self.hi)

    def logpdf(self, values: np.ndarray) -> np.ndarray:
        """Log density up to a constant; −inf outside [lo, hi]."""
        v = np.asarray(values, dtype=float)
        inside = (v >= self.lo) & (v <= self.hi)
        with np.errstate(divide="ignore"):
            out = self._dist().logpdf(np.clip(v, self.lo, self.hi))
        return np.where(inside, out, -np.inf)
