"""The candidate monthly launch-day series (seeds/observations/candidates/): derived by its
documented rule from the quoted rows, valid as observations, and outside the shipped set."""

from __future__ import annotations

from benchmarks import monthly_launches
from benchmarks.twin import SPEC
from scripts import derive_launch_days as derive
from sim.observe.observations import load_observations
from sim.observe.rolling import observations_of
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
