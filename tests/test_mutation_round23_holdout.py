"""Round 23f: mutation testing of the held-out path (docs/reliability.md §16.12).

Each test closes a gap a surviving mutant of `sim/observe/holdout_files.py` or
`sim/observe/holdout.py` showed: the mutant passed the existing selection, and fails here.
The expected values are derived from the definitions (May 2024 is the last month of the
training data, a held-out observation must end after it and by the last month the history
can be run to, two observations of one series overlap when they share a month), never
copied from the code's output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.observe.episodes import episode_of
from sim.observe.holdout import (
    FORECASTERS,
    SEED_KEY,
    Holdout,
    directions,
    extension,
    pact_input,
    scored,
)
from sim.observe.holdout_files import (
    ORIGIN,
    not_scored_reason,
    overlap_notes,
    period_problems,
    straddle_notes,
)
from sim.observe.observations import load_observations, month_index
from sim.observe.rolling import ORIGINS, observations_of
from sim.observe.series import definition, one_per_definition, series_key
from sim.observe.spec import load_spec
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]

SOURCE = '{publisher: Test, title: Test, date: "2026-01-01", url: "https://example.org/t"}'
UNIT = "launch events"


def record(oid: str, period: str, value: float = 1, kind: str = "missile_launches",
           who: str = "actor: PRK", unit: str = UNIT) -> str:  # fmt: skip
    """One observation as a YAML flow mapping."""
    return (
        f'  - {{id: {oid}, kind: {kind}, {who}, period: "{period}", value: {value}, '
        f"unit: {unit}, reliability: estimate, source: {SOURCE}}}\n"
    )


@pytest.fixture(scope="module")
def spec():
    return load_spec(ROOT / "scenarios" / "calibration" / "history.yaml")


def observations(path: Path, *records: str) -> list:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("observations:\n" + "".join(records))
    return load_observations(path)


# --------------------------------------------------------------------------- periods


def test_an_observation_ending_in_may_2024_itself_is_refused_and_one_ending_in_june_is_not(
    tmp_path,
):
    """May 2024 is the last month the fit sees (ORIGIN): a period ending in it is not held
    out, one ending a month later is."""
    assert month_index(2024, 5) == ORIGIN
    held = observations(tmp_path / "held.yaml", record("may", "2024-05"), record("jun", "2024-06"))
    start, last = month_index(2016, 1), month_index(2030, 12)
    (problem,) = period_problems(held, start, last)
    assert problem.path == "observations.0.period"
    assert problem.message == (
        "expected a period ending after 2024-05 (held out: after the training data), "
        "found '2024-05'"
    )


def test_an_observation_ending_in_the_last_month_the_history_can_run_to_is_accepted(tmp_path):
    """The history starting in January 2016 and run at most 132 months (11 years) ends in
    December 2026: a period ending then is inside the run, one ending in January 2027 is
    refused with the last month, the number of months and the first month."""
    start, last = month_index(2016, 1), month_index(2016, 1) + 132 - 1
    held = observations(tmp_path / "held.yaml", record("dec", "2026-12"), record("jan", "2027-01"))
    (problem,) = period_problems(held, start, last)
    assert problem.path == "observations.1.period"
    assert problem.message == (
        "expected a period ending by 2026-12 (the history runs at most 132 months from "
        "2016-01), found '2027-01'"
    )


# --------------------------------------------------------------------------- set aside


@pytest.mark.parametrize("shorter", ["2025-01/2025-06", "2025-12/2026-03"])
def test_an_observation_sharing_one_month_with_the_kept_one_names_it(tmp_path, shorter):
    """Two observations of one series that share a single month overlap (one observation
    per period and definition): the shorter is dropped, whether the shared month is its last
    or its first, and its note names the kept one."""
    obs = observations(
        tmp_path / "held.yaml", record("short", shorter), record("long", "2025-06/2025-12")
    )
    kept, dropped = one_per_definition(obs)
    assert len(kept) == len(dropped) == 1
    (k,), (d,) = kept, dropped
    assert (k.id, d.id) == ("long", "short")  # the longest period is preferred
    assert overlap_notes(dropped, kept) == [
        f"{d.id}: overlaps {k.id} of the same series (one observation per period and "
        f"definition, docs/observations.md: {k.id} is kept)"
    ]


def test_a_vote_needs_north_korea_in_the_scenario_and_other_kinds_do_not(tmp_path):
    """UNSC votes are on resolutions about North Korea (VOTE_TARGET): a vote of China in a
    scenario without PRK cannot be forecast; a summit of China and Russia there can."""
    vote, summit = observations(
        tmp_path / "held.yaml",
        record("vote", "2025-03", 0, "unsc_vote", "actor: CHN", "vote"),
        record("summit", "2025", 1, "summit", "pair: [CHN, RUS]", "summits"),
    )
    ids = {"CHN", "RUS", "USA"}
    assert not_scored_reason(vote, ids, anchor=False, history=True) == (
        "vote: the history scenario has no actor PRK"
    )
    assert not_scored_reason(summit, ids, anchor=False, history=True) == (
        "summit: outside the months of the extended history run"
    )


# --------------------------------------------------------------------------- straddling


def test_a_score_beginning_in_may_2024_straddles_and_one_beginning_in_june_does_not(tmp_path):
    """A scored observation straddles when it begins by May 2024 (months the fit covers)."""
    held = observations(
        tmp_path / "held.yaml",
        record("from-may", "2024-05/2024-09"),
        record("from-jun", "2024-06/2024-09"),
    )
    assert straddle_notes(held, []) == [
        "from-may (2024-05/2024-09) begins before June 2024, in months the fit covers"
    ]


def test_a_training_observation_ending_in_the_first_month_of_a_straddling_one_is_named(
    tmp_path,
):
    """The fit saw part of a straddling observation's months when a training observation of
    its series ends in or after its first month: here both are March 2024."""
    (held,) = observations(tmp_path / "held.yaml", record("held", "2024-03/2024-08"))
    train = observations(
        tmp_path / "train.yaml", record("in-march", "2024-03"), record("in-feb", "2024-02")
    )
    assert straddle_notes([held], train) == [
        "held (2024-03/2024-08) begins before June 2024, in months the fit covers; the fit "
        "saw in-march of its series in those months"
    ]


# --------------------------------------------------------------------------- holdout.py


def test_the_direction_of_each_forecast_is_read_from_the_series_last_in_sample_level(tmp_path):
    """Counts are compared per month (nulls.level): the last in-sample count, January to
    March 2024, is 6 launch events (2 a month); 12 in 2025 (1 a month) is down. A median of
    36 a year is up (3 a month), 24 flat (2), 6 down (0.5). The share right is each
    forecaster's share of observations whose direction it got: only "down" was right."""
    train = observations(
        tmp_path / "train.yaml",
        record("y2022", "2022", 24),
        record("y2023", "2023", 12),
        record("q2024", "2024-01/2024-03", 6),
    )
    (held,) = observations(tmp_path / "held.yaml", record("y2025", "2025", 12))
    medians = {"model": 36, "filtered": 24, "anomaly": 6, "tracked": 36, "pact": 24,
               "events_only": 6, "persistence": 24, "trend": 36}  # fmt: skip
    assert set(medians) == set(FORECASTERS)
    rows = pd.DataFrame([{"id": "y2025", "forecaster": f, "median": m} for f, m in medians.items()])
    table = directions(Holdout(rows, pd.DataFrame(), []), train, [held])
    said = {36: "up", 24: "flat", 6: "down"}
    assert table.iloc[0].to_dict() == {
        "observation": "y2025",
        "series": f"missile_launches PRK ({definition(held)})",
        "from": "2024-01/2024-03: 6",
        "observed": "12 (down)",
        **{f: said[m] for f, m in medians.items()},
    }
    share = {f: "1.00" if m == 6 else "0.00" for f, m in medians.items()}
    assert table.iloc[1].to_dict() == {
        "observation": "share right",
        "series": "",
        "from": "",
        "observed": "",
        **share,
    }


def test_the_pact_input_is_the_baselines_treaty_signed_in_june_2024(spec):
    """The sensitivity forecast adds the baseline's Russia–North Korea treaty of 2024: its
    start strength and signing year from scenarios/baseline.yaml, the strength its
    pact_signed event gives it, set in June 2024: step 101 of a history starting in January
    2016 (8 years and 5 months later)."""
    baseline = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text())
    treaty = baseline["treaties"]["rus_prk_2024"]
    key = "treaties.rus_prk_2024.strength"
    pact = pact_input(spec)
    got = pact["treaties.rus_prk_2024"]
    assert got["strength"]["value"] == treaty["strength"]["value"]
    assert got["signed"] == treaty["signed"]
    assert got["members"] == treaty["members"] and got["obligation"] == treaty["obligation"]
    event = pact["events.pact_signed_2024"]
    assert event["set"] == {key: baseline["events"]["pact_signed"]["set"][key]}
    start = episode_of(load_scenario(spec.scenarios[0])).start
    assert start == month_index(2016, 1)
    assert event["at"] == 8 * 12 + 5 == 101


def test_a_trade_value_in_a_unit_worded_otherwise_is_set_aside_as_its_pairs_first(spec, tmp_path):
    """The trade operator anchors a value on the latest known one of its pair *and unit*
    (episodes.assign): China–Russia trade in 2025 in "USD billion per year" has in-sample
    values of its series (trade is one definition) but none in its own unit, so it is its
    own anchor, the level the model cannot predict, and is not scored."""
    (held,) = observations(
        tmp_path / "held.yaml",
        record("rv-trade", "2025", 230, "trade_value", "pair: [CHN, RUS]", "USD billion per year"),
    )
    train = observations_of(spec)
    assert any(series_key(o) == series_key(held) for o in train)
    targets, skipped = scored(spec, train, [held], extension(spec, [held]))
    assert targets == []
    assert skipped == [
        "rv-trade: the first trade value of its pair and unit, which only anchors the level"
    ]


def test_the_extension_never_shortens_the_run_and_reaches_the_last_held_out_month(spec, tmp_path):
    """`run.steps` carries the history (January 2016, 101 months to May 2024) on to the last
    held-out month: December 2026 is month 132 of the run; with nothing held out, or only
    months inside the run, the scenario keeps its own steps."""
    ep = episode_of(load_scenario(spec.scenarios[0]))
    assert (ep.start, ep.steps) == (month_index(2016, 1), 101)
    dec, may = observations(
        tmp_path / "held.yaml", record("dec", "2026-12"), record("may", "2024-05")
    )
    assert extension(spec, [dec, may]) == {"run.steps": 11 * 12}
    assert extension(spec, [may]) == {"run.steps": 101}
    assert extension(spec, []) == {"run.steps": 101}


def test_a_variants_view_is_its_rows_named_model_beside_the_nulls_with_the_same_columns():
    """`view` keeps one variant (named "model", for skill_table) and the three nulls, in the
    rows' own columns: benchmarks/calibrate.py writes it to seeds_holdout.csv as it is."""
    rows = pd.DataFrame(
        [{"id": f"o{i}", "forecaster": f, "crps": float(n)}
         for i in range(2) for n, f in enumerate(FORECASTERS)]
    )  # fmt: skip
    view = Holdout(rows, pd.DataFrame(), []).view("pact")
    assert list(view.columns) == ["id", "forecaster", "crps"]
    assert list(view.index) == list(range(2 * 4))
    crps = {f: float(n) for n, f in enumerate(FORECASTERS)}
    expected = {"model": crps["pact"], **{n: crps[n] for n in ("events_only", "persistence",
                                                               "trend")}}  # fmt: skip
    assert dict(zip(view["forecaster"], view["crps"], strict=True)) == expected


def test_the_held_out_predictive_streams_are_none_of_the_rolling_origins_nor_the_in_sample():
    """The held-out forecasts draw their own streams: the rolling origins key theirs by the
    origin year (2018 to 2023) and the in-sample forecasts by 0 (sim/observe/rolling.py)."""
    assert SEED_KEY not in {0, *ORIGINS}


# --------------------------------------------------------------------------- designs.py


def test_the_anomaly_design_starts_from_the_latest_of_several_earlier_observations():
    """With mechanisms and noise off the model's change is zero, so the anomaly forecast is
    the last observed value: 2018's 107, not 2017's 84 nor 2016's 69."""
    from sim.observe.assimilate import particle_filter
    from sim.observe.designs import anomaly_draws
    from sim.observe.episodes import assign
    from sim.observe.nulls import EVENTS_ONLY
    from sim.observe.operators import default_coefficients
    from tests.test_assimilate import HISTORY, obs

    ep = episode_of(load_scenario(HISTORY, EVENTS_ONLY))
    pair = ("CHN", "RUS")
    train = [obs("trade_value", pair, y, 6, v) for y, v in ((2016, 69.0), (2017, 84.0),
                                                            (2018, 107.0))]  # fmt: skip
    target = obs("trade_value", pair, 2020, 6, 108.0)
    assign([ep], [*train, target])
    plain = particle_filter(ep, {}, default_coefficients(4), 4, 3, np.random.default_rng(0), [])
    d = anomaly_draws(ep, plain, train, [target], np.random.default_rng(1), 5)
    assert d[target.id] == pytest.approx(np.full(4 * 5, 107.0))


def test_asking_for_the_designs_own_drift_scales_keeps_their_evidence():
    """The evidence at scale 0 is the filtered design's and at TRACK_SCALE the tracked
    design's (DesignDraws): asking for those scales again runs no other filter over them."""
    from sim.observe.designs import design_draws
    from sim.observe.drift import TRACK_SCALE
    from sim.observe.operators import default_coefficients
    from tests.test_filter_pooling import HISTORY, R, launches

    ep = episode_of(load_scenario(HISTORY))
    coefs = {"drive_PRK": np.random.default_rng(0).normal(0, 0.05, R)}
    k = default_coefficients(R)
    train, targets = launches(2016, range(1, 13)), launches(2017, (3, 9), 2.0)

    def evidence(scales):
        rng = np.random.default_rng(1)
        return design_draws(ep, coefs, k, R, 5, rng, train, targets, 10,
                            evidence_scales=scales).evidence  # fmt: skip

    alone = evidence(())
    assert set(alone) == {0.0, TRACK_SCALE}
    assert evidence((0.0, TRACK_SCALE)) == alone
    more = evidence((0.0, 0.5))
    assert {s: more[s] for s in alone} == alone and set(more) == {0.0, TRACK_SCALE, 0.5}
