"""The table of subcommands and the `--set` parser the command modules share.

Why here and not in sim/cli.py: the command modules register themselves on import, and
sim/cli.py imports them to build its parser; with the table in sim/cli.py each command
module imported sim/cli.py back (an import circle). Now both import this module.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from sim.errors import UsageError
from sim.scenario.keypath import parse_value

Handler = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Handler]] = {}


def command(name: str, setup: Callable[[argparse.ArgumentParser], None]):
    """Register `handler` as subcommand `name`, its arguments declared by `setup`."""

    def register(handler: Handler) -> Handler:
        COMMANDS[name] = (setup, handler)
        return handler

    return register


def parse_sets(items: Sequence[str] | None) -> dict[str, object]:
    """`--set key.path=value` pairs as a dict of parsed values."""
    out: dict[str, object] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--set {item!r}: expected key.path=value")
        out[key.strip()] = parse_value(value)
    return out
