"""Names that become paths, and folders written into: one pattern, no escape by symlink.

Why (issue #19): a calibration spec's `name: ../../../../tmp/x` or `/tmp/x` wrote outside
`results/`, and `plot` followed a symlinked `charts/` to write outside the results folder.
Every name read from a file that becomes part of a path (scenario, sweep and calibration
names, default folder names) must match `NAME` (the scenario schema's id pattern: letters,
digits, `_` and `-`, so no `/`, no `..`, no leading dot). A folder a command writes into
must be a real folder inside the results folder, not a symlink to elsewhere. A path the
user types (`--out`) may point anywhere, but not carry control characters.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sim.errors import UsageError
from sim.scenario.schema import NAME_ID

NAME = re.compile(NAME_ID)
# A folder this package names itself: a NAME, optionally followed by an override slug
# (`baseline+reactivity=0.5`, sim/run.py override_slug). One component, never `.`/`..`.
FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.=+,-]{0,127}$")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def literal(path: Path) -> Path:
    """`path` as the file system names it: a relative path whose first part starts with `~`
    is made absolute, so that pandas and pyarrow, which expand `~` to the home folder, open
    the same file as pathlib and os, which do not. Why: `--out "~/x"` reserved
    `./~/.x.partial-open` while the tables went to `$HOME/.x.partial-open` (an error naming
    that file), and `report "~/x"` read the manifest of `./~/x` beside the tables of
    `$HOME/x`. Other paths are unchanged."""
    if isinstance(path, Path) and not path.is_absolute() and str(path).startswith("~"):
        return Path.cwd() / path
    return path


def check_name(name: object, what: str = "name") -> str:
    """`name` if it matches NAME, else one line saying what was expected."""
    if isinstance(name, str) and NAME.match(name):
        return name
    shown = repr(name) if isinstance(name, str) and len(name) <= 80 else type(name).__name__
    raise UsageError(
        f"{what}: expected a name of letters, digits, '_' and '-' (at most 64, no '/' or '.'), "
        f"found {shown}"
    )


def is_name(name: object) -> bool:
    return isinstance(name, str) and NAME.match(name) is not None


def check_folder_name(name: str, what: str = "folder name") -> str:
    """A default folder's name (results/NAME/STAMP): one safe path component."""
    if isinstance(name, str) and FOLDER.match(name) and ".." not in name:
        return name
    return check_name(name, what)  # raises with the message of NAME


def check_out(path: Path | None, flag: str = "--out") -> Path | None:
    """A typed output path: refused when it holds a control character (a newline in a folder
    name breaks every line-based tool that lists results)."""
    if path is not None and _CONTROL.search(str(path)):
        raise UsageError(f"{flag}: the path has a control character: {str(path)!r}")
    return path


def check_inside(folder: Path, *names: str) -> None:
    """Refuse writing into `folder/NAME` when it is a symlink or leaves `folder` (a symlinked
    `charts/` would send the charts wherever it points)."""
    root = folder.resolve()
    for name in names:
        target = folder / name
        if target.is_symlink() or (target.exists() and not target.resolve().is_relative_to(root)):
            raise UsageError(
                f"{target} is a symbolic link; results are written only inside {folder}"
            )


def what_is(path: Path) -> str:
    """What is at `path`, for a message: a FIFO is not "no such file" (issue #19)."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "no such file or folder"
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    for test, word in ((stat.S_ISDIR, "a folder"), (stat.S_ISREG, "a file"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):  # fmt: skip
        if test(mode):
            return word
    return "not a file or folder"


def write_text_atomic(text: str, target: Path) -> Path:
    """Write a file the user named (`report -o`, `schema -o`) whole or not at all.

    Why: `schema -o FIFO` hung (opening a FIFO blocks until a reader comes), `report -o
    /dev/full` run as root renamed the page over the device node, and a full disk left a
    half-written schema and said only "File too large", with no path. The target must be
    absent or a regular file; the text goes to a hidden temporary file beside it, renamed
    over it only when complete; any failure is one line naming the target.
    """
    target = Path(target)
    if target.exists() and not target.is_file():
        raise UsageError(f"{target}: {what_is(target)}, expected a file to write")
    target.parent.mkdir(parents=True, exist_ok=True)  # its errors name the path already
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        raise UsageError(f"{target}: cannot write ({exc.strerror or exc})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target
