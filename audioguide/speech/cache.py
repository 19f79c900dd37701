"""The phrase cache: conditioned clips, content-addressed, verified on read, written atomically.

An entry's key hashes everything that shapes its sound: engine, voice, options, the
prepared text and the conditioning version. An entry holds a small header (with the
SHA-256 of the key it was made for and of its samples) and the samples; an entry that
fails either check (damaged, or copied over another phrase's) is not played but made again.

Everything in the cache folder may have been put there by someone else: only regular
files are read (never a pipe or a device), and `clear` and `prune` delete only entries
that prove to be audioguide's own (their header names the key their file name says).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import struct
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from audioguide import files
from audioguide.errors import SpeechError
from audioguide.speech.base import SAMPLE_WIDTH

if TYPE_CHECKING:
    from pydub import AudioSegment

CACHE_ENV = "AUDIOGUIDE_CACHE_DIR"
FORMAT = 4  # bump when conditioning changes what a stored clip sounds like
_MAGIC = b"AGC3"
_OLD_MAGICS = (b"AGC2",)  # earlier layouts: never played, still audioguide's own to delete
ENGINE_NAME_BYTES = 16
# magic, rate, sha256 of the samples, sha256 of the key, engine
_HEADER = struct.Struct(f"<4sI32s32s{ENGINE_NAME_BYTES}s")
_SUFFIX = ".clip"
MIN_RATE, MAX_RATE = 4_000, 192_000  # a stored rate outside these is damage, not audio
STALE_TEMP_S = 3600  # a temporary file this old was left by a build that died
MAX_ENTRY_BYTES = 200_000_000  # far above any phrase's clip; a larger file is not an entry
_SHARD = re.compile(r"[0-9a-f]{2}")


def default_dir() -> Path:
    if env := os.environ.get(CACHE_ENV):
        return Path(env)
    return Path(platformdirs.user_cache_dir("audioguide")) / "phrases"


class PhraseCache:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else default_dir()

    @staticmethod
    def key(engine: str, voice_id: str, text: str) -> str:
        material = json.dumps([FORMAT, engine, voice_id, text], ensure_ascii=False)
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}{_SUFFIX}"

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

    def get(self, key: str) -> AudioSegment | None:
        """The stored clip, or None if absent or damaged (a damaged entry is removed).

        Reading an entry marks it used (its modification time), which `prune` goes by.
        """
        path = self.path(key)
        try:
            before = path.lstat()
            data = files.read_regular(path, MAX_ENTRY_BYTES)
        except OSError:
            return None  # absent, or not a file of ours (a folder, a pipe): made again
        entry = _parse(data, key)
        if entry is None:
            _discard(path, before)
            return None
        _touch(path)
        rate, samples, _engine = entry
        from pydub import AudioSegment

        return AudioSegment(samples, sample_width=SAMPLE_WIDTH, frame_rate=rate, channels=1)

    def digest(self, key: str) -> str | None:
        """What the entry for `key` holds, from its header alone (its rate and the SHA-256 of its
        samples), or None if there is no entry of that key's. For fingerprints: a read of the
        entry itself still checks the samples."""
        try:
            header = _header(self.path(key))
        except OSError:
            return None
        if len(header) < _HEADER.size:
            return None
        magic, rate, digest, made_for, _engine = _HEADER.unpack(header)
        if magic != _MAGIC or made_for != _key_digest(key):
            return None
        return f"{rate}:{digest.hex()}"

    def sweep_leftovers(self) -> list[Path]:
        """Remove temporary files that builds killed mid-write left in the cache."""
        try:
            shards = [entry.path for entry in os.scandir(self.root) if entry.is_dir(follow_symlinks=False)]
        except OSError:
            return []
        return [path for shard in shards for path in files.sweep_leftovers(Path(shard))]

    def put(self, key: str, audio: AudioSegment, engine: str = "") -> None:
        samples = audio.raw_data
        name = engine.encode("utf-8")[:ENGINE_NAME_BYTES]
        digest = hashlib.sha256(samples).digest()
        header = _HEADER.pack(_MAGIC, audio.frame_rate, digest, _key_digest(key), name)
        write_atomic(self.path(key), header + samples)

    def entries(self) -> list[Path]:
        """Every entry of audioguide's in the cache: regular files whose header names their key."""
        return [path for path in self._candidates() if _is_own(path)]

    def _candidates(self) -> list[Path]:
        """Files named like entries in shard folders named like shards (no symbolic links)."""
        found = []
        for shard in files.entries(self.root):
            if _SHARD.fullmatch(shard.name) and shard.is_dir(follow_symlinks=False):
                for entry in files.entries(Path(shard.path)):
                    if entry.name.endswith(_SUFFIX) and entry.is_file(follow_symlinks=False):
                        found.append(Path(entry.path))
        return sorted(found)

    def info(self) -> CacheInfo:
        """Where the cache is, how many entries it holds and their size, in all and by engine."""
        count: Counter[str] = Counter()
        size: Counter[str] = Counter()
        for path in self.entries():
            try:
                header = _header(path)
                length = path.stat().st_size
            except OSError:
                continue  # removed by another build meanwhile
            engine = _engine_of(header)
            count[engine] += 1
            size[engine] += length
        return CacheInfo(self.root, sum(count.values()), sum(size.values()), dict(count), dict(size))

    def prune(self, older_than_s: float | None = None, max_bytes: int | None = None) -> Pruned:
        """Remove entries unused for `older_than_s`, then the least recently used past `max_bytes`."""
        now = time.time()
        stats = []
        for path in self.entries():
            try:
                stats.append((path, path.stat()))
            except OSError:
                continue
        stats.sort(key=lambda item: item[1].st_mtime, reverse=True)  # most recently used first
        kept_bytes, removed, freed = 0, 0, 0
        for path, stat in stats:
            too_old = older_than_s is not None and now - stat.st_mtime > older_than_s
            too_big = max_bytes is not None and kept_bytes + stat.st_size > max_bytes
            if too_old or too_big:
                path.unlink(missing_ok=True)
                removed += 1
                freed += stat.st_size
            else:
                kept_bytes += stat.st_size
        self._remove_stale_temporaries(now)
        return Pruned(removed, freed)

    def clear(self) -> Pruned:
        """Remove every entry of audioguide's; nothing else in the folder, never the folder itself.

        A shard folder that clearing emptied goes too (only if empty). Temporary files of a
        build still running are left to it, so clearing never fails a build under way.
        """
        removed, freed = 0, 0
        emptied = set()
        for path in self.entries():
            try:
                freed += path.stat().st_size
                path.unlink()
                removed += 1
                emptied.add(path.parent)
            except OSError:
                continue
        self._remove_stale_temporaries(time.time())
        for folder in emptied:
            try:
                folder.rmdir()  # only an empty folder: a build writing there keeps it
            except OSError:
                continue
        return Pruned(removed, freed)

    def _remove_stale_temporaries(self, now: float) -> None:
        for shard in files.entries(self.root):
            if _SHARD.fullmatch(shard.name) and shard.is_dir(follow_symlinks=False):
                files.sweep_leftovers(Path(shard.path), now)


@dataclass(frozen=True)
class CacheInfo:
    root: Path
    entries: int
    size_bytes: int
    entries_by_engine: dict[str, int] = field(hash=False)
    bytes_by_engine: dict[str, int] = field(hash=False)

    def to_json(self) -> dict[str, object]:
        return {
            "path": str(self.root),
            "entries": self.entries,
            "size_bytes": self.size_bytes,
            "by_engine": {
                engine: {"entries": n, "size_bytes": self.bytes_by_engine[engine]}
                for engine, n in sorted(self.entries_by_engine.items())
            },
        }


@dataclass(frozen=True)
class Pruned:
    removed: int
    freed_bytes: int


def _key_digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


def _parse(data: bytes, key: str) -> tuple[int, bytes, str] | None:
    """(rate, samples, engine) of the entry made for `key`, or None if it is damaged in any way
    or was made for another key (a file copied over another's)."""
    if len(data) <= _HEADER.size:
        return None
    magic, rate, digest, made_for, engine = _HEADER.unpack_from(data)
    samples = data[_HEADER.size :]
    if magic != _MAGIC or not MIN_RATE <= rate <= MAX_RATE or len(samples) % SAMPLE_WIDTH:
        return None
    if made_for != _key_digest(key) or hashlib.sha256(samples).digest() != digest:
        return None
    return rate, samples, engine.rstrip(b"\0").decode("utf-8", "replace")


def _header(path: Path) -> bytes:
    """The first bytes of a regular file (never waiting on a pipe); OSError if it is none."""
    with files.open_regular(path, MAX_ENTRY_BYTES) as fd:
        return os.read(fd, _HEADER.size)


def _is_own(path: Path) -> bool:
    """Is this file an entry audioguide wrote? Its header names the key its file name says."""
    try:
        header = _header(path)
    except OSError:
        return False
    if header[:4] in _OLD_MAGICS:
        return re.fullmatch(r"[0-9a-f]{64}", path.stem) is not None and path.parent.name == path.stem[:2]
    if len(header) < _HEADER.size or header[:4] != _MAGIC:
        return False
    return _HEADER.unpack(header)[3] == _key_digest(path.stem) and path.parent.name == path.stem[:2]


def _engine_of(header: bytes) -> str:
    if len(header) < _HEADER.size or header[:4] != _MAGIC:
        return "unknown"
    return _HEADER.unpack(header)[4].rstrip(b"\0").decode("utf-8", "replace") or "unknown"


def _discard(path: Path, seen: os.stat_result) -> None:
    """Remove a damaged entry, unless another build has replaced it since it was read."""
    try:
        now = path.stat()
    except OSError:
        return
    if (now.st_ino, now.st_mtime_ns) == (seen.st_ino, seen.st_mtime_ns):
        path.unlink(missing_ok=True)


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass  # a read-only cache still plays; it just cannot be pruned by use


UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2, "gib": 1024**3}
MAX_SIZE_BYTES = 2**62  # larger than any disk; beyond it a size is a typing slip
AGES = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}


def parse_size(text: str) -> int:
    """ "500MB" -> 500_000_000; "2GiB" and a bare number of bytes too. ValueError if not a size."""
    match = re.fullmatch(r"\s*(\d{1,30}(?:\.\d{1,30})?)\s*([kmg]i?b|b)?\s*", text.lower())
    if not match:
        raise ValueError(f"'{text[:40]}' is not a size; write it like 500MB, 2GB or 800KiB")
    size = float(match[1]) * UNITS[match[2] or "b"]
    if size > MAX_SIZE_BYTES:
        raise ValueError(f"'{text[:40]}' is more than any disk holds; write it like 500MB, 2GB or 800KiB")
    return int(size)


def parse_age(text: str) -> float:
    """ "90d" -> seconds; also s, m, h, w. ValueError if not an age."""
    match = re.fullmatch(r"\s*(\d{1,30}(?:\.\d{1,30})?)\s*([smhdw])\s*", text.lower())
    if not match:
        raise ValueError(f"'{text[:40]}' is not an age; write it like 90d, 12h or 2w")
    return float(match[1]) * AGES[match[2]]


WRITE_ATTEMPTS = 3  # `cache clear` in another process may remove a shard folder mid-write


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers see all or nothing.

    A folder where the entry belongs (put there by someone else) is left alone and the
    clip simply not stored; a shard folder removed meanwhile by `cache clear` is made again.
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            _write_once(path, data)
            return
        except FileNotFoundError:
            if attempt == WRITE_ATTEMPTS:
                raise SpeechError(
                    f"cannot write the phrase cache at {path.parent}: it keeps disappearing. "
                    f"Do not clear the cache during a build, or point --cache-dir or {CACHE_ENV} elsewhere"
                ) from None
        except (IsADirectoryError, NotADirectoryError, FileExistsError):
            if not path.parent.parent.is_dir():  # the cache folder itself is a file
                raise SpeechError(
                    f"cannot write the phrase cache at {path.parent.parent}: it is not a folder. "
                    f"Point --cache-dir or {CACHE_ENV} at a folder"
                ) from None
            return  # not ours to remove: the phrase is played from memory and made again next time


def _write_once(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except (FileNotFoundError, NotADirectoryError, FileExistsError):
        raise  # the shard removed meanwhile, or a file of someone else's where it belongs
    except OSError as exc:
        raise SpeechError(
            f"cannot write the phrase cache at {path.parent}: {exc.strerror}. "
            f"Point --cache-dir or {CACHE_ENV} at a writable folder"
        ) from None
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, FileNotFoundError | IsADirectoryError | NotADirectoryError):
            raise
        if isinstance(exc, OSError) and exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
            raise IsADirectoryError(exc.errno, exc.strerror) from None  # a folder holds the name
        if isinstance(exc, OSError):
            raise SpeechError(
                f"cannot write the phrase cache at {path.parent}: {exc.strerror}. "
                f"Free some space, or point --cache-dir or {CACHE_ENV} elsewhere"
            ) from None
        raise
