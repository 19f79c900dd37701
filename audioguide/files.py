"""Files that are never half-written: leftovers of killed builds are swept, renames are not cut short.

Every file audioguide writes (tracks, sidecars, cache entries) is first written to a
temporary name beside its target, `.<name>.<random>.tmp`, and renamed into place. A build
stopped with Ctrl-C or SIGTERM removes its temporary files; one killed outright (SIGKILL,
power loss) cannot, so later builds remove such leftovers once they are clearly abandoned.
A leftover is never mistaken for output: it starts with a dot and ends in `.tmp`.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from audioguide import signing

# A temporary file of a build still running is written to continuously and renamed within
# seconds of its last write; one untouched for an hour belongs to a build that died.
STALE_AFTER_S = 3600  # the same age as the cache's STALE_TEMP_S
# `.<target>.<mkstemp's 8 random characters>.tmp`, for the kinds of file audioguide writes.
LEFTOVER = re.compile(
    r"\..+\.(mp3|timeline\.json|cues\.txt|lrc|vtt|m3u8|clip|seg|audioguide\.json)\.[a-z0-9_]{8}\.tmp"
)
_DEFERRED_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def entries(folder: Path) -> list[os.DirEntry[str]]:
    """A folder's entries; none if it cannot be listed (absent, a name too long, no permission)."""
    try:
        with os.scandir(folder) as listed:
            return list(listed)
    except OSError:
        return []


def is_leftover(name: str) -> bool:
    """Is this file name a temporary file of audioguide's (live or abandoned)?"""
    return LEFTOVER.fullmatch(name) is not None


def sweep_leftovers(folder: Path, now: float | None = None) -> list[Path]:
    """Remove abandoned temporary files from `folder`; return what was removed.

    Best effort: a folder that cannot be listed, or a file another build removes first,
    is not an error, since the build that follows reports any real problem with the folder.
    """
    now = time.time() if now is None else now
    removed: list[Path] = []
    finish_commits(folder)  # a set whose renames a kill cut short is completed, not swept away
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not is_leftover(entry.name):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and now - entry.stat().st_mtime > STALE_AFTER_S:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends, so that it is never cut short.

    Within the block the signals are only noted; at its end the program's own handlers
    come back and each noted signal is raised again. Python runs signal handlers in the
    main thread only, so elsewhere this does nothing (and nothing needs holding there).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    previous = {sig: signal.getsignal(sig) for sig in _DEFERRED_SIGNALS}
    for sig, handler in previous.items():
        if handler is not None:  # None: a handler set outside Python, which cannot be put back
            signal.signal(sig, lambda signum, frame: noted.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            if handler is not None:
                signal.signal(sig, handler)
        for signum in dict.fromkeys(noted):
            signal.raise_signal(signum)


# --- a set of files renamed into place as one ------------------------------------------

# `.<first target>.journal1.tmp`: the renames of one set, written before the first of them
# and removed after the last. Its name is a temporary file's, so it is never taken for output.
# It is signed (signing.py): a journal someone else left in the folder is ignored.
JOURNAL_TAG = "journal1"
JOURNAL_FORMAT = 2
JOURNAL_PURPOSE = "renames"
MAX_JOURNAL_BYTES = 1_000_000
# A build waits this long for another process's renames in the folder, then says so: renames
# take moments, so a lock held this long belongs to something stuck, not a build finishing.
LOCK_WAIT_S = 60.0
LOCK_POLL_S = 0.05
# What a build writes into an output folder: a journal may rename onto nothing else.
OUTPUT_SUFFIXES = (".mp3", ".timeline.json", ".cues.txt", ".lrc", ".vtt", ".m3u8", ".audioguide.json")


def commit_renames(folder: Path, renames: list[tuple[Path, Path]]) -> None:
    """Rename each temporary file onto its target, all in `folder`, as one unit.

    Before the first rename every target is checked (a folder in the way fails the set
    before anything moved) and a journal of the renames is written; after the last it is
    removed. A build killed in between leaves the journal, and the next look at the folder
    (`finish_commits`, which every build's sweep runs first) completes the set: the folder
    never keeps an old track beside new sidecars. Builds of one folder commit one at a time.
    """
    with _folder_lock(folder):
        for _, target in renames:
            if os.path.isdir(target) and not os.path.islink(target):
                raise IsADirectoryError(errno.EISDIR, "is a folder, so no file can take its name", target)
        journal = folder / f".{renames[0][1].name}.{JOURNAL_TAG}.tmp"
        names = [[temp.name, target.name] for temp, target in renames]
        signature = signing.mac(JOURNAL_PURPOSE, folder, journal.name, names)
        body = {"format": JOURNAL_FORMAT, "renames": names, "mac": signature}
        _write_synced(journal, json.dumps(body).encode("utf-8"))
        for temp, target in renames:
            os.replace(temp, target)
        _sync_folder(folder)
        journal.unlink()


def finish_commits(folder: Path) -> list[Path]:
    """Complete the sets of renames that a killed build left half done in `folder`."""
    finished: list[Path] = []
    try:
        journals = [e.path for e in os.scandir(folder) if e.name.endswith(f".{JOURNAL_TAG}.tmp")]
    except OSError:
        return finished
    if not journals:
        return finished
    try:
        with _folder_lock(folder):
            finished += _finish(folder, journals)
    except FolderBusy:
        pass  # another build is committing there: its own journal is not to be finished
    return finished


def _finish(folder: Path, journals: list[str]) -> list[Path]:
    """Complete the renames of each journal signed for this folder, then remove it."""
    finished: list[Path] = []
    for journal in map(Path, journals):
        try:
            renames = _journal_renames(folder, journal)
            if renames is None:
                continue  # not a journal of this user's audioguide: left alone, trusted in nothing
            for temp, target in renames:
                try:
                    if stat.S_ISREG(os.lstat(folder / temp).st_mode):  # never a link moved into place
                        os.replace(folder / temp, folder / target)
                except FileNotFoundError:
                    continue  # renamed before the kill
            journal.unlink()
            finished.append(journal)
        except OSError:
            continue  # another build finished it meanwhile
    return finished


def _journal_renames(folder: Path, journal: Path) -> list[tuple[str, str]] | None:
    """The renames a journal signed by this user's audioguide lists, each as a build makes
    them (a temporary file of its target onto a name a build writes); None for any other."""
    try:
        body = json.loads(read_regular(journal, MAX_JOURNAL_BYTES, follow=False))
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict) or body.get("format") != JOURNAL_FORMAT:
        return None
    names = body.get("renames")
    if not signing.verify(body.get("mac"), JOURNAL_PURPOSE, folder, journal.name, names):
        return None
    if not isinstance(names, list) or not all(isinstance(pair, list) and len(pair) == 2 for pair in names):
        return None
    renames = [(temp, target) for temp, target in names]
    for temp, target in renames:
        if not (output_name(target) and _plain_name(temp) and temp.startswith(f".{target}.")):
            return None
        if not is_leftover(temp):
            return None
    return renames


def output_name(name: object) -> bool:
    """Is `name` a file name a build writes in an output folder (a plain name, a known suffix)?"""
    return _plain_name(name) and str(name).endswith(OUTPUT_SUFFIXES)


def _plain_name(name: object) -> bool:
    return isinstance(name, str) and name not in ("", ".", "..") and Path(name).name == name


class FolderBusy(OSError):
    """Another process has held the output folder's lock for longer than renames take."""


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on the folder itself (no lock file), where the system offers one.

    Where it cannot (Windows, a folder that cannot be opened, a network file system without
    locks) the renames go ahead unlocked: a missing lock must never fail a build. A lock
    another process holds for `LOCK_WAIT_S` raises FolderBusy instead of waiting for ever.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise FolderBusy(
                        errno.EBUSY, f"another process has held its lock for {LOCK_WAIT_S:g} s", str(folder)
                    ) from None
                time.sleep(LOCK_POLL_S)
            except OSError:
                break  # no locks here (ENOLCK): go ahead unlocked
        yield
    finally:
        os.close(fd)  # closing releases the lock


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a hidden temporary file beside `path` and rename it into place.

    A reader sees the old file or the new one, never half of one. Raises OSError.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_synced(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Put the renames themselves on disk (best effort: not every system can sync a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sync(path: Path) -> None:
    """Put a file's data on disk before it is renamed into place.

    Then a power cut cannot leave an empty file under the final name, and the rename has
    no data left to flush, which keeps the moments between a track's renames short.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- reading files that someone else may have put there ------------------------------

READ_CHUNK = 1 << 16
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFile(OSError):
    """A path names a folder, pipe, device or socket where a file was expected."""


class TooLarge(OSError):
    """A file is larger than what reads it accepts."""

    def __init__(self, path: Path, size: int, limit: int):
        super().__init__(errno.EFBIG, f"is {size:,} bytes; at most {limit:,} are read", str(path))
        self.size = size
        self.limit = limit


def is_regular(path: Path) -> bool:
    """A regular file in its own right: a link (to /etc/passwd, say) is never served or read."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return False


def kind_of(mode: int) -> str:
    """ "a named pipe (FIFO)" and the like, for a message."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def in_the_way(path: Path) -> str:
    """What stands at `path` that a file written there must not replace ("a device", "a named
    pipe (FIFO)", "a symbolic link"...); "" when nothing is there or a regular file is."""
    try:
        info = os.lstat(path)
    except OSError:
        return ""  # nothing there, or nothing we can see: the write that follows says why
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link"
    return "" if stat.S_ISREG(info.st_mode) else kind_of(info.st_mode)


@contextmanager
def open_regular(path: Path, max_bytes: int, follow: bool = True) -> Iterator[int]:
    """A descriptor open on a regular file of at most `max_bytes`; never blocks on a pipe or device.

    The file is opened without waiting (a FIFO with no writer would block `open` forever)
    and checked to be a regular file on the open descriptor, so a swap after a check cannot
    fool it, and its size is checked before anything is read. With `follow` false a
    symbolic link in the last place of the path is refused (where the system can tell).
    Raises NotRegularFile, TooLarge or any other OSError.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(errno.EINVAL, f"is {kind_of(info.st_mode)}, not a file", str(path))
        if info.st_size > max_bytes:
            raise TooLarge(path, info.st_size, max_bytes)
        yield fd
    finally:
        os.close(fd)


def _chunks(fd: int, path: Path, max_bytes: int) -> Iterator[bytes]:
    """The file's bytes in pieces, stopping with TooLarge if it grows past `max_bytes` meanwhile."""
    read = 0
    while chunk := os.read(fd, min(READ_CHUNK, max_bytes + 1 - read)):
        read += len(chunk)
        if read > max_bytes:
            raise TooLarge(path, read, max_bytes)
        yield chunk


def read_regular(path: Path, max_bytes: int, follow: bool = True) -> bytes:
    """A regular file's bytes, checked as `open_regular` does, never more than `max_bytes`."""
    with open_regular(path, max_bytes, follow) as fd:
        return b"".join(_chunks(fd, path, max_bytes))


HASH_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file audioguide wrote or was given, read a megabyte at a time. Raises OSError."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(HASH_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def sha256_of(path: Path, max_bytes: int) -> str | None:
    """The SHA-256 of a regular file of at most `max_bytes`, or None if there is no such file."""
    digest = hashlib.sha256()
    try:
        with open_regular(path, max_bytes) as fd:
            for chunk in _chunks(fd, path, max_bytes):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
