"""Every dashboard control is checked on the server (issue 19) and the analyst's pieces work:
the effects table, export, the Mesa tab's figures (issue 17).

A page can send any value over its websocket, so these tests set the widgets' values from
Python exactly as a frontend would (`widget.v_model = ...`) and check the state did not move.
"""

from __future__ import annotations

import gc
import math

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara

import sim
from sim.app import state
from sim.app.choices import MesaRange, Refused, lever_value, one_of, whole
from sim.app.effects_table import effects_display
from sim.app.export import export_run, folder_name
from sim.app.levers import levers_for
from sim.results_io import check_folder

BASELINE = "scenarios/baseline.yaml"


@pytest.fixture(scope="module")
def loaded():
    return sim.load(BASELINE)


@pytest.fixture(autouse=True)
def fresh_state():
    """Module-level reactives outlive a test outside a browser session: reset them."""
    for reactive, value in ((state.scenario_path, BASELINE), (state.lever_values, {}),
                            (state.replications, 50), (state.refusal, "")):  # fmt: skip
        reactive.value = value
    yield


# ------------------------------------------------------------------------- pure checks
@pytest.mark.parametrize("value", ["50", 50.0, True, None, [50], 5_000_000, -1])
def test_one_of_takes_only_an_offered_value_of_the_offered_type(value):
    with pytest.raises(Refused, match="not one of the values offered"):
        one_of("Replications", value, (20, 50, 100))
    assert one_of("Replications", 50, (20, 50, 100)) == 50


def test_a_refusal_quotes_a_long_value_only_in_part():
    with pytest.raises(Refused) as info:
        one_of("Scenario", "x" * 10_000, ["a"])
    assert len(str(info.value)) < 100


@pytest.mark.parametrize("value", [math.nan, math.inf, -0.01, 1.01, "0.5", True, None])
def test_lever_values_outside_the_slider_are_refused(loaded, value):
    lever = next(lever for lever in levers_for(loaded) if (lever.lo, lever.hi) == (0.0, 1.0))
    with pytest.raises(Refused):
        lever_value(lever, value)
    assert lever_value(lever, 0.25) == 0.25 and lever_value(lever, 1) == 1.0


def test_mesa_parameters_stay_in_their_sliders():
    limits = MesaRange(100)
    assert limits.seed(100) == 100 and limits.seed(1099) == 1099 and limits.replication(99) == 99
    for bad in (99, 1100, 10**30, 100.0, True):
        with pytest.raises(Refused):
            limits.seed(bad)
    with pytest.raises(Refused):
        limits.replication(100)
    with pytest.raises(Refused):
        whole("replication", -1, 0, 99)


def test_the_mesa_model_refuses_parameters_reset_could_pass(loaded):
    from sim.app.mesa_tab import LeverModel

    seed = loaded.scenario.run.seed
    assert LeverModel(seed=seed + 5, replication=3).replication == 3
    with pytest.raises(Refused):
        LeverModel(seed=seed - 1)
    with pytest.raises(Refused):
        LeverModel(seed=seed, replication=5_000_000)


# --------------------------------------------------------------- widgets set by a "page"
def test_a_page_cannot_set_scenario_to_a_file_outside_the_list(loaded, tmp_path):
    from sim.app.dashboard import Sidebar

    secret = tmp_path / "private.yaml"
    secret.write_text("name: TOP-SECRET-CONTENT\n")
    _, rc = solara.render(Sidebar(loaded, levers_for(loaded)), handle_error=False)
    select = rc.find(v.Select, label="Scenario").widget
    select.v_model = str(secret)
    assert state.scenario_path.value == BASELINE
    assert (
        "Scenario" in state.refusal.value and "not one of the values offered" in state.refusal.value
    )
    shown = " ".join(str(w.children) for w in rc.find(v.Alert).widgets)
    assert "refused" in shown and "TOP-SECRET" not in shown
    # a listed file is taken (the ablation: the select works, only foreign values fail)
    other = state.scenario_choices()[1]
    select.v_model = other
    assert state.scenario_path.value == other and state.refusal.value == ""


def test_a_page_cannot_ask_for_five_million_replications():
    from sim.app.dashboard import EnsemblePanel

    _, rc = solara.render(EnsemblePanel([]), handle_error=False)
    select = rc.find(v.Select, label="Replications").widget
    select.v_model = 5_000_000
    assert state.replications.value == 50 and "Replications" in state.refusal.value
    select.v_model = 200
    assert state.replications.value == 200


def test_a_page_cannot_move_a_lever_past_its_range(loaded):
    from sim.app.dashboard import LeverSlider

    lever = levers_for(loaded)[0]
    _, rc = solara.render(LeverSlider(lever), handle_error=False)
    slider = rc.find(v.Slider).widget
    slider.v_model = 1e9
    assert state.lever_values.value == {} and lever.label in state.refusal.value
    slider.v_model = lever.hi
    assert state.lever_values.value == {lever.path: lever.hi}


def test_the_sweep_launcher_keeps_its_caps(loaded):
    from sim.app.analysis import SweepPanel

    _, rc = solara.render(SweepPanel(levers_for(loaded)), handle_error=False)
    points = rc.find(v.Select, label="Points").widget
    points.v_model = 500
    assert "Points" in state.refusal.value
    points.v_model = 3
    assert state.refusal.value == ""
    reps = rc.find(v.Select, label="Replications").widget
    reps.v_model = 100_000
    assert "Replications" in state.refusal.value
    lever = rc.find(v.Select, label="Lever").widget
    lever.v_model = "parameters.__class__"
    assert "Lever" in state.refusal.value


# ------------------------------------------------------------------------ effects table
def test_the_effects_table_is_labelled_signed_and_rounded():
    raw = pd.DataFrame(
        {
            "outcome": ["final_distancing", "final_commitment_CHN_RUS", "final_escalation_PRK"],
            "scenario_median": [0.16071512345678901, 0.342, 0.5267],
            "counterfactual_median": [-0.0021234, 0.497, 0.41],
            "effect_median": [0.16283746, -0.15512, 0.0],
            "effect_p5": [0.158, -0.16, -0.0004],
            "effect_p95": [0.1644, -0.152, 0.0129],
            "effect_mean": [0.16, -0.155, 0.01],
            "share_positive": [1.0, 0.0, 0.55],
            "replications": [20, 20, 20],
        }
    )
    shown = effects_display(raw)
    assert list(shown["outcome"]) == [
        "final distancing", "final commitment, CHN → RUS", "final escalation, PRK",
    ]  # fmt: skip
    assert list(shown["unit"])[2] == "level 0–1"
    assert list(shown["scenario (median)"]) == ["0.161", "0.342", "0.527"]
    assert shown["counterfactual (median)"].iloc[0] == "−0.002"
    assert list(shown["effect (median)"]) == ["+0.163", "−0.155", "+0.000"]
    assert list(shown["effect 5–95%"]) == [
        "[+0.158, +0.164]",
        "[−0.160, −0.152]",
        "[−0.000, +0.013]",
    ]
    assert list(shown["effect > 0"]) == ["100% of 20", "0% of 20", "55% of 20"]
    assert all(isinstance(cell, str) and len(cell) < 40 for cell in shown.to_numpy().ravel())


# ------------------------------------------------------------------------------- export
def test_export_writes_a_valid_results_folder_with_its_report(tmp_path):
    res = sim.run(BASELINE, n=4, steps=6)
    folder = export_run(res, "baseline", 3, root=tmp_path)
    assert folder.parent == tmp_path and folder.name.startswith("baseline-run3-")
    manifest = check_folder(folder)
    assert manifest["kind"] == "run" and manifest == res.manifest
    report = (folder / "report.html").read_text()
    assert "<html" in report.lower()
    again = sim.api.Results(folder)
    pd.testing.assert_frame_equal(again.timeseries, res.timeseries)
    assert export_run(res, "baseline", 3, root=tmp_path) != folder  # never over an export


def test_export_names_are_plain():
    assert folder_name("../../etc/x y", 1).startswith("etc-x-y-run1-")
    assert "/" not in folder_name("a/b", 2)


# --------------------------------------------------------------------- Mesa tab memory
@pytest.mark.slow
def test_mesa_tab_figures_are_closed_and_memory_stays_flat(loaded):
    """Ten plays drawn as the Mesa tab draws them: no figure left open, RSS within 50 MB.

    Plays are 8 steps (the leak this guards against was per drawn figure, so fewer steps
    per play make it smaller but not absent: every figure left open stays in pyplot)."""
    import ipywidgets
    import matplotlib.pyplot as plt
    import psutil
    from mesa.visualization.utils import force_update

    from sim.app.mesa_tab import LeverModel, MesaCharts

    process = psutil.Process()

    def play() -> None:
        model = LeverModel(seed=loaded.scenario.run.seed)
        model.max_steps = 8
        _, rc = solara.render(MesaCharts(model), handle_error=False)
        images = rc.find(ipywidgets.Image)
        first = images.widgets[0].value
        while model.running:
            model.step()
            force_update()  # what Mesa's controller does after a step: the charts redraw
        assert len(images.widgets) == 2 and images.widgets[0].value != first
        rc.close()

    already_open = set(plt.get_fignums())  # other tests in this worker may leave some
    play()
    assert set(plt.get_fignums()) == already_open
    gc.collect()
    after_one = process.memory_info().rss
    for _ in range(9):
        play()
    assert set(plt.get_fignums()) == already_open
    gc.collect()
    grown = (process.memory_info().rss - after_one) / 2**20
    assert grown < 50, f"memory grew {grown:.0f} MB over nine more plays"
    assert np.isfinite(grown)


# ------------------------------------------------------------------ Mesa tab, scenarios
def test_step_after_a_scenario_switch_advances_the_new_scenario():
    """Mesa's own Step button, pressed after the sidebar switched scenario (issue 17)."""
    from sim.app.mesa_tab import MesaRun

    @solara.component
    def Tab():
        path = state.scenario_path.value
        MesaRun(path, sim.load(path).scenario.run.seed)

    def texts() -> list[str]:
        return [str(w.children[0]) for w in rc.find(v.Html).widgets if w.children]

    _, rc = solara.render(Tab(), handle_error=False)
    step = rc.find(v.Btn, children=["Step"]).widget
    step.click()
    assert "Step: 1" in texts() and any(t.startswith("baseline: ") for t in texts())
    other = next(p for p in state.scenario_choices() if "china_restrains" in p)
    state.pick_scenario(other)
    assert "Step: 0" in texts() and any(t.startswith("china_restrains: ") for t in texts())
    step = rc.find(v.Btn, children=["Step"]).widget
    step.click()
    assert "Step: 1" in texts() and any(t.startswith("china_restrains: ") for t in texts())
    rc.close()


# ------------------------------------------------------------------ compare and sweep
def test_compare_over_time_pairs_two_scenarios_on_one_seed(loaded):
    from sim.app.analysis import compare_runs
    from sim.app.charts import comparison_over_time

    other = next(p for p in state.scenario_choices() if "china_restrains" in p)
    done = compare_runs(BASELINE, {}, other, 20)
    (a_ts, a_sys), (b_ts, b_sys) = done.series.values()
    assert done.labels == ("baseline", "china_restrains")
    assert set(a_ts["replication"]) == set(b_ts["replication"]) == set(range(20))
    steps = loaded.scenario.run.steps
    assert a_sys["step"].max() == b_sys["step"].max() == steps
    assert "PRK" in done.actors and "IRN" not in done.actors  # active actors only
    assert comparison_over_time(done.series, "PRK", "month")[:4] == b"\x89PNG"
    with pytest.raises(Refused):
        compare_runs(BASELINE, {}, "/etc/passwd", 20)
    with pytest.raises(Refused):
        compare_runs(BASELINE, {}, other, 5_000_000)


def test_the_sweep_launcher_sweeps_one_lever_over_its_range(loaded):
    from sim.app.analysis import small_sweep

    lever = next(lv for lv in levers_for(loaded) if lv.path == "actors.CHN.leverage")
    done = small_sweep(BASELINE, {}, lever, 3, 10)
    assert list(done.by_point[lever.path]) == [lever.lo, (lever.lo + lever.hi) / 2, lever.hi]
    assert done.chart[:4] == b"\x89PNG" and "3 points × 10 runs" in done.label
    for points, n in ((6, 10), (3, 51), (3, 10**7)):
        with pytest.raises(Refused):
            small_sweep(BASELINE, {}, lever, points, n)
