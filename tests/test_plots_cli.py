"""`alliance-sim plot` and `alliance-sim report` on the command line: outputs and errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import sim.commands.plot as plot_cmd
import sim.dynamics
import sim.ensemble
from sim.cli import main
from sim.plots import CHART_NAMES

DATA = Path(__file__).resolve().parent / "data" / "results"


@pytest.fixture(autouse=True)
def no_model(monkeypatch):
    def forbid(*_a, **_k):
        raise AssertionError("plot/report must not run the model")

    monkeypatch.setattr(sim.dynamics, "advance", forbid)
    monkeypatch.setattr(sim.ensemble, "run_ensemble", forbid)


def test_chart_names_in_help_match_the_registry():
    assert plot_cmd.CHART_NAMES == CHART_NAMES


@pytest.mark.parametrize("cmd", ["plot", "report"])
def test_not_a_results_folder(cmd, tmp_path, capsys):
    assert main([cmd, str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"alliance-sim {cmd}: error: {tmp_path}: not a results folder (no manifest.json)\n"
    )
    missing = tmp_path / "missing"
    assert main([cmd, str(missing)]) == 2
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith(f"{missing}: not a results folder (no manifest.json)")
    )
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--kind", "heatmap"],
            "chart 'heatmap' is drawn from sweep folders, this is a run folder",
        ),
        (["--kind", "pie"], "unknown chart 'pie'; choose from escalation"),
        (["--format", "jpg"], "--format 'jpg': choose from png, svg, pdf"),
        (["--at", "-1"], "--at: steps start at 0"),
        (
            ["--at", "0", "--at", "999"],
            "--at 999: the run has steps 0 to ",
        ),  # was drawn as the last
        (["--kind", ","], "--kind ',': name at least one chart"),  # drew every chart
        (["--dpi", "5"], "--dpi must be between 20 and 1200"),
    ],
)
def test_bad_options_are_one_line(args, message, tmp_path, capsys):
    folder = tmp_path / "run"
    shutil.copytree(DATA / "run", folder)
    assert main(["plot", str(folder), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not (folder / "charts").exists()


def test_bad_manifest_is_one_line(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text("{not json")
    assert main(["plot", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "manifest.json: not valid JSON" in err
    (tmp_path / "manifest.json").write_text('{"kind": "movie"}')
    assert main(["report", str(tmp_path)]) == 2
    assert "unknown kind 'movie'" in capsys.readouterr().err


def test_plot_redraws_chosen_charts(tmp_path, capsys):
    folder = tmp_path / "sweep"
    shutil.copytree(DATA / "sweep", folder)
    code = main(["plot", str(folder), "--kind", "morris", "--format", "pdf", "--dpi", "40"])
    assert code == 0
    assert capsys.readouterr().out.split() == [str(folder / "charts" / "morris.pdf")]
    assert (folder / "charts" / "morris.pdf").read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in (folder / "charts").iterdir()) == ["morris.pdf"]
