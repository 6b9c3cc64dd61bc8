"""`python -m benchmarks.monthly_launches --noise-only`: the two models differ only in the
mechanisms; each design is scored against the same design of the other model and each model
against its own events-only world; bad flags are one usage line and write nothing."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmarks import monthly_launches
from benchmarks import monthly_noise_only as mno
from benchmarks.twin import SPEC
from sim.observe.structures import MECHANISMS
from sim.parameters import PARAMETERS
from sim.scenario.loader import load_scenario


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mno")
    design = monthly_launches.design_spec(folder, False)
    return mno.model_specs(design, folder)


def test_the_noise_only_spec_has_every_mechanism_at_0_and_out_of_its_priors(specs):
    full, noise = specs[mno.FULL], specs[mno.NOISE_ONLY]
    params = load_scenario(noise.scenarios[0]).scenario.parameters
    assert all(getattr(params, m) == 0.0 for m in MECHANISMS)
    assert not {p.name for p in noise.priors} & set(MECHANISMS)
    # the full model keeps its mechanisms (the control: the history's, or their defaults, > 0)
    history = load_scenario(full.scenarios[0]).scenario.parameters
    values = [getattr(history, m) for m in MECHANISMS]
    values = [
        PARAMETERS[m].default if v is None else v for m, v in zip(MECHANISMS, values, strict=True)
    ]
    assert sum(v > 0 for v in values) >= 5


def test_the_two_models_differ_in_nothing_but_the_mechanisms(specs):
    full, noise = specs[mno.FULL], specs[mno.NOISE_ONLY]
    assert full.settings == noise.settings
    assert sorted(map(str, full.observations)) != []
    assert [o.name for o in full.observations] == [o.name for o in noise.observations]
    kept = [p for p in full.priors if p.name not in MECHANISMS]
    assert [p.name for p in kept] == [p.name for p in noise.priors]
    assert [p for p in kept] == list(noise.priors)
    a = load_scenario(full.scenarios[0]).scenario.model_dump()
    b = load_scenario(noise.scenarios[0]).scenario.model_dump()
    differ = {k for k in a["parameters"] if a["parameters"][k] != b["parameters"][k]}
    assert differ and differ <= set(MECHANISMS)
    assert {k: v for k, v in a.items() if k not in ("parameters", "name", "title")} == {
        k: v for k, v in b.items() if k not in ("parameters", "name", "title")
    }


def fake_rows(noise_crps: float, full_crps: float, seeds=(1, 2)) -> pd.DataFrame:
    """Forecast rows of every design and the nulls for both models: each design's CRPS is
    its model's, the events-only world's 1.0; 10 summits and 4 exercises per seed."""
    out = []
    for fit in seeds:
        for kind, n in (("summit", 10), ("joint_exercise", 4)):
            for i in range(n):
                wobble = 0.01 * (i % 3)
                for model, crps in ((mno.NOISE_ONLY, noise_crps), (mno.FULL, full_crps)):
                    for f in (*mno.DESIGNS.values(), "events_only", "persistence", "trend"):
                        value = crps if f in mno.DESIGNS.values() else 1.0
                        out.append(
                            {"model": model, "fit": fit, "origin": "2018", "id": f"{kind}-{i}",
                             "kind": kind, "forecaster": f, "crps": value + wobble}
                        )  # fmt: skip
    return pd.DataFrame(out)


def cells(table: pd.DataFrame, comparison: str, view: str = "every kind") -> pd.Series:
    return table[(table["comparison"] == comparison) & (table["view"] == view)].iloc[0]


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    """The verdicts with a better noise-only model (CRPS 0.5 against 1.0) and a worse one."""
    return {
        "better": mno.verdict_table(fake_rows(0.5, 1.0), [1, 2]),
        "worse": mno.verdict_table(fake_rows(1.0, 0.5), [1, 2]),
    }


@pytest.mark.parametrize("design", list(mno.DESIGNS))
def test_a_better_noise_only_design_scores_above_0_and_a_worse_one_below(design, tables):
    better, worse = tables["better"], tables["worse"]
    label = f"{design}: noise-only vs full"
    for col in ("seed 1", "seed 2", "all 2 seeds"):
        assert cells(better, label)[col].endswith("better")
        assert cells(worse, label)[col].endswith("worse")
    # each model against its own events-only world (CRPS 1.0): the better model wins there
    assert cells(better, f"{design}: noise-only vs events-only")["all 2 seeds"].endswith("better")
    assert cells(better, f"{design}: full vs events-only")["all 2 seeds"].startswith("+0.00")


def test_equal_models_tie_and_the_view_without_exercises_drops_them():
    table = mno.verdict_table(fake_rows(0.7, 0.7), [1, 2])
    for view in ("every kind", "without the exercises"):
        assert cells(table, "filtered: noise-only vs full", view)["all 2 seeds"].startswith("+0.00")
    rows = fake_rows(0.7, 0.7)
    rows.loc[(rows["kind"] == "joint_exercise") & (rows["model"] == mno.NOISE_ONLY), "crps"] = 0.1
    table = mno.verdict_table(rows, [1, 2])
    label = "filtered: noise-only vs full"
    assert cells(table, label)["all 2 seeds"].endswith("better")
    assert cells(table, label, "without the exercises")["all 2 seeds"].startswith("+0.00")


def test_same_null_reads_the_events_only_rows_of_both_models():
    rows = fake_rows(0.5, 1.0)
    assert mno.same_null(rows)
    rows.loc[(rows["forecaster"] == "events_only") & (rows["model"] == mno.FULL), "crps"] += 0.1
    assert not mno.same_null(rows)


@pytest.mark.parametrize(
    "extra", [["--holdout"], ["--dispersion"], ["--seed", "3"], ["--seeds", "1", "1"]]
)
def test_bad_flags_with_noise_only_are_one_usage_line_and_write_nothing(extra, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        monthly_launches.main(["--noise-only", *extra, "--out", str(tmp_path / "out")])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("python -m benchmarks.monthly_launches: error:")
    assert not (tmp_path / "out").exists()


def test_the_spec_of_the_twin_is_the_shipped_one():
    assert SPEC.name == "history.yaml"
