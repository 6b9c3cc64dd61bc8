"""Drifting structure: the structural terms as random walks, so a particle filter has state
to condition (issue 16).

The settled structural terms — each actor's escalation drive u and each ordered pair's
alignment preference r (MODEL.md §2, sim/dynamics.settle) — stand for everything outside the
model that holds the world where it is: domestic politics, leaders, economies. Held fixed,
they leave the model's state near its 2016 start whatever happens, and the particle filter
can only choose among coefficient sets (docs/validation.md: 1–6 of 200 survive). Letting
them follow random walks is the standard state-space reading of such terms (time-varying
parameters; e.g. Durbin & Koopman, *Time Series Analysis by State Space Methods*, 2012,
ch. 3): the filter then estimates where the structure is now from the data up to the
origin, and the model's mechanisms carry the forecast from there.

Scale: at `scale` 1 the walks' s.d. over the 100-month history equals the prior s.d. of the
given structural terms (sim/structural.py via scenarios/calibration/history.yaml: 0.02 for
a drive, 0.15 for a preference), so per month it is a tenth of that. The tracked design
uses scale 1 (`TRACK_SCALE`), fixed by that argument before any forecast was scored; it is
not chosen by score. The filter's marginal likelihood of the training data over a grid of
scales (`SCALES`) is reported beside it as a diagnostic of how much drift the data favour;
with 200 particles and a degenerating filter it is a noisy estimate, so it selects nothing.

The shocks are counter-based like the escalation shocks (sim/noise.py), from a seed derived
from the ensemble seed, and keyed by entity names ("drive:PRK", "pref:CHN>PRK"), so a walk
does not depend on which other actors exist and never reuses an escalation shock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.noise import shocks
from sim.state import State

DRIVE_SD = 0.02 / 10.0  # per √month at scale 1 (the given drive prior's s.d. over 100 months)
PREFERENCE_SD = 0.15 / 10.0  # per √month at scale 1 (the given preference prior's s.d.)
TRACK_SCALE = 1.0  # the tracked design's scale: the given terms' prior spread over the history
SCALES = (0.0, 0.5, 1.0, 2.0, 4.0)  # the grid whose marginal likelihood is reported
DRIFT_KEY = 0x4452  # spawn key of the drift seed ("DR"): its own stream


@dataclass(frozen=True)
class Drift:
    """Random-walk shocks of the structural terms for `steps` months: u (T, R, N) and
    r (T, R, N, N), zero on the diagonal; `scale` multiplies both."""

    scale: float
    u: np.ndarray
    r: np.ndarray

    def apply(self, state: State, t: int) -> None:
        """Move the structural terms of `state` by month t's shocks (after its step)."""
        if self.scale == 0.0:
            return
        state.u = state.u + (self.scale * DRIVE_SD) * self.u[t]
        state.r = state.r + (self.scale * PREFERENCE_SD) * self.r[t]


def drift_seed(seed: int) -> int:
    """The drift's root seed, spawned from the ensemble seed (never the seed itself)."""
    seq = np.random.SeedSequence(int(seed), spawn_key=(DRIFT_KEY,))
    return int(seq.generate_state(1, np.uint64)[0])


def drift(seed: int, reps: np.ndarray, steps: int, ids: Sequence[str], scale: float) -> Drift:
    """The walks' shocks of replications `reps` for `steps` months over actors `ids`."""
    n = len(ids)
    root = drift_seed(seed)
    u = shocks(root, reps, steps, [f"drive:{a}" for a in ids])
    pairs = [f"pref:{a}>{b}" for a in ids for b in ids]
    r = shocks(root, reps, steps, pairs).reshape(steps, len(reps), n, n)
    r[:, :, np.arange(n), np.arange(n)] = 0.0
    return Drift(float(scale), u, r)
