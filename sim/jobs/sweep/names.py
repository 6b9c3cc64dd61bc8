"""Names the command line offers before any sweep is loaded (kept apart from spec.py so
that `alliance-sim --help` builds its parser without the sweep schema)."""

DESIGNS = ("grid", "lhs", "sobol", "morris")
