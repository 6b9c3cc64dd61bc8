"""A finished fit that `calibrate` refuses leaves nothing that blocks the advice it gives.

Found in session 19 (docs/reliability.md §28): ABC-SMC on a few observations collapsed
("use a larger population, …"), and the refusal kept the work folder `.OUT.work` with its
generations. Following the advice then hit a loop: without `--resume` the command said the
folder "holds an unfinished calibration: add --resume", with it the folder "was fitted to
another spec … remove it or drop --resume". A fit that ran to its end and was refused has
nothing to resume (its advice changes the spec), so its work folder goes; an interrupted
fit's generations are still kept (the controls), even when the interrupt comes during the
final checks."""

from __future__ import annotations

import shutil

import pytest

import sim.observe.calibrate as cal
from sim.cli import main
from tests.reliability_tools import COLLAPSES, WAR_AT_THE_START, one_line, tiny_calibration


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
    assert _calibrate(spec, out) == 0, capsys.readouterr().err
    assert (out / "posterior.parquet").exists()


@pytest.mark.parametrize("method", ["smc", "rejection"])
def test_a_fit_refused_for_ruling_out_every_draw_leaves_no_work_folder(tmp_path, capsys, method):
    """check_fitted's refusals (every prior draw infinitely far; SMC stopped at generation
    0) are final as well."""
    budget = {"generations": "2"} if method == "smc" else {
        "method": "rejection", "accept": "0.5", "generations": None}  # fmt: skip
    spec = tiny_calibration(tmp_path, no_war="true", **budget)
    (tmp_path / "ep.yaml").write_text(WAR_AT_THE_START)
    out = tmp_path / "out"
    assert _calibrate(spec, out) == 2
    one_line(capsys)
    assert not out.exists() and not cal.work_dir(out).exists()


def _interrupted(tmp_path, monkeypatch, where: str):
    """A tiny calibration interrupted (Ctrl-C) after its first generation was saved, or in
    the final checks of a fit that ran to its end: (spec, out)."""
    spec = tiny_calibration(tmp_path)
    real = cal.save_generation

    def stop(*args, **kwargs):
        if where == "save":
            real(*args, **kwargs)
        raise KeyboardInterrupt

    out = tmp_path / "out"
    with monkeypatch.context() as m:
        m.setattr(cal, "save_generation" if where == "save" else "check_population", stop)
        assert _calibrate(spec, out) == 130
    return spec, out


@pytest.mark.parametrize("where", ["save", "checks"])
def test_an_interrupted_fit_keeps_its_generations(tmp_path, monkeypatch, where):
    """The control: an interrupt is no refusal; the generations stay for --resume."""
    _, out = _interrupted(tmp_path, monkeypatch, where)
    saved = sorted(p.name for p in cal.work_dir(out).glob("gen_*.npz"))
    assert saved == (["gen_000.npz"] if where == "save" else ["gen_000.npz", "gen_001.npz"])


def test_a_kept_work_folder_names_both_ways_on(tmp_path, capsys, monkeypatch):
    """Without --resume the line names --resume and removing the folder; removing it, as it
    says, starts the fit anew."""
    spec, out = _interrupted(tmp_path, monkeypatch, "save")
    capsys.readouterr()
    assert _calibrate(spec, out) == 2
    line = one_line(capsys)
    assert line.endswith("add --resume to continue it, or remove the folder to start anew")
    shutil.rmtree(cal.work_dir(out))
    assert _calibrate(spec, out) == 0 and (out / "posterior.parquet").exists()
