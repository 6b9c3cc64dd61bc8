"""`style.save` lays a PNG's figure out itself (one draw fewer than `savefig`, issue 18):
every chart's file must be the bytes matplotlib's own `savefig` writes, and the figure
must keep its layout engine for whatever is saved next."""

from __future__ import annotations

import re
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
    save(fig, ours, close=False, last=True)
    assert fig.get_layout_engine() is engine  # put back all the same
    plt.close(fig)
    fig = _figure(kind, name)  # a fresh figure: savefig's own layout from the start
    fig.savefig(theirs, format="png", dpi=RC["savefig.dpi"], metadata=_metadata(theirs))
    plt.close(fig)
    assert ours.read_bytes() == theirs.read_bytes()


def _ids_in_order(svg: bytes) -> bytes:
    """An SVG with its clip-path ids renamed in order of appearance: matplotlib hashes them
    from the clip box's transform, and two plain savefig calls on two builds of one chart
    in one process already differ there (by float noise beyond the printed coordinates)."""
    names: dict[bytes, bytes] = {}
    return re.sub(rb"\bp[0-9a-f]{10}\b", lambda m: names.setdefault(m[0], b"p%d" % len(names)), svg)


@pytest.mark.parametrize("formats", [("png", "svg"), ("svg", "png")])
def test_several_formats_are_what_savefig_writes(formats, tmp_path):
    """Both formats of one figure (what `draw --format png svg` does), in either order: the
    files savefig alone writes (only a PNG saved last skips savefig's layout-only draw)."""
    kind, name = CASES[0]
    with matplotlib.rc_context({"svg.hashsalt": "fixed"}):  # SVG ids are random otherwise
        fig = _figure(kind, name)
        for fmt in formats:
            save(fig, tmp_path / f"a.{fmt}", close=False, last=fmt == formats[-1])
        plt.close(fig)
        fig = _figure(kind, name)
        for fmt in formats:
            fig.savefig(tmp_path / f"b.{fmt}", format=fmt, dpi=RC["savefig.dpi"],
                        metadata=_metadata(tmp_path / f"b.{fmt}"))  # fmt: skip
        plt.close(fig)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    svg = [_ids_in_order((tmp_path / f"{k}.svg").read_bytes()) for k in "ab"]
    assert svg[0] == svg[1]


@pytest.mark.parametrize("rc", ["figure.autolayout", "figure.constrained_layout.use"])
def test_a_user_rc_with_automatic_layout_changes_no_chart(rc, tmp_path):
    """A matplotlibrc turning on automatic layout for every figure: setting the engine
    aside with `None` installed that default instead, and a chart with a colorbar raised
    "Colorbar layout of new layout engine not compatible" (the whole run was lost)."""
    for kind, name in [("run", "network"), ("sweep", "heatmap"), CASES[0]]:
        plain = tmp_path / f"{kind}-{name}.png"
        fig = _figure(kind, name)
        save(fig, plain, last=True)
        with matplotlib.rc_context({rc: True}):
            fig = _figure(kind, name)
            user = tmp_path / f"{kind}-{name}-{rc}.png"
            save(fig, user, last=True)
        assert user.read_bytes() == plain.read_bytes(), (kind, name)
