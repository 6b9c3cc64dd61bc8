"""Results folders appear whole or not at all, and no two commands ever share one.

A folder is assembled under `.NAME.partial-open` beside its final name and renamed at the end
(never onto an existing folder). The partial folder is created with one `mkdir` (atomic:
of two commands, one wins) and holds a lock file that its process keeps locked with
`flock`; the kernel drops the lock when the process ends, however it ends. So a partial
folder whose lock can be taken is stale (its process is gone), whatever its PID was, and
one whose lock is held belongs to a command still running. Default names carry a UTC
timestamp plus a short random suffix, so commands started in the same second never meet.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import errno
import fcntl
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sim.errors import UsageError

LOCK_FILE = ".lock"
PARTIAL = ".partial-"
OPEN = "open"  # `.NAME.partial-open`: the one name a command reserves with mkdir


def stamp() -> str:
    """UTC timestamp plus 6 random hex digits: unique even for runs started together."""
    now = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{now}-{secrets.token_hex(3)}"


def timestamped(name: str, root: Path = Path("results")) -> Path:
    """The default results folder: results/NAME/<UTC timestamp>-<suffix>."""
    return root / name / stamp()


def partial_of(final: Path) -> Path:
    return final.with_name(f".{final.name}{PARTIAL}{OPEN}")


def final_of(partial: Path) -> Path:
    name = partial.name
    return partial.with_name(name[1 : name.rindex(PARTIAL)])


@dataclass
class FolderLock:
    """An open, flock-ed lock file inside a partial folder (released when closed or on exit)."""

    fd: int
    folder: Path

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def try_lock(folder: Path) -> FolderLock | None:
    """Lock `folder/.lock` without waiting; None when another live process holds it."""
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EACCES):
            return None
        raise
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return FolderLock(fd, folder)


def is_live(partial: Path) -> bool:
    """True while the process that holds the partial folder's lock runs."""
    lock = try_lock(partial)
    if lock is None:
        return partial.exists()
    lock.release()
    return False


def reserve(final: Path, flag: str = "--out") -> tuple[Path, FolderLock, Path | None]:
    """Create and lock the partial folder of `final`: (partial, lock, stale folder or None).

    Refuses (one line) when `final` exists or another running command is writing it. A
    stale partial folder left by a dead process is moved aside to `.NAME.partial-stale-X`
    (the caller decides whether to resume from it or delete it).
    """
    if final.exists():
        raise UsageError(f"{flag} {final} already exists; results are never overwritten")
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_of(final)
    stale = None
    for _ in range(3):
        try:
            partial.mkdir()
        except FileExistsError:
            old = try_lock(partial)
            if old is None:
                raise UsageError(
                    f"{flag} {final} is being written by another running command "
                    f"({partial} is locked)"
                ) from None
            stale = final.with_name(f".{final.name}{PARTIAL}stale-{secrets.token_hex(3)}")
            partial.rename(stale)
            old.release()
            continue
        lock = try_lock(partial)
        if lock is None:  # another command took the new folder between mkdir and lock
            break
        if final.exists():  # finished by another command while we looked
            lock.release()
            shutil.rmtree(partial, ignore_errors=True)
            raise UsageError(f"{flag} {final} already exists; results are never overwritten")
        return partial, lock, stale
    raise UsageError(f"{flag} {final} is being written by another running command")


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename a folder, failing (never replacing) when `dst` exists, even as an empty folder."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        at_fdcwd, noreplace = -100, 1
        if renameat2(at_fdcwd, os.fsencode(src), at_fdcwd, os.fsencode(dst), noreplace) == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOSYS):  # unsupported filesystem: fall through
            raise OSError(err, os.strerror(err), str(dst))
    if dst.exists():
        raise OSError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
    os.rename(src, dst)


def publish(partial: Path, lock: FolderLock, final: Path) -> Path:
    """Give a finished partial folder its final name, then drop its lock file."""
    try:
        rename_noreplace(partial, final)
    except FileExistsError:
        raise UsageError(f"{final} already exists; results are never overwritten") from None
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise
        raise UsageError(f"{final} already exists; results are never overwritten") from None
    (final / LOCK_FILE).unlink(missing_ok=True)
    lock.release()
    return final


@dataclass
class Slot:
    """A reserved results folder: its locked partial folder, published or removed at the end."""

    final: Path
    partial: Path
    lock: FolderLock
    done: bool = False

    def discard(self) -> None:
        if not self.done:
            shutil.rmtree(self.partial, ignore_errors=True)
            self.lock.release()
            self.done = True


@contextmanager
def reserved(out: Path) -> Iterator[Slot]:
    """Reserve `out` before any work starts (refusing if taken); removed unless published.

    Commands enter this before computing, so a taken `--out` costs nothing, and an
    interrupt (Ctrl-C, SIGTERM) at any point leaves no `.partial` folder behind.
    """
    partial, lock, stale = reserve(out)
    if stale is not None:  # a dead run's leftovers: a run cannot resume, so nothing is lost
        shutil.rmtree(stale, ignore_errors=True)
    slot = Slot(out, partial, lock)
    try:
        yield slot
    finally:
        slot.discard()


@contextmanager
def atomic_folder(out: Path, slot: Slot | None = None) -> Iterator[Path]:
    """Yield a locked `.NAME.partial-open` beside `out`; rename it to `out` on success, delete
    it on any failure or interrupt (SIGTERM included), so nothing half-written ever looks
    like a results folder. Pass the `slot` of an earlier `reserved(out)` to use it."""
    if slot is None:
        with reserved(out) as own, atomic_folder(out, own) as tmp:
            yield tmp
        return
    try:
        yield slot.partial
        publish(slot.partial, slot.lock, out)
        slot.done = True
    finally:
        slot.discard()


def finish(folder: Path, meta: dict, charts: Callable[[Path], object] | None) -> None:
    """Write the manifest (checked against its kind's model), then the charts (which read
    it) into a folder being assembled."""
    from sim.results.write import write_manifest

    write_manifest(folder, meta)
    if charts is not None:
        charts(folder)
