"""Mutation round 23g: the rest of sim/observe/hindcast.py (docs/reliability.md §16.11).

Each test but `test_records_all_ending_after_the_window_are_sent_to_the_holdout_path` (the
message's other side) fails on a mutant that survived the hindcast selection and passes on
the code. The refusal of a file with no observation inside the scenario's window adds
"they all end after it" (and where later observations are scored) only when every one of
them ends after the window's last month; the bar over the stages is drawn only when asked
for and erased when done; the events-only null reads only a posterior's operator columns.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.errors import UsageError

REPO = Path(__file__).resolve().parents[1]
HISTORY = REPO / "scenarios" / "history" / "base_2016.yaml"  # 2016-01 to 2024-05
SOURCE = '{publisher: x, title: y, date: "2019-01-05", url: "https://example.org"}'
WINDOW = "history-2016's time window (2016-01 to 2024-05)"


def launches(folder: Path, *periods: str) -> Path:
    """A file of PRK launch counts, one record per period."""
    path = folder / "launches.yaml"
    path.write_text(
        "observations:\n"
        + "".join(
            f'  - id: l-{i}\n    kind: missile_launches\n    actor: PRK\n    period: "{p}"\n'
            f"    value: 3\n    unit: count\n    reliability: solid\n    source: {SOURCE}\n"
            for i, p in enumerate(periods)
        )
    )
    return path


def refusal(file: Path) -> str:
    with pytest.raises(UsageError) as info:
        sim.hindcast(file, HISTORY, n=2, draws=1)
    return str(info.value)


def test_a_file_before_and_after_the_window_is_not_said_to_end_after_it(tmp_path):
    """One record ends before the window, one after: not all end after it (all → any)."""
    why = refusal(launches(tmp_path, "2015", "2024-06"))
    assert why.endswith(f"falls inside {WINDOW}")
    assert "they all end after it" not in why


def test_a_record_ending_in_the_windows_last_month_does_not_end_after_it(tmp_path):
    """A record from before the window to its last month is outside it (it starts before)
    but does not end after it (o.last > end → >=)."""
    why = refusal(launches(tmp_path, "2015-12/2024-05"))
    assert why.endswith(f"falls inside {WINDOW}")
    assert "they all end after it" not in why


def test_records_all_ending_after_the_window_are_sent_to_the_holdout_path(tmp_path):
    """The positive side: every record ends after May 2024, the first a month after it."""
    why = refusal(launches(tmp_path, "2024-06", "2025"))
    assert f"falls inside {WINDOW}; they all end after it" in why
    assert "--part holdout --holdout FOLDER" in why


def test_the_python_api_draws_no_progress_bar(tmp_path, capfd):
    """`sim.hindcast` passes no `progress`: the default is off, and off means no bar
    (progress False → True; `disable=not progress` → `progress`)."""
    sim.hindcast(launches(tmp_path, "2017"), HISTORY, n=2, draws=1)
    assert capfd.readouterr().err == ""


def test_the_progress_bar_counts_the_three_stages_and_is_cleared_when_done(tmp_path, capfd):
    """`progress=True` (the command without -q): a bar over the three stages on stderr,
    erased at the end (leave=False → True left the finished bar; `not progress` → `progress`
    drew none)."""
    from sim.observe.hindcast import hindcast

    table, _, _ = hindcast([launches(tmp_path, "2017")], HISTORY, None, 2, 1, 1, 1,
                           progress=True)  # fmt: skip
    err = capfd.readouterr().err
    assert "hindcast:" in err and "/3 " in err  # a bar of three stages was drawn
    assert err.split("\r")[-1].strip() == ""  # nothing left on the line after the bar
    assert list(table["id"]) == ["l-0"]


def test_the_events_only_world_is_given_only_the_posteriors_operator_columns(tmp_path, monkeypatch):
    """The events-only null keeps its coefficients zeroed: of a posterior it reads the
    operator columns only, the model's ensemble every column (`not is_model(c)` →
    `is_model(c)` gave it the fitted model coefficients and none of the operators')."""
    import pandas as pd

    import sim.observe.fitguard as fitguard
    import sim.observe.hindcast as hc
    import sim.observe.posterior as posterior

    fitted = pd.DataFrame({"reactivity": [0.1, 0.2], "launch_log_rate": [0.5, 0.6]})
    monkeypatch.setattr(posterior, "read_posterior", lambda path, allow: fitted)
    monkeypatch.setattr(fitguard, "check_given_columns", lambda *a: None)
    given = []

    def record(episodes, post, *rest):
        given.append(None if post is None else list(post.columns))
        return pd.DataFrame()

    monkeypatch.setattr(hc, "score_episodes", record)
    monkeypatch.setattr(hc, "with_nulls", lambda table, *rest: table)
    monkeypatch.setattr(hc, "with_designs", lambda table, *rest: table)
    hc.hindcast([launches(tmp_path, "2017")], HISTORY, tmp_path / "p.parquet", 2, 1, 1, 1)
    assert given == [["reactivity", "launch_log_rate"], ["launch_log_rate"]]
