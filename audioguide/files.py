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
import os
import re
import signal
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# A temporary file of a build still running is written to continuously and renamed within
# seconds of its last write; one untouched for an hour belongs to a build that died.
STALE_AFTER_S = 3600  # the same age as the cache's STALE_TEMP_S
# `.<target>.<mkstemp's 8 random characters>.tmp`, for the kinds of file audioguide writes.
LEFTOVER = re.compile(
    r"\..+\.(mp3|timeline\.json|cues\.txt|lrc|vtt|m3u8|clip|audioguide\.json)\.[a-z0-9_]{8}\.tmp"
)
_DEFERRED_SIGNALS = {signal.SIGINT, signal.SIGTERM}


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


def kind_of(mode: int) -> str:
    """ "a named pipe (FIFO)" and the like, for a message."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


@contextmanager
def open_regular(path: Path, max_bytes: int) -> Iterator[int]:
    """A descriptor open on a regular file of at most `max_bytes`; never blocks on a pipe or device.

    The file is opened without waiting (a FIFO with no writer would block `open` forever)
    and checked to be a regular file on the open descriptor, so a swap after a check cannot
    fool it, and its size is checked before anything is read. Raises NotRegularFile,
    TooLarge or any other OSError.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
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


def read_regular(path: Path, max_bytes: int) -> bytes:
    """A regular file's bytes, checked as `open_regular` does, never more than `max_bytes`."""
    with open_regular(path, max_bytes) as fd:
        return b"".join(_chunks(fd, path, max_bytes))


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
