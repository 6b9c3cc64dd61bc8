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


def test_a_stronger_truth_changes_the_draws_and_is_reported_as_the_truth(real, values):
    spec, _ = real
    stronger = twin.synthetic_values(spec, 1, {"reactivity": 0.16})
    assert stronger.keys() == values.keys()
    assert stronger != values  # the coefficient reaches the true run
    assert twin.truth_of("reactivity", {"reactivity": 0.16}) == 0.16
    assert twin.truth_of("reactivity") == twin.defaults()["reactivity"]


@pytest.mark.parametrize(
    "item, message",
    [
        ("reactivity", "expected NAME=VALUE"),
        ("launch_log_rate=0.1", "expected NAME=VALUE"),
        ("reactivity=strong", "is not a number"),
        ("reactivity=nan", "outside the prior's 90% range"),
        ("reactivity=0.5", "outside the prior's 90% range"),
    ],
)
def test_a_bad_truth_is_one_line_and_exit_2(item, message, capsys, tmp_path):
    assert twin.main(["--set", item, "--out", str(tmp_path)]) == 2  # no run if it regresses
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_a_coefficient_set_twice_or_no_worker_is_refused(capsys, tmp_path):
    assert (
        twin.main(["--set", "reactivity=0.1", "--set", "reactivity=0.12", "--out", str(tmp_path)])
        == 2
    )
    assert "reactivity is set twice" in capsys.readouterr().err
    assert twin.main(["--workers", "0", "--out", str(tmp_path)]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err


def test_a_truth_inside_the_prior_range_is_taken_as_written(real):
    spec, _ = real
    assert twin.parse_truth(["reactivity=0.16", "backing=0.05"], spec) == {
        "reactivity": 0.16,
        "backing": 0.05,
    }


def test_the_monthly_design_replaces_every_launch_event_record_and_nothing_else(real, tmp_path):
    from sim.observe.observations import load_observations
    from sim.observe.series import definition

    _, observations = real
    shaped = load_spec(twin.write_design(twin.SPEC, "monthly-launches", tmp_path))
    every = load_observations(list(shaped.observations))
    events = [o for o in every if definition(o) == "events"]
    assert len(events) == 101 and all(o.id.startswith("twin-") for o in events)
    assert all(o.last == o.first for o in events)  # one month each, January 2016 – May 2024
    assert all(o.source["url"].startswith("https://example.invalid/") for o in events)
    kept = {o.id for o in observations_of(shaped)}
    assert {o.id for o in events} <= kept  # no shipped annual record overshadows a month
    others = {o.id for o in observations if definition(o) != "events"}
    assert kept - {o.id for o in events} == others


def test_the_shipped_design_is_the_spec_itself(tmp_path):
    assert twin.write_design(twin.SPEC, "shipped", tmp_path) == twin.SPEC
    assert not any(tmp_path.iterdir())


def test_a_truth_with_its_mechanisms_off_is_another_truth_and_says_so(real, values):
    spec, _ = real
    off = twin.synthetic_values(spec, 1, mechanisms=False)
    assert off.keys() == values.keys() and off != values
    assert twin.truth_of("reactivity", mechanisms=False) == 0.0
    assert twin.truth_of("fatigue", mechanisms=False) == twin.defaults()["fatigue"]  # kept
    assert "parameters.noise" not in twin.MECHANISMS_OFF


def test_a_stronger_truth_with_the_mechanisms_off_is_refused(capsys, tmp_path):
    argv = ["--set", "reactivity=0.1", "--truth-mechanisms", "off", "--out", str(tmp_path)]
    assert twin.main(argv) == 2
    assert "do not mix" in capsys.readouterr().err and not any(tmp_path.iterdir())
