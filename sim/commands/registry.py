"""Where subcommands register: the table `alliance-sim` dispatches on, and `--set` parsing.

Kept apart from sim/cli.py so that command modules import this, not the command line
itself: `cli` imports the commands, never the other way round (no import circle).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from sim.errors import UsageError
from sim.scenario.keypath import parse_value

Handler = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Handler]] = {}


def command(name: str, setup: Callable[[argparse.ArgumentParser], None]):
    """Register `handler` as subcommand `name`, its flags added by `setup`."""

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


def file_to_write(text: str) -> Path:
    """An `-o FILE` argument. Why: `report R -o some/dir/` wrote a file named `dir` (a
    Path drops the trailing slash that said "a folder"); an existing folder was already
    refused as "a folder; give a file name"."""
    if text.endswith(("/", os.sep)):
        raise argparse.ArgumentTypeError(f"{text!r} ends with '/', a folder; give a file name")
    return Path(text)
