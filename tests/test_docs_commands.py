"""The commands in README.md and docs/*.md are real: they parse with the CLI's own parser,
the repository files they name exist, the README's tour runs (at tiny sizes), and the
effects block the README shows is what the command prints.

Why: a newcomer copies these lines first. A renamed flag, a moved file or a stale number
in a shown output is a broken promise that no other test sees.
"""

from __future__ import annotations

import ast
import glob
import importlib
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# An output line names its command and a colon ("alliance-sim sweep: error: ..."); a command
# line does not.
OUTPUT = re.compile(r"^alliance-sim [\w-]+:")
# Files a reader writes, not the repository (the walkthrough's own scenario).
USER_FILES = {"scenarios/my-study.yaml"}
REPO_DIRS = ("scenarios/", "seeds/", "tests/", "docs/", "benchmarks/", "sim/")


@dataclass(frozen=True)
class Command:
    doc: str
    line: int
    text: str

    @property
    def args(self) -> list[str]:
        """The words after `alliance-sim`, without a shell redirection."""
        words = shlex.split(self.text)[1:]
        return words[: words.index(">")] if ">" in words else words

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}: {self.text}"


SHELL = ("sh", "bash", "shell", "console")


def block_commands(path: Path, text: str | None = None) -> list[Command]:
    """Every `alliance-sim ...` line of the file's shell blocks, and every `$ alliance-sim`
    line of its other blocks (the rest there is output); trailing comments dropped,
    backslash continuations joined."""
    text = path.read_text(encoding="utf-8") if text is None else text
    out = []
    for block in FENCE.finditer(text):
        shell = block.group(1) in SHELL
        first = text.count("\n", 0, block.start(2)) + 1
        lines = block.group(2).split("\n")
        k = 0
        while k < len(lines):
            start, line = k, lines[k]
            while line.endswith("\\") and k + 1 < len(lines):
                k += 1
                line = line[:-1] + " " + lines[k].strip()
            k += 1
            if not (shell or line.startswith("$ ")):
                continue
            cmd = re.sub(r"\s+#.*$", "", line.strip().removeprefix("$ ")).strip()
            if cmd.startswith("alliance-sim ") and not OUTPUT.match(cmd):
                out.append(Command(path.name, first + start, cmd))
    return out


def inline_commands(path: Path) -> list[Command]:
    """`alliance-sim ...` in backticks outside fenced blocks (prose)."""
    text = path.read_text(encoding="utf-8")
    prose = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return [
        Command(path.name, prose.count("\n", 0, m.start()) + 1, m.group(1))
        for m in re.finditer(r"`(alliance-sim(?: [^`]*)?)`", prose)
        if not OUTPUT.match(m.group(1))
    ]


BLOCKS = [c for doc in DOCS for c in block_commands(doc)]
INLINE = [c for doc in DOCS for c in inline_commands(doc)]


def subparsers():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return parser, action.choices


def test_the_docs_show_commands():
    """The scan finds what is there (a broken pattern would pass every test below)."""
    docs_with_blocks = {c.doc for c in BLOCKS}
    assert {"README.md", "charts.md", "sweeps.md", "validation.md"} <= docs_with_blocks
    assert len(BLOCKS) >= 30 and len(INLINE) >= 40
    assert not any(OUTPUT.match(c.text) for c in BLOCKS)


@pytest.mark.parametrize("cmd", BLOCKS, ids=str)
def test_block_command_parses(cmd: Command, capsys):
    parser, _ = subparsers()
    try:
        parser.parse_args(cmd.args)
    except SystemExit:
        pytest.fail(f"{cmd}: {capsys.readouterr().err.strip().splitlines()[-1]}")


def named_paths(cmd: Command) -> list[str]:
    """Repository paths a command reads (outputs under results/ and placeholders excluded)."""
    out = []
    for word in cmd.args:
        value = word.split("=", 1)[-1]
        placeholder = "<" in value or re.search(r"\b[A-Z][A-Z_]+\b", value)  # NAME, <timestamp>
        if value.startswith(REPO_DIRS) and not placeholder and value not in USER_FILES:
            out.append(value)
    return out


@pytest.mark.parametrize("cmd", [c for c in BLOCKS + INLINE if named_paths(c)], ids=str)
def test_named_files_exist(cmd: Command):
    for path in named_paths(cmd):
        assert glob.glob(str(ROOT / path)), f"{cmd}: {path} does not exist"


@pytest.mark.parametrize("cmd", INLINE, ids=str)
def test_inline_command_uses_real_flags(cmd: Command):
    """Prose shortens commands (`alliance-sim run`, `alliance-sim robustness --structures`),
    so only the command's name and its flags are checked."""
    _, commands = subparsers()
    words = cmd.args
    if not words or words[0] in ("--version", "--help"):
        return
    assert words[0] in commands, f"{cmd}: no command {words[0]!r}"
    flags = {s for a in commands[words[0]]._actions for s in a.option_strings}
    for word in words[1:]:
        if word.startswith("-"):
            assert word.split("=")[0] in flags, f"{cmd}: {words[0]} has no {word}"


# --- the README's tour, at tiny sizes ------------------------------------------------------

TINY = {  # per command: flags replaced or added so the tour runs in seconds
    "run": {"-n": "4", "--steps": "6"},
    "compare": {"-n": "4", "--steps": "6"},
    "robustness": {"--draws": "3", "-n": "4", "--steps": "6"},
    "sweep": {"-n": "2", "--steps": "6"},
    "hindcast": {"-n": "4"},
}


def tiny(args: list[str]) -> list[str]:
    """The command with its sizes shrunk and a summary series (no charts) where it runs."""
    out, sizes = list(args), dict(TINY.get(args[0], {}))
    for k in range(len(out) - 1):
        if out[k] in sizes:
            out[k + 1] = sizes.pop(out[k])
    for flag, value in sizes.items():
        out += [flag, value]
    if args[0] in ("run", "compare", "robustness", "sweep", "hindcast", "calibrate"):
        out.append("--no-plots")
    return out


def tour() -> list[Command]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Five-minute tour") :]
    tour_block = next(FENCE.finditer(section)).group(0)  # the section's first block
    return block_commands(ROOT / "README.md", tour_block)


def newest(folder: Path) -> str:
    return str(sorted(p for p in folder.iterdir() if not p.name.startswith("."))[-1])


@pytest.mark.slow
def test_the_readme_tour_runs_at_tiny_sizes(tmp_path, monkeypatch):
    """Every tour command exits 0, in order, each reading what the ones before wrote.
    `<timestamp>` is the newest folder; the calibration runs on a copy of the spec with 40
    prior draws (the real one: tests/test_observe_calibrate.py)."""
    for name in ("scenarios", "seeds"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    spec = (ROOT / "scenarios/calibration/history.yaml").read_text(encoding="utf-8")
    small = re.sub(r"(?m)^population: \d+", "population: 4", spec)
    small = re.sub(r"(?m)^accept: [\d.]+", "accept: 0.1", small)
    small = re.sub(r"(?m)^predictive_replications: \d+", "predictive_replications: 4", small)
    small = small.replace("../history/", "scenarios/history/").replace("../../seeds/", "seeds/")
    assert small != spec
    Path("history.yaml").write_text(small, encoding="utf-8")
    commands = tour()
    assert [c.args[0] for c in commands][:2] == ["validate", "evidence"] and len(commands) >= 14
    for cmd in commands:
        args = tiny(cmd.args)
        args = [Path("history.yaml").name if a.endswith("history.yaml") else a for a in args]
        if args[0] == "validate":
            args = ["validate", *sorted(glob.glob(args[1]))]
        for k, word in enumerate(args):
            if "<timestamp>" in word:
                head, tail = word.split("<timestamp>")
                args[k] = newest(Path(head)) + tail
        assert main(args) == 0, f"{cmd} (run as {' '.join(args)})"
    assert list(Path("results/calibrate/history").glob("*/posterior.parquet"))


# --- the README's effects block ------------------------------------------------------------


def shown_effects() -> tuple[str, list[str]]:
    """The command the README names for its effects block, and the block's lines."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## What you get") :]
    command = re.search(r"`(alliance-sim run [^`]*)`", section).group(1)
    block = re.search(r"```text\n(effects against.*?)```", section, re.DOTALL).group(1)
    return command, block.rstrip("\n").split("\n")


def test_the_readme_effects_block_is_what_the_command_prints(tmp_path, capsys, monkeypatch):
    """Byte for byte, apart from the run summary's indentation (the README drops two spaces).
    --no-plots and --out leave the printed effects unchanged."""
    monkeypatch.chdir(ROOT)
    command, shown = shown_effects()
    args = [*shlex.split(command)[1:], "--no-plots", "-q", "--out", str(tmp_path / "run")]
    assert main(args) == 0
    printed = capsys.readouterr().out.split("\n")
    start = next(k for k, line in enumerate(printed) if "effects against" in line)
    got = [line[2:] for line in printed[start : start + len(shown)]]
    assert got == shown


# --- transcripts: `$ alliance-sim ...` followed by the output the docs show -------------------


@dataclass(frozen=True)
class Transcript:
    cmd: Command
    shown: tuple[str, ...]
    setup: str | None  # the YAML block just before, written to the file the command reads

    def __str__(self) -> str:
        return str(self.cmd)


def transcripts(path: Path) -> list[Transcript]:
    text = path.read_text(encoding="utf-8")
    out, last_yaml = [], None
    for block in FENCE.finditer(text):
        if block.group(1) == "yaml":
            last_yaml = block.group(2)
        if block.group(1) in SHELL:
            continue
        first = text.count("\n", 0, block.start(2)) + 1
        lines = block.group(2).rstrip("\n").split("\n")
        starts = [k for k, line in enumerate(lines) if line.startswith("$ alliance-sim ")]
        for a, b in zip(starts, [*starts[1:], len(lines)][: len(starts)], strict=True):
            shown = tuple(line for line in lines[a + 1 : b] if line.strip())
            if shown:
                cmd = Command(path.name, first + a, lines[a][2:])
                out.append(Transcript(cmd, shown, last_yaml))
    return out


TRANSCRIPTS = [t for doc in DOCS for t in transcripts(doc)]


def sandbox(tmp_path: Path, monkeypatch) -> None:
    """A folder that sees the repository's inputs, so outputs land in tmp_path."""
    for name in ("scenarios", "seeds", "tests"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)


def test_the_docs_show_transcripts():
    assert {t.cmd.doc for t in TRANSCRIPTS} >= {"README.md", "scenario-format.md", "scenarios.md"}


@pytest.mark.parametrize("shown", TRANSCRIPTS, ids=str)
def test_shown_output_is_what_the_command_prints(shown: Transcript, tmp_path, monkeypatch, capsys):
    """The lines a doc shows under `$ alliance-sim ...` are consecutive lines of what it
    prints (stdout, then stderr); plots are skipped and outputs go to a scratch folder."""
    sandbox(tmp_path, monkeypatch)
    args = shown.cmd.args
    target = Path(args[-1])
    if args[0] == "validate" and not target.exists():
        assert shown.setup is not None, f"{shown}: no YAML block shows {target}"
        target.write_text(shown.setup, encoding="utf-8")
    if args[0] == "run":
        args = [*args, "-q", "--out", str(tmp_path / "run")]
    main(args)
    captured = capsys.readouterr()
    printed = [line.rstrip() for line in (captured.out + captured.err).split("\n")]
    want = [line.rstrip() for line in shown.shown]
    runs = [printed[k : k + len(want)] for k in range(len(printed) - len(want) + 1)]
    assert want in runs, f"{shown}: shows\n" + "\n".join(want) + "\nprints\n" + "\n".join(printed)


ERROR_LINE = re.compile(r"^(tests/data/bad/[\w.-]+\.yaml):\d+:\d+: .*$", re.MULTILINE)
SHOWN_ERRORS = [
    (doc.name, m.group(0), m.group(1))
    for doc in DOCS
    for m in ERROR_LINE.finditer(doc.read_text(encoding="utf-8"))
]


@pytest.mark.parametrize(("doc", "line", "file"), SHOWN_ERRORS, ids=lambda v: str(v)[:60])
def test_shown_error_lines_are_what_validate_prints(doc, line, file, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["validate", file]) == 2
    assert line in capsys.readouterr().err.split("\n"), f"{doc}: {line}"


# --- the sweep spec docs/sweeps.md shows ------------------------------------------------------


def sweep_examples() -> list[str]:
    text = (ROOT / "docs" / "sweeps.md").read_text(encoding="utf-8")
    return [b for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL) if "parameters:" in b]


def test_the_sweep_spec_example_validates(tmp_path, capsys):
    """The annotated spec of docs/sweeps.md is a valid sweep of the baseline (it once swept
    an event the baseline does not have)."""
    (example,) = sweep_examples()
    assert "scenario: ../baseline.yaml" in example
    spec = tmp_path / "example.yaml"
    spec.write_text(
        example.replace("../baseline.yaml", str(ROOT / "scenarios" / "baseline.yaml")),
        encoding="utf-8",
    )
    assert main(["validate", str(spec)]) == 0, capsys.readouterr().err
    assert "ok (sweep of 6 parameters)" in capsys.readouterr().out


# --- files the docs name ----------------------------------------------------------------------

REPO_PATH = re.compile(r"`((?:sim|tests|benchmarks|scenarios|seeds|docs|scripts)/[^`\s:]*)`")


def named_in_prose() -> list[tuple[str, str]]:
    out = []
    for doc in DOCS:
        for m in REPO_PATH.finditer(doc.read_text(encoding="utf-8")):
            path = m.group(1)
            if "<" not in path and not re.search(r"\b[A-Z][A-Z_]+\b", path):
                out.append((doc.name, path))
    return out


def exists(path: str) -> bool:
    """A file, folder or glob of the repository, or `module.attribute` defined in it."""
    if glob.glob(str(ROOT / path.rstrip("/"))):
        return True
    module, _, attr = path.rpartition(".")
    source = ROOT / f"{module}.py"
    return source.is_file() and re.search(
        rf"^(def |class )?{re.escape(attr)}\b", source.read_text(encoding="utf-8"), re.MULTILINE
    )


def test_files_named_in_the_docs_exist():
    named = named_in_prose()
    assert len(named) >= 50
    missing = [f"{doc}: {path}" for doc, path in named if not exists(path)]
    assert not missing, "\n".join(missing)


def test_the_docs_name_no_path_that_only_a_run_creates():
    """A `__pycache__` folder exists once Python or numba has written it: the check above
    passed or failed by which test an xdist worker ran first (seen on 6 December 2026)."""
    generated = [f"{doc}: {path}" for doc, path in named_in_prose() if "__pycache__" in path]
    assert not generated, generated


def test_the_readme_box_names_real_modules():
    """The `sim/` row of "What is in the box" names modules relative to sim/."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `sim/` |"))
    names = re.findall(r"`([\w/]+(?:\.py|/))`", row)[1:]
    assert len(names) >= 15
    missing = [n for n in names if not (ROOT / "sim" / n).exists()]
    assert not missing, missing


# --- code the docs name ---------------------------------------------------------------------

PROSE_DOCS = [*DOCS, ROOT / "MODEL.md"]


def prose(path: Path) -> str:
    """The file with its fenced blocks blanked (line numbers kept)."""
    return FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), path.read_text(encoding="utf-8"))


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def resolves(dotted: str) -> bool:
    """`sim.a.b.c`: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for attr in parts[k:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def test_dotted_sim_names_resolve():
    """`sim.jobs.robustness.robustness`, `sim.plots.draw_charts(...)`: a name the prose
    gives by its import path is importable (MODEL.md named `sim.robustness.robustness`
    after the module had moved to sim/jobs/)."""
    named = [
        (doc.name, line_of(text, m.start()), m.group(1))
        for doc in PROSE_DOCS
        for text in [prose(doc)]
        for m in re.finditer(r"`(sim(?:\.\w+)+)", text)
    ]
    assert len(named) >= 100
    wrong = [f"{doc}:{line}: {name}" for doc, line, name in named if not resolves(name)]
    assert not wrong, "\n".join(wrong)


def defined_names(source: Path) -> set[str]:
    """Top-level functions, classes and assignments of a module (not its imports)."""
    out = set()
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.add(node.name)
        elif isinstance(node, ast.Assign):
            out |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out.add(node.target.id)
    return out


# "`NAME` in `sim/x.py`" and "`sim/x.py`, `NAME`" (the file, then what in it)
NAME_IN_FILE = re.compile(
    r"`(?P<name>[A-Za-z_]\w*)` in `(?P<file>sim/[\w/]+\.py)`"
    r"|`(?P<file2>sim/[\w/]+\.py)`, `(?P<name2>[A-Za-z_]\w*)`"
)


def test_names_said_to_be_in_a_file_are_defined_there():
    """A reader opens the file to find the name: it must be defined there, not imported
    (two docs put `DEFAULT_STRENGTH` in sim/world.py, which imports it from sim/facts.py)."""
    named = [
        (doc.name, line_of(text, m.start()), m["name"] or m["name2"], m["file"] or m["file2"])
        for doc in PROSE_DOCS
        for text in [prose(doc)]
        for m in NAME_IN_FILE.finditer(text)
    ]
    assert len(named) >= 3
    wrong = [
        f"{doc}:{line}: {name} is not defined in {file}"
        for doc, line, name, file in named
        if not (ROOT / file).is_file() or name not in defined_names(ROOT / file)
    ]
    assert not wrong, "\n".join(wrong)


# "see "Title" below", ("How sure", above)
SECTION_REF = re.compile(r'"([^"\n]{3,60})",? (below|above)')


def test_quoted_section_references_resolve():
    """A quoted title said to be below (above) starts a heading or a bold or italic lead-in
    below (above) it in the same file (docs/performance.md pointed to "The whole
    validation" below, which no section was)."""
    refs, wrong = 0, []
    for doc in PROSE_DOCS:
        text = prose(doc)
        for m in SECTION_REF.finditer(text):
            refs += 1
            title, where = m.group(1), m.group(2)
            lead = re.compile(rf"^(?:#+ |\*\*?|- \*\*?){re.escape(title)}", re.MULTILINE)
            places = [t.start() for t in lead.finditer(text)]
            ok = [p for p in places if (p > m.start()) == (where == "below")]
            if not ok:
                wrong.append(f'{doc.name}:{line_of(text, m.start())}: "{title}" {where}')
    assert refs >= 5
    assert not wrong, "\n".join(wrong)


BIT_GENERATORS = re.compile(r"\b(PCG64(?:DXSM)?|MT19937|SFC64|Philox\w*)\b")


def test_the_docs_name_the_generator_the_shocks_use():
    """The shocks are counter-based Philox (sim.noise.NOISE_SCHEME); docs/odd.md still
    described the old per-stream PCG64 generators after the change."""
    from sim.noise import NOISE_SCHEME

    named = [
        (doc.name, line_of(text, m.start()), m.group(1))
        for doc in PROSE_DOCS
        for text in [doc.read_text(encoding="utf-8")]
        for m in BIT_GENERATORS.finditer(text)
    ]
    assert named
    wrong = [f"{d}:{line}: {g}" for d, line, g in named if not NOISE_SCHEME.startswith(g)]
    assert not wrong, "\n".join(wrong)
