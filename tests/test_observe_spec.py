"""Calibration spec files: bad values give one located line each; names come from the
coefficient tables, never from a list in the spec loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import ScenarioError
from sim.observe.operators import OPERATOR_COEFFICIENTS
from sim.observe.spec import load_spec
from sim.parameters import PARAMETERS

NAME = next(iter(PARAMETERS))
P = PARAMETERS[NAME]


def spec_text(coefficient: str = f"{NAME}: {{prior: uniform}}", extra: str = "") -> str:
    return (
        "name: t\n"
        "scenarios: [scenario.yaml]\n"
        "observations: [obs.yaml]\n"
        "coefficients:\n"
        f"  {coefficient}\n"
        "operator_coefficients:\n"
        "  launch_log_rate: {prior: normal, mean: -1, sd: 1}\n"
        f"{extra}"
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "scenario.yaml").write_text("name: x\n")
    (tmp_path / "obs.yaml").write_text("observations: []\n")
    return tmp_path


def test_valid_spec(folder):
    path = folder / "spec.yaml"
    path.write_text(spec_text(extra="population: 50\n"))
    spec = load_spec(path)
    assert spec.names == [NAME, "launch_log_rate"]
    assert (spec.priors[0].lo, spec.priors[0].hi) == (P.lo, P.hi)  # bounds from the table
    lo = OPERATOR_COEFFICIENTS["launch_log_rate"].lo
    assert spec.priors[1].lo == lo and spec.settings["population"] == 50


CASES = [
    (
        "no_such_coefficient: {prior: uniform}",
        "",
        5,
        3,
        "coefficients.no_such_coefficient",
        "expected a coefficient of sim.parameters.PARAMETERS or drive_A, pref_A_B, start_A,"
        " found 'no_such_coefficient'",
    ),
    (
        f"{NAME}: {{prior: gamma}}",
        "",
        5,
        len(NAME) + 13,
        f"coefficients.{NAME}.prior",
        "expected prior: one of uniform, normal, lognormal, beta, found 'gamma'",
    ),
    (
        f"{NAME}: {{prior: normal, mean: 0.1}}",
        "",
        5,
        len(NAME) + 5,
        f"coefficients.{NAME}.sd",
        "expected a positive number, found nothing",
    ),
    (
        f"{NAME}: {{prior: uniform, hi: {P.hi + 1:g}}}",
        "",
        5,
        len(NAME) + 26,
        f"coefficients.{NAME}.hi",
        f"expected a number within the coefficient's bounds [{P.lo:g}, {P.hi:g}], "
        f"found {P.hi + 1!r}",
    ),
    (
        f"{NAME}: {{prior: uniform}}",
        "population: 2\n",
        8,
        13,
        "population",
        "expected a whole number in [4, 100000], found 2",
    ),
    (  # the bound was printed as 9.22337e+18, which no one can type back
        f"{NAME}: {{prior: uniform}}",
        "seed: -1\n",
        8,
        7,
        "seed",
        "expected a whole number in [0, 9223372036854775807], found -1",
    ),
    (
        f"{NAME}: {{prior: uniform}}",
        "seeds: 3\n",
        8,
        1,
        "seeds",
        "unknown key 'seeds' (did you mean 'seed'?)",
    ),
    (
        f"{NAME}: {{prior: uniform}}",
        "method: mcmc\n",
        8,
        9,
        "method",
        "expected one of 'smc' or 'rejection', found text 'mcmc'",
    ),
    (
        f"{NAME}: {{prior: uniform}}",
        "accept: 1.5\n",
        8,
        9,
        "accept",
        "expected a number in [0.001, 1], found 1.5",
    ),
    # a prior's keys are its family's (sim.observe.priors.FAMILIES), prior, lo and hi
    (f"{NAME}: {{prior: uniform, mean: 1}}", "", 5, len(NAME) + 22, f"coefficients.{NAME}.mean",
     "unknown key 'mean'; expected one of: hi, lo, prior"),
    (f"{NAME}: {{prior: uniform, lo: {P.hi:g}, hi: {P.lo:g}}}", "", 5,
     len(NAME) + 32 + len(f"{P.hi:g}"), f"coefficients.{NAME}.hi",
     f"expected a number above lo = {P.hi:g}, found {P.lo!r}"),
    (f"{NAME}: {{prior: lognormal, mu: 0, sigma: -1}}", "", 5, len(NAME) + 38,
     f"coefficients.{NAME}.sigma", "expected a positive number, found -1"),
    (f"{NAME}: {{prior: normal, mean: x, sd: 1}}", "", 5, len(NAME) + 27,
     f"coefficients.{NAME}.mean", "expected a number, found 'x'"),
    (f"{NAME}: {{prior: normal, mean: 1.5e2, sd: 1}}", "", 5, len(NAME) + 27,
     f"coefficients.{NAME}.mean", "expected a number, found 1.5e2, which YAML reads as text: "
     "write 1.5e+2"),
    (f"{NAME}: {{prior: uniform}}", "no_war: 1\n", 8, 9, "no_war",
     "expected true or false, found 1"),
    (f"{NAME}: {{prior: uniform}}", "quantile: 0.99\n", 8, 11, "quantile",
     "expected a number in [0.05, 0.95], found 0.99"),
]  # fmt: skip


@pytest.mark.parametrize(("coef", "extra", "line", "col", "path", "message"), CASES)
def test_spec_errors(folder, coef, extra, line, col, path, message):
    file = folder / "spec.yaml"
    file.write_text(spec_text(coef, extra))
    with pytest.raises(ScenarioError) as err:
        load_spec(file)
    assert [str(p) for p in err.value.problems] == [f"{file}:{line}:{col}: {path}: {message}"]


def test_missing_observation_file_located(folder, capsys):
    file = folder / "spec.yaml"
    file.write_text(spec_text().replace("[obs.yaml]", "[missing.yaml]"))
    assert main(["calibrate", str(file), "--out", str(folder / "out")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{file}:3:16: observations.0: expected a file that exists (relative to the spec), "
        "found 'missing.yaml'"
    )
    assert not (folder / "out").exists()


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("[scenario.yaml]", "['']", "2:13: scenarios.0"),
        ("[obs.yaml]", "[sub/]", "3:16: observations.0"),
    ],
)
def test_a_folder_for_a_file_is_refused(folder, capsys, old, new, where):
    """`scenarios: ['']` or a folder matched the folder itself: `validate` said ok."""
    (folder / "sub").mkdir()
    file = folder / "spec.yaml"
    file.write_text(spec_text().replace(old, new))
    assert main(["validate", str(file)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{file}:{where}: expected files, not a folder (write FOLDER/*.yaml)")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("old", "new", "where", "words"),
    [
        ("[obs.yaml]", "['o*.yaml', obs.yaml]", "3:27: observations.1",
         "obs.yaml is named by observations.0 too"),
        ("[obs.yaml]", "[obs.yaml, ./obs.yaml]", "3:26: observations.1",
         "obs.yaml is named by observations.0 too"),
        ("[scenario.yaml]", "[scenario.yaml, scenario.yaml]", "2:28: scenarios.1",
         "scenario.yaml is named by scenarios.0 too"),
    ],
)  # fmt: skip
def test_a_file_named_twice_is_refused(folder, capsys, old, new, where, words):
    """An observations glob and a file it matches (`*.yaml` and `summits.yaml`): `validate`
    said ok, then `calibrate` printed one "expected a unique id" line per observation of
    the file, located in the observations file, not in the spec."""
    file = folder / "spec.yaml"
    file.write_text(spec_text().replace(old, new))
    assert main(["validate", str(file)]) == 2
    assert capsys.readouterr().err.strip() == (f"{file}:{where}: {words}; name each file once")
