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

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Inverse-CDF draws within [lo, hi] (exact truncation, one uniform per draw)."""
        d = self._dist()
        a, b = d.cdf(self.lo), d.cdf(self.hi)
        return np.clip(d.ppf(a + (b - a) * rng.random(size)), self.lo, self.hi)

    def logpdf(self, values: np.ndarray) -> np.ndarray:
        """Log density up to a constant; −inf outside [lo, hi]."""
        v = np.asarray(values, dtype=float)
        inside = (v >= self.lo) & (v <= self.hi)
        with np.errstate(divide="ignore"):
            out = self._dist().logpdf(np.clip(v, self.lo, self.hi))
        return np.where(inside, out, -np.inf)
