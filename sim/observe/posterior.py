"""Posterior coefficient draws for `run`, `compare`, `sweep`, `robustness` and `hindcast`.

Replication r gets coefficient set r of a weighted resample of the posterior, drawn with a
generator spawned from the root seed under its own key: the draws depend only on the file,
the number of replications and the seed (never on workers or chunking), and replication
r's draw is the same whatever the number of replications (a prefix-stable sequence).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UsageError
from sim.observe.operators import OPERATOR_COEFFICIENTS
from sim.parameters import PARAMETERS, not_fitted
from sim.structural import bounds as given_bounds
from sim.structural import is_given, name_problem

POSTERIOR_KEY = 0x706F7374  # "post": keeps these draws apart from replication keys (r,)
NON_COEFFICIENTS = ("weight", "distance")


def write_posterior(frame: pd.DataFrame, path: Path, rid: str | None = None) -> None:
    """posterior.parquet, its metadata naming the model version its coefficients belong to
    (and, with `rid`, the calibration's result id that publication checks)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.observe.fitguard import POSTERIOR_KEY, model_version

    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = {**(table.schema.metadata or {}), POSTERIOR_KEY: model_version().encode()}
    if rid is not None:
        from sim.result_ids import PARQUET_KEY

        meta[PARQUET_KEY] = rid.encode()
    pq.write_table(table.replace_schema_metadata(meta), path)


def read_posterior(path: Path, allow_model_change: bool = False) -> pd.DataFrame:
    """A posterior.parquet of this model version, with known numeric coefficient columns
    (at least one), in bounds, and finite non-negative weights; else one line."""
    frame = _read_frame(Path(path), allow_model_change)
    if "weight" not in frame.columns or frame.empty:
        raise UsageError(f"--posterior {path}: expected a 'weight' column and rows")
    unknown = [
        c
        for c in frame.columns
        if c not in NON_COEFFICIENTS
        and c not in PARAMETERS
        and c not in OPERATOR_COEFFICIENTS
        and not is_given(c)
    ]
    if unknown:
        raise UsageError(f"--posterior {path}: unknown coefficient columns {unknown}")
    refused = [not_fitted(c) or name_problem(c) for c in frame.columns]
    if any(refused):
        raise UsageError(f"--posterior {path}: {next(filter(None, refused))}")
    if all(c in NON_COEFFICIENTS for c in frame.columns):
        raise UsageError(f"--posterior {path}: no coefficient columns (only {list(frame)})")
    for c in frame.columns:
        if c in NON_COEFFICIENTS:
            continue
        spec = PARAMETERS.get(c) or OPERATOR_COEFFICIENTS.get(c) or given_bounds(c)
        v = frame[c].to_numpy(float)
        if not np.all((v >= spec.lo) & (v <= spec.hi)):
            raise UsageError(f"--posterior {path}: {c} outside its bounds [{spec.lo}, {spec.hi}]")
    w = frame["weight"].to_numpy(float)
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise UsageError(f"--posterior {path}: weights must be finite, ≥ 0, not all 0")
    return frame


def _read_frame(path: Path, allow_model_change: bool) -> pd.DataFrame:
    """The table, after checking its schema: unique numeric columns, this model's version."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.observe.fitguard import POSTERIOR_KEY, model_version

    if path.is_dir() and (path / "posterior.parquet").is_file():  # "not a regular file"
        raise UsageError(f"--posterior {path}: a calibration folder; give its posterior, "
                         f"{path / 'posterior.parquet'}")  # fmt: skip
    if not path.is_file():
        what = "file not found" if not path.exists() else "not a regular file"
        raise UsageError(f"--posterior {path}: {what}")
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"--posterior {path}: not a Parquet file ({first})") from None
    names = list(schema.names)
    if "generation" in names:  # was "records no model version ... --allow-model-change"
        raise UsageError(f"--posterior {path}: a calibration's populations (the prior draws "
                         "too), not its posterior; give posterior.parquet beside it")  # fmt: skip
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise UsageError(f"--posterior {path}: repeated columns {repeated}")
    for field in schema:
        if not (pa.types.is_floating(field.type) or pa.types.is_integer(field.type)):
            raise UsageError(
                f"--posterior {path}: column {field.name!r} is {field.type}, expected numbers"
            )
    found = (schema.metadata or {}).get(POSTERIOR_KEY)
    here = model_version()
    if not allow_model_change and (found is None or found.decode(errors="replace") != here):
        was = "records no model version" if found is None else "was fitted under another model"
        raise UsageError(
            f"--posterior {path} {was} (this model is {here[:12]}); calibrate again, or pass "
            "--allow-model-change to use it anyway"
        )
    try:
        return pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowException) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"--posterior {path}: unreadable ({first})") from None


def resample(frame: pd.DataFrame, replications: int, root_seed: int) -> dict[str, np.ndarray]:
    seq = np.random.SeedSequence(root_seed, spawn_key=(POSTERIOR_KEY,))
    rng = np.random.Generator(np.random.PCG64(seq))
    w = frame["weight"].to_numpy(float)
    w = w / w.max()  # weights of 1e308 would sum to inf (and every share to 0)
    u = rng.random(replications)  # inverse-CDF: draw r depends on the r-th uniform only
    idx = np.minimum(np.searchsorted(np.cumsum(w / w.sum()), u, side="right"), len(w) - 1)
    return {c: frame[c].to_numpy(float)[idx] for c in frame.columns if c not in NON_COEFFICIENTS}


def draw_coefficients(
    posterior_file: Path | str, replications: int, root_seed: int, allow_model_change: bool = False
) -> dict[str, np.ndarray]:
    """{coefficient: (replications,) values}: model and operator coefficients of the
    posterior, replication r holding set r. Pass the model ones (`model_only`) to
    `run_ensemble(..., coefficients=...)`."""
    frame = read_posterior(Path(posterior_file), allow_model_change)
    return resample(frame, replications, root_seed)


def model_only(coefficients: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The coefficients the dynamics read (names in sim.parameters.PARAMETERS). Given
    structural terms (sim/structural.py) are left out: they were estimated for the history
    scenario's start and mean nothing for another scenario's."""
    return {k: v for k, v in coefficients.items() if k in PARAMETERS}


def run_draws(
    posterior_file: Path | str, replications: int, root_seed: int, allow_model_change: bool = False
) -> dict[str, np.ndarray]:
    """`model_only` of `draw_coefficients`: the sets a run, compare or robustness uses;
    refused when the posterior holds none. Why: a posterior of operator coefficients and
    given structural terms only (which hindcast reads) changed nothing there without a word:
    the run was the scenario's own, and robustness found every effect keeping its sign in
    all of its identical draws."""
    draws = draw_coefficients(posterior_file, replications, root_seed, allow_model_change)
    model = model_only(draws)
    if not model:
        raise UsageError(
            f"--posterior {posterior_file}: no coefficient a run reads (it holds "
            f"{', '.join(sorted(draws))}: operator coefficients and given structural terms, "
            "which hindcast reads); with it the run would be the scenario's own"
        )
    return model


def with_posterior(settings, posterior_file: Path, allow_model_change: bool = False):
    """Run settings whose replication r uses the posterior's coefficient set r (drawn with the
    settings' root seed), and the file's name and hash for the manifest. Used by run and
    compare; sweep and robustness call `draw_coefficients` the same way."""
    import dataclasses
    import hashlib

    model = run_draws(posterior_file, settings.replications, settings.seed, allow_model_change)
    digest = hashlib.sha256(Path(posterior_file).read_bytes()).hexdigest()
    info = {"file": str(posterior_file), "sha256": digest, "coefficients": sorted(model)}
    return dataclasses.replace(settings, posterior=info, coefficients=model)
