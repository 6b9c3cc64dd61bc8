"""The jobs a user asks for: run an ensemble, compare scenarios, sweep parameters.

    run.py      one scenario's ensemble → a results folder (`alliance-sim run`, `sim.run`)
    compare.py  scenarios with common random numbers (`alliance-sim compare`, `sim.compare`)
    sweep/      design points, chunked execution with resume, analysis (`sim.sweep`)

The Python API's functions of the same names live in sim/api.py and import these on call.
"""
