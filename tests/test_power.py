"""`python -m benchmarks.power`: a twin detects the mechanisms only when the full model is
surely better than the noise-only one; the arms differ in the truth's mechanisms and in
nothing else; a stopped run resumes without refitting what it kept."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmarks import power
from benchmarks.twin import DYNAMICS
from sim.observe.structures import NOISE_ONLY


def rows(full: float, noise: float, exercise_noise: float | None = None) -> pd.DataFrame:
    """Structure rows of 12 summit and 6 exercise observations: every full-model CRPS
    `full`, the noise-only model's `noise` (its exercises' `exercise_noise`)."""
    out = []
    for kind, n in (("summit", 12), ("joint_exercise", 6)):
        for i in range(n):
            mine = exercise_noise if kind == "joint_exercise" and exercise_noise else noise
            # a little spread per observation, so that the bootstrap has something to draw
            wobble = 0.01 * (i % 3)
            for name, crps in (("full", full + wobble), (NOISE_ONLY, mine + wobble)):
                out.append(
                    {
                        "structure": name,
                        "origin": 2018,
                        "id": f"{kind}-{i}",
                        "kind": kind,
                        "crps": crps,
                        "crps_persistence": 1.0,
                    }
                )
    return pd.DataFrame(out)


def by_view(found: list[dict]) -> dict[str, dict]:
    return {v["view"]: v for v in found}


def test_a_surely_better_full_model_is_a_detection():
    found = by_view(power.verdicts(rows(full=0.5, noise=1.0), seed=1))
    for view in power.VIEWS:
        assert found[view]["detected"] and found[view]["verdict"] == "worse"
        assert found[view]["high"] < 0


def test_equal_forecasts_are_no_detection():
    found = by_view(power.verdicts(rows(full=0.5, noise=0.5), seed=1))
    assert not any(v["detected"] for v in found.values())
    assert all(v["skill"] == pytest.approx(0.0) for v in found.values())


def test_a_noise_only_model_surely_better_is_not_a_detection():
    found = by_view(power.verdicts(rows(full=1.0, noise=0.5), seed=1))
    assert all(v["verdict"] == "better" and not v["detected"] for v in found.values())


def test_a_detection_made_by_the_exercises_alone_vanishes_without_them():
    found = by_view(power.verdicts(rows(full=0.5, noise=0.5, exercise_noise=5.0), seed=1))
    assert found["every kind"]["detected"]
    assert not found["without the exercises"]["detected"]


def test_the_arms_differ_only_in_the_truths_mechanisms(monkeypatch, tmp_path):
    seen = []

    def fake_values(spec, seed, truth=None, mechanisms=True):
        seen.append((seed, truth, mechanisms))
        return {"x": 1.0}

    monkeypatch.setattr(power, "synthetic_values", fake_values)
    monkeypatch.setattr(power, "write_twin", lambda spec, values, folder: folder / "spec.yaml")
    fits = []
    monkeypatch.setattr(
        power, "structure_rows", lambda path, workers, pop, fixed: fits.append(fixed) or path
    )
    for arm in ("on", "off"):
        assert power.twin_rows(7, arm, tmp_path / arm, 1, 40) == tmp_path / arm / "spec.yaml"
    assert seen == [(7, None, True), (7, None, False)]
    power.twin_rows(7, "on", tmp_path / "oracle", 1, 40, fixed_dynamics=True)
    assert fits == [False, False, True]  # the oracle arm's flag reaches the fits


def test_summary_counts_detections_and_ranks_the_real_value():
    table = pd.DataFrame(
        [{"arm": "real", "truth": "", "view": "every kind", "skill": 0.0, "verdict": "tie"}]
        + [
            {"arm": "on", "truth": t, "view": "every kind", "skill": s, "verdict": v}
            for t, (s, v) in enumerate(
                [(-0.3, "worse"), (-0.1, "tie"), (0.1, "tie"), (0.2, "better")]
            )
        ]
        + [
            {"arm": "off", "truth": t, "view": "every kind", "skill": s, "verdict": "tie"}
            for t, s in enumerate([0.05, 0.1])
        ]
    )
    found = power.summary(table).set_index("arm")
    on, off = found.loc["mechanisms on"], found.loc["mechanisms off"]
    assert (on["twins"], on["full surely better (detected)"], on["tie"]) == (4, 1, 2)
    assert on["noise-only surely better"] == 1
    assert on["real skill's rank (%)"] == 50.0 and off["real skill's rank (%)"] == 0.0
    assert off["median skill"] == pytest.approx(0.075)


def test_a_stopped_run_resumes_without_making_what_it_kept(tmp_path):
    made = []

    def make():
        made.append(1)
        return pd.DataFrame({"a": [1, 2]})

    first = power.run_one("on-1", tmp_path, make)
    again = power.run_one("on-1", tmp_path, make)
    assert made == [1] and again.equals(first)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows-on-1.csv"]  # no .tmp left


def test_the_whole_run_scores_the_real_data_and_every_twin(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(power, "structure_rows", lambda *a: rows(full=0.5, noise=0.6))
    monkeypatch.setattr(
        power, "twin_rows", lambda s, arm, *a: rows(0.5, 1.0 if arm == "on" else 0.5)
    )
    assert power.main(["--truths", "1", "2", "--workers", "1", "--out", str(tmp_path)]) == 0
    (folder,) = tmp_path.iterdir()
    table = pd.read_csv(folder / "twins.csv")
    assert len(table) == (1 + 2 * 2) * len(power.VIEWS)
    assert set(table.loc[table["arm"] == "on", "detected"]) == {True}
    assert set(table.loc[table["arm"] == "off", "detected"]) == {False}
    out = capsys.readouterr()
    assert "Mann–Whitney p" in out.out and "[5/5] off-2" in out.err


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--truths", "1", "1"], "must not repeat"),
        (["--truths", "-1"], "expected a whole number"),
        (["--workers", "0"], "expected a whole number"),
        (["--resume", "."], "not a folder this benchmark wrote (no settings.json)"),
    ],
)
def test_bad_arguments_are_one_usage_line_and_write_nothing(argv, says, capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        power.main([*argv, "--out", str(tmp_path / "out")])
    assert stop.value.code == 2 and says in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_oracle_arm_fits_both_models_with_the_dynamics_out_of_the_priors(monkeypatch):
    seen = []

    def fake(spec, workers, structures):
        seen.append({p.name for p in spec.priors})
        return "rows"

    monkeypatch.setattr(power, "compare_structures", fake)
    for fixed in (False, True):
        assert power.structure_rows(power.SPEC, 1, 40, fixed) == "rows"
    free, oracle = seen
    assert free - oracle == set(DYNAMICS) and oracle < free


def test_a_resumed_run_of_another_design_is_refused(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(power, "structure_rows", lambda *a: rows(full=0.5, noise=0.6))
    monkeypatch.setattr(power, "twin_rows", lambda *a: rows(0.5, 0.5))
    assert power.main(["--truths", "1", "--workers", "1", "--out", str(tmp_path)]) == 0
    (folder,) = tmp_path.iterdir()
    argv = ["--truths", "1", "--resume", str(folder), "--fixed-dynamics"]
    assert power.main(argv) == 2
    assert "was made with" in capsys.readouterr().err


def test_a_resume_of_the_same_design_keeps_what_was_made_and_records_each_run(
    monkeypatch, tmp_path
):
    made = []

    def twin(seed, arm, *rest):
        made.append((arm, seed))
        return rows(0.5, 1.0)

    monkeypatch.setattr(power, "structure_rows", lambda *a: rows(full=0.5, noise=0.6))
    monkeypatch.setattr(power, "twin_rows", twin)
    argv = ["--truths", "1", "2", "--arms", "on", "--workers", "1"]
    assert power.main([*argv, "--out", str(tmp_path)]) == 0
    (folder,) = tmp_path.iterdir()
    (folder / "rows-on-2.csv").unlink()  # as if stopped before the last twin
    assert power.main([*argv, "--resume", str(folder)]) == 0
    assert made == [("on", 1), ("on", 2), ("on", 2)]
    runs = (folder / "runs.jsonl").read_text().splitlines()
    assert len(runs) == 2 and '"commit"' in runs[0] and "--resume" in runs[1]
    assert len(pd.read_csv(folder / "twins.csv")) == 3 * len(power.VIEWS)
    assert (folder / "summary.md").read_text().startswith("## The design's power")


def test_a_resume_with_other_twins_is_refused(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(power, "structure_rows", lambda *a: rows(full=0.5, noise=0.6))
    monkeypatch.setattr(power, "twin_rows", lambda *a: rows(0.5, 0.5))
    assert power.main(["--truths", "1", "2", "--workers", "1", "--out", str(tmp_path)]) == 0
    (folder,) = tmp_path.iterdir()
    before = (folder / "twins.csv").read_bytes()
    assert power.main(["--truths", "1", "--resume", str(folder)]) == 2
    assert "was made with" in capsys.readouterr().err
    assert (folder / "twins.csv").read_bytes() == before  # the registered table not shrunk


def test_the_arms_are_told_apart_only_when_their_skills_differ():
    def table(on, off):
        return pd.DataFrame(
            [{"arm": "on", "view": v, "skill": s} for v in power.VIEWS for s in on]
            + [{"arm": "off", "view": v, "skill": s} for v in power.VIEWS for s in off]
        )

    apart = power.separation(table([-0.5, -0.4, -0.3, -0.2, -0.1], [0.1, 0.2, 0.3, 0.4, 0.5]))
    assert (apart["Mann–Whitney p"] < 0.05).all() and list(apart["on"]) == [5, 5]
    same = power.separation(table([0.1, 0.2, 0.3, 0.4, 0.5], [0.15, 0.25, 0.35, 0.45, 0.05]))
    assert (same["Mann–Whitney p"] > 0.5).all()


# The effect-size arm (docs/preregistration-effect-size.md): mechanisms ×K.


def loaded_parameters(path, overrides=None) -> dict[str, float]:
    from sim.parameters import PARAMETERS
    from sim.scenario.loader import load_scenario

    given = load_scenario(path, overrides).scenario.parameters
    return {n: PARAMETERS[n].default if getattr(given, n) is None else getattr(given, n)
            for n in PARAMETERS}  # fmt: skip


def test_the_scaled_world_scales_the_mechanisms_and_nothing_else(tmp_path):
    from sim.observe.spec import load_spec
    from sim.observe.structures import MECHANISMS

    spec = load_spec(power.scaled_spec(2.0, tmp_path))
    history = loaded_parameters(load_spec(power.SPEC).scenarios[0])
    scaled = loaded_parameters(spec.scenarios[0])
    for name, value in history.items():
        assert scaled[name] == (2.0 * value if name in MECHANISMS else value), name
    assert any(history[n] > 0 for n in MECHANISMS)  # the scaling moves something
    assert spec.priors == load_spec(power.SPEC).priors  # the fit's priors unchanged
    assert len(spec.observations) == len(load_spec(power.SPEC).observations)


def test_the_scaled_worlds_mechanism_free_truth_is_the_unscaled_ones(tmp_path):
    """The pre-registration's claim: the *off* arm does not depend on K. Control: with the
    mechanisms on, the scaled and the unscaled history part."""
    import numpy as np

    from benchmarks.twin import MECHANISMS_OFF
    from sim.ensemble import run_ensemble
    from sim.observe.spec import load_spec

    scaled = load_spec(power.scaled_spec(2.0, tmp_path)).scenarios[0]
    history = load_spec(power.SPEC).scenarios[0]

    def escalation(path, overrides):
        from sim.scenario.loader import load_scenario

        scenario = load_scenario(path, overrides).scenario
        return run_ensemble(scenario, 3, 11, 60, keep_series=True).series.escalation

    np.testing.assert_array_equal(
        escalation(scaled, MECHANISMS_OFF), escalation(history, MECHANISMS_OFF)
    )
    assert np.abs(escalation(scaled, None) - escalation(history, None)).max() > 1e-3


def test_the_scaled_run_fits_and_makes_every_twin_on_the_scaled_spec(monkeypatch, tmp_path):
    specs, twins = [], []
    monkeypatch.setattr(
        power,
        "structure_rows",
        lambda path, workers, pop, fixed: specs.append((path, fixed)) or rows(0.5, 0.6),
    )

    def twin(seed, arm, folder, workers, population, fixed, spec):
        twins.append((arm, seed, spec, fixed))
        return rows(0.5, 0.5)

    monkeypatch.setattr(power, "twin_rows", twin)
    argv = ["--fixed-dynamics", "--scale", "2", "--truths", "1", "2", "--off-truths", "3"]
    assert power.main([*argv, "--workers", "1", "--out", str(tmp_path)]) == 0
    (folder,) = tmp_path.iterdir()
    spec = folder / "scaled" / "spec.yaml"
    assert specs == [(spec, True)]
    assert [(a, s) for a, s, *_ in twins] == [("on", 1), ("on", 2), ("off", 3)]
    assert {(p, fixed) for *_, p, fixed in twins} == {(spec, True)}
    assert '"scale": 2.0' in (folder / "settings.json").read_text()


def test_a_twin_is_drawn_and_written_from_the_spec_it_is_given(monkeypatch, tmp_path):
    seen = []
    monkeypatch.setattr(
        power, "synthetic_values", lambda spec, seed, mechanisms: seen.append(spec.file) or {}
    )
    monkeypatch.setattr(
        power, "write_twin", lambda spec, values, folder: seen.append(spec) or folder / "s.yaml"
    )
    monkeypatch.setattr(power, "structure_rows", lambda path, *a: path)
    scaled = power.scaled_spec(2.0, tmp_path / "scaled")
    assert power.twin_rows(1, "on", tmp_path / "t", 1, 40, True, scaled) == tmp_path / "t/s.yaml"
    assert [str(p) for p in seen] == [str(scaled), str(scaled)]


def test_the_full_model_at_k_draws_none_of_the_scaled_mechanisms_from_a_prior(monkeypatch):
    """With --fixed-dynamics every scaled coefficient must come from the scaled scenario;
    one left in the priors would be drawn around its x1 value. The shipped spec has none;
    a spec that had one is refused."""
    from benchmarks.fixed_dynamics import fixed
    from sim.observe.spec import load_spec
    from sim.observe.structures import MECHANISMS

    assert not {p.name for p in fixed(load_spec(power.SPEC)).priors} & set(MECHANISMS)
    monkeypatch.setattr(power, "fixed", lambda spec: spec)  # as if they were not fixed
    with pytest.raises(SystemExit) as stop:
        power.parse_args(["--scale", "2", "--fixed-dynamics"])
    assert stop.value.code == 2


def test_an_unscaled_run_keeps_the_earlier_settings_so_its_folders_resume():
    args = power.parse_args(["--truths", "1", "2", "--fixed-dynamics"])
    assert power.design_of(args) == (
        '{"arms": ["on", "off"], "fixed_dynamics": true, "population": 40, "truths": [1, 2]}'
    )


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--scale", "2"], "--scale needs --fixed-dynamics"),
        (["--scale", "0", "--fixed-dynamics"], "expected a number above 0"),
        (["--scale", "nan", "--fixed-dynamics"], "expected a number above 0"),
        (["--scale", "9", "--fixed-dynamics"], "leverage_rate would be 1.8, outside its range"),
        (["--off-truths", "2", "2"], "must not repeat"),
    ],
)
def test_bad_scales_are_one_usage_line_and_write_nothing(argv, says, capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        power.main([*argv, "--out", str(tmp_path / "out")])
    assert stop.value.code == 2 and says in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
