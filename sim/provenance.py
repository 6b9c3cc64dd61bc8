"""What a result was computed from: the resolved model input and the package version.

Why: a scenario file leaves most coefficients to their defaults, and defaults change with
the code. A hash of the file alone would let `--resume` mix chunks of two model versions.
`model_input` is `ModelInput.record()` (sim/world.py): every coefficient after defaults,
every actor, channel, treaty and theatre value, the events and the overrides;
`model_fingerprint` is its hash with the package version. Manifests store both, and the
sweep plan hash covers the fingerprint.

This module imports nothing of the model: the model input calls `fingerprint_of`, and
`provenance` takes the input it describes.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.world import ModelInput

PACKAGE = "alliance-sim"


def package_version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown"


def fingerprint_of(record: dict[str, Any]) -> str:
    """sha256 of a resolved model input (ModelInput.record) with the package version."""
    text = json.dumps({"input": record, "version": package_version()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def provenance(model: ModelInput) -> dict[str, Any]:
    """Manifest fields: the fingerprint, the package version and the model input itself."""
    record = model.record()
    return {
        "model_fingerprint": fingerprint_of(record),
        "package_version": package_version(),
        "model_input": record,
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
        parts.append("model input differs (actors, channels, commitments or events)")
    shown = parts[:4] + ([f"and {len(parts) - 4} more"] if len(parts) > 4 else [])
    return "; ".join(shown)
