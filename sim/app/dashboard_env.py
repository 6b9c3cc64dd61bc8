"""Names the dashboard and its launcher share (kept apart so the launcher imports no solara)."""

SCENARIO_ENV = "ALLIANCE_SIM_APP_SCENARIO"
TOKEN_ENV = "ALLIANCE_SIM_APP_TOKEN"  # the session token, launcher → server (never on argv)
