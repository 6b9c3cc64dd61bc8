"""Subcommands beyond scenario checking; importing a module registers its commands."""

from sim.commands import calibrate, compare, plot, robustness, run, sweep  # noqa: F401
