"""`python -m benchmarks.fixed_dynamics`: the fixed variant differs from the shipped fit in
the five dynamics coefficients' priors and nothing else, and its tables compare the
variants on the same observations."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmarks import fixed_dynamics as fd
from benchmarks.twin import DYNAMICS, SPEC
from sim.observe.spec import load_spec

KINDS = {"summit": 8, "joint_exercise": 6, "missile_launches": 6}


def rows(model_crps: dict[str, float], seeds=(1, 2)) -> pd.DataFrame:
    """Scored rows of both parts and variants: each null's CRPS 1.0 (a little spread per
    observation), each variant's model `model_crps[variant]` (launches twice that)."""
    out = []
    for seed in seeds:
        for variant, crps in model_crps.items():
            for part in fd.PARTS:
                for kind, n in KINDS.items():
                    for i in range(n):
                        wobble = 0.02 * (i % 4)
                        for who in ("model", "persistence", "trend", "events_only"):
                            base = crps if who == "model" else 1.0
                            scale = 2.0 if kind == "missile_launches" and who == "model" else 1.0
                            out.append(
                                {
                                    "origin": "2018",
                                    "id": f"{kind}-{i}",
                                    "kind": kind,
                                    "forecaster": who,
                                    "crps": base * scale + wobble,
                                    "fit": seed,
                                    "variant": variant,
                                    "part": part,
                                }
                            )
    return pd.DataFrame(out)


def test_the_fixed_variant_drops_exactly_the_dynamics_priors():
    spec = load_spec(SPEC)
    mine = fd.fixed(spec)
    gone = {p.name for p in spec.priors} - {p.name for p in mine.priors}
    assert gone == set(DYNAMICS)
    assert [p for p in spec.priors if p.name not in DYNAMICS] == list(mine.priors)
    assert mine.settings == spec.settings and mine.scenarios == spec.scenarios


def test_a_better_fixed_variant_is_surely_better_than_the_free_one():
    tables = fd.tables(rows({"free": 1.0, "fixed": 0.5}))
    for part in fd.PARTS:
        pair = tables[f"{part}: fixed against free"].set_index("view")
        assert pair.loc["every kind", "all 2 seeds"].endswith("better")
        assert pair.loc["without the exercises", "1"].endswith("better")


def test_equal_variants_tie_and_score_alike_against_the_nulls():
    tables = fd.tables(rows({"free": 0.8, "fixed": 0.8}))
    pair = tables["rolling origin: fixed against free"].set_index("view")
    assert pair.loc["every kind", "all 2 seeds"].startswith("+0.00 (+0.00 to +0.00)")
    free = tables["rolling origin: free against the nulls"]
    assert free.equals(tables["rolling origin: fixed against the nulls"])


def test_the_launch_table_reads_the_model_rows_of_the_launch_series():
    found = fd.launch_crps(rows({"free": 1.0, "fixed": 0.5}, seeds=(3,)))
    assert list(found["part"]) == sorted(fd.PARTS) and list(found["fit"]) == [3, 3]
    # the launch rows are twice the variant's value plus the mean wobble (0, .02, .04, .06, ...)
    wobble = sum(0.02 * (i % 4) for i in range(6)) / 6
    assert found["free"].tolist() == pytest.approx([2.0 + wobble] * 2)
    assert found["fixed"].tolist() == pytest.approx([1.0 + wobble] * 2)


def test_the_whole_run_writes_its_rows_and_tables(monkeypatch, tmp_path, capsys):
    seen = []

    def fake(spec, workers):
        variant = "free" if any(p.name == "reactivity" for p in spec.priors) else "fixed"
        seen.append((spec.settings["seed"], variant))
        # make validate-model's budget, so that the free variant is the documented model
        assert spec.settings["predictive_replications"] == 200
        assert spec.settings["population"] == 100
        one = rows({variant: 1.0 if variant == "free" else 0.7}, seeds=(0,))
        return {
            part: one[one["part"] == part].drop(columns=["fit", "variant", "part"])
            for part in fd.PARTS
        }

    monkeypatch.setattr(fd, "variant_rows", fake)
    assert fd.main(["--seeds", "5", "6", "--workers", "1", "--out", str(tmp_path)]) == 0
    assert seen == [(5, "free"), (5, "fixed"), (6, "free"), (6, "fixed")]
    (folder,) = tmp_path.iterdir()
    assert len(pd.read_csv(folder / "rows.csv")) == 2 * 2 * 2 * sum(KINDS.values()) * 4
    out = capsys.readouterr().out
    assert "### rolling origin: fixed against free" in out and "mean launch CRPS" in out
    assert (folder / "summary.md").read_text() in out  # the printed tables are kept
    assert '"commit"' in (folder / "runs.jsonl").read_text()


def test_a_repeated_seed_is_one_usage_line_and_writes_nothing(capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        fd.main(["--seeds", "1", "1", "--out", str(tmp_path / "out")])
    assert stop.value.code == 2 and "must not repeat" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
