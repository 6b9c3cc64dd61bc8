"""What a result was computed from: the resolved model input and the package version.

Why: a scenario file leaves most coefficients to their defaults, and defaults change with
the code. A hash of the file alone would let `--resume` mix chunks of two model versions.
`model_input` is `World.record()`: every coefficient after defaults, every actor, channel,
treaty and theatre value the dynamics read; `model_fingerprint` is `World.fingerprint()`,
its hash with the package version. Manifests store both, and the sweep plan hash covers the
fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from typing import Any

from sim.scenario.schema import Scenario

PACKAGE = "alliance-sim"


def package_version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown"


def fingerprint_of(record: dict[str, Any]) -> str:
    """sha256 of a resolved model input (World.record) with the package version."""
    text = json.dumps({"input": record, "version": package_version()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _world(scenario: Scenario):
    from sim.world import compile_world

    return compile_world(scenario)


def model_input(scenario: Scenario) -> dict[str, Any]:
    """The complete resolved model input (sim.world.World.record)."""
    return _world(scenario).record()


def model_fingerprint(scenario: Scenario) -> str:
    """sha256 of the resolved model input plus the package version (what --resume compares)."""
    return _world(scenario).fingerprint()


def provenance(scenario: Scenario) -> dict[str, Any]:
    """Manifest fields: the fingerprint, the package version and the model input itself."""
    world = _world(scenario)
    return {
        "model_fingerprint": world.fingerprint(),
        "package_version": package_version(),
        "model_input": world.record(),
    }


def differences(old: dict[str, Any], new: dict[str, Any]) -> str:
    """One line saying how two provenance records differ (version first, then values)."""
    parts = []
    if old.get("package_version") != new.get("package_version"):
        parts.append(f"package version {old.get('package_version')} → {new.get('package_version')}")
    for group in ("coefficients", "treaties", "theatres"):
        a = (old.get("model_input") or {}).get(group) or {}
        b = (new.get("model_input") or {}).get(group) or {}
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                name = "parameters" if group == "coefficients" else group
                parts.append(f"{name}.{key} {a.get(key, 'absent')} → {b.get(key, 'absent')}")
    if not parts and old.get("model_fingerprint") != new.get("model_fingerprint"):
        parts.append("model input differs (actors, channels or commitments)")
    shown = parts[:4] + ([f"and {len(parts) - 4} more"] if len(parts) > 4 else [])
    return "; ".join(shown)
