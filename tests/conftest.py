"""Shared fixtures (kept minimal on purpose)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """Give the test process Ctrl-C as a terminal would, whatever started the suite.

    Why: a shell script that runs `make test &` (or any job started in the background
    without job control) starts it with SIGINT ignored, and an ignored signal is inherited
    by every process below. The commands keep an ignored SIGINT ignored on purpose
    (sim.procs.interrupts_raised), so every Ctrl-C test then failed: the in-process ones
    (tests/test_interrupts.py) and the ones that send SIGINT to a command they start (its
    Dask sweep ran to the end and exited 0). Those tests simulate a user at a terminal; a
    Python handler, unlike SIG_IGN, is not inherited across exec, so the commands they
    start get the default disposition too. Runs in every xdist worker as well."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def baseline() -> Path:
    """Absolute path of scenarios/baseline.yaml (tests may run from any folder)."""
    return REPO / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="session")
def compare_folder(tmp_path_factory) -> Path:
    """A small compare of the baseline and russia_tech_transfer.yaml (4 replications, 3 steps,
    seed 3), shared read-only by the reliability rounds that edit compare folders (13, 14):
    each test copies it before changing anything."""
    from sim.cli import main

    scenarios = REPO / "scenarios"
    out = tmp_path_factory.mktemp("compare") / "compare"
    assert main(["compare", str(scenarios / "baseline.yaml"),
                 str(scenarios / "russia_tech_transfer.yaml"), "-n", "4", "--seed", "3",
                 "--steps", "3", "--out", str(out), "--no-plots", "-q"]) == 0  # fmt: skip
    return out


# The tests `make test-fast` leaves out (`-m "not slow"`): each takes seconds because it starts
# processes, a Dask cluster or a fresh interpreter, or runs a whole sweep. One table, so the
# test files stay as their owners wrote them; `make test` runs everything.
SLOW = {
    "test_plots_read_only.py::test_plot_and_report_import_nothing_of_the_engine",
    "test_executors.py::test_dask_local_cluster_gives_identical_chunks",
    "test_executors.py::test_two_local_workers_give_identical_chunks",
    "test_executors.py::test_unreachable_scheduler_is_one_line",
    "test_analyze.py::test_grid_sweep_prim_and_latest_folder",
    "test_model_richardson.py::test_boundary_is_at_mn_equals_ab",
    "test_compare.py::test_charts_are_drawn",
    "test_sweep_resume.py::test_resume_after_sigkill_equals_uninterrupted",
    "test_plots_cli.py::test_plot_redraws_chosen_charts",
    "test_mesa_path.py::test_mesa_batch_run_accepts_the_model",
    "test_sweep_designs.py::test_samples_respect_any_bounds",
    "test_scenario_jsonschema.py::test_generated_scenarios_pass_json_schema",
    "test_scenario_roundtrip.py::test_dump_then_load_is_identity",
    "test_analyze.py::test_prim_finds_a_planted_box",
    "test_plots_real_folders.py::test_real_charts_keep_their_text_inside",
}
NEEDS_DASK = ("dask", "scheduler")  # test names that need the optional `dask` extra


def pytest_collection_modifyitems(config, items) -> None:
    import importlib.util

    has_dask = importlib.util.find_spec("distributed") is not None
    for item in items:
        key = f"{Path(str(item.fspath)).name}::{item.originalname}"
        if key in SLOW:
            item.add_marker(pytest.mark.slow)
        if not has_dask and any(word in item.name for word in NEEDS_DASK):
            item.add_marker(pytest.mark.skip(reason="needs the dask extra: pip install '.[dask]'"))
