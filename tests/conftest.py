"""Shared fixtures (kept minimal on purpose)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def baseline() -> Path:
    """Absolute path of scenarios/baseline.yaml (tests may run from any folder)."""
    return REPO / "scenarios" / "baseline.yaml"
