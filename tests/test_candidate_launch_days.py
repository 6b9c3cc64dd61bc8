"""The candidate monthly launch-day series (seeds/observations/candidates/): derived by its
documented rule from the quoted rows, valid as observations, and outside the shipped set."""

from __future__ import annotations

import pytest

from benchmarks import monthly_launches
from benchmarks.twin import SPEC, write_design
from scripts import derive_launch_days as derive
from sim.observe.holdout import load_holdout
from sim.observe.observations import load_observations
from sim.observe.rolling import observations_of
from sim.observe.series import definition
from sim.observe.spec import load_spec


def test_the_file_is_what_the_rule_derives_from_the_rows(capsys):
    assert derive.main(["--check"]) == 0  # a hand edit of a count fails here


def test_local_dates_follow_utc_plus_nine_and_an_untimed_row_takes_its_salvos_date():
    assert derive.local_date("2022-09-30", "21:42 (UTC)") == "2022-10-01"
    assert derive.local_date("2022-09-28", "09:10 (UTC)") == "2022-09-28"
    assert derive.local_date("2016-03-10", "unknown") is None
    table = [("2016-03-10", "unknown"), ("2016-03-10", "20:20 (UTC)"), ("2016-03-18", "x")]
    assert derive.launch_days(table) == {"2016-03-11", "2016-03-18"}


def test_every_month_once_and_the_yearly_checks_of_the_preregistration():
    records = load_observations([monthly_launches.CANDIDATE])
    assert [r.period for r in records] == derive.months() and len(records) == 101
    by_year: dict[str, int] = {}
    for r in records:
        by_year[r.period[:4]] = by_year.get(r.period[:4], 0) + int(r.value)
    assert by_year["2018"] == 0 and by_year["2022"] == 33  # no launch in 2018; NTI year 2022
    rows = derive.rows()
    assert sum(d.startswith("2022") for d, _ in rows) == 69  # 64 after 5 failures = NTI's 64


def test_the_candidates_are_not_in_the_shipped_observation_set():
    shipped = {o.id for o in observations_of(load_spec(SPEC))}
    assert not any(i.startswith("prk-launch-days-") for i in shipped)


def test_the_held_out_months_are_june_2024_to_april_2026_and_agree_with_the_jcs_count():
    """23 months, May 2026 left out (the copy ends on 26 May); the copy's 2025 launch days
    to October equal the shipped held-out JCS count of ballistic launches (a second source)."""
    held = load_observations([monthly_launches.HELD_OUT])
    assert [r.period for r in held] == derive.months(derive.HELD_OUT) and len(held) == 23
    assert held[0].period == "2024-06" and held[-1].period == "2026-04"
    jcs = next(
        o for o in load_holdout() if o.id == "prk-ballistic-launches-2025-01-2025-10-joongang"
    )
    in_2025 = [r for r in held if r.period.startswith("2025-") and r.period <= "2025-10"]
    assert sum(int(r.value) for r in in_2025) == jcs.value


def test_the_held_out_months_are_fitted_nowhere(tmp_path):
    """Neither in the shipped observation set nor in the shipped holdout folder; the
    benchmark's held-out folder swaps the launch-event records for them, and shares no
    observation with its training design."""
    shipped = {o.id for o in observations_of(load_spec(SPEC))} | {o.id for o in load_holdout()}
    held = {o.id for o in load_observations([monthly_launches.HELD_OUT])}
    assert not held & shipped
    folder = monthly_launches.holdout_folder(tmp_path)
    swapped = load_observations(sorted(folder.glob("*.yaml")))
    assert held <= {o.id for o in swapped}
    assert not [o for o in swapped if definition(o) == "events" and o.id not in held]
    kept = {o.id for o in load_holdout() if definition(o) != "events"}
    assert kept <= {o.id for o in swapped}
    design = write_design(
        SPEC, "monthly-launches", tmp_path / "d", monthly_launches.candidate_records()
    )
    assert not {o.id for o in observations_of(load_spec(design))} & {o.id for o in swapped}


def test_the_held_out_tables_pool_each_variant_on_its_own_rows():
    """Every variant beside the nulls on the monthly counts, everything, and everything but
    the exercises; each variant's rows are its own (each has its own CRPS here)."""
    import pandas as pd

    from sim.observe.holdout import FORECASTERS, VARIANTS

    monthly = sorted(monthly_launches.held_out_ids())[:12]
    cases = [(i, "missile_launches") for i in monthly]
    cases += [("x-exercise-1", "joint_exercise"), ("x-exercise-2", "joint_exercise")]
    crps = {v: 0.2 + 0.1 * n for n, v in enumerate(VARIANTS)}  # all below the nulls' 1.0
    crps["anomaly"] = 2.0  # one variant worse than every null
    rows = []
    for i, (oid, kind) in enumerate(cases):
        for f in FORECASTERS:
            score = crps.get(f, 1.0) + 0.001 * i
            row = {"id": oid, "kind": kind, "forecaster": f, "origin": "h", "crps": score}
            rows.append({**row, "mean": 2.0, "observed": float(i % 2)})
    pooled, bias = monthly_launches.held_out_tables(pd.DataFrame(rows), seed=1)
    assert len(pooled) == len(VARIANTS) * 3
    for _, row in pooled.iterrows():
        variant, part = row["design"].split(", ", 1)
        assert row["observations"] == {"monthly launch days": 12, "every held-out": 14,
                                       "without the exercises": 12}[part]  # fmt: skip
        verdict = "worse" if variant == "anomaly" else "better"
        assert all(verdict in row[c] for c in pooled.columns if c.startswith("skill vs")), row
    assert set(bias["realised"]) == {0.5} and set(bias["mean forecast per month"]) == {2.0}


@pytest.mark.parametrize("argv", [["--holdout", "--seed", "-1"], ["--workers", "0"]])
def test_a_bad_seed_or_worker_count_is_one_usage_line_and_nothing_written(argv, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        monthly_launches.main([*argv, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "expected a whole number" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
