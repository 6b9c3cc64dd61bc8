"""The plain-language paragraph every report opens with: what was run, the headline
effects in words, and the caveat.

Why: a reader who opens a report should learn in one paragraph what the tables below say,
without knowing the column names. Numbers are printed to the digits the Monte Carlo
error supports (sim/results/precision.py).
"""

from __future__ import annotations

import numpy as np

from sim.results.folder import ResultsFolder, count
from sim.results.labels import calibration_method, key_label, outcome_label
from sim.results.precision import effect_text, fmt, range_digits

CAVEAT = (
    "These are outputs of a stylised model under the scenario's stated assumptions, not "
    "forecasts. Ranges show how replications differ (model noise); they do not measure "
    "uncertainty about the real world or about the model's coefficients."
)
CAVEATS = {
    "robustness": "Robustness checks sensitivity to the coefficients within the stated "
    "spread only; it says nothing about mechanisms the model leaves out. " + CAVEAT,
    "calibration": "A posterior fitted to a handful of episodes is only as good as the "
    "observations and the measurement model; read the predictive check before trusting it.",
    "hindcast": "A hindcast scores the model against observations from the scenario's own "
    "time window; coverage far from the nominal 50% and 90% means the intervals are "
    "miscalibrated for these observations. It is not an out-of-sample forecast: the "
    "coefficients may have been set or fitted with these observations in view, while "
    "persistence and the trend forecast each observation from the earlier ones. The "
    "rolling-origin forecasts of make validate-model (docs/validation.md) are the honest "
    "test.",
}
SKIP = ("first_crisis_step", "first_war_step")


def caveat(kind: str) -> str:
    return CAVEATS.get(kind, CAVEAT)


def summary(res: ResultsFolder) -> str:
    from sim.report.robustness_page import robustness_summary

    return {
        "run": run_summary,
        "compare": compare_summary,
        "sweep": sweep_summary,
        "robustness": robustness_summary,
        "calibration": calibration_summary,
        "hindcast": hindcast_summary,
    }[res.kind](res)


def _what_ran(res: ResultsFolder) -> str:
    m = res.manifest
    steps = m.get("steps")
    span = f" over {steps} {res.step_unit}s" if steps else ""
    start = f" from {m['start']}" if m.get("start") else ""
    reps = f"{count(res.replications, 'replication')} of " if res.replications else ""
    return f"{reps}“{res.scenario_title}”{span}{start}"


def _change(label: str, mid: float, lo: float, hi: float, n: int | None) -> str:
    if lo <= 0 <= hi and abs(mid) < 1e-12:
        return f"{label} did not change"
    word = "rose" if mid > 0 else "fell"
    d = range_digits(lo, hi, n)
    if lo * hi > 0:  # one sign throughout: the range of the size of the change
        a, b = sorted((abs(lo), abs(hi)))
        return f"{label} {word} by {fmt(abs(mid), d)} ({fmt(a, d)} to {fmt(b, d)})"
    both = effect_text(mid, lo, hi, n)
    return f"{label} {word} by {fmt(abs(mid), d)} (the range crosses zero: {both})"


def _clear_effects(eff, res: ResultsFolder, limit: int = 3) -> list[str]:
    """The clearest effects (largest median relative to its spread), in words."""
    rows = [
        r for r in eff.itertuples() if r.outcome not in SKIP and not res.hidden_outcome(r.outcome)
    ]
    rows.sort(key=lambda r: -abs(r.effect_median) / (abs(r.effect_p95 - r.effect_p5) + 1e-9))
    out = []
    for r in rows[:limit]:
        if r.outcome == "crisis":
            pp = 100 * r.effect_median
            out.append(
                f"the share of replications with a crisis changed by {fmt(pp, 0, True)} points"
            )
        else:
            out.append(
                _change(
                    outcome_label(r.outcome, unit=False),
                    r.effect_median,
                    r.effect_p5,
                    r.effect_p95,
                    res.replications,
                )
            )
    return out


def run_summary(res: ResultsFolder) -> str:
    text = f"This report shows {_what_ran(res)}."
    q = res.scenario.get("question")
    if q:
        text += f" It asks: {q}"
    eff = res.effects
    if eff is not None and not eff.empty:
        label = (res.manifest.get("counterfactual") or {}).get("label", "its counterfactual")
        words = _clear_effects(eff, res)
        if words:
            text += (
                f" Against “{label}” (same random numbers), the clearest effects: "
                + "; ".join(words)
                + " (median paired effect, 5th–95th percentile)."
            )
    s = res.summary
    if s is not None and "first_crisis_step" in s and len(s):
        text += f" {(s['first_crisis_step'] >= 0).mean():.0%} of replications reached a crisis"
        text += (
            f" and {(s['first_war_step'] >= 0).mean():.0%} a war." if "first_war_step" in s else "."
        )
    return text


def compare_summary(res: ResultsFolder) -> str:
    m = res.manifest
    names = [s.get("name", "?") for s in m.get("scenarios", [])]
    ref = m.get("reference") or (names[0] if names else "?")
    text = (
        f"This report compares {len(names)} scenarios ({', '.join(names)}), each run "
        f"{count(res.replications or 0, 'replication')} with the same random numbers; "
        f"“{ref}” is the reference."
    )
    comp = res.comparison
    if comp is None or comp.empty:
        return text
    for name in names:
        if name == ref:
            continue
        rows = comp[(comp["scenario"] == name) & comp["diff_median"].notna()]
        rows = rows[~rows["outcome"].isin(SKIP) & ~rows["outcome"].map(res.hidden_outcome)]
        if rows.empty:
            continue
        score = rows["diff_median"].abs() / ((rows["diff_hi"] - rows["diff_lo"]).abs() + 1e-9)
        best = rows.loc[score.idxmax()]
        words = _change(
            outcome_label(str(best["outcome"]), unit=False),
            best["diff_median"],
            best["diff_lo"],
            best["diff_hi"],
            res.replications,
        )
        text += f" In “{name}”, the clearest difference: {words}."
    return text


def sweep_summary(res: ResultsFolder) -> str:
    m = res.manifest
    labels = [key_label(p) for p in res.parameter_paths()]
    text = (
        f"This report shows a {m.get('design', '?')} sweep of “{res.scenario_title}” over "
        f"{len(labels)} parameter{'s' if len(labels) != 1 else ''} ({'; '.join(labels)}): "
        f"{m.get('n_points', '?')} design points × {count(res.replications or 0, 'replication')}."
    )
    for name, frame, col in (("Sobol", res.sobol, "ST"), ("Morris", res.morris, "mu_star")):
        if frame is not None and not frame.empty and col in frame:
            top = frame.sort_values(col, ascending=False).iloc[0]
            text += (
                f" By {name} screening, {key_label(str(top['parameter']))} matters most "
                f"(for {outcome_label(str(top['outcome']), unit=False)})."
            )
            break
    bp = res.by_point
    if bp is not None and "final_distancing" in bp:
        v = bp["final_distancing"].to_numpy(dtype=float)
        d = range_digits(float(np.min(v)), float(np.max(v)), res.replications)
        who = res.distancing_pair()[0]
        name = res.actor_names().get(who, who)
        text += (
            f" {name}'s final distancing, averaged per point, ranges from {fmt(v.min(), d)} "
            f"to {fmt(v.max(), d)} across the design."
        )
    return text


def calibration_summary(res: ResultsFolder) -> str:
    m = res.manifest
    diag = res.table("diagnostics")
    gens = len(diag) if diag is not None else 0
    method = calibration_method(m)
    how = f"in {count(gens, 'generation')}"
    if method == "rejection ABC" and gens:  # generation 0: the prior draws; 1: those kept
        last = diag.iloc[-1]
        how = f"keeping {int(last['particles'])} of {int(last['proposed'])} prior draws"
    text = (
        f"This report shows {'an' if method[:1] in 'AEIOU' else 'a'} {method} calibration of "
        f"{count(len(m['coefficients']), 'coefficient')} "
        f"({', '.join(m['coefficients'])}) against the episodes {', '.join(m['episodes'])}, "
        f"{how}."
    )
    ppc = res.table("predictive_check")
    if ppc is not None and not ppc.empty:
        text += " " + _coverage_words(ppc)
    return text


def hindcast_summary(res: ResultsFolder) -> str:
    """What was scored, with which coefficients, the coverage, and the verdict against the
    three null forecasters (it says plainly where the model loses)."""
    from sim.observe.verdict import verdict
    from sim.report.hindcast_page import coefficients_words, design_verdicts, skill_frame

    m = res.manifest
    text = (
        f"This report scores the scenario {m['scenario']} against observed history, with "
        f"{coefficients_words(m)}."
    )
    table = res.table("hindcast")
    if table is not None and not table.empty:
        text += " " + _coverage_words(table)
    words = verdict(skill_frame(res))
    if not words:
        return text
    text += f" In sample (in this window), {words[0].lower()}{words[1:]}"
    return " ".join([text, *design_verdicts(res)])


def _coverage_words(table) -> str:
    from sim.observe.scoring import coverage

    c = coverage(table)
    if not c["observations"]:
        return "No observation was scored."
    inside = round(c["coverage90"] * c["observations"])
    return (
        f"{inside} of {c['observations']} scored observations fall inside the model's 90% "
        f"predictive interval (a calibrated model: about 90%)."
    )
