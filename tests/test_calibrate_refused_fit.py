"""A finished fit that `calibrate` refuses leaves nothing that blocks the advice it gives.

Found in session 19 (docs/reliability.md §28): ABC-SMC on a few observations collapsed
("use a larger population, …"), and the refusal kept the work folder `.OUT.work` with its
generations. Following the advice then hit a loop: without `--resume` the command said the
folder "holds an unfinished calibration: add --resume", with it the folder "was fitted to
another spec … remove it or drop --resume". A fit that ran to its end and was refused has
nothing to resume (its advice changes the spec), so its work folder goes; an interrupted
fit's generations are still kept (the control)."""

from __future__ import annotations

import pytest

import sim.observe.calibrate as cal
from sim.cli import main
from tests.reliability_tools import one_line, tiny_calibration
from tests.test_reliability_round17 import COLLAPSES


def _calibrate(spec, out, *extra: str) -> int:
    return main(["calibrate", str(spec), "--out", str(out), "-q", "--no-plots", *extra])


def test_a_collapsed_fit_leaves_no_work_folder_and_a_larger_population_runs(tmp_path, capsys):
    spec = tiny_calibration(tmp_path, population="4", generations="2")
    (tmp_path / "obs.yaml").write_text(COLLAPSES)
    out = tmp_path / "out"
    assert _calibrate(spec, out) == 2
    assert "the population collapsed" in one_line(capsys)
    assert not out.exists() and not cal.work_dir(out).exists()
    spec.write_text(spec.read_text().replace("population: 4", "population: 8"))
    code = _calibrate(spec, out)
    err = capsys.readouterr().err
    assert "unfinished calibration" not in err and "another spec" not in err
    assert code == 0 or len(err.strip().splitlines()) == 1


def test_an_interrupted_fit_keeps_its_generations(tmp_path, capsys, monkeypatch):
    """The control: a fit stopped after generation 0 keeps it for --resume, and the same
    command without --resume names both ways on; removing the folder, as it says, starts
    the fit anew."""
    spec = tiny_calibration(tmp_path)
    real = cal.save_generation

    def stop(work, t, pop, prob, spec_hash):
        real(work, t, pop, prob, spec_hash)
        raise KeyboardInterrupt

    out = tmp_path / "out"
    with monkeypatch.context() as m:
        m.setattr(cal, "save_generation", stop)
        assert _calibrate(spec, out) == 130
    assert (cal.work_dir(out) / "gen_000.npz").exists()
    capsys.readouterr()
    assert _calibrate(spec, out) == 2
    line = one_line(capsys)
    assert line.endswith("add --resume to continue it, or remove the folder to start anew")
    import shutil

    shutil.rmtree(cal.work_dir(out))
    assert _calibrate(spec, out) == 0 and (out / "posterior.parquet").exists()


@pytest.mark.parametrize("method", ["smc", "rejection"])
def test_a_fit_refused_for_ruling_out_every_draw_leaves_no_work_folder(tmp_path, capsys, method):
    """check_fitted's refusals (every prior draw infinitely far; SMC stopped at generation
    0) are final as well."""
    from tests.test_reliability_round17 import WAR_AT_THE_START

    budget = {"generations": "2"} if method == "smc" else {
        "method": "rejection", "accept": "0.5", "generations": None}  # fmt: skip
    spec = tiny_calibration(tmp_path, no_war="true", **budget)
    (tmp_path / "ep.yaml").write_text(WAR_AT_THE_START)
    out = tmp_path / "out"
    assert _calibrate(spec, out) == 2
    one_line(capsys)
    assert not out.exists() and not cal.work_dir(out).exists()
