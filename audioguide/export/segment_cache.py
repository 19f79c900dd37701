"""The cache of encoded segments: MP3 frames by what they render, verified on read, written atomically.

It lives in the phrase cache's folder, under `segments/`, and is managed with it by
`audioguide cache info / prune / clear`. An entry is named `<content>.seg` (see
docs/segments.md): the SHA-256 of what the segment renders. It holds a small header
(magic, frame count, SHA-256 of the frames) and the frames; an entry that fails the
check is removed and encoded again.

Only regular files are read, and `prune` and `clear` delete only entries that carry this
cache's header and temporary files named as this cache names them: a file someone else put
in the folder stays.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import time
from dataclasses import dataclass
from pathlib import Path

from audioguide import files
from audioguide.routine import MAX_TRACK_MS

FOLDER = "segments"
_MAGIC = b"AGS1"
_HEADER = struct.Struct("<4sI32s")  # magic, frames, sha256 of the frames
_SUFFIX = ".seg"
STALE_TEMP_S = 3600  # a temporary file this old was left by a build that died
MAX_BITRATE = 320_000
MAX_ENTRY_BYTES = MAX_TRACK_MS // 1000 * MAX_BITRATE // 8 * 2  # a whole track at the top bitrate, twice
# Entries of earlier versions were named `<content>-<phase>.seg`: still ours to prune and clear.
_ENTRY = re.compile(r"[0-9a-f]{64}(-\d+)?\.seg")
_TEMPORARY = re.compile(r"\.[0-9a-f]{64}(-\d+)?\.seg\.[A-Za-z0-9_]+\.tmp")


@dataclass(frozen=True)
class SegmentStats:
    root: Path
    entries: int
    size_bytes: int


class SegmentCache:
    def __init__(self, root: Path):
        self.root = Path(root)

    @classmethod
    def beside(cls, phrase_cache_root: Path) -> SegmentCache:
        """The segment cache that goes with the phrase cache at `phrase_cache_root`."""
        return cls(Path(phrase_cache_root) / FOLDER)

    def path(self, content: str) -> Path:
        return self.root / content[:2] / f"{content}{_SUFFIX}"

    def get(self, content: str) -> bytes | None:
        """The stored frames, or None if absent or damaged (a damaged entry is removed)."""
        path = self.path(content)
        try:
            data = files.read_regular(path, MAX_ENTRY_BYTES)
        except files.NotRegularFile:
            _remove_entry(path)  # a pipe or a folder where an entry should be: encoded again
            return None
        except OSError:
            return None
        frames = _parse(data)
        if frames is None:
            path.unlink(missing_ok=True)
            return None
        try:
            os.utime(path)  # marks it used, which prune goes by
        except OSError:
            pass  # a read-only cache still serves
        return frames

    def put(self, content: str, frames: bytes, count: int) -> None:
        header = _HEADER.pack(_MAGIC, count, hashlib.sha256(frames).digest())
        _write_atomic(self.path(content), header + frames)

    def entries(self) -> list[Path]:
        """The files named as entries are (whoever wrote them: `_ours` tells)."""
        try:
            return sorted(path for path in self.root.glob(f"??/*{_SUFFIX}") if _ENTRY.fullmatch(path.name))
        except OSError:  # no such folder, a name too long, no permission: nothing of ours to list
            return []

    def info(self) -> SegmentStats:
        sizes = []
        for path in self.entries():
            try:
                sizes.append(path.stat().st_size)
            except OSError:
                continue
        return SegmentStats(self.root, len(sizes), sum(sizes))

    def prune(self, older_than_s: float | None = None, max_bytes: int | None = None) -> tuple[int, int]:
        """Remove entries unused for `older_than_s`, then the least recently used past `max_bytes`.

        Returns (entries removed, bytes freed).
        """
        now = time.time()
        stats = []
        for path in self.entries():
            try:
                if _ours(path):
                    stats.append((path, path.stat()))
            except OSError:
                continue
        stats.sort(key=lambda item: item[1].st_mtime, reverse=True)
        kept, removed, freed = 0, 0, 0
        for path, stat in stats:
            too_old = older_than_s is not None and now - stat.st_mtime > older_than_s
            too_big = max_bytes is not None and kept + stat.st_size > max_bytes
            if too_old or too_big:
                path.unlink(missing_ok=True)
                removed, freed = removed + 1, freed + stat.st_size
            else:
                kept += stat.st_size
        self._remove_temporaries(now)
        return removed, freed

    def clear(self) -> tuple[int, int]:
        """Remove every entry, and the folder if nothing else is in it."""
        removed, freed = self.prune(max_bytes=0)
        self._remove_temporaries(time.time() + STALE_TEMP_S)
        try:
            shards = [folder for folder in self.root.glob("??") if folder.is_dir()]
        except OSError:
            shards = []
        for folder in shards:
            try:
                folder.rmdir()  # only if empty: whatever else is there stays
            except OSError:
                continue
        return removed, freed

    def _remove_temporaries(self, now: float) -> None:
        try:
            temporaries = [tmp for tmp in self.root.glob("??/.*.tmp") if _TEMPORARY.fullmatch(tmp.name)]
        except OSError:
            return
        for tmp in temporaries:
            try:
                if now - tmp.stat().st_mtime > STALE_TEMP_S:
                    tmp.unlink()
            except OSError:
                continue


def _ours(path: Path) -> bool:
    """Whether the file at `path` is a regular file that starts with this cache's header."""
    try:
        with files.open_regular(path, MAX_ENTRY_BYTES) as fd:
            return os.read(fd, len(_MAGIC)) == _MAGIC
    except OSError:
        return False


def _remove_entry(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def _parse(data: bytes) -> bytes | None:
    if len(data) <= _HEADER.size:
        return None
    magic, count, digest = _HEADER.unpack_from(data)
    frames = data[_HEADER.size :]
    if magic != _MAGIC or hashlib.sha256(frames).digest() != digest:
        return None
    return frames  # the assembler counts the frames again as it reads them


def _write_atomic(path: Path, data: bytes) -> None:
    """Write beside `path` and rename. A cache that cannot be written only costs speed next time."""
    try:
        files.write_atomic(path, data)
    except OSError:
        pass
