"""No chart cuts its own text: every visible text artist lies inside its figure, measured
with the renderer's extents at the resolution the files are written at."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from sim.plots import CHARTS, build, charts_for
from sim.plots.style import RC
from sim.results.folder import ResultsFolder as Results

DATA = Path(__file__).resolve().parent / "data" / "results"
KINDS = ("run", "compare", "sweep", "calibration", "hindcast")  # fixtures in tests/data/results
CASES = [(kind, c.name) for kind in KINDS for c in charts_for(kind)]


def outside(fig) -> list[str]:
    """Drawn text that leaves the figure (1 px tolerance): each axes' tight box (its title,
    axis labels, the tick labels actually drawn, texts and legends) and every figure-level
    text and legend, measured with the renderer at the resolution the files use."""
    fig.set_dpi(RC["savefig.dpi"])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    items: list[tuple[str, object]] = []
    for k, ax in enumerate(fig.axes):
        if ax.get_visible():
            name = ax.get_title() or ax.get_xlabel() or ax.get_ylabel() or f"axes {k}"
            items.append((f"axes {name[:40]!r}", ax.get_tightbbox(renderer)))
    texts = [*fig.texts, fig._suptitle, fig._supxlabel, fig._supylabel]
    for text in texts:
        if text is not None and text.get_visible() and text.get_text().strip():
            items.append((f"text {text.get_text()[:40]!r}", text.get_window_extent(renderer)))
    for k, legend in enumerate(fig.legends):
        items.append((f"figure legend {k}", legend.get_window_extent(renderer)))
    bad = []
    for name, ext in items:
        if ext is None:
            continue
        over = max(box.x0 - ext.x0, box.y0 - ext.y0, ext.x1 - box.x1, ext.y1 - box.y1)
        if over > 1:
            bad.append(f"{name} leaves the figure by {over:.0f} px")
    return bad


def test_every_chart_is_checked():
    checked = {name for _, name in CASES} | {c.name for c in charts_for("robustness")}
    assert checked == {c.name for c in CHARTS}


@pytest.fixture(scope="module")
def robustness_folder(tmp_path_factory) -> Path:
    from sim.cli import main

    out = tmp_path_factory.mktemp("rob") / "rob"
    scenario = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
    argv = ["robustness", str(scenario), "--draws", "3", "-n", "3", "--steps", "4",
            "--out", str(out), "--no-plots", "--one-at-a-time", "-q"]  # fmt: skip
    assert main(argv) == 0
    return out


@pytest.mark.parametrize("name", [c.name for c in charts_for("robustness")])
def test_robustness_chart_text_lies_inside_the_figure(robustness_folder, name):
    chart = next(c for c in charts_for("robustness") if c.name == name)
    fig = build(chart, Results(robustness_folder))
    assert fig is not None
    try:
        assert outside(fig) == []
    finally:
        plt.close(fig)


@pytest.mark.parametrize(("kind", "name"), CASES)
def test_text_lies_inside_the_figure(kind, name):
    chart = next(c for c in charts_for(kind) if c.name == name)
    fig = build(chart, Results(DATA / kind))
    assert fig is not None, f"the {kind} fixture has no data for {name}"
    try:
        assert outside(fig) == []
    finally:
        plt.close(fig)


LONG = {
    "parameters.reactivity": "relations.PRK.RUS.military_supply",
    "parameters.axis_cost": "treaties.rus_prk_2024.strength",
}


def _renamed(text: str) -> str:
    for old, new in LONG.items():
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def long_sweep(tmp_path_factory) -> Path:
    """The sweep fixture with the long key paths of a real sweep (events, treaties)."""
    import pandas as pd

    out = tmp_path_factory.mktemp("long") / "sweep"
    for src in (DATA / "sweep").rglob("*"):
        dst = out / src.relative_to(DATA / "sweep")
        if src.is_dir():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.suffix == ".parquet":
            frame = pd.read_parquet(src).rename(columns=_renamed)
            for col in frame.columns:
                if pd.api.types.is_string_dtype(frame[col]):
                    frame[col] = frame[col].map(_renamed)
            frame.to_parquet(dst, index=False)
        else:
            dst.write_text(_renamed(src.read_text()))
    return out


@pytest.mark.parametrize("name", [c.name for c in charts_for("sweep")])
def test_long_parameter_names_stay_inside(long_sweep, name):
    chart = next(c for c in charts_for("sweep") if c.name == name)
    res = Results(long_sweep)
    assert set(LONG.values()) <= set(res.parameter_paths())
    fig = build(chart, res)
    assert fig is not None, f"no data for {name}"
    try:
        assert outside(fig) == []
    finally:
        plt.close(fig)
