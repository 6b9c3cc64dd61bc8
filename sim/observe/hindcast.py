"""`alliance-sim hindcast`: score a scenario (and a posterior) against observations.

For every observation its window covers: the 50% and 90% central predictive intervals,
whether the observed value is inside, the direction of change from the previous observation
of the same series (model: the median paired change across replications), and the CRPS.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UsageError
from sim.observe.abc import generator
from sim.observe.episodes import Episode, draw_observables, is_anchor, is_model, split
from sim.observe.nulls import METHODS, events_only, months, null_draws
from sim.observe.observations import COUNT_KINDS, Observation, who
from sim.observe.operators import default_coefficients
from sim.observe.posterior import resample

# null_skill, DESIGN_COLUMNS: kept importable from here (the hindcast command, tests)
from sim.observe.scoring import (  # noqa: F401
    DESIGN_COLUMNS,
    crps_sample,
    interval_row,
    null_skill,
    sign_word,
)
from sim.observe.streams import id_key, keyed

NULL_DRAWS = 4000
# Why no observation after the window is scored, and where they are (round 23: a reviewer's
# observations after May 2024 against the history were refused without the window's months)
LATER = (
    "they all end after it; observations after May 2024 are forecast from the history by"
    " `python -m benchmarks.calibrate --part holdout --holdout FOLDER` (docs/validation.md)"
)


def coefficient_draws(
    posterior: pd.DataFrame | None, replications: int, seed: int
) -> dict[str, np.ndarray]:
    """Operator defaults, overlaid with resampled posterior sets when a posterior is given
    (model coefficients absent from the posterior keep the scenario's values)."""
    coefs = default_coefficients(replications)
    if posterior is not None:
        coefs.update(resample(posterior, replications, seed))
    return coefs


def previous(ep: Episode, obs: Observation) -> Observation | None:
    """The latest earlier observation of the same series (kind, actors, unit) in the episode."""
    same = [
        o
        for o in ep.observations
        if (o.kind, who(o), o.unit) == (obs.kind, who(obs), obs.unit) and o.last < obs.first
    ]
    return max(same, key=lambda o: o.last) if same else None


def score_episodes(
    episodes: list[Episode],
    posterior: pd.DataFrame | None,
    replications: int,
    seed: int,
    draws: int = 10,
    workers: int = 1,
) -> pd.DataFrame:
    rows = []
    model, ops = split(coefficient_draws(posterior, replications, seed))
    for e, ep in enumerate(episodes):
        ens_seed = int(
            np.random.SeedSequence(seed, spawn_key=(3, e)).generate_state(1, np.uint64)[0]
        )
        samples = draw_observables(
            ep, model, ops, replications, ens_seed, generator(seed, 4, e), draws, workers
        )
        war_share = float(samples.war.mean())
        for obs in sorted(ep.observations, key=lambda o: (o.first, o.id)):
            rows.append({**_row(ep, obs, samples.values), "war_share": war_share})
    return pd.DataFrame(rows)


def _row(ep: Episode, obs: Observation, samples: dict[str, np.ndarray]) -> dict:
    s = samples[obs.id]
    prev = previous(ep, obs)
    row = {
        "id": obs.id,
        "episode": ep.name,
        "kind": obs.kind,
        "actors": "-".join(obs.actors),
        "period": obs.period,
        "observed": obs.value,
        "reliability": obs.reliability,
        "scored": not is_anchor(ep, obs),
        **interval_row(s, obs.value),
        "previous": prev.id if prev else "",
        "direction_observed": "",
        "direction_model": "",
    }
    if prev is not None:
        row["direction_observed"] = sign_word(
            per_month(obs, obs.value) - per_month(prev, prev.value)
        )
        delta = per_month(obs, s.mean(axis=1)) - per_month(prev, samples[prev.id].mean(axis=1))
        row["direction_model"] = sign_word(float(np.median(delta)))
    return row


def per_month(obs: Observation, value: float | np.ndarray) -> float | np.ndarray:
    """A count per month of its period (other kinds as they are): the direction of change
    from a year's 24 launches to a month's 5 is up, not down, as sim/observe/holdout.py
    and the null forecasters compare levels. Raw counts of periods of different length
    gave the observed direction and the model's the sign of the length difference."""
    return value / months(obs) if obs.kind in COUNT_KINDS else value


def check_size(
    observations: list[Path], scenario, replications: int, draws: int, folder: Path
) -> None:
    """Refuse before any work a hindcast whose draws will not fit in memory. The measurement
    draws are held per observation (replications × draws each): the command counted one
    observation, whatever the file held, and `sim.hindcast` did not check at all."""
    from sim.limits import check_hindcast_resources
    from sim.observe.observations import load_observations

    n_obs = len(load_observations(observations))
    check_hindcast_resources(len(scenario.actors), replications, scenario.run.steps, n_obs,
                             draws, folder)  # fmt: skip


def hindcast(
    observations: list[Path],
    scenario: Path,
    posterior: Path | None,
    replications: int,
    seed: int,
    draws: int = 10,
    workers: int = 1,
    allow_model_change: bool = False,
    progress: bool = False,
) -> tuple[pd.DataFrame, list[Observation], Episode]:
    """Score one scenario against observation files; return the table, the observations its
    window does not cover, and the episode. `progress`: a bar on stderr over the three stages
    (the model's ensemble, the events-only ensemble, the nulls and designs)."""
    from tqdm import tqdm

    from sim.observe.episodes import assign, episode_of, nothing_to_score
    from sim.observe.fitguard import check_actors, check_given_columns
    from sim.observe.observations import load_observations, month_label
    from sim.observe.posterior import read_posterior
    from sim.observe.series import one_per_definition
    from sim.scenario.loader import load_scenario

    obs, _ = one_per_definition(load_observations(observations))
    loaded = load_scenario(scenario)
    ep = episode_of(loaded)
    check_actors(obs, set(ep.ids), f"the scenario {scenario}")  # sim/observe/fitguard.py
    post = read_posterior(posterior, allow_model_change) if posterior is not None else None
    if post is not None:
        check_given_columns(post.columns, set(ep.ids), f"--posterior {posterior}",
                            f"the scenario {scenario}")  # fmt: skip
    left = assign([ep], obs)
    why = nothing_to_score([ep], f"{ep.name}'s time window")  # before any replication runs
    if why is not None:
        end = ep.start + ep.steps - 1
        if not ep.observations:  # none inside: say which months the window has
            why += f" ({month_label(ep.start)} to {month_label(end)})"
            why += f"; {LATER}" if all(o.last > end for o in obs) else ""
        raise UsageError(f"no observation of {', '.join(map(str, observations))} {why}")
    with tqdm(total=3, desc="hindcast", unit="stage", disable=not progress, leave=False) as bar:
        table = score_episodes([ep], post, replications, seed, draws, workers)
        bar.update()
        only = episode_of(load_scenario(scenario, events_only(loaded)))
        assign([only], obs)
        ops = None if post is None else post[[c for c in post.columns if not is_model(c)]]
        only_table = score_episodes([only], ops, replications, seed, draws, workers)
        bar.update()
        table = with_nulls(table, only_table, obs, seed)
        table = with_designs(table, ep, post, replications, seed)
        bar.update()
    return table, left, ep


def with_designs(
    table: pd.DataFrame,
    ep: Episode,
    posterior: pd.DataFrame | None,
    replications: int,
    seed: int,
    draws: int = 10,
) -> pd.DataFrame:
    """The table with the CRPS of the filtered, anomaly and tracked designs (designs.py)
    beside the model's: each observation is forecast from the origin at the end of the year
    before it starts, conditioned on (filtered, tracked) or continued from (anomaly) those
    observations that ended by then; NaN where none precedes it (anomaly: none of its
    series)."""
    from sim.observe.designs import design_draws
    from sim.observe.observations import month_index

    out = table.copy()
    out["crps_filtered"], out["crps_anomaly"], out["crps_tracked"] = np.nan, np.nan, np.nan
    if out.empty:
        return out
    model, ops = split(coefficient_draws(posterior, replications, seed))
    ens_seed = int(np.random.SeedSequence(seed, spawn_key=(3, 0)).generate_state(1, np.uint64)[0])
    scored = [o for o in ep.observations if not is_anchor(ep, o)]
    by_row = {oid: i for i, oid in enumerate(out["id"])}
    for year in sorted({o.first // 12 for o in scored}):
        end = month_index(year, 1)  # the origin: the end of the year before
        train = [o for o in ep.observations if o.last < end]
        targets = [o for o in scored if o.first // 12 == year]
        if not train:
            continue
        rng = generator(seed, 9, year)
        d = design_draws(ep, model, ops, replications, ens_seed, rng, train, targets, draws)
        for o in targets:
            out.loc[by_row[o.id], "crps_filtered"] = crps_sample(d.filtered[o.id], o.value)
            out.loc[by_row[o.id], "crps_tracked"] = crps_sample(d.tracked[o.id], o.value)
            if o.id in d.anomaly:
                out.loc[by_row[o.id], "crps_anomaly"] = crps_sample(d.anomaly[o.id], o.value)
    return out


def with_nulls(
    table: pd.DataFrame, events_only: pd.DataFrame, obs: list[Observation], seed: int
) -> pd.DataFrame:
    """The table with the CRPS of the three null forecasters beside the model's: the
    events-only world (the scenario with mechanisms and noise off, scored with the same
    operator coefficients: not refitted here, unlike in `make validate-model`), persistence
    and trend from the earlier observations of the same series (NaN when there are none)."""
    out = table.copy()
    if out.empty:
        return out
    out["crps_events_only"] = events_only.set_index("id").loc[out["id"], "crps"].to_numpy()
    by_id = {o.id: o for o in obs}
    for k, method in enumerate(METHODS):
        values = []
        for oid in out["id"]:
            o = by_id[oid]
            d = null_draws(method, obs, o, keyed(seed, 8, id_key(oid), k), NULL_DRAWS)
            values.append(np.nan if d is None else crps_sample(d, o.value))
        out[f"crps_{method}"] = values
    return out


def write_hindcast(
    out: Path,
    table: pd.DataFrame,
    left: list[Observation],
    ep: Episode,
    meta: dict,
    charts: bool = True,
) -> None:
    from sim.observe.scoring import coverage
    from sim.output import RESULT_ID, atomic_folder, finish, id_of_manifest
    from sim.report import write_charts_and_report
    from sim.results.write import write_frame

    meta = {
        **meta,
        "kind": "hindcast",
        "scenario": ep.name,
        "not_covered": [o.id for o in left],
        # null, not NaN (which JSON does not allow), where a share is undefined
        "coverage": {k: v if np.isfinite(v) else None for k, v in coverage(table).items()},
    }
    meta[RESULT_ID] = id_of_manifest(meta)
    with atomic_folder(out) as tmp:
        write_frame(tmp, "hindcast.csv", table, rid=meta[RESULT_ID])
        finish(tmp, meta, write_charts_and_report if charts else None)
