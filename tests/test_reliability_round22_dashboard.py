"""Reliability suite, round 22, part 2: the dashboard on standalone scenarios, as a newcomer
clicks through it in Chromium (docs/reliability.md, section 27).

The scenarios are tests/data/round22: `eu` (B_2, EU_27 and C_3, whom an event switches on
at step 2; a treaty without a label), `quiet` (two actors, no events) and `hostile` (X_1,
in no other scenario there). Each fault is tested at the layer the page calls (levers,
the sweep and compare runs, the Mesa and compare charts); one browser test drives the
page through the case that ended it in a traceback.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
import solara

import sim
import sim.app.charts as app_charts
from sim.app import state
from sim.app.dashboard_env import SCENARIO_ENV
from sim.app.levers import levers_for
from tests.test_plots_text_fits import outside

DATA = Path(__file__).resolve().parent / "data" / "round22"
BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """The three scenarios in a folder of their own, `eu` the page's first (its Scenario
    select offers the files beside it); runs write under the test's folder."""
    for name in ("eu", "quiet", "hostile"):
        shutil.copy(DATA / f"{name}.yaml", tmp_path / f"{name}.yaml")
    monkeypatch.setenv(SCENARIO_ENV, str(tmp_path / "eu.yaml"))
    monkeypatch.chdir(tmp_path)
    state.scenario_path.value, state.lever_values.value = str(tmp_path / "eu.yaml"), {}
    yield tmp_path
    state.scenario_path.value, state.lever_values.value = str(BASELINE), {}


@pytest.fixture
def drawn(monkeypatch) -> list:
    """Every figure the page's own charts draw (sim.app.charts.png), before it is closed."""
    figures: list = []
    original = app_charts.png

    def keep(fig, *args, **kwargs):
        figures.append(
            {
                "lines": [(ln.get_label(), ln.get_ydata()) for ax in fig.axes for ln in ax.lines],
                "legends": [
                    t.get_text()
                    for ax in fig.axes
                    if ax.get_legend()
                    for t in ax.get_legend().get_texts()
                ],
                "ylabels": [ax.get_ylabel() for ax in fig.axes],
                "outside": outside(fig),
            }
        )
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(app_charts, "png", keep)
    return figures


# ------------------------------------------------------------------------------ sidebar
def test_a_treaty_without_a_label_is_named_by_its_id_and_members(folder):
    """The sidebar said "Treaty: None" (and the tooltip and the Sweep tab's line "None
    (consultation)"): `label` is optional for a treaty."""
    (lever,) = [lv for lv in levers_for(sim.load(folder / "eu.yaml")) if lv.group == "treaties"]
    assert lever.label == "Treaty: pact (B_2–EU_27)"
    assert lever.tooltip.startswith("pact (B_2–EU_27) (consultation): strength 0.6")


def test_the_shipped_treaties_keep_their_labels():
    """Control: a treaty with a label is named by it, as before."""
    labels = [lv.label for lv in levers_for(sim.load(BASELINE)) if lv.group == "treaties"]
    assert "Treaty: Russia–North Korea treaty (2000, consultation only)" in labels


# -------------------------------------------------------------------------------- sweep
def test_the_sweep_tabs_table_shows_the_distancing_partners_peak(folder):
    """The table kept `peak_escalation_PRK` alone: a standalone scenario's had no actor's
    escalation, while the chart above it drew B_2's."""
    from sim.app.analysis import small_sweep

    lever = next(lv for lv in levers_for(sim.load(folder / "eu.yaml")) if lv.group == "treaties")
    done = small_sweep(str(folder / "eu.yaml"), {}, lever, 3, 10)
    assert "peak_escalation_B_2" in done.by_point.columns
    assert done.label.startswith("eu: Treaty: pact (B_2–EU_27) from 0 to 1")


# ---------------------------------------------------------------------------------- Mesa
def test_the_mesa_tab_draws_an_actor_from_the_step_an_event_switches_it_on(folder, drawn):
    """Only the actors active at the current step were drawn, each over every step: C_3,
    switched on by an event at step 2 (active from step 3, as in the ensemble's tables),
    showed its start value 0.4 from step 0. And the distancing
    axis, "European Union's distancing (−2…2)", was cut at the figure's left edge."""
    from sim.app.mesa_tab import LeverModel, MesaCharts

    model = LeverModel(seed=sim.load(folder / "eu.yaml").scenario.run.seed)
    for _ in range(4):
        model.step()
    _, rc = solara.render(MesaCharts(model), handle_error=False)
    rc.close()
    escalation, distancing = drawn[-2:]
    lines = dict(escalation["lines"])
    assert np.isnan(lines["C_3"][:3]).all() and np.isfinite(lines["C_3"][3:]).all()
    assert np.isfinite(lines["B_2"]).all() and len(lines["B_2"]) == 5
    assert distancing["outside"] == [], distancing["outside"]


# ------------------------------------------------------------------------------- compare
def test_the_compare_tab_offers_every_actor_and_draws_one_a_scenario_lacks(folder, drawn):
    """`hostile` against `quiet`: the Actor select offered `hostile`'s actors active at the
    start, its first (X_1) picked by default, and X_1 is not in `quiet`: the chart's
    ValueError (Length mismatch) replaced the whole page with a traceback. C_3, switched
    on by an event, could not be picked at all. And the lower panel, labelled with
    `hostile`'s distancing index (B_2's from X_1), drew `quiet`'s (EU_27's from B_2)."""
    from sim.app.analysis import compare_runs
    from sim.app.charts import comparison_over_time

    done = compare_runs(str(folder / "hostile.yaml"), {}, str(folder / "quiet.yaml"), 20)
    assert done.actors == ("EU_27", "B_2", "X_1")  # those both show first
    image = comparison_over_time(done.series, "X_1", done.step_unit, done.distancing, done.pairs)
    assert image[:4] == b"\x89PNG"
    assert "quiet (no X_1)" in drawn[-1]["legends"]
    assert done.distancing == "distancing index (−2…2)"
    assert done.pairs == ("Bravo Two's distancing from Xray One",
                          "European Union's distancing from Bravo Two")  # fmt: skip
    joiner = compare_runs(str(folder / "eu.yaml"), {}, str(folder / "quiet.yaml"), 20)
    assert "C_3" in joiner.actors


def test_two_shipped_scenarios_compare_on_one_distancing_axis(tmp_path, monkeypatch):
    """Control: scenarios of the same distancing index share its one axis, no legend."""
    from sim.app.analysis import compare_runs

    monkeypatch.setenv(SCENARIO_ENV, str(BASELINE))
    monkeypatch.chdir(tmp_path)

    restrains = BASELINE.parent / "china_restrains.yaml"
    done = compare_runs(str(BASELINE), {}, str(restrains), 20)
    assert done.distancing == "China's distancing (−2…2)"
    assert getattr(done, "pairs", ()) == ()  # (a field since round 22)
    assert done.actors == ("CHN", "RUS", "PRK", "USA", "JPN", "KOR")


# ------------------------------------------------------------------------------ browser
@pytest.mark.slow
def test_the_compare_tab_of_a_standalone_scenario_in_chromium(tmp_path):
    """The page as a newcomer meets it: `hostile` picked in the sidebar, compared with
    `quiet` (before: the page was replaced by a traceback); back on `eu`, its treaty
    slider is named; the server log has no traceback."""
    from playwright.sync_api import expect, sync_playwright

    from sim.app.guard import new_token
    from sim.app.serve import address, listen, start
    from tests.test_dashboard_browser import FLAGS, WAIT_MS, chromium, wait_until_up

    for name in ("eu", "quiet", "hostile"):
        shutil.copy(DATA / f"{name}.yaml", tmp_path / f"{name}.yaml")
    log, token = tmp_path / "server.log", new_token()
    with listen("127.0.0.1", 0) as sock, log.open("w") as out:
        proc = start(tmp_path / "eu.yaml", sock, token, stdout=out,
                     stderr=subprocess.STDOUT, cwd=tmp_path)  # fmt: skip
        url = address(sock, token)
    try:
        wait_until_up(url, proc, log)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), headless=True, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url, timeout=WAIT_MS)
            expect(page.locator(".run-label")).to_contain_text("run 1: eu,", timeout=WAIT_MS)
            page.locator(".scenario-select").click()
            page.get_by_role("option", name=re.compile("hostile")).click()
            expect(page.locator(".run-label")).to_contain_text("hostile,", timeout=WAIT_MS)
            page.get_by_role("tab", name=re.compile("compare over time", re.I)).click()
            page.locator(".compare-controls .v-select").filter(has_text="Compare with").click()
            page.get_by_role("option", name=re.compile("quiet")).click()
            page.locator(".run-compare").click()
            expect(page.locator(".compare-label")).to_contain_text("hostile vs quiet",
                                                                   timeout=WAIT_MS)  # fmt: skip
            expect(page.locator(".chart-compare img")).to_be_visible()
            assert "Traceback" not in page.inner_text("body")
            page.locator(".scenario-select").click()
            page.get_by_role("option", name=re.compile("eu")).click()
            expect(page.get_by_text("Treaty: pact (B_2–EU_27)")).to_be_visible(timeout=WAIT_MS)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert "Traceback" not in log.read_text()
