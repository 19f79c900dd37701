"""The cache of encoded segments: MP3 frames by what they render, verified on read, written atomically.

It lives in the phrase cache's folder, under `segments/`, and is managed with it by
`audioguide cache info / prune / clear`. An entry is named `<content>.seg` (see
docs/segments.md): the SHA-256 of what the segment renders. It holds a small header
(magic, frame count, SHA-256 of the frames, and the content it was made for) and the
frames; an entry that fails a check (damaged, copied over another segment's, or holding
another number of frames than its segment) is removed and encoded again.

Only regular files are read (never through a symbolic link), each with a size limit from
the length of its segment checked before reading, and `prune` and `clear` delete only
entries that carry this cache's header and temporary files named as this cache names them,
in shard folders that are folders, not links: a file someone else put in the folder stays.
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
_MAGIC = b"AGS2"
_OLD_MAGICS = (b"AGS1",)  # entries of earlier versions: never read, still ours to delete
_HEADER = struct.Struct("<4sI32s32s")  # magic, frames, sha256 of the frames, the content made for
_OLD_HEADER_BYTES = 40  # magic, frames and sha256 of the frames, as earlier versions wrote them
_SUFFIX = ".seg"
STALE_TEMP_S = 3600  # a temporary file this old was left by a build that died
MAX_BITRATE = 320_000
SPARE_SECONDS = 2  # room beyond a segment's own length, for the frames that flush the encoder
MAX_ENTRY_BYTES = MAX_TRACK_MS // 1000 * MAX_BITRATE // 8 * 2  # a whole track at the top bitrate, twice
# Entries of earlier versions were named `<content>-<phase>.seg`: still ours to prune and clear.
_ENTRY = re.compile(r"[0-9a-f]{64}(-\d+)?\.seg")
_TEMPORARY = re.compile(r"\.[0-9a-f]{64}(-\d+)?\.seg\.[A-Za-z0-9_]+\.tmp")
_SHARD = re.compile(r"[0-9a-f]{2}")


def max_entry_bytes(samples: int, rate: int) -> int:
    """The most an entry for a segment of `samples` samples may hold: twice the top bitrate,
    with the encoder's last frames and more to spare. A larger file is not one of ours."""
    return _HEADER.size + (samples // rate + SPARE_SECONDS) * MAX_BITRATE // 8 * 2


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

    def get(self, content: str, max_bytes: int = MAX_ENTRY_BYTES, frames: int | None = None) -> bytes | None:
        """The frames stored for `content`, or None if absent or not right (then removed).

        An entry is right if it is a regular file of at most `max_bytes` (not a link), made
        for `content`, its frames match their hash, and it holds `frames` frames if given.
        """
        path = self.path(content)
        try:
            data = files.read_regular(path, max_bytes, follow=False)
        except (files.NotRegularFile, files.TooLarge):
            _remove_entry(path)  # a pipe, a folder or a file too large for its segment
            return None
        except OSError:
            if os.path.islink(path):  # a link where an entry should be: encoded again, in its place
                _remove_entry(path)
            return None  # absent or unreadable: encoded again
        found = _parse(data, content)
        if found is None or (frames is not None and found[0] != frames):
            path.unlink(missing_ok=True)
            return None
        try:
            os.utime(path)  # marks it used, which prune goes by
        except OSError:
            pass  # a read-only cache still serves
        return found[1]

    def put(self, content: str, frames: bytes, count: int) -> None:
        header = _HEADER.pack(_MAGIC, count, hashlib.sha256(frames).digest(), bytes.fromhex(content))
        _write_atomic(self.path(content), header + frames)

    def entries(self) -> list[Path]:
        """The files named as entries are, in shard folders (whoever wrote them: `_ours` tells)."""
        return sorted(
            Path(entry.path)
            for shard in self._shards()
            for entry in files.entries(shard)
            if _ENTRY.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
        )

    def _shards(self) -> list[Path]:
        """The shard folders: named like shards, and folders themselves, never links to one."""
        return [
            Path(entry.path)
            for entry in files.entries(self.root)
            if _SHARD.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)
        ]

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
        for folder in self._shards():
            try:
                folder.rmdir()  # only if empty: whatever else is there stays
            except OSError:
                continue
        return removed, freed

    def _remove_temporaries(self, now: float) -> None:
        for shard in self._shards():
            for tmp in files.entries(shard):
                if not _TEMPORARY.fullmatch(tmp.name):
                    continue
                try:
                    if tmp.is_file(follow_symlinks=False) and now - tmp.stat().st_mtime > STALE_TEMP_S:
                        os.unlink(tmp.path)
                except OSError:
                    continue


def _ours(path: Path) -> bool:
    """Whether `path` is a regular file (not a link) with this cache's header for its own name.

    Entries of earlier versions, whose header named no content, are ours by their magic.
    """
    try:
        with files.open_regular(path, MAX_ENTRY_BYTES, follow=False) as fd:
            header = os.read(fd, _HEADER.size)
    except OSError:
        return False
    if header[:4] in _OLD_MAGICS:
        return len(header) >= _OLD_HEADER_BYTES
    if len(header) < _HEADER.size or header[:4] != _MAGIC:
        return False
    return _HEADER.unpack(header)[3].hex() == path.name[:64]


def _remove_entry(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def _parse(data: bytes, content: str) -> tuple[int, bytes] | None:
    """(frame count, frames) of an entry made for `content`, or None if it is anything else."""
    if len(data) <= _HEADER.size:
        return None
    magic, count, digest, made_for = _HEADER.unpack_from(data)
    frames = data[_HEADER.size :]
    if magic != _MAGIC or made_for.hex() != content or hashlib.sha256(frames).digest() != digest:
        return None
    return count, frames  # the assembler counts the frames again as it reads them


def _write_atomic(path: Path, data: bytes) -> None:
    """Write beside `path` and rename. A cache that cannot be written only costs speed next time."""
    try:
        files.write_atomic(path, data)
    except OSError:
        pass
