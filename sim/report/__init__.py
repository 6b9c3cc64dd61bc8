"""`report.html`: one self-contained file (charts embedded as base64 PNG) a person can email.

Built only from a results folder (docs/results-format.md) through its reader; the model is
never run. Every kind (run, compare, sweep, robustness, calibration, hindcast) opens with
a plain-language summary, then its sections and charts (Jinja2 templates in
`templates/`, autoescaped).
"""

from __future__ import annotations

from pathlib import Path

from sim.report.evidence import evidence_rows_for, locate_ledger
from sim.report.render import REPORT_NAME, chart_png, render_page, write_atomic

__all__ = [
    "REPORT_NAME",
    "chart_png",
    "evidence_rows_for",
    "locate_ledger",
    "write_charts_and_report",
    "write_report",
]


def _sections(res):
    from sim.report.compare_page import compare_sections, sweep_sections
    from sim.report.hindcast_page import hindcast_sections
    from sim.report.other_pages import calibration_sections
    from sim.report.robustness_page import robustness_sections
    from sim.report.run_page import run_sections

    return {
        "run": run_sections,
        "compare": compare_sections,
        "sweep": sweep_sections,
        "robustness": robustness_sections,
        "calibration": calibration_sections,
        "hindcast": hindcast_sections,
    }[res.kind](res)


def write_report(results_dir: Path, out: Path | None = None, reuse_charts: bool = True) -> Path:
    """Write `results_dir/report.html` (or `out`) and return its path.

    Charts already drawn into `charts/NAME.png` are embedded as they are (a results folder
    never changes once written); the others are drawn for the report.
    """
    from sim.report.summary import caveat, summary
    from sim.results.folder import ResultsFolder

    res = ResultsFolder(Path(results_dir))
    sections, before = _sections(res)
    text = render_page(res, summary(res), sections, reuse_charts, caveat(res.kind), before)
    target = Path(out) if out is not None else res.path / REPORT_NAME
    if target.is_dir():
        target = target / REPORT_NAME
    return write_atomic(text, target)


def write_charts_and_report(results_dir: Path) -> list[Path]:
    """Charts into `charts/`, then `report.html` embedding them (calibrate and hindcast
    finish their folders with this)."""
    from sim.plots import draw_charts

    charts = draw_charts(Path(results_dir))
    return [*charts, write_report(Path(results_dir))]
