"""Names the dashboard and its launcher share (kept apart so the launcher imports no solara)."""

SCENARIO_ENV = "ALLIANCE_SIM_APP_SCENARIO"
