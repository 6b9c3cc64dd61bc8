"""History episodes: a scenario, the observations its time window covers, and the model's
predictive draws of each of them.

Step t's state stands for calendar month start + t; an episode of T steps covers the months
start … start + T − 1 (its final state is the next episode's first month, not its own).
An observation belongs to the first episode (in the order given) whose months cover its whole
period and whose actors include the ones it names; the others are reported as not covered.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np

from sim.ensemble import prepare, run_ensemble
from sim.errors import UsageError
from sim.observe.observations import Observation, month_index, who
from sim.observe.operators import (
    ANCHORED_KINDS,
    POOLED_KINDS,
    VOTE_TARGET,
    Anchor,
    PairHistory,
    Window,
    draw,
)
from sim.observe.streams import PerObservation
from sim.parameters import PARAMETERS
from sim.scenario.loader import LoadedScenario
from sim.structural import is_given


@dataclass
class Episode:
    name: str
    loaded: LoadedScenario
    ids: list[str]
    start: int  # month index of step 0
    steps: int
    observations: list[Observation] = field(default_factory=list)
    anchors: dict[str, str] = field(default_factory=dict)  # trade obs id -> its anchor's id
    # summit obs id -> the ids of its pair's earlier known observations (none: no entry)
    histories: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def covers(self, obs: Observation) -> bool:
        needed = set(obs.actors) | ({VOTE_TARGET} if obs.kind == "unsc_vote" else set())
        inside = self.start <= obs.first and obs.last < self.start + self.steps
        return inside and needed <= set(self.ids)


def episode_of(loaded: LoadedScenario) -> Episode:
    run = loaded.scenario.run
    if run.step_unit != "month":
        raise UsageError(f"{loaded.path}: observation operators need run.step_unit: month")
    year, month = (int(p) for p in run.start.split("-"))
    world, _ = prepare(loaded.scenario)
    return Episode(
        loaded.scenario.name, loaded, list(world.ids), month_index(year, month), run.steps
    )


def assign(
    episodes: list[Episode],
    observations: list[Observation],
    known: Collection[str] | None = None,
) -> list[Observation]:
    """Give each observation to the first episode covering it; return those none covers.

    Each trade and exercise observation gets its anchor (`Episode.anchors`): the latest
    observation of the same pair and unit that ends before it starts and whose value is
    known (`known`: observation ids; every one when None, as in a fit). The trade operator
    predicts the change from that anchor, so the level it starts from is the latest one a
    forecaster at that time had, not the pair's first value years earlier (which would carry
    all the unmodelled economic change in between into every forecast). A trade observation
    with no known earlier one is its own anchor and is not scored. The exercise operator
    reads its anchor's status (held or suspended; operators.exercise_probability); an
    exercise observation with no known earlier one has no anchor and is scored without.

    Each summit observation gets its pair history (`Episode.histories`): every observation
    of the same pair that ends before it starts and is known, by the same rule. The summit
    operator pools the pair's own rate from them (operators.summit_log_rate); one with none
    known has no history and reads the common rate."""
    left = []
    for obs in observations:
        home = next((ep for ep in episodes if ep.covers(obs)), None)
        if home is None:
            left.append(obs)
        else:
            home.observations.append(obs)
    for ep in episodes:
        for kind in ANCHORED_KINDS:
            _anchor_kind(ep, kind, known)
        for kind in POOLED_KINDS:
            _pool_kind(ep, kind, known)
    return left


def _earlier_known(
    series: list[Observation], obs: Observation, known: Collection[str] | None
) -> list[Observation]:
    """The observations of `series` (in its order) of `obs`'s pair or actor and unit that
    end before `obs` starts and are known: what its anchor or pair history may read."""
    return [
        a for a in series
        if (who(a), a.unit) == (who(obs), obs.unit) and a.last < obs.first
        and (known is None or a.id in known)
    ]  # fmt: skip


def _anchor_kind(ep: Episode, kind: str, known: Collection[str] | None) -> None:
    series = sorted((o for o in ep.observations if o.kind == kind),
                    key=lambda o: (o.first, o.last))  # fmt: skip
    for obs in series:
        earlier = _earlier_known(series, obs, known)
        if earlier:
            ep.anchors[obs.id] = max(earlier, key=lambda a: a.last).id
        elif kind == "trade_value":
            ep.anchors[obs.id] = obs.id  # its own anchor: the level the model cannot predict


def _pool_kind(ep: Episode, kind: str, known: Collection[str] | None) -> None:
    series = sorted((o for o in ep.observations if o.kind == kind),
                    key=lambda o: (o.first, o.last, o.id))  # fmt: skip
    for obs in series:
        earlier = tuple(a.id for a in _earlier_known(series, obs, known))
        if earlier:
            ep.histories[obs.id] = earlier


def is_anchor(ep: Episode, obs: Observation) -> bool:
    """A trade observation that anchors its pair's level: the model cannot predict it (an
    exercise is never its own anchor)."""
    return ep.anchors.get(obs.id) == obs.id


def nothing_to_score(episodes: list[Episode], where: str) -> str | None:
    """Why no observation of the episodes can be scored, or None when one can. Covered
    observations that are all trade anchors were reported as "none inside the window" (a
    fit) or scored as "0 observations, coverage nan" with exit 0 (a hindcast)."""
    inside = [o for ep in episodes for o in ep.observations]
    if any(not is_anchor(ep, o) for ep in episodes for o in ep.observations):
        return None
    if not inside:
        return f"falls inside {where}"
    ids = ", ".join(o.id for o in inside[:3])
    ids += f" and {len(inside) - 3} more" if inside[3:] else ""
    what = "is the first trade value" if len(inside) == 1 else "are each the first trade value"
    return (
        f"can be scored: {ids}, inside {where}, {what} of its pair and unit, which only "
        "anchors the level (add the period before it)"
    )


def window(series, ep: Episode, obs: Observation) -> Window:
    lo, hi = obs.first - ep.start, obs.last - ep.start + 1
    ready = series.readiness
    return Window(
        series.escalation[lo:hi],
        series.commitment[lo:hi],
        series.leverage[lo:hi],
        ep.ids,
        None if ready is None else ready[lo:hi],
    )


def is_model(name: str) -> bool:
    return name in PARAMETERS or is_given(name)


def split(coefficients: Mapping[str, np.ndarray]) -> tuple[dict, dict]:
    """Model coefficients (names in sim.parameters.PARAMETERS, and the given structural
    terms of sim/structural.py) and operator coefficients."""
    model = {k: np.asarray(v, float) for k, v in coefficients.items() if is_model(k)}
    ops = {k: np.asarray(v, float) for k, v in coefficients.items() if not is_model(k)}
    return model, ops


@dataclass
class EpisodeDraws:
    """Predictive draws of an episode's observations, and which replications reached war."""

    values: dict[str, np.ndarray]  # observation id -> (R, draws)
    war: (
        np.ndarray
    )  # (R,) bool: a war (two mutually hostile actors at the war rung) within war_window


def draw_observables(
    ep: Episode,
    model_coefs: Mapping[str, np.ndarray],
    op_coefs: Mapping[str, np.ndarray],
    replications: int,
    seed: int,
    rng: np.random.Generator,
    draws: int = 1,
    workers: int = 1,
    engine: str = "numpy",
) -> EpisodeDraws:
    """Predictive draws (R, draws) for every observation of the episode.

    Replication r runs with model coefficients [r] and its observables use operator
    coefficients [r]; the ensemble noise comes from `seed`, the measurement noise from `rng`.
    """
    result = run_ensemble(
        ep.loaded.scenario,
        replications,
        seed,
        ep.steps,
        keep_series=True,
        workers=workers,
        coefficients=model_coefs or None,
        engine=engine,
    )
    s = result.series
    out: dict[str, np.ndarray] = {}
    rng_of = PerObservation(rng)  # each observation its own stream (sim/observe/streams.py)
    for obs in ep.observations:
        w = window(s, ep, obs)
        out[obs.id] = draw(obs, w, op_coefs, rng_of(obs.id), draws, anchor_of(ep, s, obs))
    return EpisodeDraws(out, s.war[: war_window(ep)].any(axis=0))


def war_window(ep: Episode) -> int:
    """Months of the episode the `no_war` pattern filter reads: up to the last month any of
    its observations reads (none when it has no observation). Why: "no war broke out" is a
    fact only as far as the data go; a rolling-origin fit that read the months after its
    origin knew there was no war through 2024, and an input withheld from those months (the
    invasion of Ukraine) changed which particles it rejected: a hindsight leak. An episode
    with no observation kept (all after the origin) would read the whole run again."""
    if not ep.observations:
        return 0
    return min(ep.steps, max(o.last for o in ep.observations) - ep.start + 1)


def anchor_of(ep: Episode, paths, obs: Observation) -> Anchor | None:
    """An anchored observation's anchor in `paths` (series or filter paths): its anchor's
    value and, for trade, that period's mean mutual commitment in each replication; for a
    summit its pair history (pair_history); None for other kinds, for an exercise with no
    known earlier status and for a summit with no known earlier observation of its pair."""
    if obs.id in ep.histories:
        return pair_history(ep, paths, ep.histories[obs.id])
    if obs.id not in ep.anchors:
        return None
    a = next(o for o in ep.observations if o.id == ep.anchors[obs.id])
    if obs.kind != "trade_value":
        return a.value, None
    return a.value, window(paths, ep, a).mutual(*a.actors).mean(axis=0)


def pair_history(ep: Episode, paths, ids: tuple[str, ...]) -> PairHistory:
    """The pair history of observations `ids` in `paths`: their summed counts and months,
    and the pair's mutual commitment averaged over all their months in each replication."""
    by_id = {o.id: o for o in ep.observations}
    hist = [by_id[i] for i in ids]
    months = sum(o.last - o.first + 1 for o in hist)
    commitment = np.concatenate([window(paths, ep, o).mutual(*o.actors) for o in hist])
    return PairHistory(float(sum(o.value for o in hist)), months, commitment.mean(axis=0))
