"""Charts of real results folders (small real runs, sweeps and a comparison, not fixtures):
every chart is drawn, and every drawn text lies inside its figure. Real folders carry the long
titles, key paths and value ranges that the synthetic fixtures do not."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.plots import charts_for, figures
from sim.plots.data import wide
from tests.test_plots_text_fits import outside

REPO = Path(__file__).resolve().parents[1]
S = REPO / "scenarios"
SMALL = ["-n", "2", "--steps", "12", "-q", "--no-plots"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("real")
    out = {k: tmp / k for k in ("run", "compare", "sobol", "morris", "grid")}
    # Iran is switched on by an event at step 3: its series starts part-way.
    assert (
        main(
            [
                "run",
                str(S / "axis_with_iran.yaml"),
                "-n",
                "12",
                "--steps",
                "12",
                "-q",
                "--no-plots",
                "--out",
                str(out["run"]),
                "--set",
                "parameters.reactivity=0.1",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "compare",
                str(S / "baseline.yaml"),
                str(S / "russia_tech_transfer.yaml"),
                str(S / "china_restrains.yaml"),
                str(S / "china_distances.yaml"),
                "-n",
                "12",
                "--steps",
                "12",
                "-q",
                "--no-plots",
                "--out",
                str(out["compare"]),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "sweep",
                str(S / "sweeps/sobol.yaml"),
                "--samples",
                "16",
                *SMALL,
                "--out",
                str(out["sobol"]),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "sweep",
                str(S / "sweeps/screening.yaml"),
                "--samples",
                "4",
                *SMALL,
                "--out",
                str(out["morris"]),
            ]
        )
        == 0
    )
    assert main(["sweep", str(S / "sweeps/demo.yaml"), *SMALL, "--out", str(out["grid"])]) == 0
    return out  # fmt: skip


@pytest.mark.parametrize("name", ["run", "compare", "sobol", "morris", "grid"])
def test_real_charts_keep_their_text_inside(folders, name):
    drawn = figures(folders[name])
    assert drawn, name
    kind = "sweep" if name in ("sobol", "morris", "grid") else name
    if kind != "sweep":  # every chart of the kind has its data here
        assert [c.name for c, _ in drawn] == [c.name for c in charts_for(kind)]
    try:
        for chart, fig in drawn:
            assert outside(fig) == [], chart.name
    finally:
        for _, fig in drawn:
            plt.close(fig)


def test_wide_keeps_steps_where_an_actor_is_not_yet_active():
    frame = pd.DataFrame(
        {"step": [0, 0, 1, 1, 2, 2], "replication": [0, 1] * 3,
         "escalation": [np.nan, np.nan, np.nan, np.nan, 0.3, 0.4]}
    )  # fmt: skip
    table = wide(frame, "escalation")
    assert table.shape == (3, 2)
    assert np.isnan(table[:2]).all() and table[2].tolist() == [0.3, 0.4]
