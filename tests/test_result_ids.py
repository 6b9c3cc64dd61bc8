"""Issue #19: every results kind carries its result id, and publication refuses mixed folders.

For each kind the real command runs; a test seam copies a table of another result (another
seed) into the partial folder just before publication, and the command must refuse in one
line and leave nothing published. Unmixed folders publish, each Parquet table carrying the
manifest's `result_id` and each CSV matching the sha256 the manifest recorded; the id is the
same for 1 and 2 workers. Older folders without ids stay readable (reading is not publishing).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from reliability_tools import BASELINE, sweep_spec
from test_observe_calibrate import history_scenario, synthetic_observations, write_spec

from sim import output
from sim.api_results import Folder
from sim.cli import main
from sim.errors import UsageError
from sim.parameters import PARAMETERS
from sim.scenario.loader import load_scenario

SMALL = ["--steps", "6", "-q", "--no-plots"]
COEF = next(n for n, p in PARAMETERS.items() if p.default > 0 and n != "noise")


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A short history scenario and synthetic observations for hindcast and calibrate."""
    tmp = tmp_path_factory.mktemp("history")
    scen = history_scenario(tmp, BASELINE)
    truth = PARAMETERS[COEF].default
    obs = synthetic_observations(tmp, load_scenario(scen).scenario, COEF, truth, -1.5)
    return scen, obs


def _argv(kind: str, out: Path, seed: int, workers: int, history) -> list[str]:
    """The command line of a small result of `kind` (CSV copies on where a kind has them)."""
    base = str(BASELINE)
    common = ["--seed", str(seed), "--workers", str(workers), "--out", str(out)]
    if kind == "run":
        return ["run", base, "-n", "4", "--csv", *SMALL, *common]
    if kind == "compare":
        return ["compare", base, base, "-n", "4", "--csv", *SMALL, *common]
    if kind == "robustness":
        return ["robustness", base, "--draws", "2", "-n", "2", "--csv", "--steps", "6",
                "--no-plots", *common]  # fmt: skip
    if kind == "sweep":  # the seed moves the design values (a sweep spec's numbers)
        spec = out.parent / f"sweep-{seed}-{workers}.yaml"
        spec.write_text(sweep_spec("ids", 2, 4, 2, f"[0.{seed}, 0.{seed + 1}]"))
        return ["sweep", str(spec), "--out", str(out), "-q", "--no-analysis",
                "--workers", str(workers)]  # fmt: skip
    scen, obs = history
    if kind == "hindcast":
        return ["hindcast", str(obs), str(scen), "-n", "6", "--draws", "2", "--no-plots",
                *common]  # fmt: skip
    spec = write_spec(out.parent, scen, obs, COEF, population=12, generations=2, seed=seed)
    spec = spec.rename(out.parent / f"spec{seed}.yaml")
    return ["calibrate", str(spec), "--workers", str(workers), "--out", str(out), "-q",
            "--no-plots"]  # fmt: skip


KINDS = ["run", "compare", "sweep", "robustness", "hindcast", "calibration"]


def _make(kind, tmp, name, seed, history, workers=1) -> Path:
    out = tmp / name
    assert main(_argv("calibrate" if kind == "calibration" else kind, out, seed, workers,
                      history)) == 0  # fmt: skip
    return out


@pytest.fixture(scope="module")
def seed_four(tmp_path_factory, history):
    """A result of each kind with seed 4, one worker, made once per module: the other
    result of the first test and the donor of the second (which only reads it)."""
    made: dict[str, Path] = {}

    def get(kind: str) -> Path:
        if kind not in made:
            made[kind] = _make(kind, tmp_path_factory.mktemp(f"seed4-{kind}"), "out", 4, history)
        return made[kind]

    return get


@pytest.mark.parametrize("kind", KINDS)
def test_every_table_carries_the_manifests_id_and_one_or_two_workers_agree(
    kind, tmp_path, history, seed_four
):
    one = _make(kind, tmp_path, "one", 3, history)
    two = _make(kind, tmp_path, "two", 3, history, workers=2)
    meta = json.loads((one / "manifest.json").read_text())
    rid = meta[output.RESULT_ID]
    assert rid == json.loads((two / "manifest.json").read_text())[output.RESULT_ID]
    parquet = sorted([*one.glob("*.parquet"), *one.glob("chunks/*.parquet")])
    assert (parquet or kind == "hindcast") and all(output.parquet_id(t) == rid for t in parquet)
    csvs = {t.name: output.file_sha256(t) for t in one.glob("*.csv")}
    assert meta.get(output.CSV_HASHES, {}) == csvs and (csvs or kind == "sweep")
    other = seed_four(kind)
    assert json.loads((other / "manifest.json").read_text())[output.RESULT_ID] != rid


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_a_table_of_another_result_is_refused_and_nothing_published(
    kind, suffix, tmp_path, history, monkeypatch, capsys, seed_four
):
    donor = seed_four(kind)
    tables = sorted(donor.glob(f"chunks/*.{suffix}")) or sorted(donor.glob(f"*.{suffix}"))
    if not tables:
        pytest.skip(f"{kind} writes no {suffix} table")
    check = output.check_one_result
    name = tables[0].relative_to(donor)

    def mixed(partial: Path, *rest) -> None:  # the seam: another result's table, before publish
        shutil.copyfile(tables[0], partial / name)
        check(partial, *rest)

    monkeypatch.setattr(output, "check_one_result", mixed)
    out = tmp_path / "mixed"
    capsys.readouterr()
    assert main(_argv("calibrate" if kind == "calibration" else kind, out, 3, 1, history)) == 2
    err = capsys.readouterr().err.strip()
    line = err.splitlines()[-1]  # a sweep logs its plan to stderr first
    assert "not published" in line and tables[0].name in line and "Traceback" not in err
    assert not out.exists()
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".mixed.partial-")]
    if kind != "sweep":
        assert not left
        return
    # A sweep keeps its partial folder for --resume, which drops the foreign chunk (its id is
    # not this sweep's), recomputes it and publishes a folder of one result.
    assert len(left) == 1
    monkeypatch.undo()
    assert main([*_argv(kind, out, 3, 1, history), "--resume"]) == 0
    rid = json.loads((out / "manifest.json").read_text())[output.RESULT_ID]
    assert all(output.parquet_id(t) == rid for t in out.glob("chunks/*.parquet"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mixed.partial-")]


@pytest.mark.parametrize("kind", sorted(output.KINDS_WITH_ID))
def test_a_manifest_of_a_kind_with_ids_but_no_id_is_refused(kind, tmp_path):
    out = tmp_path / "x"
    partial, lock, _ = output.reserve(out)
    (partial / "manifest.json").write_text(json.dumps({"kind": kind}))
    with pytest.raises(UsageError, match="carries no result_id"):
        output.publish(partial, lock, out)
    assert not out.exists()
    lock.release()


OLDER = Path(__file__).resolve().parent / "data" / "results"  # folders written before ids


@pytest.mark.parametrize("kind", ["compare", "robustness", "hindcast", "calibration"])
def test_an_older_folder_without_ids_is_still_read_and_copied(kind, tmp_path):
    folder = tmp_path / kind
    shutil.copytree(OLDER / kind, folder)
    meta = json.loads((folder / "manifest.json").read_text())
    assert output.RESULT_ID not in meta
    assert main(["plot", str(folder)]) == 0  # reading is not publication
    kept = Folder(folder).save(tmp_path / "kept")  # a copy, not a new result
    assert json.loads((kept / "manifest.json").read_text()) == meta
