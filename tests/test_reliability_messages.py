"""Reliability suite, issue #19 class 7 (unclear messages): each row is a case whose line
used to mislead, and the words it must now say (exit 2, one line, no traceback)."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import pytest
from reliability_tools import BASELINE, one_line, tiny_calibration

from sim.cli import main

DATA = Path(__file__).resolve().parent / "data" / "results"


def _fifo(tmp: Path) -> Path:
    path = tmp / "pipe"
    os.mkfifo(path)
    return path


def _unknown_actor_calibrate(tmp: Path) -> list[str]:
    spec = tiny_calibration(tmp / "c")
    obs = spec.parent / "obs.yaml"
    obs.write_text(obs.read_text().replace("actor: PRK", "actor: ZZZ", 1))
    return ["calibrate", str(spec), "-q", "--no-plots", "--out", str(tmp / "o")]


def _prior_keys(tmp: Path) -> list[str]:
    spec = tiny_calibration(tmp / "c", coefficients="{reactivity: {prior: uniform, mean: 1}}")
    return ["validate", str(spec)]


MESSAGES = [  # (argv builder, words), each once misleading
    (_unknown_actor_calibrate, "observation prk-launches-2017 is about ZZZ, an actor no episode"),
    (_prior_keys,
     "coefficients.reactivity.mean: unknown key 'mean'; expected one of: hi, lo, prior"),
    (lambda t: ["plot", str(_fifo(t))], "a FIFO (named pipe), expected a results folder"),
    (lambda t: ["analyze", str(_fifo(t))], "a FIFO (named pipe), expected a sweep results"),
    (lambda t: ["run", str(BASELINE), "-n", "2", "--steps", "2", "--posterior",
                str(_fifo(t)), "--out", str(t / "o")], ": not a regular file"),
    (lambda t: ["report", str(BASELINE)], "a file, expected a results folder"),
]  # fmt: skip


@pytest.mark.parametrize(("build", "words"), MESSAGES)
def test_messages_say_what_is_wrong(tmp_path, capsys, build, words):
    argv = build(tmp_path)
    assert main(argv) == 2
    line = one_line(capsys)
    assert words in line, line
    assert "not found" not in line and "outside the time window" not in line
    assert ", ," not in line


@pytest.mark.parametrize("command", ["plot", "report"])
def test_cjk_folder_names_print_no_glyph_warnings(tmp_path, capsys, command):
    folder = tmp_path / "結果" / "运行"
    shutil.copytree(DATA / "run", folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main([command, str(folder)]) == 0
    glyphs = [w for w in caught if "Glyph" in str(w.message)]
    assert not glyphs, glyphs[:2]
    assert "Glyph" not in capsys.readouterr().err


def test_drawable_names_the_characters_the_font_lacks():
    from sim.plots.style import drawable

    assert drawable("results/run") == "results/run"
    shown = drawable("結果/run é")
    assert shown.startswith("U+7D50U+679C/run") and shown.endswith("é")  # é is in DejaVu
