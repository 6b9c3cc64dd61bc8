"""Round 22 (docs/reliability.md §16.7), sim/limits.py: tests for the mutants of the caps and
the memory and disk estimates that survived their selection. Each fails on its mutant and
passes on the original; expected values are derived in the docstrings."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from sim import limits
from sim.errors import UsageError
from sim.scenario.schema import Run

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def test_the_api_takes_every_seed_a_scenario_file_takes_and_no_other():
    """`run.seed` is at most 2**63 − 1 in a scenario file (the schema); the API's cap is the
    same (limits.CAPS, "one table for the command line and the Python API"): 2**63 − 1 is
    accepted by both, 2**63 refused by both."""
    top = 2**63 - 1
    assert Run(seed=top).seed == top
    limits.check_counts(seed=top)
    with pytest.raises(ValidationError):
        Run(seed=top + 1)
    with pytest.raises(UsageError, match="seed must be at most 9,223,372,036,854,775,807"):
        limits.check_counts(seed=top + 1)


def test_the_run_estimate_uses_the_chunk_run_writes():
    """RUN_CHUNK is "replications per chunk with full series (sim/jobs/run.py CHUNK)": the
    memory estimate of the commands that do not pass their chunk holds run's chunks."""
    from sim.jobs.run import CHUNK

    assert limits.RUN_CHUNK == CHUNK


def test_the_disk_estimate_of_a_full_run_is_near_what_it_writes(tmp_path):
    """DISK_PER_VALUE (1.9 bytes a stored series value) is measured: the estimate `run`
    makes before it starts (sim/jobs/run.check_size) is within a factor 1.5 of the tables
    and summary it then writes, so a run that fits is not refused for twice its size."""
    from sim.cli import main
    from sim.jobs.run import CHUNK, related_pairs
    from sim.scenario.loader import load_scenario

    world = load_scenario(BASELINE).model_input
    _, disk = limits.estimate_run_bytes(world.n, 300, 36, "full",
                                        n_pairs=len(related_pairs(world)), chunk=CHUNK)  # fmt: skip
    out = tmp_path / "o"
    assert main(["run", str(BASELINE), "-n", "300", "--steps", "36", "-q", "--no-plots",
                 "--out", str(out)]) == 0  # fmt: skip
    names = ("timeseries.parquet", "pairs.parquet", "system.parquet", "summary.csv")
    written = sum((out / name).stat().st_size for name in names)
    assert written / 1.5 < disk < written * 1.5


@pytest.mark.parametrize(
    "path", ["scenarios/baseline.yaml", "tests/data/round19/tiny_commitment.yaml"]
)
def test_the_summary_row_estimate_counts_every_column_a_run_writes(path):
    """`summary_columns` sizes the summary rows in the memory and disk estimates of run,
    compare, robustness and sweep: it must count every column of summary.csv (results-
    format.md: the replication, four per actor, the distancing actor's final commitment to
    each partner, and the seven system-wide ones). It counted 4·n + 8 and left out the
    commitment columns (the baseline writes 42, it counted 40)."""
    from sim.ensemble import run_ensemble
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(ROOT / path).scenario
    columns = 1 + len(run_ensemble(scenario, 2, 1, 2, keep_series=False).summary)
    assert columns <= limits.summary_columns(len(scenario.actors)) <= columns + len(scenario.actors)


def test_a_sweep_needs_disk_for_every_runs_summary_row():
    """A sweep writes one summary row of float64 values per run (MAX_RUNS: "each is one
    summary row on disk"): its disk estimate is at least 8 bytes per column of every run."""
    n_actors, runs = 8, 10**6
    _, disk = limits.estimate_sweep_bytes(n_actors, runs, 1000, 3, 100, 2)
    assert disk >= runs * limits.summary_columns(n_actors) * 8


def _sweep(tmp_path, design: str, samples: int, parameters: str):
    from sim.jobs.sweep.spec import load_spec

    path = tmp_path / "spec.yaml"
    path.write_text(
        f"scenario: {BASELINE}\nname: caps\ndesign: {design}\nsamples: {samples}\n"
        f"replications: 1\nsteps: 2\nparameters:\n{parameters}"
    )
    return load_spec(path)


def test_a_sweep_at_the_sample_cap_and_an_lhs_over_several_levers_are_accepted(tmp_path):
    """MAX_POINTS is the largest number of samples allowed (as every cap: §16.6), and only a
    grid's points are the product over its parameters: an LHS of 1,000 samples over three
    levers is 1,000 points, not 1,000³."""
    levers = [f"  actors.{a}.leverage: 0.0:0.8\n" for a in ("CHN", "RUS", "USA")]
    limits.check_sweep_size(_sweep(tmp_path, "lhs", 1000, "".join(levers)))
    limits.check_sweep_size(_sweep(tmp_path, "lhs", limits.MAX_POINTS, levers[0]))
