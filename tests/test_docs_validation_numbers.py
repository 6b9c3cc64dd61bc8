"""The validation numbers the README quotes are those of docs/validation.md's generated tables.

Why: the tables between `<!-- validation:NAME:begin -->` markers are rewritten by
`make validate-model`; the README's prose is not. The README quoted the stage wall times of
an earlier run (7 s, 42 s, 80 s, 7 s) after the Cost tables had been rewritten (14 s, 84 s,
86 s, 10 s).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
VALIDATION = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")


def table(name: str) -> list[list[str]]:
    """The body rows of a generated table, cells stripped."""
    body = VALIDATION.split(f"<!-- validation:{name}:begin -->", 1)[1]
    body = body.split(f"<!-- validation:{name}:end -->", 1)[0]
    rows = [line for line in body.strip().splitlines() if line.startswith("|")][2:]
    return [[c.strip() for c in row.strip("|").split("|")] for row in rows]


def plain(text: str) -> str:
    """Unicode minus as ASCII, bold marks and spaces dropped: the tables' spelling."""
    return re.sub(r"\*\*|\s+", "", text.replace("\u2212", "-"))


def stage_seconds() -> dict[str, int]:
    out = {}
    for name in ("timing-forecasts", "timing-structures", "timing-holdout"):
        for stage, seconds, _workers in table(name):
            out[stage] = int(seconds)
    return out


STAGES = {  # the README's words → the first words of the tables' stage
    "in sample": "in sample",
    "rolling origin": "rolling origin",
    "structures": "structures",
    "held out": "holdout",
}


def test_the_readme_stage_times_are_the_cost_tables():
    row = next(line for line in README.splitlines() if line.startswith("| `make validate-model`"))
    quoted = re.findall(r"(\d+) s (in sample|rolling origin|structures|held out)", row)
    assert {words for _, words in quoted} == set(STAGES), row
    seconds = stage_seconds()
    for value, words in quoted:
        (stage,) = [s for s in seconds if s.startswith(STAGES[words])]
        assert int(value) == seconds[stage], f"README: {value} s {words}; table: {stage}"


def readme_skill_rows() -> dict[str, list[str]]:
    """The README's pooled-skill table under "How good is it?", by its first cell."""
    lines = README.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("| forecast design |"))
    end = next(k for k in range(start, len(lines)) if not lines[k].startswith("|"))
    body = lines[start + 2 : end]
    return {r.strip("|").split("|")[0].strip(): r.strip("|").split("|")[1:] for r in body}


def test_the_readme_skill_table_is_the_generated_tables():
    rows = readme_skill_rows()
    designs = {(r[0], r[1]): r[4:7] for r in table("rolling-designs")}
    for design in ("plain", "filtered", "anomaly", "tracked"):
        (name,) = [k for k in rows if k.split(" ")[0].strip(",") == design and "interval" not in k]
        got = [plain(c) for c in rows[name]]
        want = [f"{float(v):+.2f}" for v in designs[("pooled", design)]]
        assert got == want, (name, got, want)
    interval = {(r[0], r[1]): r[4:7] for r in table("intervals")}[("plain", "pooled")]
    seeds = {r[0]: r[3:6] for r in table("seeds-rolling")}["all 4 seeds"]
    for label, cells in (("this seed", interval), ("four seeds together", seeds)):
        (name,) = [k for k in rows if label in k]
        for got, want in zip(rows[name], cells, strict=True):
            # table: "+0.30 (-0.31 to +0.41) tie"; README: "−0.31 to +0.41: tie"
            lo_hi, word = re.match(r"\S+ \((.*)\) (\w+)", want).groups()
            assert plain(got) == plain(f"{lo_hi}: {word}"), (name, got, want)


def test_the_readme_held_out_skills_are_the_generated_table():
    pooled = {r[0]: r[4:7] for r in table("holdout-intervals") if r[1] == "pooled"}["model"]
    m = re.search(r"pooled skill is (\S+) / (\S+) / (\S+) against the same three nulls", README)
    assert m, "the README's held-out sentence moved"
    assert [plain(v) for v in m.groups()] == [c.split(" ")[0] for c in pooled]
    for cell in pooled:
        lo_hi = re.match(r"\S+ \((.*)\)", cell).group(1)
        flat = " ".join(README.replace("\u2212", "-").split())
        assert lo_hi in flat, f"README lacks the interval {lo_hi}"
