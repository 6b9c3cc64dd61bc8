"""Parameter sweeps: specs, designs, chunked execution with resume, and analysis.

    spec.py       sweep: blocks, sweep files and --param flags → a checked SweepSpec
    designs.py    grid, Latin hypercube (scipy.stats.qmc), Sobol and Morris (SALib)
    plan.py       runs, chunks and the plan hash
    batch.py      many design points simulated in one array batch (bit-identical per run)
    executors.py  in-process, local processes, Dask
    store.py      the results folder: atomic chunk files, manifest, resume
    runner.py     plan → executor → store, with a progress bar
    analysis.py   per-point means, Sobol / Morris / RBD-FAST indices (SALib)
    prim.py       PRIM scenario discovery (ema_workbench)

docs/sweeps.md is the user's guide; docs/results-format.md the folder contract.
"""
