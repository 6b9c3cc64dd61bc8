"""Registers the commands that live beyond scenario checking (run, compare, sweep, plot...)."""
