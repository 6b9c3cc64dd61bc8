"""`alliance-sim calibrate`: ABC (SMC or rejection, as the spec says) of model and operator
coefficients against history.

Work in progress lives in `.NAME.work/` beside the results folder (one file per finished
generation, so `--resume` continues after an interrupt); the results folder itself is
assembled atomically at the end (sim/output.py) and the work folder removed.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UsageError
from sim.observe.abc import Population, abc_smc
from sim.observe.distance import FitSetup, simulator
from sim.observe.episodes import assign, episode_of, is_anchor, nothing_to_score
from sim.observe.fitguard import (
    check_actors,
    check_exclude,
    check_fitted,
    check_population,
    fit_hash,
    hold_work,
    holds_generations,
    model_version,
)
from sim.observe.holdout_files import refuse_held_records
from sim.observe.nulls import Overrides, scenario_with
from sim.observe.observations import Observation, load_observations, refuse_holdout
from sim.observe.operators import RELIABILITY_WEIGHT, transform
from sim.observe.posterior import write_posterior
from sim.observe.series import one_per_definition
from sim.observe.spec import CalibrationSpec


def build_problem(
    spec: CalibrationSpec,
    workers: int = 1,
    exclude: str | None = None,
    keep: Callable[[Observation], bool] | None = None,
    overrides: Overrides = None,
    engine: str = "numpy",
) -> tuple[FitSetup, list[Observation]]:
    """Episodes (minus `exclude`), their observations (those `keep` accepts: a rolling
    origin fits on data up to a date), and what is left uncovered. `overrides` (key path:
    value, as `--set`) change every episode's scenario: an alternative model structure;
    `nulls.EventsOnlyOf` gives each its own events-only overrides."""
    episodes = [episode_of(scenario_with(p, overrides)) for p in spec.scenarios]
    check_exclude(exclude, [ep.name for ep in episodes], spec.file)
    episodes = [ep for ep in episodes if ep.name != exclude]
    if not episodes:
        raise UsageError("no episode left to calibrate on")
    observations, _ = one_per_definition(load_observations(refuse_holdout(spec.observations)))
    refuse_held_records(observations)  # a copy or hard link of a held-out file (round 23)
    check_actors(observations, set().union(*(ep.ids for ep in episodes)), "no episode scenario")
    if keep is not None:
        observations = [o for o in observations if keep(o)]
    left = assign(episodes, observations)
    targets = [
        (e, o) for e, ep in enumerate(episodes) for o in ep.observations if not is_anchor(ep, o)
    ]
    why = nothing_to_score(episodes, "the episodes' time windows")
    if why is not None:
        raise UsageError(f"no observation {why}")
    observed = np.array([transform(o.kind, o.value) for _, o in targets])
    weights = np.array([RELIABILITY_WEIGHT[o.reliability] for _, o in targets])
    prob = FitSetup(
        episodes,
        spec.names,
        targets,
        observed,
        weights,
        spec.settings["replications"],
        spec.settings["seed"],
        workers,
        no_war=spec.settings["no_war"],
        engine=engine,
    )
    return prob, left


# --- work folder (resume) ------------------------------------------------------------------


def work_dir(out: Path) -> Path:
    return out.with_name(f".{out.name}.work")


def save_generation(work: Path, t: int, pop: Population, prob: FitSetup, spec_hash: str) -> None:
    tmp = work / f".gen_{t:03d}.npz"
    with open(tmp, "wb") as fh:
        np.savez(
            fh,
            theta=pop.theta,
            weights=pop.weights,
            distances=pop.distances,
            meta=np.array([pop.epsilon, pop.acceptance, pop.proposed]),
        )
    tmp.rename(work / f"gen_{t:03d}.npz")
    state = {"spec_hash": spec_hash, "names": prob.names, "scales": prob.scales.tolist()}
    (work / "state.json").write_text(json.dumps(state))


def load_generations(work: Path, prob: FitSetup, spec_hash: str) -> list[Population]:
    """The finished generations of an interrupted calibration of the same spec, data and
    model (`spec_hash` is sim/observe/fitguard.py `fit_hash`); a damaged file is one line."""
    state_file = work / "state.json"
    if not state_file.exists():
        return []
    try:
        state = json.loads(state_file.read_text())
        same = state["spec_hash"] == spec_hash and state["names"] == prob.names
        scales = np.array(state["scales"], dtype=float)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"--resume: {state_file} is damaged ({type(exc).__name__}); "
                         f"remove {work} to start afresh") from None  # fmt: skip
    if not same:
        raise UsageError(
            f"--resume: {work} was fitted to another spec, other observations, other episode "
            "scenarios or another model version; remove it or drop --resume"
        )
    if scales.shape != (len(prob.targets),):
        raise UsageError(f"--resume: {state_file} is damaged (scales of the wrong shape)")
    prob.scales = scales
    return [_generation(f, prob) for f in sorted(work.glob("gen_*.npz"))]


def _generation(path: Path, prob: FitSetup) -> Population:
    """One saved generation, its arrays checked against the problem's shape."""
    import zipfile

    try:
        with np.load(path) as z:
            theta, w, d, meta = z["theta"], z["weights"], z["distances"], z["meta"]
        eps, acc, proposed = (float(v) for v in meta)
        n = len(w)
        shapes = theta.shape == (n, len(prob.names)) and d.shape == (n, prob.replications)
        if not shapes or n == 0 or not np.all(np.isfinite(theta)) or not np.isfinite(w).all():
            raise ValueError("arrays of the wrong shape or not finite")
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
        raise UsageError(
            f"--resume: {path} is damaged ({type(exc).__name__}); remove it and the "
            "generations after it to continue from the one before"
        ) from None
    return Population(theta, w, d, eps, acc, int(proposed))


# --- the whole calibration -----------------------------------------------------------------


def calibrate(
    spec: CalibrationSpec,
    out: Path | None,
    workers: int = 1,
    resume: bool = False,
    progress: bool = True,
    exclude: str | None = None,
    engine: str = "numpy",
    say: Callable[[str], None] | None = None,
) -> tuple[list[Population], FitSetup, list[Observation]]:
    """Run the spec's method (ABC-SMC, or rejection ABC) on `engine` (numpy or numba); with
    `out`, keep every SMC generation in its work folder for `--resume`. A `--resume` with
    nothing to resume starts anew and `say`s so in one line, as `sweep --resume` does: a
    mistyped --out shows at once, not after hours of a fit begun again. A fit that ran to its
    end and is refused (fitguard's checks) removes its work folder: nothing could resume it,
    and a folder kept would block the rerun its advice asks for."""
    prob, left = build_problem(spec, workers, exclude, engine=engine)
    spec_hash = fit_hash(spec, exclude)  # spec, observation files, episodes, model
    history: list[Population] = []
    work = work_dir(out) if out is not None else None
    lock, refused = None, False
    if work is not None:
        lock = hold_work(work, resume)  # one writer per work folder, --resume or not
    try:
        if spec.settings["method"] == "rejection":
            if work is not None and resume and say is not None:
                why = " (rejection ABC runs in one pass and saves nothing)"
                say(f"--resume: nothing to resume in {work}{why}; starting anew")
            pops = _run_rejection(spec, prob)  # one pass: nothing to resume
        else:
            if work is not None and resume:
                history = load_generations(work, prob, spec_hash)
                if not history and say is not None:
                    say(f"--resume: nothing to resume in {work}; starting anew")
            pops = _run_smc(spec, prob, history, work, spec_hash, progress)
        try:
            check_fitted(pops, spec.settings)
            check_population(pops[-1], len(pops) - 1)
        except UsageError:
            refused = True
            raise
    except BaseException:  # an interrupt too: a work folder with nothing to resume goes,
        # and so does the folder of a finished fit that is refused: its advice (a larger
        # population, more batches) changes the spec, so no --resume could take it up again
        if lock is not None and (refused or not holds_generations(work)):
            shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        if lock is not None:
            lock.release()
    return pops, prob, left


def _run_rejection(spec: CalibrationSpec, prob: FitSetup) -> list[Population]:
    """Rejection ABC (`method: rejection`): generation 0 is every prior draw, generation 1
    the `population` closest of them, all weighing the same, so a posterior that does not
    narrow is visibly the prior (why, for the history's 22 coefficients:
    docs/calibration.md)."""
    from sim.observe.rejection import rejection_populations

    s = spec.settings
    prior, kept = rejection_populations(
        simulator(prob), list(spec.priors), s["population"], s["accept"], s["seed"]
    )
    return [prior, kept]


def _run_smc(spec: CalibrationSpec, prob: FitSetup, history: list[Population],
             work: Path | None, spec_hash: str, progress: bool) -> list[Population]:  # fmt: skip
    from tqdm import tqdm

    from sim.observe.priors import Prior

    s = spec.settings
    bar = tqdm(
        total=s["generations"], unit="gen", disable=not progress, leave=False, initial=len(history)
    )

    def done(t: int, pop: Population) -> None:
        if work is not None:
            save_generation(work, t, pop, prob, spec_hash)
        bar.update(1)
        bar.set_postfix(eps=f"{pop.epsilon:.3g}", acc=f"{pop.acceptance:.2f}", ess=int(pop.ess))

    priors: list[Prior] = list(spec.priors)
    pops = abc_smc(
        priors,
        simulator(prob),
        s["population"],
        s["generations"],
        s["seed"],
        s["quantile"],
        s["min_epsilon"],
        history,
        done,
        s["max_batches"],
    )
    bar.close()
    return pops


def population_frame(names: list[str], pops: list[Population]) -> pd.DataFrame:
    frames = []
    for t, pop in enumerate(pops):
        f = pd.DataFrame(pop.theta, columns=names)
        f["weight"] = pop.weights
        f["distance"] = np.median(pop.distances, axis=1)
        f.insert(0, "generation", t)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def diagnostics_frame(pops: list[Population]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "generation": range(len(pops)),
            "epsilon": [p.epsilon for p in pops],
            "acceptance": [p.acceptance for p in pops],
            "ess": [p.ess for p in pops],
            "particles": [len(p.weights) for p in pops],
            "proposed": [p.proposed for p in pops],
        }
    )


def posterior_frame(names: list[str], pop: Population) -> pd.DataFrame:
    f = pd.DataFrame(pop.theta, columns=names)
    f["weight"] = pop.weights
    f["distance"] = np.median(pop.distances, axis=1)
    return f


def predictive_table(
    prob: FitSetup, posterior: pd.DataFrame | None, replications: int, seed: int, draws: int = 10
) -> pd.DataFrame:
    """Posterior (or default-coefficient) predictive check of every episode observation."""
    from sim.observe.hindcast import score_episodes

    return score_episodes(prob.episodes, posterior, replications, seed, draws, prob.workers)


def finish_run(
    out: Path,
    spec: CalibrationSpec,
    pops: list[Population],
    prob: FitSetup,
    left: list[Observation],
    argv: list[str],
    charts: bool = True,
) -> None:
    """Write the results folder atomically, then drop the work folder."""
    from sim.jobs.run import versions
    from sim.output import RESULT_ID, atomic_folder, finish, id_of_manifest
    from sim.report import write_charts_and_report
    from sim.results.write import write_frame

    s = spec.settings
    posterior = posterior_frame(prob.names, pops[-1])
    ppc = predictive_table(prob, posterior, s["predictive_replications"], s["seed"])
    meta = {
        "kind": "calibration",
        "spec": str(spec.file),
        "spec_hash": spec.content_hash(),
        "model_version": model_version(),
        "resolved_spec": spec.raw,
        "coefficients": prob.names,
        "priors": [
            {"name": p.name, "family": p.family, "args": p.args, "lo": p.lo, "hi": p.hi}
            for p in spec.priors
        ],
        "episodes": [ep.name for ep in prob.episodes],
        "not_covered": [o.id for o in left],
        "argv": argv,
        "versions": versions(),
        "method": s["method"],
        "engine": prob.engine,  # of the ABC simulations
    }
    rid = meta[RESULT_ID] = id_of_manifest(meta)
    with atomic_folder(out) as tmp:
        write_posterior(posterior, tmp / "posterior.parquet", rid)  # with the model version
        write_frame(tmp, "populations.parquet", population_frame(prob.names, pops), rid=rid)
        write_frame(tmp, "diagnostics.csv", diagnostics_frame(pops), rid=rid)
        write_frame(tmp, "predictive_check.csv", ppc, rid=rid)
        finish(tmp, meta, write_charts_and_report if charts else None)
    shutil.rmtree(work_dir(out), ignore_errors=True)
