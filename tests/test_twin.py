"""`python -m benchmarks.twin`: synthetic observations drawn by a true model
(docs/preregistration-twin.md). The twin must differ from the real data in the values
alone, be reproducible from its truth seed, and carry the truth's own draws."""

from __future__ import annotations

import pytest

from benchmarks import twin
from sim.observe.rolling import observations_of
from sim.observe.spec import load_spec


@pytest.fixture(scope="module")
def real():
    spec = load_spec(twin.SPEC)
    return spec, observations_of(spec)


@pytest.fixture(scope="module")
def values(real):
    return twin.synthetic_values(real[0], 1)


def test_every_in_sample_observation_gets_a_synthetic_value(real, values):
    _, observations = real
    assert set(values) == {o.id for o in observations}


def test_the_same_truth_seed_gives_the_same_twin_and_another_seed_another(real, values):
    assert twin.synthetic_values(real[0], 1) == values
    assert twin.synthetic_values(real[0], 2) != values


def test_the_twin_differs_from_the_data_in_the_values_alone(real, values, tmp_path):
    spec, observations = real
    twin_spec = load_spec(twin.write_twin(twin.SPEC, values, tmp_path))
    assert list(twin_spec.scenarios) == [p.resolve() for p in spec.scenarios]
    synthetic = {o.id: o for o in observations_of(twin_spec)}
    assert set(synthetic) == {o.id for o in observations}
    changed = 0
    for obs in observations:
        other = synthetic[obs.id]
        assert (other.kind, other.actors, other.period, other.unit) == (
            obs.kind, obs.actors, obs.period, obs.unit
        )  # fmt: skip
        assert other.value == pytest.approx(values[obs.id], abs=1e-6)
        if obs.kind in twin.WHOLE:
            assert other.value == int(other.value)
        changed += other.value != obs.value
    assert changed > len(observations) // 4  # the twin is not the data
