"""The model's vocabulary, one table per fact: what the scenario schema validates, what
the dynamics sum over, what tables and charts name.

It sits below both the scenario layer and the model (it imports nothing from sim), so the
dynamics never reach up into the scenario layer for a name, and a channel or outcome class
cannot be spelled one way in the schema and another in the model.
"""

from __future__ import annotations

# Dependency channels of an ordered pair: the row actor's reliance on the column actor.
CHANNELS = ("trade", "political_cover", "military_supply", "security_guarantee")
# Actor capabilities and behaviour traits, each in [0, 1].
CAPABILITIES = ("military", "economic", "nuclear")
TRAITS = ("stability", "risk_tolerance", "resolve", "grievance", "axis_aversion")
# Treaty obligation types (ATOP coding, Leeds et al. 2002), and the strength of a treaty
# that gives none: an automatic defence clause binds fully, a conditional one
# ("constitutional processes") less, a deliberately vague one little, consultation almost
# not at all.
OBLIGATIONS = ("automatic", "conditional", "vague", "consultation")
DEFAULT_STRENGTH = {"automatic": 1.0, "conditional": 0.6, "vague": 0.3, "consultation": 0.1}
# What an event condition may test.
METRICS = ("escalation", "commitment", "tension", "leverage", "distancing", "frustration")
# Per-run outcome classes, in order of severity (sim/ensemble.py `outcome_class`).
OUTCOMES = ("calm", "tense", "crisis", "war")
