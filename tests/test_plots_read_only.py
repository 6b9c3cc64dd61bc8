"""Plots and reports read results folders only: drawing every chart and writing every report
through the CLI, in a fresh interpreter, never imports the engine (so it cannot run it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "results"
ENGINE = (
    "sim.ensemble",
    "sim.world",
    "sim.state",
    "sim.events",
    "sim.metrics",
    "sim.model",
    "sim.engine",
    "sim.dynamics",
    "sim.jobs.run",
    "sim.jobs.sweep.batch",
    "sim.jobs.sweep.runner",
)

SCRIPT = """
import json, shutil, sys
from pathlib import Path
from sim.cli import main
data, tmp = Path(sys.argv[1]), Path(sys.argv[2])
for kind in ("run", "compare", "sweep"):
    shutil.copytree(data / kind, tmp / kind)
    assert main(["plot", str(tmp / kind)]) == 0
    assert main(["report", str(tmp / kind)]) == 0
print(json.dumps(sorted(m for m in sys.modules if m == "sim" or m.startswith("sim."))))
"""


def test_plot_and_report_import_nothing_of_the_engine(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(DATA), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"},
    )
    loaded = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert "sim.plots" in loaded and "sim.report" in loaded  # the check saw the real work
    assert len(list(tmp_path.glob("*/charts/*.png"))) >= 9
    assert sorted(loaded & set(ENGINE)) == []
