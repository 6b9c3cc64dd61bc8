"""Reliability suite, round 6: the Python API and result objects as a newcomer uses them.

Each case was a fault before its fix (a traceback from numpy or a KeyError, a table read as
None without a word, or a line that named nothing): it calls the API or the command line
and checks for one `UsageError` line with the words that say what to change. The faults and
their fixes are listed in docs/reliability.md, section 12.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from reliability_tools import BASELINE, MINI

import sim
from sim.errors import UsageError

OBS = BASELINE.parents[1] / "seeds" / "observations" / "missile_launches.yaml"
HISTORY = BASELINE.parent / "history" / "base_2016.yaml"
TECH = BASELINE.parent / "russia_tech_transfer.yaml"
REACTIVITY = "parameters.reactivity"

# -- seeds: every call that takes one refuses what `sim.run` and the command line refuse ---

SEEDS = [  # `sim.run` checked the seed; these four passed -5 to numpy (ValueError traceback)
    ("compare", lambda seed: sim.compare(BASELINE, TECH, n=2, steps=2, seed=seed)),
    ("sweep", lambda seed: sim.sweep(BASELINE, {REACTIVITY: [0.1, 0.2]}, n=2, seed=seed)),
    ("robustness", lambda seed: sim.robustness(TECH, draws=2, n=2, steps=2, seed=seed)),
    ("hindcast", lambda seed: sim.hindcast(OBS, HISTORY, n=2, draws=1, seed=seed)),
]


SEED_LINES = [
    (-5, "seed must be a whole number of at least 0, found -5"),
    (2**70, "seed must be at most 9,223,372,036,854,775,807, found 1,180,591,620,717,411,303,424"),
]


@pytest.mark.parametrize("seed, line", SEED_LINES, ids=["negative", "2**70"])
@pytest.mark.parametrize("name, call", SEEDS, ids=[name for name, _ in SEEDS])
def test_a_seed_out_of_range_is_one_usage_error(name, call, seed, line):
    """-5 was numpy's "expected non-negative integer" traceback; 2**70 (which `--seed`
    refuses) ran in compare and hindcast."""
    with pytest.raises(UsageError) as info:
        call(seed)
    assert str(info.value) == line


# -- sweep arguments: a mapping without `high`, a design that does not exist ---------------

SWEEP_ARGS = [  # each was a KeyError traceback
    (
        lambda: sim.sweep(BASELINE, {REACTIVITY: {"low": 0.1}}, n=2, steps=2),
        "sweep parameter parameters.reactivity: expected (low, high[, levels]), "
        "{low:, high:, levels:} or a list of values, found {'low': 0.1}",
    ),
    (
        lambda: sim.sweep(BASELINE, {REACTIVITY: {"low": 0.1, "high": 0.2, "step": 3}}, n=2),
        "sweep parameter parameters.reactivity: expected (low, high[, levels]), "
        "{low:, high:, levels:} or a list of values, found {'low': 0.1, 'high': 0.2, 'step': 3}",
    ),
    (
        lambda: sim.sweep(BASELINE, {REACTIVITY: [0.1, 0.2]}, n=2, steps=2, design="magic"),
        "design: expected one of grid, lhs, sobol, morris, found 'magic'",
    ),
    (
        lambda: sim.sweep(BASELINE, {REACTIVITY: [0.1, 0.2]}, n=2, steps=2, design=5),
        "design: expected one of grid, lhs, sobol, morris, found 5",
    ),
]


@pytest.mark.parametrize("call, line", SWEEP_ARGS, ids=["no-high", "step", "magic", "5"])
def test_sweep_arguments_the_api_cannot_read_are_one_line(call, line):
    with pytest.raises(UsageError) as info:
        call()
    assert str(info.value) == line


# -- result objects: a folder deleted after the call, a folder of another kind -------------


@pytest.fixture(scope="module")
def two_folders(tmp_path_factory):
    """A run folder and a compare folder, written once for the cases below."""
    root = tmp_path_factory.mktemp("round6")
    sim.run(BASELINE, n=2, steps=2, seed=1, out=root / "run")
    sim.compare(BASELINE, TECH, n=2, steps=2, seed=1, out=root / "compare")
    return root


GONE = [  # each read a table as None without a word, or raised FileNotFoundError (save)
    ("summary", lambda res, tmp: res.summary),
    ("timeseries", lambda res, tmp: res.timeseries),
    ("plot", lambda res, tmp: res.plot("escalation")),
    ("save", lambda res, tmp: res.save(tmp / "kept")),
]


@pytest.mark.parametrize("name, use", GONE, ids=[name for name, _ in GONE])
def test_a_result_whose_folder_was_deleted_says_so(two_folders, tmp_path, name, use):
    """`res = sim.run(..., out=F)`, then F deleted (or moved): `res.summary` was None, as if
    the run had no summary; `res.plot` said "no data"; `res.save` a FileNotFoundError."""
    import shutil

    folder = tmp_path / "run"
    shutil.copytree(two_folders / "run", folder)
    res = sim.Results(folder)
    shutil.rmtree(folder)
    with pytest.raises(UsageError) as info:
        use(res, tmp_path)
    assert str(info.value) == (
        f"{folder}: the results folder is gone (deleted or moved since it was opened)"
    )
    assert not (tmp_path / "kept").exists()
    assert repr(res).startswith("<Results ")  # the repr still works


KINDS = [  # (class, folder, the line): each read every table as None without a word
    ("Results", "compare", "a compare folder, not a run folder; read it with sim.CompareResults"),
    ("CompareResults", "run", "a run folder, not a compare folder; read it with sim.Results"),
    ("SweepResults", "run", "a run folder, not a sweep folder; read it with sim.Results"),
    ("HindcastResults", "compare",
     "a compare folder, not a hindcast folder; read it with sim.CompareResults"),
]  # fmt: skip


@pytest.mark.parametrize("cls, kind, words", KINDS, ids=[c for c, _, _ in KINDS])
def test_a_result_class_refuses_a_folder_of_another_kind(two_folders, cls, kind, words):
    with pytest.raises(UsageError) as info:
        getattr(sim, cls)(two_folders / kind)
    assert str(info.value) == f"{two_folders / kind}: {words}"


def test_each_result_class_reads_its_own_kind(two_folders):
    """The control: the right class reads its folder's tables."""
    assert len(sim.Results(two_folders / "run").summary) == 2
    assert set(sim.CompareResults(two_folders / "compare").summaries["scenario"]) == {
        "baseline",
        "russia_tech_transfer",
    }


# -- hindcast's list of observation files ---------------------------------------------------


def test_hindcast_of_no_observation_files_says_so():
    """`sim.hindcast([], ...)` ran the scenario, then said "no observation of  falls inside"."""
    with pytest.raises(UsageError) as info:
        sim.hindcast([], HISTORY, n=2, draws=1)
    assert str(info.value) == "observations: name at least one observations file"


def test_hindcast_of_one_file_twice_is_one_line(tmp_path):
    """The same file twice: one "expected a unique id (first on line N)" line per observation,
    each pointing at the line it said came first."""
    with pytest.raises(sim.ScenarioError) as info:
        sim.hindcast([OBS, str(OBS)], HISTORY, n=2, draws=1)
    assert [str(p) for p in info.value.problems] == [
        f"{OBS}:1:1: (document): given twice; name each observations file once"
    ]


# -- YAML 1.1 booleans: a key is a name as written; a value gets a hint ---------------------

NORWAY = MINI.replace("  AAA:", "  NO:").replace("actor: AAA", "actor: 'NO'")


def test_an_actor_key_yaml_reads_as_a_boolean_is_the_name_written(tmp_path):
    """`actors: {NO: ...}` (Norway) was key 'False': "actors.False: expected an id ... found
    text 'False'" and three "missing required key" lines at a key the file never wrote. Keys
    are names; a plain key is read as the text written, as number keys already were."""
    path = tmp_path / "norway.yaml"
    path.write_text(NORWAY)
    assert list(sim.load(path).scenario.actors) == ["NO", "BBB"]


def test_a_value_yaml_reads_as_a_boolean_says_how_to_write_the_text(tmp_path):
    """`actor: NO` was "expected text, found boolean false", which names no remedy (the
    value cannot be taken as text: the file is read before it is known that text is wanted)."""
    path = tmp_path / "norway.yaml"
    path.write_text(NORWAY.replace("actor: 'NO'", "actor: NO"))
    with pytest.raises(sim.ScenarioError) as info:
        sim.load(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:6:54: run.distancing.actor: expected text, found boolean false (YAML reads an "
        "unquoted yes, no, on or off as a boolean); quote the text"
    ]


# -- set= values of Python's other number types ----------------------------------------------


@pytest.mark.parametrize(
    "value, number", [(Decimal("0.3"), 0.3), (Fraction(1, 4), 0.25)], ids=["Decimal", "Fraction"]
)
def test_decimal_and_fraction_values_are_read_as_numbers(tmp_path, value, number):
    """`set={"parameters.fatigue": Decimal("0.3")}` passed the checks, ran the whole
    ensemble, then ended in json's "Object of type Decimal is not JSON serializable"."""
    res = sim.run(BASELINE, n=2, steps=2, set={"parameters.fatigue": value}, out=tmp_path / "r")
    assert res.manifest["overrides"] == {"parameters.fatigue": number}
    assert res.manifest["model_input"]["coefficients"]["fatigue"] == number


# -- save() into the results folder itself --------------------------------------------------


@pytest.mark.parametrize("below", ["copy", "charts/copy"])
def test_saving_a_result_inside_its_own_folder_is_refused(two_folders, tmp_path, below):
    """`res.save(res.folder / "copy")` published a copy holding its own `.copy.partial-open`
    and left `copy/` inside the results folder; below `charts/` it copied itself into itself
    until the path was too long (shutil.Error traceback)."""
    import shutil

    folder = tmp_path / "run"
    shutil.copytree(two_folders / "run", folder)
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    with pytest.raises(UsageError) as info:
        sim.Results(folder).save(folder / below)
    assert str(info.value) == (
        f"out={folder / below} is inside the results folder {folder}; save it elsewhere"
    )
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before
