"""The observation operators' coefficients: default, bounds, the kind that uses each and
what it means — one table, like sim/parameters.py, read by the operators, the priors, the
posterior checks and docs/observations.md (whose operator rows must say the same)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OperatorCoefficient:
    default: float
    lo: float
    hi: float
    kind: str  # the observation kind that uses it
    meaning: str


OPERATOR_COEFFICIENTS: dict[str, OperatorCoefficient] = {
    "launch_log_rate": OperatorCoefficient(
        -1.0, -6, 3, "missile_launches", "α: log launch events per month at escalation 0"
    ),
    "launch_escalation": OperatorCoefficient(
        3.0, 0, 10, "missile_launches", "β: rise of the log monthly rate per unit of x_actor"
    ),
    "launch_missiles_log_ratio": OperatorCoefficient(
        0.7, 0, 2, "missile_launches", "log of missiles fired per launch event (unit: missiles)"
    ),
    "launch_icbm_log_share": OperatorCoefficient(
        -2.0, -6, 0, "missile_launches", "log share of launch events that are ICBMs (unit: ICBMs)"
    ),
    "launch_dispersion": OperatorCoefficient(
        0.0,
        0,
        5,
        "missile_launches",
        "φ: over-dispersion of a month's launch count, variance μ + φμ² (0: Poisson)",
    ),
    "nuclear_log_rate": OperatorCoefficient(
        -5.0, -10, 0, "nuclear_test", "log nuclear tests per month at escalation 0"
    ),
    "nuclear_escalation": OperatorCoefficient(
        4.0, 0, 12, "nuclear_test", "rise of the log monthly test rate per unit of x_actor"
    ),
    "trade_commitment": OperatorCoefficient(
        1.0, -5, 10, "trade_value", "κ: log trade change per unit change of mutual commitment"
    ),
    "trade_log_sd": OperatorCoefficient(
        0.25, 0.01, 2, "trade_value", "σ: s.d. of log trade around the operator's prediction"
    ),
    "vote_intercept": OperatorCoefficient(
        2.0, -5, 5, "unsc_vote", "η0: latent support for sanctions on North Korea"
    ),
    "vote_commitment": OperatorCoefficient(
        3.0, 0, 10, "unsc_vote", "fall of latent support per unit of the voter's C to PRK"
    ),
    "vote_leverage": OperatorCoefficient(
        2.0, -10, 10, "unsc_vote", "rise of latent support per unit of the voter's leverage"
    ),
    "vote_cut": OperatorCoefficient(
        1.0, 0.01, 5, "unsc_vote", "half-width of the abstain band of the ordered logit"
    ),
    "exercise_intercept": OperatorCoefficient(
        0.0, -10, 10, "joint_exercise", "logit of holding the exercises at index 0"
    ),
    "exercise_slope": OperatorCoefficient(
        5.0, -20, 20, "joint_exercise", "rise of that logit per unit of the pair's index"
    ),
    "exercise_memory": OperatorCoefficient(
        0.0,
        0,
        10,
        "joint_exercise",
        "half the logit gap between after a held and after a suspended exercise (0: memoryless)",
    ),
    "summit_log_rate": OperatorCoefficient(
        -4.0, -10, 2, "summit", "γ: log summits per month at mutual commitment 0"
    ),
    "summit_commitment": OperatorCoefficient(
        3.0, 0, 10, "summit", "δ: rise of the log monthly rate per unit of mutual commitment"
    ),
    "summit_pair_weight": OperatorCoefficient(
        0.0,
        0,
        2,
        "summit",
        "ω_s = 1/κ_s: weight of a month of a pair's own summits against the common rate (0: off)",
    ),
    "summit_readiness": OperatorCoefficient(
        0.0,
        0,
        5,
        "summit",
        "β_s: rise of a pair's log monthly summit rate per unit of readiness to settle (0: off)",
    ),
    "sanction_log_rate": OperatorCoefficient(
        -4.0, -10, 2, "sanction_measure", "log sanction measures per month at leverage 0"
    ),
    "sanction_leverage": OperatorCoefficient(
        3.0, 0, 10, "sanction_measure", "rise of the log monthly rate per unit of leverage"
    ),
}
