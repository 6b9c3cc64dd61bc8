"""Results folders: one manifest model per kind, one reader, one writer, one `KINDS`.

- `sim.results.manifest`: the manifest model of each kind (run, compare, sweep, robustness,
  calibration, hindcast) and `KINDS`;
- `sim.results.folder`: `ResultsFolder`, the one reader (lazy tables), used by charts,
  reports and the Python API;
- `sim.results.write`: `write_manifest` (checked against the model) and `write_frame`
  (a run's per-step tables are written chunk by chunk where each chunk ran and joined
  into one file each: `sim.stream_tables.ChunkTables` and `JoinedTables`);
- `sim.results.labels`, `sim.results.precision`: what a reader sees (labels for key paths
  and outcome columns; digits the Monte Carlo error supports).

Import the submodule you need; this package imports nothing, so the file checks in
sim/results_io.py can use the models without an import circle.
"""
