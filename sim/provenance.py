"""What a result was computed from: the resolved model input and the package version.

Why: a scenario file leaves most coefficients to their defaults, and defaults change with
the code. A hash of the file alone would let `--resume` mix chunks of two model versions.
`model_input` lists every coefficient after defaults are filled (plus treaty strengths);
`model_fingerprint` hashes it with the package version. Manifests store both, and the
sweep plan hash covers the fingerprint.

(To be replaced by `sim.world.World.record()` / `World.fingerprint()` when the model core
provides them; the contract is the same.)
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


def model_input(scenario: Scenario) -> dict[str, Any]:
    """Every coefficient value the model reads (defaults filled) and every treaty strength."""
    from sim.world import compile_world

    world = compile_world(scenario)
    params = {name: float(world.params[name].reshape(-1)[0]) for name in sorted(world.params)}
    strengths = [float(v) for v in world.treaty_strength.reshape(-1)]
    return {
        "parameters": params,
        "treaty_strength": dict(zip(world.treaty_ids, strengths, strict=True)),
    }


def model_fingerprint(scenario: Scenario) -> str:
    """sha256 of the resolved model input plus the package version (what --resume compares)."""
    record = {"input": model_input(scenario), "package_version": package_version()}
    text = json.dumps(record, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def provenance(scenario: Scenario) -> dict[str, Any]:
    """Manifest fields: the fingerprint, the package version and the model input itself."""
    return {
        "model_fingerprint": model_fingerprint(scenario),
        "package_version": package_version(),
        "model_input": model_input(scenario),
    }


def differences(old: dict[str, Any], new: dict[str, Any]) -> str:
    """One line saying how two provenance records differ (version first, then values)."""
    parts = []
    if old.get("package_version") != new.get("package_version"):
        parts.append(f"package version {old.get('package_version')} → {new.get('package_version')}")
    for group in ("parameters", "treaty_strength"):
        a = (old.get("model_input") or {}).get(group) or {}
        b = (new.get("model_input") or {}).get(group) or {}
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                parts.append(f"{group}.{key} {a.get(key, 'absent')} → {b.get(key, 'absent')}")
    if not parts and old.get("model_fingerprint") != new.get("model_fingerprint"):
        parts.append("model fingerprint differs (the record of the old input is missing)")
    shown = parts[:4] + ([f"and {len(parts) - 4} more"] if len(parts) > 4 else [])
    return "; ".join(shown)
