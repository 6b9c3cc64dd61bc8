"""Charts drawn from saved results (they never run the model)."""

from __future__ import annotations


from sim.plots.run_charts import draw_run_charts

__all__ = ["draw_run_charts"]
