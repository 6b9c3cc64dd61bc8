"""`python -m benchmarks.noise_only`: the noise-only structure switches off exactly the
events-only world's mechanisms and keeps what makes a persistent state (noise, fatigue)."""

from __future__ import annotations

from benchmarks import noise_only
from sim.observe.nulls import EVENTS_ONLY
from sim.parameters import PARAMETERS


def test_the_noise_only_model_is_the_events_only_world_with_its_noise_and_fatigue_back():
    found = noise_only.structures()
    assert found["full"] == ()
    off = set(found[noise_only.NOISE_ONLY])
    events_only = {k.removeprefix("parameters.") for k in EVENTS_ONLY}
    assert off == events_only - {"noise", "fatigue"}
    assert off <= set(PARAMETERS) and "reactivity" in off


def test_bad_arguments_are_one_usage_line(capsys, tmp_path):
    import pytest

    with pytest.raises(SystemExit) as stop:
        noise_only.main(["--seeds", "1", "1", "--out", str(tmp_path)])
    assert stop.value.code == 2 and "distinct --seeds" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


# The coefficients docs/preregistration-noise-only.md switched off, written out: a change to
# EVENTS_ONLY that changes the noise-only model fails here, not silently everywhere.
REGISTERED = ("reactivity", "grievance_gain", "backing", "moral_hazard", "restraint",
              "commit_step", "leverage_rate", "ripeness_rate")  # fmt: skip


def test_the_noise_only_model_is_the_one_registered():
    assert noise_only.structures()[noise_only.NOISE_ONLY] == REGISTERED


def test_make_validate_model_compares_the_same_noise_only_model():
    """`make validate-model`'s structure table carries the noise-only model as a structure,
    the very one `benchmarks.noise_only` fits (one definition, not two)."""
    from benchmarks import twin
    from sim.observe.structures import STRUCTURES

    assert STRUCTURES[noise_only.NOISE_ONLY] == noise_only.structures()[noise_only.NOISE_ONLY]
    assert {
        f"parameters.{c}": 0.0 for c in STRUCTURES[noise_only.NOISE_ONLY]
    } == twin.MECHANISMS_OFF


def test_a_negative_seed_is_one_usage_line(capsys, tmp_path):
    import pytest

    with pytest.raises(SystemExit) as stop:
        noise_only.main(["--seeds", "-3", "--out", str(tmp_path / "out")])
    assert stop.value.code == 2 and "expected a whole number" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
