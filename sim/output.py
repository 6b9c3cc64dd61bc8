"""Results folders appear whole or not at all, and no two commands ever share one.

A folder is assembled under `.NAME.partial-open` beside its final name and renamed at the end
(never onto an existing folder). The partial folder is first made under a name no other
command can know (`.NAME.partial-new-XXXXXX`), its lock file is locked with `flock` there,
and only then is it renamed to `.NAME.partial-open` (never onto an existing one). So the
contested name never exists unlocked: a `.partial-open` folder whose lock can be taken is
stale (its process is gone; the kernel drops a flock however a process ends), and one whose
lock is held belongs to a command still running. (Issue #19: with `mkdir` first and `flock`
second, a second command could find the folder in between, take it for stale and share it.)

Publication checks that the folder is still the one whose lock this process holds, that
every Parquet table carries the manifest's `result_id` (sha256 of what determines the
results) and that every CSV matches the sha256 the manifest recorded as it was written, so a
folder mixing the tables of two computations is never given its final name.
Default names carry a UTC timestamp plus a short random suffix, so commands started in the
same second never meet.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sim.errors import UsageError
from sim.result_ids import (  # noqa: F401  (re-exported: the publisher's vocabulary)
    PARQUET_KEY,
    csv_hashes,
    file_sha256,
    record_csv,
    tag_schema,
)

LOCK_FILE = ".lock"
PARTIAL = ".partial-"
OPEN = "open"  # `.NAME.partial-open`: the one name a command reserves (by rename)
NEW = "new-"  # `.NAME.partial-new-XXXXXX`: a folder being created and locked, before the rename
RESULT_ID = "result_id"  # manifest key and Parquet key-value metadata key (b"alliance_sim.")


def stamp() -> str:
    """UTC timestamp plus 6 random hex digits: unique even for runs started together."""
    now = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{now}-{secrets.token_hex(3)}"


def timestamped(name: str, root: Path = Path("results")) -> Path:
    """The default results folder: results/NAME/<UTC timestamp>-<suffix> (NAME one safe
    path component: sim/paths.py)."""
    from sim.paths import check_folder_name

    return root / check_folder_name(name) / stamp()


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
    if not _same_file(fd, folder / LOCK_FILE):  # moved away by its holder while we waited
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return FolderLock(fd, folder)


def _same_file(fd: int, path: Path) -> bool:
    """True when the open `fd` is still the file found at `path` (not renamed or replaced)."""
    try:
        there = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


def holds(lock: FolderLock, folder: Path) -> bool:
    """True while `lock` is the lock file of `folder` (nobody moved or replaced the folder)."""
    return lock.fd >= 0 and _same_file(lock.fd, folder / LOCK_FILE)


def is_live(partial: Path) -> bool:
    """True while the process that holds the partial folder's lock runs."""
    lock = try_lock(partial)
    if lock is None:
        return partial.exists()
    lock.release()
    return False


def reserve(final: Path, flag: str = "--out") -> tuple[Path, FolderLock, Path | None]:
    """Create and lock the partial folder of `final`: (partial, lock, stale folder or None).

    The folder is created and locked under a unique name, then renamed to
    `.NAME.partial-open` (never onto an existing folder), so the lock is held from the
    moment the contested name exists. Refuses (one line) when `final` exists or another
    running command is writing it. A stale partial folder left by a dead process is moved
    aside to `.NAME.partial-stale-X` (the caller decides whether to resume from it or
    delete it).
    """
    from sim.paths import check_out

    check_out(final, flag)
    if final.exists() or final.is_symlink():
        raise UsageError(f"{flag} {final} already exists; results are never overwritten")
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_of(final)
    fresh, lock = _new_locked(final)
    stale = None
    try:
        for _ in range(3):
            try:
                rename_noreplace(fresh, partial)
            except OSError as exc:
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
                stale = _move_stale(final, partial, flag)
                continue
            if final.exists():  # finished by another command while we looked
                raise UsageError(f"{flag} {final} already exists; results are never overwritten")
            return partial, lock, stale
        raise UsageError(f"{flag} {final} is being written by another running command")
    except BaseException:
        where = partial if holds(lock, partial) else fresh
        shutil.rmtree(where, ignore_errors=True)
        lock.release()
        raise


def _new_locked(final: Path) -> tuple[Path, FolderLock]:
    """A new folder under a name only this call knows, with its lock already held."""
    fresh = final.with_name(f".{final.name}{PARTIAL}{NEW}{secrets.token_hex(6)}")
    fresh.mkdir()
    lock = try_lock(fresh)
    if lock is None:  # nobody else can know the name: only a broken file system gets here
        shutil.rmtree(fresh, ignore_errors=True)
        raise UsageError(f"cannot lock {fresh / LOCK_FILE}")
    return fresh, lock


def _move_stale(final: Path, partial: Path, flag: str) -> Path:
    """Move a dead command's partial folder aside (holding its lock); refuse a live one."""
    old = try_lock(partial)
    if old is None:
        raise UsageError(
            f"{flag} {final} is being written by another running command ({partial} is locked)"
        )
    stale = final.with_name(f".{final.name}{PARTIAL}stale-{secrets.token_hex(3)}")
    try:
        partial.rename(stale)
    finally:
        old.release()
    return stale


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


def result_id(fields: dict) -> str:
    """sha256 of what determines a result (not when or by how many workers it ran): tables
    of equal id are byte-identical, so a folder whose tables share one id mixes nothing."""
    text = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# Kinds whose manifests must carry a result id (every kind: sim/results/manifest.py KINDS).
KINDS_WITH_ID = frozenset({"run", "compare", "sweep", "robustness", "calibration", "hindcast"})
CSV_HASHES = "table_sha256"  # manifest key: {CSV file: sha256 of its bytes at write time}
VOLATILE = frozenset({"created_utc", "command", "argv", "workers", "executor", "files"})
FILE_KEYS = ("scenario_file", "observations", "posterior", "spec")


def id_of_manifest(meta: dict) -> str:
    """The result id of a kind whose manifest names what determines its results: every key
    but wall time, command line and worker count, with named input files replaced by the
    sha256 of their content (a path says nothing about what the file held)."""
    fields = {k: v for k, v in meta.items() if k not in VOLATILE and k != RESULT_ID}
    for key in FILE_KEYS:
        value = fields.get(key)
        if isinstance(value, str) and Path(value).is_file():
            fields[key] = {"path": value, "sha256": file_sha256(Path(value))}
    return result_id(fields)


def check_one_result(partial: Path, copy: bool = False) -> None:
    """Refuse (one line) a folder whose tables do not all come from the manifest's result:
    each Parquet table must carry the manifest's id and each CSV table match the sha256 the
    manifest recorded for it; a kind that must have an id and has none is refused too,
    unless the folder is a `copy` of an existing one (older folders carry no id)."""
    try:
        meta = json.loads((partial / "manifest.json").read_text())
    except (OSError, ValueError):
        meta = {}
    meta = meta if isinstance(meta, dict) else {}
    want = meta.get(RESULT_ID)
    if want is None and not copy and meta.get("kind") in KINDS_WITH_ID:
        raise UsageError(
            f"{partial}: the {meta['kind']} manifest carries no {RESULT_ID}; not published"
        )
    for table in sorted([*partial.glob("*.parquet"), *partial.glob("chunks/*.parquet")]):
        found = parquet_id(table)
        if found != want:
            raise UsageError(
                f"{partial}: {table.name} comes from result {found or 'unknown'}, the manifest "
                f"from {want or 'unknown'}; not published (two commands wrote one folder?)"
            )
    if want is not None:
        _check_csvs(partial, meta.get(CSV_HASHES) or {})
    from sim.results_ledger import check  # charts/ and analysis/ (sim/results_ledger.py)

    try:
        check(partial, want)
    except UsageError as exc:
        raise UsageError(f"{exc}; not published") from None


def parquet_id(table: Path) -> str | None:
    """The result id in a Parquet table's key-value metadata (None when absent or unreadable)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        found = (pq.read_schema(table).metadata or {}).get(PARQUET_KEY)
    except (OSError, pa.ArrowException):
        return None
    return found.decode(errors="replace") if found is not None else None


def _check_csvs(partial: Path, listed: dict) -> None:
    for table in sorted(partial.glob("*.csv")):
        if not isinstance(listed, dict) or listed.get(table.name) != file_sha256(table):
            raise UsageError(
                f"{partial}: {table.name} is not the table the manifest recorded "
                f"({CSV_HASHES}); not published (two commands wrote one folder?)"
            )


def publish(partial: Path, lock: FolderLock, final: Path, copy: bool = False) -> Path:
    """Give a finished partial folder its final name, then drop its lock file.

    Refuses (one line, the folder left for its writer to remove) a folder that is no longer
    the one this lock belongs to, or whose tables come from different results."""
    if not holds(lock, partial):
        raise UsageError(f"{partial} was taken over by another command; not published")
    check_one_result(partial, copy)
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
            if holds(self.lock, self.partial):  # never delete a folder another command holds
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
def atomic_folder(out: Path, slot: Slot | None = None, copy: bool = False) -> Iterator[Path]:
    """Yield a locked `.NAME.partial-open` beside `out`; rename it to `out` on success, delete
    it on any failure or interrupt (SIGTERM included), so nothing half-written ever looks
    like a results folder. Pass the `slot` of an earlier `reserved(out)` to use it; `copy`
    (a copy of an existing folder) lets an older folder without a result id through."""
    if slot is None:
        with reserved(out) as own, atomic_folder(out, own, copy) as tmp:
            yield tmp
        return
    try:
        yield slot.partial
        publish(slot.partial, slot.lock, out, copy)
        slot.done = True
    finally:
        slot.discard()


def finish(folder: Path, meta: dict, charts: Callable[[Path], object] | None) -> None:
    """Write the manifest (checked against its kind's model), then the charts (which read
    it) into a folder being assembled."""
    from sim.results.write import write_manifest

    hashes = csv_hashes(folder)
    if hashes or meta.get(RESULT_ID) is not None:
        meta = {**meta, CSV_HASHES: hashes}
    write_manifest(folder, meta)
    if charts is not None:
        charts(folder)
