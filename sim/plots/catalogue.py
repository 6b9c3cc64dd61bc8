"""The catalogue of charts: each chart's name, the folder kind it is drawn from, its
function, caption (also the report's) and the file it reads. Kept as data, apart from the
drawing machinery in sim/plots/__init__.py, so adding a chart is one entry here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from matplotlib.figure import Figure

from sim.plots import (
    compare_charts,
    effects_chart,
    network_chart,
    oat_chart,
    observe_charts,
    outcome_charts,
    robustness_chart,
    run_charts,
    sweep_charts,
)


@dataclass(frozen=True)
class Chart:
    name: str
    kind: str
    draw: Callable[..., Figure | None]
    caption: str
    reads: str


CHARTS: tuple[Chart, ...] = (
    Chart(
        "escalation",
        "run",
        run_charts.escalation_chart,
        "Escalation over time per actor: median and the middle 50% / 90% of replications, "
        "with the escalation-ladder rungs marked.",
        "aggregates.parquet (older folders: timeseries.parquet)",
    ),
    Chart(
        "effects",
        "run",
        effects_chart.effects_chart,
        "The scenario's effects against its counterfactual (paired by replication, common "
        "random numbers): median and 5th–95th percentile of each headline outcome.",
        "effects.csv",
    ),
    Chart(
        "occupancy",
        "run",
        run_charts.occupancy_chart,
        "Ladder occupancy: the share of replications on each rung at each step, per actor.",
        "aggregates.parquet (older folders: timeseries.parquet)",
    ),
    Chart(
        "network",
        "run",
        network_chart.network_chart,
        "The relation network at the start and the end: edge colour is commitment "
        "(red hostile, blue allied), edge width the strongest dependency channel, node size "
        "military capability.",
        "aggregates.parquet (older folders: pairs.parquet, timeseries.parquet), manifest.json",
    ),
    Chart(
        "distancing",
        "run",
        run_charts.distancing_chart,
        "The distancing index of the scenario's run.distancing actor from its partners "
        "(China from the Russia–North Korea pair in the shipped scenarios), bloc "
        "frustration, and the share of replications in crisis or at war over time.",
        "aggregates.parquet (older folders: system.parquet)",
    ),
    Chart(
        "outcomes",
        "run",
        outcome_charts.outcomes_chart,
        "Outcome distributions across replications: peak escalation per actor, time to the "
        "first crisis, outcome class.",
        "summary.csv",
    ),
    Chart(
        "comparison",
        "compare",
        compare_charts.comparison_chart,
        "Each scenario's difference from the reference (paired by replication): median with "
        "the 5th–95th percentile range.",
        "comparison.csv, summaries.parquet",
    ),
    Chart(
        "compare_outcomes",
        "compare",
        compare_charts.outcome_classes_chart,
        "Outcome classes and peak escalation per scenario.",
        "summaries.parquet",
    ),
    Chart(
        "heatmap",
        "sweep",
        sweep_charts.heatmap_chart,
        "Mean outcomes over the two swept parameters of a grid design.",
        "analysis/by_point.parquet",
    ),
    Chart(
        "sobol",
        "sweep",
        sweep_charts.sobol_chart,
        "Sobol sensitivity indices: first-order S1 and total ST with confidence intervals.",
        "analysis/sobol.csv",
    ),
    Chart(
        "morris",
        "sweep",
        sweep_charts.morris_chart,
        "Morris screening: mean absolute elementary effect μ* with its confidence interval, and σ.",
        "analysis/morris.csv",
    ),
    Chart(
        "scatter",
        "sweep",
        sweep_charts.scatter_chart,
        "Each swept parameter against key outcomes: every run and the per-point mean.",
        "chunks/*.parquet, points.parquet, analysis/by_point.parquet",
    ),
)
CHARTS += (
    Chart(
        "robustness",
        "robustness",
        robustness_chart.robustness_chart,
        "Share of coefficient draws (every coefficient within ±spread) in which each headline "
        "effect keeps its sign and the outcome class holds, against the 90% line.",
        "robustness.csv",
    ),
    Chart(
        "oat",
        "robustness",
        oat_chart.oat_chart,
        "One coefficient at a time (with --one-at-a-time): per headline effect, the bar runs "
        "from the effect with the coefficient at its lowest factor (default ×0.5) to the effect "
        "at its highest (×2), largest ranges first, against the nominal effect; knife edges "
        "(sign lost, or crisis moving by more than 0.5) in orange.",
        "oat.csv",
    ),
)
CHARTS += (
    Chart(
        "prior_posterior",
        "calibration",
        observe_charts.prior_posterior_chart,
        "Each calibrated coefficient: its prior (generation 0) and posterior (last generation).",
        "populations.parquet",
    ),
    Chart(
        "diagnostics",
        "calibration",
        observe_charts.diagnostics_chart,
        "ABC by generation: tolerance, acceptance rate and effective sample size.",
        "diagnostics.csv",
    ),
    Chart(
        "predictive_check",
        "calibration",
        observe_charts.predictive_check_chart,
        "Posterior predictive check: each observation against the model's 50% and 90% "
        "predictive intervals.",
        "predictive_check.csv",
    ),
    Chart(
        "hindcast",
        "hindcast",
        observe_charts.hindcast_chart,
        "Each observation in the scenario's window against the model's 50% and 90% "
        "predictive intervals.",
        "hindcast.csv",
    ),
    Chart(
        "hindcast_skill",
        "hindcast",
        observe_charts.hindcast_skill_chart,
        "Each forecast design's pooled skill against persistence, the linear trend and the "
        "events-only world, with its 90% interval over the observations (paired bootstrap).",
        "hindcast.csv",
    ),
)
CHART_NAMES = tuple(c.name for c in CHARTS)
