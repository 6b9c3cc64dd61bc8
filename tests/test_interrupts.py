"""A Ctrl-C or SIGTERM that library code swallows still stops the command.

Python raises KeyboardInterrupt wherever the main thread is; pandas, comparing a dtype
while pyarrow converted a sweep chunk, once caught it without a word and the sweep ran to
the end. These tests swallow the interrupt on purpose inside the chunk writer."""

from __future__ import annotations

import contextlib
import os
import signal

import pytest
from reliability_tools import BASELINE, sweep_spec

import sim.ensemble as ensemble
import sim.jobs.run as jobs_run
import sim.jobs.sweep.runner as runner
import sim.jobs.sweep.store as store
import sim.pool as pool_module
from sim.cli import main
from sim.procs import Terminated, interrupts_raised, raise_if_interrupted

SWEEP = sweep_spec("swallow", 20, 12, 5, "[0.1, 0.2]")  # 8 chunks


def swallowing_writer(monkeypatch, signum: int) -> list[int]:
    """The chunk writer of the sweep, which swallows `signum` sent while the first chunk is
    written, as the library code did."""
    real, calls = store.write_chunk, []

    def write_chunk(*args, **kwargs):
        real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            with contextlib.suppress(KeyboardInterrupt):  # Terminated is one too
                signal.raise_signal(signum)

    monkeypatch.setattr(store, "write_chunk", write_chunk)
    return calls


@pytest.mark.parametrize(("signum", "code", "line"), [
    (signal.SIGINT, 130, "alliance-sim: interrupted"),
    (signal.SIGTERM, 143, "alliance-sim: terminated"),
])  # fmt: skip
def test_a_swallowed_interrupt_stops_the_sweep_at_the_next_chunk(
    tmp_path, monkeypatch, capsys, signum, code, line
):
    (tmp_path / "s.yaml").write_text(SWEEP)
    monkeypatch.chdir(tmp_path)
    calls = swallowing_writer(monkeypatch, signum)
    assert main(["sweep", "s.yaml", "--out", "o", "-q", "--no-analysis", "--workers", "1"]) == code
    assert capsys.readouterr().err.strip().splitlines()[-1] == line
    assert len(calls) == 1  # stopped right after the chunk during which it came
    assert not (tmp_path / "o").exists()
    assert len(list((tmp_path / ".o.partial-open" / "chunks").glob("chunk-*"))) == 1


def test_without_the_check_the_swallowed_interrupt_is_lost(tmp_path, monkeypatch, capsys):
    # Ablation: the same swallowed Ctrl-C, with the runner's check switched off.
    (tmp_path / "s.yaml").write_text(SWEEP)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "raise_if_interrupted", lambda: None)
    calls = swallowing_writer(monkeypatch, signal.SIGINT)
    assert main(["sweep", "s.yaml", "--out", "o", "-q", "--no-analysis", "--workers", "1"]) == 0
    assert len(calls) == 8 and (tmp_path / "o").is_dir()


def test_the_record_lives_only_inside_the_command():
    raise_if_interrupted()  # nothing received: nothing raised
    with pytest.raises(KeyboardInterrupt), interrupts_raised():
        with contextlib.suppress(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
        raise_if_interrupted()
    raise_if_interrupted()  # cleared when the command ended
    with pytest.raises(Terminated), interrupts_raised():
        with contextlib.suppress(Terminated):
            signal.raise_signal(signal.SIGTERM)
        raise_if_interrupted()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def swallowing_chunks(monkeypatch) -> list[int]:
    """The ensemble's chunk job, which swallows a Ctrl-C sent during the first chunk."""
    real, calls = ensemble._chunk_job, []

    def chunk_job(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            with contextlib.suppress(KeyboardInterrupt):
                signal.raise_signal(signal.SIGINT)
        return result

    monkeypatch.setattr(ensemble, "_chunk_job", chunk_job)
    monkeypatch.setattr(jobs_run, "CHUNK", 5)  # 20 replications: 4 chunks
    return calls


RUN = ["run", str(BASELINE), "-n", "20", "--steps", "6", "--workers", "1", "-q", "--out", "o"]


def test_a_swallowed_interrupt_stops_a_one_worker_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    calls = swallowing_chunks(monkeypatch)
    assert main(RUN) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "alliance-sim: interrupted"
    assert len(calls) == 1 and list(tmp_path.iterdir()) == []  # no folder, no partial


def test_without_the_check_a_one_worker_run_loses_the_interrupt(tmp_path, monkeypatch):
    # Ablation: the ensemble's check switched off.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(ensemble, "raise_if_interrupted", lambda: None)
    calls = swallowing_chunks(monkeypatch)
    assert main(RUN) == 0
    assert len(calls) > 1 and (tmp_path / "o").is_dir()


@pytest.mark.parametrize("check", [True, False])
def test_the_worker_pool_raises_a_swallowed_interrupt_at_the_next_result(monkeypatch, check):
    """WorkerPool.imap, which every multi-worker run, compare and calibration waits in: a
    Ctrl-C swallowed while the caller handles one result is raised at the next. Ablation:
    with the pool's check switched off, every result comes."""
    if not check:
        monkeypatch.setattr(pool_module, "raise_if_interrupted", lambda: None)
    got = []
    with interrupts_raised(), pool_module.pool_for(2) as pool:
        try:
            for value in pool.imap(abs, [(-i,) for i in range(6)]):
                got.append(value)
                if len(got) == 1:
                    with contextlib.suppress(KeyboardInterrupt):
                        signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            got.append("interrupted")
    assert got == ([0, "interrupted"] if check else [0, 1, 2, 3, 4, 5])


def test_a_signal_ignored_at_start_stays_ignored():
    """A script that starts the command in the background (`cmd &`) starts it with SIGINT
    ignored: the script's own Ctrl-C must not stop it."""
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interrupts_raised():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL  # still handled
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


def _started_ignoring_sigint() -> None:
    """What a shell does for `cmd &` without job control (runs in the child, before exec)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.slow
def test_a_command_started_with_sigint_ignored_runs_through_a_ctrl_c(tmp_path):
    """The same rule across a real exec (the test above holds it inside one process): a run
    started with SIGINT ignored, sent SIGINT once its workers are up, finishes and publishes
    its folder; the control started normally stops with 130 and publishes nothing."""
    from reliability_tools import descendants, start, wait_for

    args = ["run", str(BASELINE), "-n", "300", "--steps", "1500", "--workers", "2", "-q",
            "--no-plots"]  # fmt: skip
    results = {}
    for name, preexec in (("ignored", _started_ignoring_sigint), ("control", None)):
        proc = start([*args, "--out", name], tmp_path, start_new_session=True,
                     preexec_fn=preexec)  # fmt: skip
        wait_for(lambda p=proc: p.poll() is not None or len(descendants(p.pid)) >= 3, 60,
                 "the workers")  # fmt: skip
        os.killpg(proc.pid, signal.SIGINT)
        proc.communicate(timeout=120)
        results[name] = proc.returncode
    assert results == {"ignored": 0, "control": 130}
    assert (tmp_path / "ignored" / "manifest.json").is_file()
    assert not (tmp_path / "control").exists()
