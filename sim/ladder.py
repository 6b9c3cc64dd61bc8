"""The escalation ladder: a coarse Kahn-style ordinal scale over the 0–1 escalation level.

Eight rungs, following the spirit of Kahn (1965) and the coarse de-escalation…nuclear
scoring of Rivera et al. (2024); thresholds are documented in MODEL.md.
"""

from __future__ import annotations

import numpy as np

RUNGS: tuple[str, ...] = (
    "status quo",
    "posturing",
    "pressure/sanctions",
    "arms transfers",
    "mobilisation",
    "limited conflict",
    "war",
    "nuclear use",
)
# Lower edge of each rung above the first (level in [0, 1]).
EDGES = np.array([0.10, 0.20, 0.35, 0.50, 0.65, 0.80, 0.95])


def rung_of(level: np.ndarray) -> np.ndarray:
    """Rung index (0–7) of each escalation level."""
    return np.searchsorted(EDGES, level, side="right").astype(np.int8)


def rung_name(index: int) -> str:
    return RUNGS[int(index)]
