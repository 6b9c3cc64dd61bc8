"""The dashboard (`alliance-sim app`): a solara page, guarded, with Mesa's controls on its tab.

    serve.py      binds the port, makes the session token, starts the server, prints the address
    server.py     the server process: dies with its parent, solara's app inside the guard
    guard.py      session token and same-origin checks (ASGI middleware, no solara)
    choices.py    what each control may be set to (no solara)
    state.py      per-session state and its checked setters
    levers.py     which scenario values get a slider, with their evidence (no solara)
    dashboard.py  the page: sidebar, ensemble tab, export
    analysis.py   the compare-over-time and sweep tabs
    mesa_tab.py   one replication with Mesa's Step / Play / Reset
    charts.py, effects_table.py, export.py   the page's own charts, effects table, export

docs/dashboard.md is the user's guide and the security model.
"""
