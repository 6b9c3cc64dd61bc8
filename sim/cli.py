"""The `alliance-sim` command: thin wrappers that turn files and flags into library calls.

Every user error ends here as one line per problem and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from sim.commands.registry import COMMANDS, command, file_to_write, parse_sets
from sim.errors import EXIT_INVALID, ScenarioError, UsageError


def _validate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", type=Path, help="scenario files")


@command("validate", _validate_args)
def cmd_validate(args: argparse.Namespace) -> int:
    """Check scenario, sweep and calibration files: exit 0 when all are valid, else one line
    per problem."""
    from sim.jobs.sweep.spec import load_spec
    from sim.jobs.sweep.spec_file import is_sweep_file
    from sim.observe.observations import is_observations_file, load_observations
    from sim.observe.spec import check_inputs, is_calibration_spec
    from sim.observe.spec import load_spec as load_calibration
    from sim.results.folder import count
    from sim.scenario.ledger import is_ledger, load_ledger
    from sim.scenario.loader import load_scenario

    failed = False
    for path in args.paths:
        try:
            if kind := _results_kind(path):  # was read as a scenario or a sweep file
                raise UsageError(
                    f"a results manifest (kind {kind}), not a scenario; "
                    f"`alliance-sim report {path.parent}` reads its folder"
                )
            if is_sweep_file(path):
                spec = load_spec(path)
                print(f"{path}: ok (sweep of {count(len(spec.params), 'parameter')})")
            elif is_calibration_spec(path):
                cal = load_calibration(path)
                check_inputs(cal)  # its scenarios and observation files, as calibrate reads them
                print(f"{path}: ok (calibration of {count(len(cal.names), 'coefficient')})")
            elif is_observations_file(path):  # not a scenario: say what it is
                found = load_observations([path])
                print(f"{path}: ok (observations file of {count(len(found), 'observation')})")
            elif is_ledger(path):  # was read as a scenario: "missing required key 'title'"
                records = load_ledger(path).records
                print(f"{path}: ok (evidence ledger of {count(len(records), 'record')})")
            else:
                loaded = load_scenario(path)
                for warning in loaded.warnings:  # valid, but something can never happen
                    print(warning, file=sys.stderr)
                print(f"{path}: ok")
        except UsageError as exc:
            failed = True
            print(f"{path}: {exc}", file=sys.stderr)
        except ScenarioError as exc:
            failed = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
    return EXIT_INVALID if failed else 0


def _results_kind(path: Path) -> str | None:
    """The kind of a results folder's manifest.json given to `validate`, else None (cheap
    and forgiving, like the sweep and observation file tests before it)."""
    from sim.results.manifest import KINDS
    from sim.scenario.yamlio import YamlFail, load_yaml

    try:
        data = load_yaml(path).data
    except (YamlFail, OSError, UnicodeDecodeError):
        return None
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) and kind in KINDS else None


def _schema_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-o", "--output", type=file_to_write, help="write to this file instead of stdout"
    )


@command("schema", _schema_args)
def cmd_schema(args: argparse.Namespace) -> int:
    """Print the scenario format as JSON Schema (for editor autocompletion)."""
    from sim.scenario.schema import json_schema

    text = json.dumps(json_schema(), indent=2)
    if args.output:
        from sim.paths import write_text_atomic

        write_text_atomic(text + "\n", args.output)
    else:
        print(text)
    return 0


def _evidence_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", type=Path)
    p.add_argument("--strict", action="store_true", help="fail if any weight has no evidence")
    p.add_argument("--set", action="append", metavar="KEY.PATH=VALUE")


@command("evidence", _evidence_args)
def cmd_evidence(args: argparse.Namespace) -> int:
    """Print every weight of a scenario with its evidence ids and claims."""
    from sim.evidence import evidence_rows, format_table
    from sim.scenario.loader import load_scenario

    loaded = load_scenario(args.scenario, parse_sets(args.set))
    rows = evidence_rows(loaded)
    print(format_table(rows))
    bare = [r for r in rows if not r.evidence or r.overridden]
    if args.strict and bare:
        for row in bare:
            loc = tuple(row.path.split("."))
            why = (
                "value set by --set, not the one its ids support"
                if row.overridden
                else "no evidence ids"
            )
            print(loaded.origins.problem(loc, f"{why} (strict)"), file=sys.stderr)
        return EXIT_INVALID
    return 0


def _app_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "scenario", nargs="?", type=Path, default=Path("scenarios/baseline.yaml"),
        help="scenario shown first (default scenarios/baseline.yaml)",
    )  # fmt: skip
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")


@command("app", _app_args)
def cmd_app(args: argparse.Namespace) -> int:
    """Start the interactive dashboard (Mesa's SolaraViz) and print its address."""
    import importlib.util

    from sim.app.serve import serve
    from sim.scenario.loader import load_scenario

    load_scenario(args.scenario)  # a bad file: one line per problem, before any server
    if importlib.util.find_spec("solara") is None:
        raise UsageError("the dashboard needs solara: pip install -e '.[app]' (make demo does)")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be in 1..65535, found {args.port}")
    return serve(args.scenario, args.host, args.port)


def build_parser() -> argparse.ArgumentParser:
    import sim.commands  # noqa: F401  (registers run, sweep, plot, ...)

    parser = argparse.ArgumentParser(
        prog="alliance-sim",
        description="Alliance dynamics around the 2024 Russia–North Korea pact.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (setup, handler) in COMMANDS.items():
        doc = (handler.__doc__ or "").strip().splitlines()
        p = sub.add_parser(name, help=doc[0] if doc else None, description=doc[0] if doc else None)
        setup(p)
        p.set_defaults(handler=handler)
    return parser


def version() -> str:
    from importlib import metadata

    try:
        return metadata.version("alliance-sim")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """The command line. Ctrl-C while the commands are imported and the flags parsed (the
    first fifth of a second) is the same one line as later, not a KeyboardInterrupt
    traceback: nothing has been written yet."""
    try:
        from sim.procs import Terminated, interrupts_raised

        args = _literal_paths(build_parser().parse_args(argv))
    except KeyboardInterrupt:
        print("alliance-sim: interrupted", file=sys.stderr)
        return 130
    try:
        # SIGTERM unwinds like Ctrl-C: partials removed, no orphans. One worker pool serves
        # every ensemble and chunk of the command (started on first use).
        with interrupts_raised(), _command_pool(args):
            code = args.handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:
        return _closed_pipe()
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    except UsageError as exc:
        print(f"alliance-sim {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        print(f"alliance-sim {args.command}: error: {_os_error(exc, args)}", file=sys.stderr)
        return EXIT_INVALID
    except Terminated:
        print("alliance-sim: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("alliance-sim: interrupted", file=sys.stderr)
        return 130


def _literal_paths(args: argparse.Namespace) -> argparse.Namespace:
    """Every path flag as the file system names it (`sim.paths.literal`: a quoted `~/x` is
    the folder `./~/x` for pandas and pyarrow too, not half of it in the home folder)."""
    from pathlib import Path

    from sim.paths import literal

    for key, value in vars(args).items():
        if isinstance(value, Path):
            setattr(args, key, literal(value))
        elif isinstance(value, list) and any(isinstance(v, Path) for v in value):
            setattr(args, key, [literal(v) for v in value])
    return args


def _file_above(name: str) -> str | None:
    """The first existing path above `name` that is not a folder, if any."""
    import os
    from pathlib import Path

    for above in reversed(Path(name).parents):
        if os.path.lexists(above) and not os.path.isdir(above):
            return str(above)
    return None


FULL = {28: "no space left on the disk", 27: "a file size limit was reached",
        122: "the disk quota is exceeded"}  # ENOSPC, EFBIG, EDQUOT  # fmt: skip


def _os_error(exc: OSError, args: argparse.Namespace | None = None) -> str:
    """An OSError as one line. `--out FILE/x` (a folder asked for below a file) failed in
    mkdir as "FILE: File exists", which reads as if the file were the problem by existing.
    A full disk said only "File too large" or "Error writing bytes to file. Detail: [errno
    28] …" (pyarrow's words), naming no path: it now says what was being written."""
    import os
    import re

    name = exc.filename
    above = _file_above(str(name)) if isinstance(exc, NotADirectoryError) and name else None
    if above is not None:  # `calibrate --out FILE/x` said "FILE/.x.work: Not a directory"
        return f"{above}: a file, where a folder is needed (a path below it was given)"
    if isinstance(exc, FileExistsError) and name and not os.path.isdir(name):
        return f"{name}: a file, where a folder is needed (a path below it was given)"
    found = re.search(r"\[errno (\d+)\]", str(exc))
    code = exc.errno if exc.errno is not None else int(found.group(1)) if found else None
    if code in FULL:
        named = ("out", "output", "sweep_dir", "results")  # what the command writes into
        out = next((getattr(args, k) for k in named if getattr(args, k, None)), None)
        where = name or out or "the results"
        return f"writing {where}: {FULL[code]}; nothing was published (free space, run again)"
    return f"{name}: {exc.strerror or exc}" if name else str(exc.strerror or exc)


def _command_pool(args: argparse.Namespace) -> AbstractContextManager:
    """The worker pool of a command with `--workers` above 1 (sim/pool.py); nothing to set
    up otherwise (a bad value is the command's own error to report)."""
    workers = getattr(args, "workers", None)
    if not isinstance(workers, int) or workers <= 1:
        return nullcontext()
    from sim.pool import command_pool

    return command_pool(workers)


def _closed_pipe() -> int:
    """The reader went away (`alliance-sim ... | head -1`): stop quietly, like `cat` does.

    Output still buffered for the closed pipe would fail again at exit, so stdout is pointed
    at /dev/null first (the recipe in Python's `signal` documentation)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (tests capture it)
        pass
    return 141  # 128 + SIGPIPE, what a shell reports for a command a pipe closed


if __name__ == "__main__":
    # Run the imported module's main: commands register on `sim.cli`, not on `__main__`.
    from sim.cli import main as registered_main

    sys.exit(registered_main())
