"""Calibration provenance and guards: what a fit was computed from, and when to refuse it.

Why (issue #19): `calibrate --resume` hashed only the spec's text, so an edited observation
or a moved event mixed generations fitted to different data; a collapsed population (ESS 1)
was written as a posterior; posterior files carried no model version; two calibrations could
share one work folder after the advice "add --resume". Each guard here ends in one line.

- `fit_hash`: sha256 of the spec, every observation file's bytes, every episode scenario
  (resolved, `extends` included) with its model fingerprint, and the excluded episode.
- `model_version`: sha256 of the package version and the coefficient tables (names, defaults,
  bounds) the posterior's columns refer to; stored in posterior.parquet's metadata.
- `check_population`: refuses a final population whose effective sample size or number of
  distinct particles is too small to summarise.
- `check_fitted`: refuses a fit that fitted nothing (every prior draw infinitely far, or an
  ABC-SMC fit that never left generation 0, the prior's draws).
- `hold_work`: the work folder is locked (flock, sim/output.py) for the calibration's life.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from sim.errors import UsageError

POSTERIOR_KEY = b"alliance_sim.model_version"
MIN_ESS = 10  # effective particles behind a posterior's 5–95% interval (fewer: refused) ...
MIN_ESS_SHARE = 0.5  # ... or half the population, when the population is below 20


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fit_hash(spec, exclude: str | None = None) -> str:
    """What `--resume` compares: the spec, the data and the model, not only the spec's text."""
    from sim.scenario.loader import load_scenario

    episodes = {}
    for path in spec.scenarios:
        loaded = load_scenario(path)
        episodes[str(path)] = [loaded.content_hash(), loaded.model_input.fingerprint()]
    record = {
        "spec": spec.content_hash(),
        "observations": {str(p): _sha(Path(p).read_bytes()) for p in spec.observations},
        "episodes": episodes,
        "exclude": exclude,
    }
    return _sha(json.dumps(record, sort_keys=True).encode())


def model_version() -> str:
    """The model a posterior's coefficients belong to: package version and coefficient tables."""
    from sim.observe.operators import OPERATOR_COEFFICIENTS
    from sim.parameters import PARAMETERS
    from sim.provenance import package_version

    tables = {
        "version": package_version(),
        "parameters": {k: asdict(v) for k, v in PARAMETERS.items()},
        "operators": {k: _plain(v) for k, v in OPERATOR_COEFFICIENTS.items()},
    }
    return _sha(json.dumps(tables, sort_keys=True, default=str).encode())[:32]


def _plain(value) -> dict:
    try:
        return asdict(value)
    except TypeError:
        return {"repr": repr(value)}


def check_exclude(exclude: str | None, names: list[str], spec_file: Path) -> None:
    """`--exclude` must name an episode: a misspelt one silently made a fit in-sample."""
    if exclude is not None and exclude not in names:
        raise UsageError(
            f"--exclude {exclude!r} is not an episode of {spec_file}; "
            f"its episodes are {', '.join(names)}"
        )


def check_actors(observations, scenario_actors: set[str], where: str) -> None:
    """An observation about an actor no scenario has is a typo, not "outside the time window"
    (what it was reported as when it was left unscored)."""
    from sim.observe.episodes import VOTE_TARGET

    for obs in observations:
        needed = set(obs.actors) | ({VOTE_TARGET} if obs.kind == "unsc_vote" else set())
        unknown = sorted(needed - scenario_actors)
        if unknown:
            raise UsageError(
                f"{obs.file}:{obs.line}: observation {obs.id} is about {', '.join(unknown)}, "
                f"{'actors' if len(unknown) > 1 else 'an actor'} {where} does not have "
                f"(it has {', '.join(sorted(scenario_actors))})"
            )


def check_given_columns(columns, scenario_actors: set[str], source: str, where: str) -> None:
    """A posterior's structural columns (drive_A, pref_A_B, start_A) name actors of the
    scenario it is applied to. Why: `hindcast --posterior` of a file with `drive_XYZ` ended
    in a KeyError traceback from sim/structural.apply_given."""
    from sim.structural import parse

    for name in columns:
        parsed = parse(str(name), scenario_actors)
        unknown = sorted(set(parsed[1]) - scenario_actors) if parsed else []
        if unknown:
            raise UsageError(
                f"{source}: column {name} names {unknown[0]}, an actor {where} does not have "
                f"(it has {', '.join(sorted(scenario_actors))})"
            )


def min_ess(particles: int) -> float:
    return min(MIN_ESS, MIN_ESS_SHARE * particles)


def check_fitted(pops: list, settings: dict) -> None:
    """Refuse a fit that fitted nothing (one line, exit 2), before the population checks.

    Why (round 17): with `no_war: true` and episodes at war whatever the coefficients,
    every prior draw is infinitely far. ABC-SMC then stopped after generation 0 and wrote
    the prior's draws as the posterior, exit 0 ("1 generation, ε = inf"); rejection said
    "the population collapsed to 0 distinct particle …; use a larger population, a higher
    quantile or fewer generations", none of which helps. `pops[0]` is the prior's draws
    (both methods); `pops[-1]` the kept population."""
    draws = len(pops[0].weights)
    nothing = not np.isfinite(pops[0].distances).any()
    if settings["method"] == "rejection":
        nothing = nothing or len(pops[-1].weights) == 0  # every median distance infinite
    if nothing and settings["no_war"]:
        raise UsageError(
            f"every one of the {draws} prior draws simulated a war, which no_war: true rules "
            "out: nothing can be fitted (the episodes reach the war rung whatever the "
            "coefficients; check their escalation, or set no_war: false)"
        )
    if nothing:
        raise UsageError(
            f"every one of the {draws} prior draws is infinitely far from the observations: "
            "nothing can be fitted"
        )
    if settings["method"] == "smc" and len(pops) < 2:
        raise UsageError(
            f"ABC-SMC stopped after generation 0: no particle of generation 1 came within the "
            f"tolerance in {settings['max_batches']} batches of proposals, so the prior's "
            "draws would be written as the posterior; raise max_batches or quantile"
        )


def check_population(pop, generation: int) -> None:
    """Refuse a final population too degenerate to be a posterior (one line, exit 2)."""
    n = len(pop.weights)
    distinct = len(np.unique(np.asarray(pop.theta), axis=0))
    if distinct < 2:
        raise UsageError(
            f"the population collapsed to {distinct} distinct particle in generation "
            f"{generation}; use a larger population, a higher quantile or fewer generations"
        )
    if not pop.ess >= min_ess(n):
        raise UsageError(
            f"the population collapsed: effective sample size {pop.ess:.1f} of {n} particles "
            f"in generation {generation} (at least {min_ess(n):g} needed); use a larger "
            "population, a higher quantile or fewer generations"
        )


def holds_generations(work: Path) -> bool:
    """Whether a work folder holds anything `--resume` could continue from. A rejection fit
    saves nothing, and one interrupted or killed left its empty folder, which the same
    command then refused as "an unfinished calibration: add --resume"."""
    return (work / "state.json").exists() or any(work.glob("gen_*.npz"))


def hold_work(work: Path, resume: bool):
    """Create or take the work folder and lock it for this calibration's life.

    A work folder locked by a running calibration is refused whatever the flags (so following
    the advice "add --resume" never puts two writers in one folder)."""
    from sim.output import try_lock

    existed = work.exists()
    if existed and not resume:
        lock = try_lock(work)
        if lock is None:
            raise UsageError(f"{work} is being written by a calibration that is still running")
        if not holds_generations(work):  # left by a fit killed before it saved anything
            return lock
        lock.release()
        raise UsageError(
            f"{work} holds an unfinished calibration: add --resume to continue it, "
            "or remove the folder to start anew"
        )
    work.mkdir(parents=True, exist_ok=True)
    lock = try_lock(work)
    if lock is None:
        raise UsageError(f"{work} is being written by a calibration that is still running")
    return lock
