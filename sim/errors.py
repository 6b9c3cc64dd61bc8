"""User-facing errors: one line each, pointing at file, line, column and key path.

Every problem a user can cause (bad YAML, a wrong value, an unknown id) becomes a
`Problem`; commands print them one per line and exit with status 2, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_INVALID = 2


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we know."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        return f"{where}: {self.path or '(document)'}: {self.message}"


class ScenarioError(Exception):
    """Raised with every problem found, so a user fixes them all in one pass."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(Exception):
    """A bad command-line value (e.g. a --set path that does not exist)."""


def unreadable(path, exc: BaseException) -> UsageError:
    """The one line for a results table that cannot be read: its path (a `pathlib.Path`),
    and the first line of why (pyarrow's reasons run over several)."""
    kind = "Parquet" if path.suffix == ".parquet" else "CSV"
    return UsageError(f"{path}: not a readable {kind} file ({first_line(exc)})")


def first_line(exc: BaseException) -> str:
    """An exception's message as one short line (its type's name when it has none)."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
