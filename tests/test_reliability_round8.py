"""Reliability suite, round 8: the forecast-scoring surfaces of issue 16 (the hindcast's skill
against the null forecasters, its verdict in words, its paired-bootstrap intervals, the
report of a hindcast folder, and `--posterior` as run, compare, robustness and hindcast read
it) as a hostile but realistic user meets them.

Each case was a fault before its fix: a reason given for a missing skill that the rows
contradict, a count said to be of one thing and computed of another, a posterior that
changed nothing without a word, a flag advised that the command does not have, or a verdict
whose number contradicts its word. docs/reliability.md, section 14, lists them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from reliability_tools import BASELINE

from sim.cli import main
from sim.observe.scoring import null_skill
from sim.report import write_report

REPO = BASELINE.parents[1]
HISTORY = REPO / "scenarios" / "history" / "base_2016.yaml"
FIXTURE = REPO / "tests" / "data" / "results" / "hindcast"
SOURCE = '{publisher: x, title: y, date: "2019-01-05", url: "https://example.org"}'


def record(oid: str, kind: str, who: str, period: str, value: float, unit: str = "count") -> str:
    """One observation as a file writes it (`who`: `actor: X` or `pair: [A, B]`)."""
    return (
        f'  - id: {oid}\n    kind: {kind}\n    {who}\n    period: "{period}"\n'
        f"    value: {value}\n    unit: {unit}\n    reliability: solid\n"
        f"    source: {SOURCE}\n"
    )


def observations(tmp_path: Path, *records: str) -> Path:
    path = tmp_path / "obs.yaml"
    path.write_text("observations:\n" + "".join(records))
    return path


def first_year_only(tmp_path: Path) -> Path:
    """Two series observed twice each, all in 2016, the history scenario's first year:
    persistence and the trend forecast the second of each; no forecast design can (their
    origin is the end of the year before, and nothing was observed by then)."""
    return observations(
        tmp_path,
        record("v1", "unsc_vote", "actor: CHN", "2016-03", 1, "vote"),
        record("v2", "unsc_vote", "actor: CHN", "2016-11", 1, "vote"),
        record("l1", "missile_launches", "actor: PRK", "2016-01/2016-06", 10),
        record("l2", "missile_launches", "actor: PRK", "2016-07/2016-12", 12),
    )


def page_text(folder: Path) -> str:
    import re

    page = write_report(folder).read_text(encoding="utf-8")
    page = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'")


def against_nulls(text: str) -> str:
    return text.split("Against the null forecasters", 1)[1].split("Every scored observation")[0]


def edited_fixture(tmp_path: Path, edit) -> Path:
    folder = tmp_path / "hindcast"
    shutil.copytree(FIXTURE, folder)
    frame = pd.read_csv(folder / "hindcast.csv")
    frame = edit(frame)
    frame.to_csv(folder / "hindcast.csv", index=False)
    return folder


# ---------------------------------------------------------------------- why no skill


def test_no_skill_in_the_first_year_says_why_not_that_nothing_has_an_earlier_value(
    tmp_path, capsys
):
    """Before: the command printed no skill and no reason; the report said "No scored
    observation has an earlier observation of its own series", of a file where two do."""
    out = tmp_path / "h"
    code = main(["hindcast", str(first_year_only(tmp_path)), str(HISTORY), "-n", "4",
                 "--draws", "1", "--out", str(out), "--no-plots"])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "2 scored observations have an earlier observation of their series" in printed
    assert "no forecast design" in printed
    section = against_nulls(page_text(out))
    assert "No scored observation has an earlier observation" not in section
    assert "2 scored observations have an earlier observation of their series" in section


def test_a_folder_without_the_null_columns_says_they_are_missing(tmp_path):
    """An older (or edited) hindcast.csv without crps_persistence: before, the report gave
    the same false reason, of a table whose series have many earlier values."""
    folder = edited_fixture(tmp_path, lambda f: f.drop(columns=["crps_persistence"]))
    section = against_nulls(page_text(folder))
    assert "No scored observation has an earlier observation" not in section
    assert "has no crps_persistence column" in section and "run the hindcast again" in section


def test_the_pooled_count_is_said_to_be_of_what_it_counts(tmp_path):
    """The pooled skill is on the observations every null *and every forecast design* can
    forecast; the report and the command said "every null can forecast" and named the
    series' earlier observation as the only condition, of a count that left out those the
    designs cannot forecast."""
    folder = edited_fixture(tmp_path, lambda f: f)
    table = pd.read_csv(FIXTURE / "hindcast.csv")
    n = int(null_skill(table).set_index("kind").loc["pooled", "observations"])
    nulls_only = table[table["scored"]].dropna(
        subset=["crps", "crps_persistence", "crps_trend", "crps_events_only"]
    )
    assert len(nulls_only) > n  # the fixture has observations only the nulls forecast
    section = against_nulls(page_text(folder))
    assert f"on the {n} observations of this window that every null and every forecast " in (
        section
    )
    assert f"{len(nulls_only) - n} more that the nulls can forecast are left out" in section
