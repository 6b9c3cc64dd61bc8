"""Random streams keyed by observation id, so each observation's draws are its own.

A stream consumed observation after observation (or spawned by list position) ties every
draw to the list it sits in: one new observation file, a removed row or a different sort
shifts the draws, and the scores, of every other observation. Keying by a stable hash of
the id keeps the per-observation property the hindcast tables rely on: a row changes only
when its own observation, its series' history or the model does.
"""

from __future__ import annotations

import hashlib

import numpy as np

ID_STREAM = 0x4944  # spawn key of the per-observation streams ("ID")


def id_key(obs_id: str) -> int:
    """A stable 64-bit key of an id (sha256, not Python's salted `hash`)."""
    return int.from_bytes(hashlib.sha256(obs_id.encode("utf-8")).digest()[:8], "big")


def keyed(root_seed: int, *key: int) -> np.random.Generator:
    """The generator of spawn key `key` under `root_seed` (ids go in through `id_key`)."""
    seq = np.random.SeedSequence(root_seed, spawn_key=(ID_STREAM, *key))
    return np.random.Generator(np.random.PCG64(seq))


class PerObservation:
    """Hands out one generator per observation id, all below one root taken from `rng`
    (a single draw, so the caller's stream still decides the whole set)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.root = int(rng.integers(2**63))

    def __call__(self, obs_id: str) -> np.random.Generator:
        return keyed(self.root, id_key(obs_id))
