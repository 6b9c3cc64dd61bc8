"""Shared paths for the scenario tests (kept minimal on purpose)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def baseline() -> Path:
    return REPO / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="session")
def bad_dir() -> Path:
    return REPO / "tests" / "data" / "bad"
