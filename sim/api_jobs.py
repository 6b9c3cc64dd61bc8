"""The Python API of robustness, calibration and hindcast (docs/python-api.md).

    import sim
    rob = sim.robustness("scenarios/baseline.yaml", draws=50, spread=0.25, n=20)
    rob.shares            # per headline outcome: the share of draws keeping its sign
    cal = sim.calibrate("scenarios/calibration/history.yaml")
    cal.posterior         # weighted particles of the last generation
    hc = sim.hindcast("seeds/observations/missile_launches.yaml",
                      "scenarios/history/base_2016.yaml", n=50)
    hc.scores             # one row per observation: interval, inside 50/90 %, CRPS

Like `sim.run`, each call writes the folder the command of the same name writes (into a
private temporary folder unless `out=` is given) and returns an object that reads its
tables lazily through sim/results, so nothing is held in memory beyond what is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.api_args import ScenarioLike, chart_drawer, check_counts, file_arg, scenario_arg
from sim.api_results import Folder, call_argv, target

__all__ = ["CalibrationResults", "HindcastResults", "RobustnessResults", "calibrate",
           "hindcast", "robustness"]  # fmt: skip


# --------------------------------------------------------------------------- robustness
class RobustnessResults(Folder):
    """Does a scenario's conclusion survive ±spread on every coefficient?

    - `shares`: per headline outcome, the nominal effect, the share of draws keeping its
      sign and the draws' 5–95% range (plus the outcome class and P(crisis) rows);
    - `draws`: one row per draw: its coefficients, effects and outcome class.
    """

    _KIND = "robustness"

    @property
    def shares(self) -> pd.DataFrame:
        return self._reader.table("shares")

    @property
    def draws(self) -> pd.DataFrame:
        return self._reader.table("draws")


def robustness(
    scenario: ScenarioLike,
    draws: int = 200,
    spread: float = 0.25,
    n: int = 40,
    seed: int | None = None,
    steps: int | None = None,
    workers: int = 1,
    *,
    set: Mapping[str, Any] | None = None,
    posterior: str | Path | None = None,
    hold_structure: bool = False,
    out: str | Path | None = None,
    charts: bool = False,
    engine: str | None = None,
    allow_model_change: bool = False,
) -> RobustnessResults:
    """`alliance-sim robustness`: `draws` coefficient sets within ±`spread` (or drawn from
    `posterior`), each run with `n` replications against the scenario's counterfactual
    (common random numbers); `hold_structure` keeps the nominal structural terms; `engine`
    as in `sim.run`; `allow_model_change` as `--allow-model-change`."""
    from sim.errors import UsageError
    from sim.jobs.robustness import check_request, manifest, write_robustness
    from sim.jobs.robustness import robustness as run_robustness
    from sim.limits import check_run_resources

    draws, n, steps, workers, seed = check_counts(
        draws=draws, n=n, steps=steps, workers=workers, seed=seed
    )
    check_request(draws, spread, n)
    loaded = scenario_arg(scenario, set)
    spec = loaded.scenario
    if spec.counterfactual is None:
        raise UsageError(f"{loaded.path}: robustness needs a scenario with a counterfactual")
    folder, scratch = target(out)
    check_run_resources(len(spec.actors), 2 * draws * n, steps or spec.run.steps, "summary",
                        folder.parent)  # fmt: skip
    # the call as made: `steps`, `set` and the structure were left out, so the recorded
    # command, run again, drew other effects
    argv = call_argv("robustness", loaded.path, draws=draws, spread=spread, n=n, seed=seed,
                     steps=steps, set=dict(loaded.overrides) or None, posterior=posterior,
                     hold_structure=hold_structure or None,
                     allow_model_change=allow_model_change or None)  # fmt: skip
    post = None if posterior is None else Path(file_arg(posterior, "posterior"))
    name = _engine(engine, 2 * (draws + 1) * n * (steps or spec.run.steps))
    meta = manifest(loaded, draws, spread, n, seed, steps, argv, not hold_structure, post, name)
    result = run_robustness(spec, draws, spread, n, seed, steps, workers,
                            resettle=not hold_structure, posterior=post, engine=name,
                            allow_model_change=allow_model_change)  # fmt: skip
    write_robustness(folder, result, meta, charts=chart_drawer(charts))
    return RobustnessResults(folder, scratch, fresh=True)


def _engine(engine: str | None, work: int) -> str:
    """The engine `sim.kernel.choose_engine` picks for this much work (as `--engine`)."""
    from sim.errors import UsageError
    from sim.kernel import choose_engine

    try:
        return choose_engine(engine, work)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


# --------------------------------------------------------------------------- calibration
class CalibrationResults(Folder):
    """Coefficients fitted to observed history by ABC-SMC (`alliance-sim calibrate`).

    - `posterior`: the last generation's particles (one column per coefficient, `weight`);
    - `populations`: every generation's particles; `diagnostics`: ε, acceptance, ESS;
    - `predictive_check`: the posterior predictive check of every episode observation.
    """

    _KIND = "calibration"

    posterior = property(lambda self: self._reader.table("posterior"))
    populations = property(lambda self: self._reader.table("populations"))
    diagnostics = property(lambda self: self._reader.table("diagnostics"))
    predictive_check = property(lambda self: self._reader.table("predictive_check"))


def calibrate(
    spec: str | Path,
    workers: int = 1,
    *,
    exclude: str | None = None,
    out: str | Path | None = None,
    charts: bool = False,
    progress: bool = False,
) -> CalibrationResults:
    """Fit the spec's coefficients (scenarios/calibration/*.yaml) by its `method` (ABC-SMC
    or rejection ABC); `exclude` leaves one episode out (for an out-of-sample check)."""
    from sim.observe.calibrate import calibrate as fit
    from sim.observe.calibrate import finish_run
    from sim.observe.spec import load_spec

    (workers,) = check_counts(workers=workers)
    loaded = load_spec(Path(file_arg(spec, "spec")))
    folder, scratch = target(out)
    pops, prob, left = fit(loaded, None, workers, False, progress, exclude)
    finish_run(folder, loaded, pops, prob, left, call_argv("calibrate", spec, exclude=exclude),
               charts=charts)  # fmt: skip
    return CalibrationResults(folder, scratch, fresh=True)


# --------------------------------------------------------------------------- hindcast
class HindcastResults(Folder):
    """A scenario scored against observations from its time window (`alliance-sim hindcast`).

    - `scores`: one row per observation: observed value, predictive quantiles, inside the
      50% / 90% interval, CRPS and the direction of change;
    - `coverage`: the share inside each interval and the mean CRPS (from the manifest).
    """

    _KIND = "hindcast"

    @property
    def scores(self) -> pd.DataFrame:
        return self._reader.table("hindcast")

    @property
    def coverage(self) -> dict[str, float]:
        """NaN where the manifest has null (a share with nothing to count)."""
        found = self.manifest.get("coverage") or {}
        return {k: float("nan") if v is None else v for k, v in found.items()}


def hindcast(
    observations: str | Path | Sequence[str | Path],
    scenario: str | Path,
    posterior: str | Path | None = None,
    n: int = 200,
    draws: int = 10,
    seed: int | None = None,
    workers: int = 1,
    *,
    out: str | Path | None = None,
    charts: bool = False,
    allow_model_change: bool = False,
) -> HindcastResults:
    """Score `scenario` against observation files; `posterior` (a posterior.parquet from
    `calibrate`) draws the coefficients, else the scenario's own run; `allow_model_change`
    as `--allow-model-change` (a posterior fitted under another model version)."""
    from sim.errors import UsageError
    from sim.observe.hindcast import check_size, write_hindcast
    from sim.observe.hindcast import hindcast as score
    from sim.scenario.loader import load_scenario

    n, draws, workers, seed = check_counts(n=n, draws=draws, workers=workers, seed=seed)
    many = observations if isinstance(observations, list | tuple) else [observations]
    files = [Path(file_arg(p, "observations")) for p in many]
    if not files:  # was found out after the run: "no observation of  falls inside ..."
        raise UsageError("observations: name at least one observations file")
    loaded = load_scenario(file_arg(scenario, "scenario")).scenario
    seed = loaded.run.seed if seed is None else seed
    post = Path(file_arg(posterior, "posterior")) if posterior is not None else None
    folder, scratch = target(out)  # an existing `out` is refused before the work, not after
    check_size(files, loaded, n, draws, folder.parent)  # was not checked at all
    table, left, ep = score(files, Path(scenario), post, n, seed, draws, workers,
                            allow_model_change)  # fmt: skip
    meta = {
        "scenario_file": str(scenario),
        "observations": ", ".join(map(str, files)),
        "posterior": str(post) if post else None,
        "root_seed": seed,
        "replications": n,
        "draws": draws,
        "command": call_argv(
            "hindcast",
            *files,
            scenario,
            posterior=posterior,
            n=n,
            draws=draws,
            seed=seed,
            allow_model_change=allow_model_change or None,
        ),
    }
    write_hindcast(folder, table, left, ep, meta, charts=charts)
    return HindcastResults(folder, scratch, fresh=True)
