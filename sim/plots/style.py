"""One look for every chart: colour-blind-safe colours, fonts, bands, date axes, rung guides.

Colours are the Okabe–Ito palette (Okabe & Ito 2008), which stays distinguishable under
the common colour-vision deficiencies; ordinal scales (ladder rungs, outcome classes) use
a lightness-ordered sequential map, and signed commitment a red–blue diverging map.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.ladder import EDGES, RUNGS

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
# Fixed colours for the article's actors, so an actor looks the same in every chart.
ACTOR_COLOURS = {
    "CHN": OKABE_ITO["vermillion"],
    "RUS": OKABE_ITO["reddish purple"],
    "PRK": OKABE_ITO["orange"],
    "USA": OKABE_ITO["blue"],
    "JPN": OKABE_ITO["sky blue"],
    "KOR": OKABE_ITO["bluish green"],
    "UKR": OKABE_ITO["black"],
    "IRN": "#777777",
}
# Any further actor or scenario: matplotlib's tableau-colorblind10, in order.
EXTRA_COLOURS = (
    "#006BA4",
    "#FF800E",
    "#ABABAB",
    "#595959",
    "#5F9ED1",
    "#C85200",
    "#898989",
    "#A2C8EC",
    "#FFBC79",
    "#CFCFCF",
)
# Series that are not actors (scenarios, S1/ST, mu*/sigma): Okabe–Ito without yellow.
SERIES_COLOURS = (
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["bluish green"],
    OKABE_ITO["orange"],
    OKABE_ITO["reddish purple"],
    OKABE_ITO["sky blue"],
    OKABE_ITO["black"],
)
ACTOR_NAMES = {
    "CHN": "China",
    "RUS": "Russia",
    "PRK": "North Korea",
    "USA": "United States",
    "JPN": "Japan",
    "KOR": "South Korea",
    "UKR": "Ukraine",
    "IRN": "Iran",
}
BAND_50 = 0.35  # alpha of the middle-50% band
BAND_90 = 0.15  # alpha of the middle-90% band
GUIDE = "#9a9a9a"
SEQUENTIAL = "viridis"  # heatmaps (lightness-ordered, colour-blind-safe)
DIVERGING = "RdBu"  # commitment: red = hostility, blue = alliance
OUTCOME_CLASSES = ("calm", "tense", "crisis", "war")

RC = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.6,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "figure.titlesize": 12.5,
    "figure.titleweight": "bold",
    "lines.linewidth": 1.8,
    "axes.prop_cycle": matplotlib.cycler(color=list(SERIES_COLOURS)),
    "image.cmap": SEQUENTIAL,
    # Each chart chooses its own layout (and reserves its footer strip): a user's
    # matplotlibrc turning on tight or constrained layout for every figure must not apply.
    "figure.autolayout": False,
    "figure.constrained_layout.use": False,
}


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Every chart is built inside this context (fonts, grid, colour cycle)."""
    with plt.rc_context(RC):
        yield


def actor_colour(actor: str, index: int = 0) -> str:
    return ACTOR_COLOURS.get(actor) or EXTRA_COLOURS[index % len(EXTRA_COLOURS)]


def actor_colours(actors: Sequence[str]) -> dict[str, str]:
    extra = iter(range(len(actors)))
    return {a: ACTOR_COLOURS.get(a) or actor_colour(a, next(extra)) for a in actors}


def actor_label(actor: str, names: dict[str, str] | None = None) -> str:
    name = (names or {}).get(actor) or ACTOR_NAMES.get(actor)
    return f"{name} ({actor})" if name and name != actor else actor


def series_colour(i: int) -> str:
    return SERIES_COLOURS[i % len(SERIES_COLOURS)]


def ordinal_colours(n: int, cmap: str = "YlOrRd", lo: float = 0.12, hi: float = 1.0) -> list:
    """n colours of increasing darkness (for ordered categories: rungs, outcome classes)."""
    colormap: Colormap = plt.get_cmap(cmap)
    return [colormap(v) for v in np.linspace(lo, hi, n)]


RUNG_COLOURS = ordinal_colours(len(RUNGS), "inferno_r", 0.06, 0.9)
OUTCOME_COLOURS = dict(zip(OUTCOME_CLASSES, ordinal_colours(4, "inferno_r", 0.1, 0.8), strict=True))


def band(ax: Axes, x, q: dict[float, np.ndarray], colour: str, label: str | None = None) -> None:
    """Median line over the middle-90% and middle-50% bands (q keyed by quantile)."""
    ax.fill_between(x, q[0.05], q[0.95], color=colour, alpha=BAND_90, lw=0)
    ax.fill_between(x, q[0.25], q[0.75], color=colour, alpha=BAND_50, lw=0)
    ax.plot(x, q[0.5], color=colour, label=label)


def band_legend(n: int, colour: str = "#555555") -> tuple[list, list[str]]:
    """Legend proxies explaining the band convention."""
    handles = [
        Line2D([], [], color=colour, lw=1.8),
        Patch(color=colour, alpha=BAND_50 + BAND_90 * (1 - BAND_50), lw=0),
        Patch(color=colour, alpha=BAND_90, lw=0),
    ]
    labels = [
        f"median of {n} replication" + ("" if n == 1 else "s"),
        "middle 50% of replications",
        "middle 90% of replications",
    ]
    return handles, labels


def tick_steps(n_steps: int, most: int = 5) -> np.ndarray:
    """A readable set of step ticks: at most `most` + 1 labels, on round step counts."""
    for every in (1, 2, 3, 6, 12, 24, 60, 120, 240, 600):
        if n_steps / every <= most:
            return np.arange(0, n_steps + 1, every)
    return np.linspace(0, n_steps, 7).round().astype(int)


def date_axis(
    ax: Axes, dates: Sequence[str], label: bool = True, unit: str = "month", most: int = 4
) -> None:
    """x = step number; ticks show the calendar date of the step."""
    n = len(dates) - 1
    ticks = tick_steps(n, most)
    ax.set_xticks(ticks, [dates[t] for t in ticks])
    ax.set_xlim(0, max(n, 1))
    if label:
        ax.set_xlabel(f"date (1 step = 1 {unit}; step 0 = {dates[0]})")


def rung_top(level: float) -> float:
    """The upper edge of the rung holding `level`, plus a little headroom (≤ 1)."""
    uppers = np.append(EDGES, 1.0)
    # a level within 1e-9 of 1 (0.9999999999999999, a peak the dynamics reach) is in the
    # top rung: the lookup past the last edge was an IndexError that ended `run` and `plot`
    k = min(int(np.searchsorted(uppers, level + 1e-9)), len(uppers) - 1)
    top = uppers[k] if level < 1 else 1.0
    return float(min(1.0, top + 0.02))


def rung_guides(ax: Axes, top: float, names: bool = True) -> None:
    """Light horizontal lines at the rung edges; rung names on the right-hand side."""
    lows = np.concatenate([[0.0], EDGES])
    highs = np.append(EDGES, 1.0)
    for k, (lo, hi) in enumerate(zip(lows, highs, strict=True)):
        if lo >= top:
            break
        if k % 2:
            ax.axhspan(lo, min(hi, top), color="#f3f3f3", zorder=0, lw=0)
        if lo > 0:
            ax.axhline(lo, color=GUIDE, lw=0.6, ls=(0, (3, 3)), zorder=0.5)
    ax.set_ylim(0, top)
    ax.grid(False)
    if names:
        right = ax.secondary_yaxis("right")
        mids = [(lo + min(hi, top)) / 2 for lo, hi in zip(lows, highs, strict=True) if lo < top]
        shown = [RUNGS[k] for k in range(len(mids))]
        right.set_yticks(mids, shown, fontsize=7.5, color="#555555")
        right.tick_params(length=0)
        right.spines["right"].set_visible(False)


def panel_grid(
    used: int, nrows: int, ncols: int, figsize: tuple[float, float], **kwargs: object
) -> tuple[Figure, np.ndarray]:
    """A constrained-layout grid of panels (always 2-D); panels past the `used`-th are hidden."""
    fig, axes = plt.subplots(
        nrows, ncols, figsize=figsize, squeeze=False, layout="constrained", **kwargs
    )
    for ax in axes.flat[used:]:
        ax.set_visible(False)
    return fig, axes


def footer(
    fig: Figure,
    text: str,
    handles: Sequence | None = None,
    labels: Sequence[str] | None = None,
    ncol: int = 4,
    title: str | None = None,
) -> None:
    """Reserve a strip at the bottom for an optional legend and the provenance line.

    (Constrained layout's own "outside" legends ignore the layout rectangle, so the bottom
    legend is placed here, in space the layout keeps free.)
    """
    height = fig.get_figheight()
    foot = 0.24
    legend = 0.0
    if handles:
        rows = math.ceil(len(handles) / max(ncol, 1))
        legend = 0.12 + 0.24 * rows + (0.2 * (title.count("\n") + 1) if title else 0.0)
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        engine.set(rect=(0, (foot + legend) / height, 1, 1 - (foot + legend) / height))
    if handles:
        fig.legend(
            handles,
            labels,
            loc="lower center",
            bbox_to_anchor=(0.5, foot / height),
            ncol=ncol,
            title=title,
        )
    fig.text(0.995, 0.4 * foot / height, drawable(text), ha="right", va="center", fontsize=7,
             color="#777777")  # fmt: skip


def drawable(text: str) -> str:
    """`text` with every character the chart font cannot draw shown as its code point: a CJK
    folder name in the provenance line printed dozens of "Glyph missing" warnings and drew
    empty boxes (issue #19); `U+7D50` says what the name was."""
    if text.isascii():
        return text
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    font = FT2Font(font_manager.findfont(font_manager.FontProperties()))
    return "".join(
        c if c.isascii() or font.get_char_index(ord(c)) else f"U+{ord(c):04X}" for c in text
    )


def save(fig: Figure, path: Path, dpi: int | None = None, close: bool = True,
         last: bool | None = None) -> Path:  # fmt: skip
    """Write atomically (a temporary name in the same folder, then rename). `last`: nothing
    else is saved from this figure afterwards (by default: when it is closed here), so a
    PNG may be laid out without savefig's layout-only draw (`_laid_out`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fmt, dpi = path.suffix.lstrip("."), dpi or RC["savefig.dpi"]
    try:
        with _laid_out(fig, fmt, dpi, close if last is None else last):
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=_metadata(path))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        if close:
            plt.close(fig)
    return path


@contextlib.contextmanager
def _laid_out(fig: Figure, fmt: str, dpi: float, last: bool) -> Iterator[None]:
    """For a PNG saved last from its figure: the figure's layout run once here, at the
    resolution it is saved at, and its layout engine set aside while it is saved.

    Why: with a layout engine, `savefig` draws the whole figure once without rendering only
    to run the layout, then draws it again to render it; that first draw was ~10% of the
    run's chart time (issue 18). Run here, as `Figure.draw` runs it, the layout is the same
    and so is every byte of the PNG (tests/test_plots_save.py). Vector formats measure
    text with their own renderers: they keep savefig's own path, and so does a PNG saved
    before another format (skipping the layout-only draw leaves the figure in a state that
    moved a later SVG's clip boxes by less than its printed precision, but changed its
    ids). The engine is put back afterwards all the same."""
    engine = fig.get_layout_engine()
    if fmt != "png" or not last or engine is None or not fig.axes:
        yield
        return
    before = fig.dpi
    fig.dpi = dpi
    try:
        engine.execute(fig)
    except ValueError:  # as Figure.draw: a layout that cannot be made is left undone
        pass
    finally:
        fig.dpi = before
    fig.set_layout_engine("none")  # None would mean the user's rc default (figure.autolayout)
    try:
        yield
    finally:
        fig.set_layout_engine(engine)


def _metadata(path: Path) -> dict:
    fmt = path.suffix.lstrip(".")
    if fmt == "png":
        return {"Software": "alliance-sim (matplotlib)"}
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None}
    return {}
