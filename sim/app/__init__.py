"""The dashboard (`alliance-sim app`): a solara page built on Mesa's SolaraViz.

    levers.py     which scenario values get a slider, with their evidence (no solara)
    dashboard.py  the page: levers, an ensemble with progress, its charts, a Mesa run
    serve.py      starts the solara server on 127.0.0.1 and prints the address

docs/dashboard.md is the user's guide.
"""
