"""What a reader sees instead of a column name or a key path: one function per kind of name.

Why: sweep axes, chart titles and report tables showed `parameters.reactivity` and
`peak_escalation_PRK`. A label is built from the table that defines the name (the parameter
table's meaning, the scenario schema's field descriptions), so it cannot drift from it.
"""

from __future__ import annotations

import re
import textwrap

from sim.parameters import PARAMETERS

# Scenario fields a key path can end in -> what they are (from sim/scenario/schema.py).
FIELDS = {
    "military": "military capability",
    "economic": "economic capability",
    "nuclear": "nuclear capability",
    "stability": "stability preference",
    "risk_tolerance": "risk tolerance",
    "resolve": "resolve",
    "grievance": "grievance",
    "axis_aversion": "axis aversion",
    "escalation": "initial escalation",
    "leverage": "initial leverage",
    "active": "active",
    "trade": "trade dependence",
    "political_cover": "reliance on political cover",
    "military_supply": "reliance on military supply",
    "security_guarantee": "reliance on security guarantee",
    "commitment": "commitment",
    "strength": "strength",
}
LONGEST_MEANING = 48  # characters of a parameter's meaning kept in its label


def key_label(path: str, unit: bool = False, wrap: int | None = None) -> str:
    """A key path in words, e.g. 'parameters.reactivity' -> 'Reactivity (escalation per
    unit of perceived threat)'; `relations.PRK.RUS.trade` -> 'PRK→RUS trade dependence'.
    `unit` adds a parameter's unit (chart axes); `wrap` breaks the text into lines."""
    text = _key_words(path)
    parts = path.split(".")
    if unit and parts[0] == "parameters" and len(parts) == 2 and parts[1] in PARAMETERS:
        text += f" [{PARAMETERS[parts[1]].unit}]"
    elif unit and parts[-1] in FIELDS and parts[-1] != "active":
        text += " [weight 0–1]" if parts[-1] != "commitment" else " [−1…+1]"
    return "\n".join(textwrap.wrap(text, wrap)) if wrap else text


def _key_words(path: str) -> str:
    parts = [p for p in path.split(".") if p != "value"]
    if not parts:
        return path
    if parts[0] == "parameters" and len(parts) == 2 and parts[1] in PARAMETERS:
        return parameter_name(parts[1])
    if parts[0] == "events" and len(parts) >= 4 and parts[2] == "set":
        return f"{_key_words('.'.join(parts[3:]))}, set by event {parts[1]}"
    if parts[0] == "events" and len(parts) == 3:
        return f"event {parts[1]}: {parts[2].replace('_', ' ')}"
    if parts[0] == "actors" and len(parts) >= 3:
        return f"{parts[1]} {_field(parts[-1])}"
    if parts[0] == "relations" and len(parts) == 4:
        return f"{parts[1]}→{parts[2]} {_field(parts[3])}"
    if parts[0] == "treaties" and len(parts) == 3:
        return f"treaty {parts[1]}: {_field(parts[2])}"
    return path


def parameter_name(name: str) -> str:
    """'Reactivity (escalation per unit of perceived threat)': the name and its meaning."""
    meaning = PARAMETERS[name].meaning
    if ": " in meaning:  # 'formula: words' keeps the words, 'words: detail' the words
        head, tail = meaning.split(": ", 1)
        meaning = tail if "=" in head else head
    if len(meaning) > LONGEST_MEANING:
        meaning = meaning[:LONGEST_MEANING].rsplit(" ", 1)[0] + "…"
    return f"{name.replace('_', ' ').capitalize()} ({meaning})"


def coefficient_label(name: str) -> str:
    """A calibrated coefficient: a model parameter in words, any other (a measurement
    coefficient such as a log rate) by its name."""
    return parameter_name(name) if name in PARAMETERS else name.replace("_", " ")


def _field(name: str) -> str:
    return FIELDS.get(name, name.replace("_", " "))


def short_key(path: str) -> str:
    """A key path without the `parameters.` prefix (folder names, terminal lines)."""
    return path.removeprefix("parameters.")


# ---------------------------------------------------------------------- outcomes
SCALAR_OUTCOMES = {
    "first_crisis_step": ("first crisis", "step of first crisis, −1 = none"),
    "first_war_step": ("first war", "step of first war, −1 = none"),
    "crisis_months": ("time in crisis", "months"),
    "final_distancing": ("final distancing", "index, −2…2"),
    "peak_frustration": ("peak bloc frustration", "share of unbalanced triads, 0–1"),
    "final_frustration": ("final bloc frustration", "share of unbalanced triads, 0–1"),
    "crisis": ("crisis", "share of replications"),
    "war": ("war", "share of replications"),
    "p_crisis": ("P(crisis)", "share of replications"),
    "p_war": ("P(war)", "share of replications"),
    "outcome_class": ("outcome class", ""),
}
ACTOR_OUTCOMES = {
    "peak_escalation": ("peak escalation", "level 0–1"),
    "final_escalation": ("final escalation", "level 0–1"),
    "final_rung": ("final rung", "rung 0–7"),
    "final_leverage": ("final leverage", "level 0–1"),
}


PAIR_OUTCOMES = {"final_commitment": ("final commitment", "−1…+1")}


def outcome_parts(outcome: str) -> tuple[str, str]:
    """(name, unit) of an outcome column, e.g. ('peak escalation, PRK', 'level 0–1')."""
    if outcome in SCALAR_OUTCOMES:
        return SCALAR_OUTCOMES[outcome]
    for prefix, (name, unit) in PAIR_OUTCOMES.items():
        m = re.fullmatch(rf"{prefix}_([A-Z0-9]+)_([A-Z0-9]+)", outcome)
        if m:
            return f"{name}, {m.group(1)}→{m.group(2)}", unit
    for prefix, (name, unit) in ACTOR_OUTCOMES.items():
        if outcome.startswith(prefix + "_"):
            return f"{name}, {outcome[len(prefix) + 1 :]}", unit
    return outcome.replace("_", " "), ""


def outcome_label(outcome: str, unit: bool = True, wrap: bool = False) -> str:
    name, u = outcome_parts(outcome)
    return f"{name}{chr(10) if wrap else ' '}({u})" if unit and u else name


def actor_of(outcome: str) -> str | None:
    """The actor a per-actor outcome column is about ('peak_escalation_PRK' -> 'PRK')."""
    for prefix in ACTOR_OUTCOMES:
        m = re.fullmatch(rf"{prefix}_(.+)", outcome)
        if m:
            return m.group(1)
    return None


def calibration_method(manifest: dict) -> str:
    """The estimator a calibration folder was made with, in words (folders written before
    the spec had `method` were all ABC-SMC)."""
    return "rejection ABC" if manifest.get("method") == "rejection" else "ABC-SMC"
