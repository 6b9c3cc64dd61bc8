"""`python -m benchmarks.state_paths --posterior FILE`: the paths of the fitted history.

Replication r runs posterior set r, its given structural terms included, so the tool shows
what a fit does to the state (docs/preregistration-capabilities-2016.md, the addendum's
prediction 4, was registered on the in-sample fit's paths). A posterior whose sets change
nothing gives the hand-set paths exactly; a start offset moves the first month by itself.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from benchmarks import state_paths
from sim.observe.posterior import write_posterior

PAIR = ("USA", "PRK")
REPS, SEED = 8, 5


def posterior(tmp_path: Path, **columns: float) -> Path:
    """A posterior of three equally weighted sets, each with the given coefficient values."""
    frame = pd.DataFrame({**{k: [v] * 3 for k, v in columns.items()}, "weight": [1.0] * 3})
    path = tmp_path / "posterior.parquet"
    write_posterior(frame, path)
    return path


def x_prk(rows: list[dict]) -> list[float]:
    return [r["x_PRK"] for r in rows]


def test_a_posterior_that_changes_nothing_gives_the_hand_set_paths(tmp_path):
    hand_set = state_paths.paths({}, PAIR, REPS, SEED)
    fitted = state_paths.paths({}, PAIR, REPS, SEED, posterior(tmp_path, start_PRK=0.0))
    assert fitted == hand_set


def test_a_start_offset_in_the_posterior_moves_the_start_by_itself(tmp_path):
    """The given start offset is added to the settled start (sim/structural.py): the first
    month moves by exactly the offset, later months move too (the run starts elsewhere)."""
    hand_set = x_prk(state_paths.paths({}, PAIR, REPS, SEED))
    fitted = x_prk(state_paths.paths({}, PAIR, REPS, SEED, posterior(tmp_path, start_PRK=0.1)))
    assert fitted[0] == pytest.approx(hand_set[0] + 0.1, abs=1e-12)
    assert any(abs(f - h) > 1e-6 for f, h in zip(fitted[1:], hand_set[1:], strict=True))


def test_a_model_coefficient_in_the_posterior_reaches_the_run(tmp_path):
    """Twice the hand-set reactivity: the start is re-settled (the same first month), the
    paths after it differ. Without the posterior route they would be the hand-set ones."""
    from sim.parameters import defaults

    hand_set = x_prk(state_paths.paths({}, PAIR, REPS, SEED))
    doubled = posterior(tmp_path, reactivity=2 * defaults()["reactivity"])
    fitted = x_prk(state_paths.paths({}, PAIR, REPS, SEED, doubled))
    assert fitted[0] == pytest.approx(hand_set[0], abs=1e-12)
    assert max(abs(f - h) for f, h in zip(fitted, hand_set, strict=True)) > 1e-3


@pytest.mark.parametrize("make", ["missing", "not-parquet"])
def test_a_bad_posterior_is_one_line(tmp_path, capsys, make):
    path = tmp_path / "posterior.parquet"
    if make == "not-parquet":
        path.write_text("month | x\n", encoding="utf-8")
    assert state_paths.main(["--posterior", str(path), "-n", "2"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"state_paths: error: --posterior {path}")
