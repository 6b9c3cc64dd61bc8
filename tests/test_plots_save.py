"""`style.save` lays a PNG's figure out itself (one draw fewer than `savefig`, issue 18):
every chart's file must be the bytes matplotlib's own `savefig` writes, and the figure
must keep its layout engine for whatever is saved next."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from sim.plots import build, charts_for
from sim.plots.style import RC, _metadata, save
from sim.results.folder import ResultsFolder as Results

DATA = Path(__file__).resolve().parent / "data" / "results"
KINDS = ("run", "compare", "sweep", "calibration", "hindcast")  # fixtures in tests/data/results
CASES = [(kind, c.name) for kind in KINDS for c in charts_for(kind)]


def _figure(kind: str, name: str):
    (chart,) = charts_for(kind, [name])
    fig = build(chart, Results(DATA / kind))
    if fig is None:
        pytest.skip(f"{kind} fixture has no data for {name}")
    return fig


@pytest.mark.parametrize(("kind", "name"), CASES)
def test_saved_png_is_what_savefig_writes(kind, name, tmp_path):
    ours, theirs = tmp_path / f"{name}.png", tmp_path / f"{name}-savefig.png"
    fig = _figure(kind, name)
    engine = fig.get_layout_engine()
    save(fig, ours, close=False)
    assert fig.get_layout_engine() is engine  # put back for the next format
    plt.close(fig)
    fig = _figure(kind, name)  # a fresh figure: savefig's own layout from the start
    fig.savefig(theirs, format="png", dpi=RC["savefig.dpi"], metadata=_metadata(theirs))
    plt.close(fig)
    assert ours.read_bytes() == theirs.read_bytes()


def test_a_second_format_after_the_png_is_laid_out_as_before(tmp_path):
    """PNG then SVG of one figure (what `draw --format png svg` does): the SVG is the one
    saved after a PNG by savefig alone."""
    kind, name = CASES[0]
    with matplotlib.rc_context({"svg.hashsalt": "fixed"}):  # SVG ids are random otherwise
        fig = _figure(kind, name)
        save(fig, tmp_path / "a.png", close=False)
        save(fig, tmp_path / "a.svg")
        fig = _figure(kind, name)
        fig.savefig(tmp_path / "b.png", format="png", dpi=RC["savefig.dpi"])
        fig.savefig(tmp_path / "b.svg", format="svg", dpi=RC["savefig.dpi"],
                    metadata={"Date": None})  # fmt: skip
        plt.close(fig)
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
