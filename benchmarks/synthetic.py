"""Synthetic scenarios with any number of actors, for the scaling benchmark.

Deterministic (seeded): N actors `A000`… with random capabilities and traits, each
depending on and aligned with a few others, hostile to a few, and bound by a few
treaties, so every mechanism of the model is exercised at every size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

OBLIGATIONS = ("automatic", "conditional", "vague", "consultation")


def synthetic_scenario(n_actors: int, steps: int = 36, seed: int = 7) -> dict[str, Any]:
    rng = np.random.default_rng([seed, n_actors])
    ids = [f"A{i:03d}" for i in range(n_actors)]

    def r(lo: float = 0.0, hi: float = 1.0) -> float:
        return round(float(rng.uniform(lo, hi)), 3)

    actors = {
        a: {
            "name": f"State {a}",
            "capabilities": {
                "military": r(),
                "economic": r(),
                "nuclear": r() if i % 3 == 0 else 0.0,
            },
            "traits": {
                k: r()
                for k in ("stability", "risk_tolerance", "resolve", "grievance", "axis_aversion")
            },
            "escalation": r(0.0, 0.5),
            "leverage": r(0.0, 0.4),
        }
        for i, a in enumerate(ids)
    }
    relations: dict[str, dict[str, Any]] = {}
    for a in ids:
        others = [b for b in ids if b != a]
        friends = rng.choice(others, size=min(3, len(others)), replace=False)
        rivals = [
            b
            for b in rng.choice(others, size=min(3, len(others)), replace=False)
            if b not in friends
        ]
        row: dict[str, Any] = {}
        for b in friends:
            row[str(b)] = {
                "trade": r(0, 0.5), "political_cover": r(0, 0.6), "military_supply": r(0, 0.4),
                "security_guarantee": r(0, 0.5), "commitment": r(0.2, 0.9),
            }  # fmt: skip
        for b in rivals:
            row[str(b)] = {"commitment": r(-0.9, -0.2)}
        relations[a] = row
    treaties = {}
    for k in range(max(1, n_actors // 3)):
        members = sorted({str(m) for m in rng.choice(ids, size=2, replace=False)})
        treaties[f"t{k:03d}"] = {
            "members": members,
            "obligation": OBLIGATIONS[k % 4],
            "strength": r(0.1, 0.9),
        }
    return {
        "name": f"synthetic_{n_actors}",
        "title": f"Synthetic scenario with {n_actors} actors (benchmark only)",
        "actors": actors,
        "relations": relations,
        "treaties": treaties,
        "run": {
            "steps": steps,
            "replications": 100,
            "seed": 1,
            "distancing": {"actor": ids[0], "partners": ids[1:3]},
        },
    }


def write_synthetic(folder: Path, n_actors: int, steps: int = 36) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"synthetic_{n_actors}.yaml"
    path.write_text(yaml.safe_dump(synthetic_scenario(n_actors, steps), sort_keys=False))
    return path
