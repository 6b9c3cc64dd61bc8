"""Each observation's random draws are its own: keyed by its id, never by its place in a list.

Adding, removing or reordering observations (a new observation file, a sorted list) must
leave every other observation's measurement draws, null-forecast draws and scores as they
were; otherwise one new data point silently changes every other row of a hindcast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.observe.episodes import assign, draw_observables, episode_of
from sim.observe.hindcast import with_nulls
from sim.observe.observations import Observation, month_index
from sim.observe.operators import default_coefficients
from sim.observe.rolling import score_rows
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "scenarios" / "history" / "base_2016.yaml"
SRC = {"publisher": "p", "title": "t", "date": "2020-01-01", "url": "https://e.org"}


def obs(kind: str, actors: tuple, year: int, month: int, value: float) -> Observation:
    m = month_index(year, month)
    return Observation(
        f"{kind}-{'-'.join(actors)}-{year}-{month}", kind, actors, f"{year}-{month:02d}", m, m,
        value, "n", "solid", SRC, "f", 1,
    )  # fmt: skip


def launch_series() -> list[Observation]:
    return [obs("missile_launches", ("PRK",), 2016, m, float(m % 3)) for m in range(1, 9)]


UNRELATED = obs("summit", ("CHN", "RUS"), 2016, 4, 1.0)


def measurement_draws(observations: list[Observation]) -> dict[str, np.ndarray]:
    ep = episode_of(load_scenario(HISTORY))
    assign([ep], observations)
    k = default_coefficients(4)
    return draw_observables(ep, {}, k, 4, 11, np.random.default_rng(5), draws=20).values


def test_an_inserted_observation_leaves_the_others_measurement_draws_alone():
    series = launch_series()
    before = measurement_draws(series)
    after = measurement_draws([UNRELATED, *reversed(series)])
    for o in series:
        assert np.array_equal(before[o.id], after[o.id]), o.id


def test_an_inserted_observation_leaves_the_others_null_scores_alone():
    series = launch_series()
    train, targets = series[:5], series[5:]
    before = pd.DataFrame(score_rows("o", targets, train, {}, 3))
    extra = obs("missile_launches", ("PRK",), 2016, 12, 2.0)
    after = pd.DataFrame(score_rows("o", [extra, *reversed(targets)], train, {}, 3))
    after = after[after["id"] != extra.id].set_index(["id", "forecaster"]).sort_index()
    pd.testing.assert_frame_equal(before.set_index(["id", "forecaster"]).sort_index(), after)


def test_hindcast_null_columns_do_not_depend_on_row_order():
    series = launch_series()

    def table(rows: list[Observation]) -> pd.DataFrame:
        t = pd.DataFrame({"id": [o.id for o in rows]})
        eo = pd.DataFrame({"id": t["id"], "crps": 0.0})
        return with_nulls(t, eo, [UNRELATED, *series], 9).set_index("id").sort_index()

    pd.testing.assert_frame_equal(
        table(series), table([UNRELATED, *reversed(series)]).drop(UNRELATED.id)
    )
