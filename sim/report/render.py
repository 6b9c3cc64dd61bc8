"""The Jinja2 environment of the reports (autoescape on) and the pieces every page shares.

Why: the reports were 600 lines of f-strings with hand escaping; one missed `esc()` was an
injection. Templates escape everything unless a value is marked safe, and the only values
marked safe here are the base64 charts this module builds itself.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from sim.plots import Chart, build, charts_for
from sim.results.folder import ResultsFolder, count

REPORT_NAME = "report.html"
PNG_DPI = 110
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass
class Table:
    """A table as the templates draw it: headers, rows of cells, numeric column indices."""

    headers: list[str]
    rows: list[list[object]]
    numeric: tuple[int, ...] = ()
    cls: str = ""


@dataclass
class Section:
    """A titled part of a page: paragraphs (notes), a list, tables, then footnotes (what a
    dash in a table means), in that order."""

    title: str
    notes: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    question: str = ""
    level: int = 2
    footnotes: list[str] = field(default_factory=list)


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("sim.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def chart_png(chart: Chart, res: ResultsFolder, reuse: bool = True) -> bytes | None:
    """The chart as PNG bytes: the saved charts/NAME.png when present, else drawn now."""
    import matplotlib.pyplot as plt

    saved = res.path / "charts" / f"{chart.name}.png"
    if reuse and saved.is_file():
        data = saved.read_bytes()
        if data[:8] == PNG_MAGIC:
            return data
    fig = build(chart, res)
    if fig is None:
        return None
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue()


def figures(res: ResultsFolder, reuse: bool) -> list[dict[str, object]]:
    """Every chart of the folder's kind that has data, ready for the `charts` block."""
    out = []
    for chart in charts_for(res.kind):
        png = chart_png(chart, res, reuse)
        if png is None:
            continue
        uri = Markup("data:image/png;base64,") + base64.b64encode(png).decode("ascii")
        out.append({"name": chart.name, "caption": chart.caption, "reads": chart.reads, "src": uri})
    return out


def provenance_rows(res: ResultsFolder) -> list[list[object]]:
    m = res.manifest
    command = m.get("command") or m.get("argv") or []
    rows: list[list[object]] = [
        ["results folder", str(res.path)],
        ["kind", res.kind],
        ["created (UTC)", m.get("created_utc") or "–"],
        ["command", " ".join(map(str, command)) or "–"],
        ["root seed", m.get("root_seed", "–")],
    ]
    for key in (
        "scenario_file",
        "scenario_hash",
        "spec",
        "spec_hash",
        "observations",
        "design",
        "n_points",
        "n_runs",
        "chunk_size",
    ):
        if m.get(key) is not None:
            rows.append([key.replace("_", " "), m[key]])
    versions = m.get("versions") or {}
    if versions:
        rows.append(["versions", ", ".join(f"{k} {v}" for k, v in versions.items())])
    return rows


def meta_line(res: ResultsFolder) -> str:
    m = res.manifest
    bits = [f"{res.kind} results"]
    if res.replications:
        bits.append(count(res.replications, "replication"))
    if m.get("steps"):
        bits.append(f"{m['steps']} steps of one {res.step_unit}")
    if "root_seed" in m:
        bits.append(f"seed {m['root_seed']}")
    return " · ".join(bits)


def render_page(
    res: ResultsFolder,
    summary: str,
    sections: list[Section],
    reuse: bool,
    caveat: str,
    charts_after: int = 1,
) -> str:
    """The whole page: title, summary paragraph, sections, charts (after the first
    `charts_after` sections), provenance."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    template = environment().get_template("page.html")
    return template.render(
        title=res.title,
        meta=meta_line(res),
        folder=res.name,
        written=now,
        summary=summary,
        caveat=caveat,
        before=sections[:charts_after],
        after=sections[charts_after:],
        charts=figures(res, reuse),
        provenance=provenance_rows(res),
    )


def write_atomic(text: str, target: Path) -> Path:
    """Write `text` to `target` through a temporary file (never a half-written page, never
    onto a device or FIFO: sim/paths.write_text_atomic)."""
    from sim.paths import write_text_atomic

    return write_text_atomic(text, target)
