"""Print an effect only to the digits its Monte Carlo error supports.

Why: effects were printed as `+0.162 (+0.071 to +0.254)` whatever the number of
replications; with 12 replications the third digit (and often the second) is noise. The
standard error of a median or a percentile from n draws is about 1.25·s/√n (normal
approximation); the last digit printed is the first one that error does not swamp. One
helper, used by the terminal lines, the reports and the dashboard's tables.
"""

from __future__ import annotations

import math

import numpy as np

MIN_DIGITS, MAX_DIGITS = 0, 3  # levels live in 0–1: a fourth decimal is never read


def mc_error(values: np.ndarray, quantile: bool = True) -> float:
    """Monte Carlo standard error of a mean (or, `quantile`, a median) of `values`."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return float("nan")
    se = float(np.std(v, ddof=1)) / math.sqrt(v.size)
    return 1.2533 * se if quantile else se


def share_digits(p: float, n: int) -> int:
    """Decimal places of a share `p` of `n` replications worth printing (binomial error)."""
    if n < 1:
        return 2
    return digits_for(math.sqrt(max(p * (1 - p), 1 / (4 * n)) / n))


def digits_for(error: float) -> int:
    """Decimal places worth printing for a number with standard error `error`: the place
    of the error's leading digit (0.034 -> 2, 0.4 -> 1), within 0–3."""
    if not math.isfinite(error) or error <= 0:
        return MAX_DIGITS
    place = -math.floor(math.log10(error))
    return int(min(MAX_DIGITS, max(MIN_DIGITS, place)))


def fmt(value: float | None, digits: int, signed: bool = False) -> str:
    """A number to `digits` places ('–' for a missing one; never 'nan')."""
    if value is None or not math.isfinite(float(value)):
        return "–"
    return f"{float(value):+.{digits}f}" if signed else f"{float(value):.{digits}f}"


def interval(mid: float, lo: float, hi: float, digits: int, signed: bool = False) -> str:
    """'+0.16 (+0.07 to +0.25)' at the given precision."""
    return f"{fmt(mid, digits, signed)} ({fmt(lo, digits, signed)} to {fmt(hi, digits, signed)})"


def spread_interval(values, signed: bool = False, quantiles=(5, 50, 95)) -> str:
    """Median (5th to 95th percentile) of `values`, to the digits their MC error supports."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return "–"
    lo, mid, hi = np.percentile(v, quantiles)
    return interval(mid, lo, hi, digits_for(mc_error(v)), signed)


def range_digits(lo: float, hi: float, n: int | None) -> int:
    """Digits for a median whose 5–95% range over `n` replications is [lo, hi] (the s.d.
    is about (hi − lo)/3.29 for a roughly normal spread)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 2
    sd = abs(hi - lo) / 3.29
    return digits_for(1.2533 * sd / math.sqrt(max(1, n or 1)))


def effect_text(mid: float, lo: float, hi: float, n: int | None) -> str:
    """A paired effect and its 5–95% range, '+0.16 (+0.07 to +0.25)', to supported digits."""
    return interval(mid, lo, hi, range_digits(lo, hi, n), signed=True)
