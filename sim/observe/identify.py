"""Identifiability: how much the data narrow each coefficient (issue 16, item 6).

For every calibrated coefficient, the width of the central 90% interval of the posterior
(weighted particles of the last generation) divided by that of the prior (exact quantiles of
the truncated prior). A ratio near 1 means the history does not pin the coefficient down: it
should be fixed or given an elicited range with a source, not reported as estimated. The
posterior widths rest on the final population's effective sample size, which is printed
beside them: with an ESS of a few particles a small ratio is a collapse, not information.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.observe.priors import Prior

NARROWED = 0.7  # the ratio at or below which a coefficient counts as identified


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cdf, v))


def prior_quantile(p: Prior, q: float) -> float:
    d = p._dist()
    a, b = d.cdf(p.lo), d.cdf(p.hi)
    return float(np.clip(d.ppf(a + (b - a) * q), p.lo, p.hi))


def width_table(priors: list[Prior], theta: np.ndarray, weights: np.ndarray) -> pd.DataFrame:
    rows = []
    ess = 1.0 / float(np.sum((weights / weights.sum()) ** 2))
    for i, p in enumerate(priors):
        prior_w = prior_quantile(p, 0.95) - prior_quantile(p, 0.05)
        lo = weighted_quantile(theta[:, i], weights, 0.05)
        hi = weighted_quantile(theta[:, i], weights, 0.95)
        ratio = (hi - lo) / prior_w if prior_w > 0 else float("nan")
        rows.append(
            {
                "coefficient": p.name,
                "prior q05": prior_quantile(p, 0.05),
                "prior q95": prior_quantile(p, 0.95),
                "posterior q05": lo,
                "posterior median": weighted_quantile(theta[:, i], weights, 0.5),
                "posterior q95": hi,
                "90% width ratio": ratio,
                "narrowed": bool(ratio <= NARROWED),
                "ESS": ess,
            }
        )
    return pd.DataFrame(rows)
