"""Files that are never half-written: leftovers of killed builds are swept, renames are not cut short.

Every file audioguide writes (tracks, sidecars, cache entries) is first written to a
temporary name beside its target, `.<name>.<random>.tmp`, and renamed into place. A build
stopped with Ctrl-C or SIGTERM removes its temporary files; one killed outright (SIGKILL,
power loss) cannot, so later builds remove such leftovers once they are clearly abandoned.
A leftover is never mistaken for output: it starts with a dot and ends in `.tmp`.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# A temporary file of a build still running is written to continuously and renamed within
# seconds of its last write; one untouched for an hour belongs to a build that died.
STALE_AFTER_S = 3600  # the same age as the cache's STALE_TEMP_S
# `.<target>.<mkstemp's 8 random characters>.tmp`, for the kinds of file audioguide writes.
LEFTOVER = re.compile(r"\..+\.(mp3|timeline\.json|cues\.txt|lrc|vtt|m3u8|clip|seg)\.[a-z0-9_]{8}\.tmp")
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
