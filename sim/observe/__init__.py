"""Observations of real history, the operators that predict them, calibration and hindcasts."""
