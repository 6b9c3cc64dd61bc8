"""Safe YAML loading that remembers where every value came from.

Why not `yaml.safe_load`: it forgets line numbers, silently keeps the last of two
duplicate keys, expands alias bombs and recurses on deep nesting. Here we scan tokens
first (cheap depth check, no recursion), compose nodes, and build plain Python data
ourselves with a node budget, so every later error can name FILE:LINE:COL.
"""

from __future__ import annotations

import datetime as dt
import errno
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.errors import Problem

# libyaml when present (same nodes and marks, ~10x faster); pure Python otherwise.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_BYTES = 1_000_000
MAX_DEPTH = 24
MAX_NODES = 100_000
# Aliases share one node, so the count of nodes misses what they expand to: a 400 KB string
# aliased 1,500 times wrote a 600 MB manifest, and 60,000 aliases passed `validate`.
MAX_ALIAS_USES = 1_000
MAX_EXPANDED_CHARS = 2 * 1_000_000  # every scalar counted each time it is reached
_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
EXPONENT = re.compile(r"^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")
"""Numbers YAML 1.1 reads as text (an exponent without a dot: 1e-3, 1e400)."""
OCTAL = re.compile(r"^[-+]?0[0-7_]+$")
"""Whole numbers YAML 1.1 reads in base 8 (a leading zero: `steps: 036` is 30)."""
_OPEN = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken)
_OPEN_FLOW = (yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)
_CLOSE = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)

Path_ = tuple[str | int, ...]


@dataclass
class Located:
    """Parsed data plus the position of every key path (1-based line and column)."""

    data: Any
    file: str
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Position of the deepest known prefix of `path` (the key itself when `key`)."""
        table = self.key_positions if key else self.positions
        for cut in range(len(path), -1, -1):
            hit = table.get(path[:cut]) or self.positions.get(path[:cut])
            if hit:
                return hit
        return (1, 1)


class _Fail(Exception):
    def __init__(self, line: int, col: int, path: str, message: str):
        super().__init__(message)
        self.args_ = (line, col, path, message)


def _mark(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def load_yaml(path: str | Path, expected: str = "a mapping of scenario keys") -> Located:
    """Load one YAML file into plain data with positions; raise Problem-carrying _Fail.
    `expected`: what an empty file lacks, in the words of the file's kind (an empty
    observations file or calibration spec was told it lacked "scenario keys")."""
    name = str(path)
    raw = read_capped(Path(path), MAX_BYTES)
    text = _decode(raw)
    _check_characters(text)
    _check_depth(text)
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_fail(exc, text) from None
    except yaml.YAMLError as exc:
        raise _Fail(1, 1, "", f"YAML error: {exc}") from None
    if node is None:
        raise _Fail(1, 1, "", f"empty file: expected {expected}")
    out = Located(data=None, file=name)
    builder = _Builder(out)
    out.data = builder.build(node, ())
    return out


def read_capped(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, never reading past the limit.

    The type is checked before opening (a FIFO would block, a device never ends), the size
    before reading (a huge sparse file is refused at once), and the read itself stops at
    `limit + 1` bytes in case the file grows meanwhile.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise _Fail(1, 1, "", "file not found") from None
    except OSError as exc:
        raise _Fail(1, 1, "", _os_reason(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise _Fail(1, 1, "", "is a directory, expected a YAML file")
    if not stat.S_ISREG(info.st_mode):
        raise _Fail(1, 1, "", "not a regular file (a FIFO, device or socket), expected a YAML file")
    if info.st_size > limit:
        raise _Fail(1, 1, "", f"file is {info.st_size} bytes, a scenario is at most {limit}")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _Fail(1, 1, "", _os_reason(exc)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between stat and open
            raise _Fail(1, 1, "", "not a regular file, expected a YAML file")
        chunks, total = [], 0
        while total <= limit:
            block = os.read(fd, min(1 << 16, limit + 1 - total))
            if not block:
                break
            chunks.append(block)
            total += len(block)
    except OSError as exc:
        raise _Fail(1, 1, "", _os_reason(exc)) from None
    finally:
        os.close(fd)
    if total > limit:
        raise _Fail(1, 1, "", f"file is more than {limit} bytes, a scenario is at most {limit}")
    return b"".join(chunks)


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop (the link points back to itself)"
    if exc.errno == errno.ENOENT:
        return "file not found"
    return f"cannot read file ({exc.strerror or exc})"


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise _Fail(line, col, "", f"not UTF-8: byte 0x{raw[exc.start]:02x} is invalid") from None


_NAMES = {0x85: "NEL", 0x2028: "LINE SEPARATOR", 0x2029: "PARAGRAPH SEPARATOR"}
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\x85\u2028\u2029]")


def _check_characters(text: str) -> None:
    """Refuse control characters, and line breaks that YAML counts but editors do not.

    YAML treats U+0085, U+2028 and U+2029 as line breaks, so every line number after one
    would be off from what an editor shows; NUL, BEL and the like are never meant.
    Positions here count lines by newline only, as editors do.
    """
    hit = _BAD_CHARS.search(text)
    if hit is None:
        return
    line = text.count("\n", 0, hit.start()) + 1
    col = hit.start() - (text.rfind("\n", 0, hit.start()) + 1) + 1
    code = ord(hit.group())
    if code in _NAMES:
        why = f"character U+{code:04X} ({_NAMES[code]}) is a line break to YAML but not to editors"
    else:
        why = f"control character U+{code:04X} is not allowed"
    raise _Fail(line, col, "", f"{why}; remove it")


def _syntax_fail(exc: yaml.MarkedYAMLError, text: str = "") -> _Fail:
    """A syntax error at the problem, naming where the construct it broke began."""
    line, col = _mark(exc.problem_mark or exc.context_mark)
    tab = _tab_indent(text, line)
    if tab is not None:
        return _Fail(tab, 1, "", "a tab in the indentation: YAML indents with spaces only")
    message = f"YAML syntax error: {exc.problem}"
    if exc.context and exc.context_mark is not None and exc.problem_mark is not None:
        start, start_col = _mark(exc.context_mark)
        message += f" ({exc.context} that starts at line {start}, column {start_col})"
    return _Fail(line, col, "", message)


def _tab_indent(text: str, line: int) -> int | None:
    """The line (this one or the one before) whose indentation holds a tab, if any."""
    lines = text.split("\n")
    for number in (line, line - 1):
        if 1 <= number <= len(lines):
            body = lines[number - 1]
            indent = body[: len(body) - len(body.lstrip(" \t"))]
            if "\t" in indent:
                return number
    return None


def _check_depth(text: str) -> None:
    """Refuse deep nesting from the token stream, before any recursive composition."""
    depth = 0
    try:
        for token in yaml.scan(text, Loader=_LOADER):
            if isinstance(token, _OPEN + _OPEN_FLOW):
                depth += 1
                if depth > MAX_DEPTH:
                    line, col = _mark(token.start_mark)
                    raise _Fail(line, col, "", f"nested more than {MAX_DEPTH} levels deep")
            elif isinstance(token, _CLOSE):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        raise _syntax_fail(exc, text) from None


class _Builder:
    """Turns composed nodes into dicts/lists/scalars, checking keys, tags and size."""

    def __init__(self, out: Located):
        self.out = out
        self.count = 0
        self.seen: set[int] = set()
        self.aliases = 0
        self.chars = 0
        self.scalars = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if len(path) > MAX_DEPTH:  # aliases can nest (even recursively) beyond the token depth
            line, col = _mark(node.start_mark)
            message = f"nested more than {MAX_DEPTH} levels deep (through aliases)"
            raise _Fail(line, col, _dotted(path[:MAX_DEPTH]), message)
        if self.count > MAX_NODES:
            line, col = _mark(node.start_mark)
            raise _Fail(line, col, _dotted(path), f"more than {MAX_NODES} values (alias bomb?)")
        self._count_expansion(node, path)
        self.out.positions.setdefault(path, _mark(node.start_mark))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            self._check_tag(node, "tag:yaml.org,2002:seq", path)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if node.tag.endswith((":int", ":float")) and ":" in node.value:
            # YAML 1.1's base 60: `steps: 1:30` was 90 steps without a word; as the text
            # written it is refused where a number is expected, and a sweep's `10:20` range
            # reads as written (sim/jobs/sweep/spec_file.py recovered it from the file)
            return node.value
        if node.tag.endswith(":int") and OCTAL.match(node.value):
            line, col = _mark(node.start_mark)
            decimal = node.value.replace("_", "").lstrip("+-").lstrip("0") or "0"
            message = (f"expected a number, found {node.value}, which YAML 1.1 reads as octal "
                       f"({self.scalars.construct_object(node)}); write {decimal} without the "
                       "leading zero")  # fmt: skip
            raise _Fail(line, col, _dotted(path), message)
        return self._scalar(node, path)

    def _count_expansion(self, node: yaml.Node, path: Path_) -> None:
        """Refuse documents whose aliases expand far beyond the file (alias bombs)."""
        if id(node) in self.seen:
            self.aliases += 1
            if self.aliases > MAX_ALIAS_USES:
                line, col = _mark(node.start_mark)
                message = f"more than {MAX_ALIAS_USES:,} alias uses (alias bomb?)"
                raise _Fail(line, col, _dotted(path), message)
        else:
            self.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            self.chars += len(node.value)
            if self.chars > MAX_EXPANDED_CHARS:
                line, col = _mark(node.start_mark)
                message = f"expands to more than {MAX_EXPANDED_CHARS:,} characters (alias bomb?)"
                raise _Fail(line, col, _dotted(path), message)

    def _check_tag(self, node: yaml.Node, allowed: str, path: Path_) -> None:
        if node.tag != allowed:
            line, col = _mark(node.start_mark)
            raise _Fail(line, col, _dotted(path), f"tag {node.tag!r} is not allowed")

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        self._check_tag(node, "tag:yaml.org,2002:map", path)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                line, col = _mark(key_node.start_mark)
                raise _Fail(line, col, _dotted(path), "merge keys (<<) are not supported")
            if not isinstance(key_node, yaml.ScalarNode):
                line, col = _mark(key_node.start_mark)
                raise _Fail(line, col, _dotted(path), "expected a plain key, found a collection")
            key = self._key(key_node, path)
            sub = (*path, key)
            if key in result:
                line, col = _mark(key_node.start_mark)
                first = self.out.key_positions[sub][0]
                raise _Fail(
                    line, col, _dotted(sub), f"duplicate key (first defined on line {first})"
                )
            self.out.key_positions[sub] = _mark(key_node.start_mark)
            result[key] = self.build(value_node, sub)
        return result

    def _key(self, node: yaml.ScalarNode, path: Path_) -> str:
        """A key is a name: one YAML 1.1 reads as a boolean or null (`NO:` for Norway, `on:`)
        is the text written. Read as a value, `NO:` was the key 'False', refused as an actor
        id nobody wrote, with "missing required key" lines below it."""
        value = self._scalar(node, path)
        return node.value if isinstance(value, bool) or value is None else str(value)

    def _scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        if node.tag not in _PLAIN_TAGS:
            line, col = _mark(node.start_mark)
            raise _Fail(line, col, _dotted(path), f"tag {node.tag!r} is not allowed")
        try:
            value = self.scalars.construct_object(node)
        except (ValueError, OverflowError, yaml.constructor.ConstructorError):
            line, col = _mark(node.start_mark)
            what = "a real date" if node.tag.endswith(":timestamp") else "a valid value"
            message = f"expected {what}, found {node.value!r}"
            raise _Fail(line, col, _dotted(path), message) from None
        if isinstance(value, dt.date | dt.datetime):
            return value.isoformat()
        if isinstance(value, float) and not math.isfinite(value):
            line, col = _mark(node.start_mark)
            found = "NaN" if value != value else node.value
            raise _Fail(line, col, _dotted(path), f"expected a finite number, found {found}")
        return value


def _dotted(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def dotted(path: Path_) -> str:
    """Key path as users write it: actors.CHN.traits.stability, events.x.set.0."""
    return _dotted(path)


def fail_to_problem(file: str, fail: _Fail) -> Problem:
    line, col, path, message = fail.args_
    return Problem(file, line, col, path, message)


YamlFail = _Fail
