"""Imported by the multiprocessing forkserver alone (a preload module), so that the server
dies with the command that started it; its workers then die with the server.

Importing this module anywhere else would tie that process to its parent: nothing else
imports it.
"""

from sim.procs import die_with_parent

die_with_parent()
