"""The phrase cache: conditioned clips, content-addressed, verified on read, written atomically.

An entry's key hashes everything that shapes its sound: engine, voice, options, the
prepared text and the conditioning version. An entry holds a small header, a SHA-256 of
its samples and the samples; an entry that fails the check is deleted and made again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
from pydub import AudioSegment

from audioguide import files
from audioguide.errors import SpeechError
from audioguide.speech.clips import SAMPLE_WIDTH

CACHE_ENV = "AUDIOGUIDE_CACHE_DIR"
FORMAT = 4  # bump when conditioning changes what a stored clip sounds like
_MAGIC = b"AGC2"
ENGINE_NAME_BYTES = 16
_HEADER = struct.Struct(f"<4sI32s{ENGINE_NAME_BYTES}s")  # magic, rate, sha256 of the samples, engine
_SUFFIX = ".clip"
MIN_RATE, MAX_RATE = 4_000, 192_000  # a stored rate outside these is damage, not audio
STALE_TEMP_S = 3600  # a temporary file this old was left by a build that died


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
            before = path.stat()
            data = path.read_bytes()
        except OSError:
            return None
        entry = _parse(data)
        if entry is None:
            _discard(path, before)
            return None
        _touch(path)
        rate, samples, _engine = entry
        return AudioSegment(samples, sample_width=SAMPLE_WIDTH, frame_rate=rate, channels=1)

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
        header = _HEADER.pack(_MAGIC, audio.frame_rate, hashlib.sha256(samples).digest(), name)
        write_atomic(self.path(key), header + samples)

    def entries(self) -> list[Path]:
        return sorted(self.root.glob(f"??/*{_SUFFIX}")) if self.root.is_dir() else []

    def info(self) -> CacheInfo:
        """Where the cache is, how many entries it holds and their size, in all and by engine."""
        count: Counter[str] = Counter()
        size: Counter[str] = Counter()
        for path in self.entries():
            try:
                with path.open("rb") as file:
                    header = file.read(_HEADER.size)
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
        """Remove every entry. Only audioguide's own files are touched, never the folder itself."""
        removed, freed = 0, 0
        for path in self.entries():
            try:
                freed += path.stat().st_size
                path.unlink()
                removed += 1
            except OSError:
                continue
        self._remove_stale_temporaries(time.time() + STALE_TEMP_S)
        for folder in self.root.glob("??"):
            if folder.is_dir() and not any(folder.iterdir()):
                shutil.rmtree(folder, ignore_errors=True)
        return Pruned(removed, freed)

    def _remove_stale_temporaries(self, now: float) -> None:
        for tmp in self.root.glob("??/.*.tmp") if self.root.is_dir() else ():
            try:
                if now - tmp.stat().st_mtime > STALE_TEMP_S:
                    tmp.unlink()
            except OSError:
                continue


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


def _parse(data: bytes) -> tuple[int, bytes, str] | None:
    """(rate, samples, engine) of a sound entry, or None if it is damaged in any way."""
    if len(data) <= _HEADER.size:
        return None
    magic, rate, digest, engine = _HEADER.unpack_from(data)
    samples = data[_HEADER.size :]
    if magic != _MAGIC or not MIN_RATE <= rate <= MAX_RATE or len(samples) % SAMPLE_WIDTH:
        return None
    if hashlib.sha256(samples).digest() != digest:
        return None
    return rate, samples, engine.rstrip(b"\0").decode("utf-8", "replace")


def _engine_of(header: bytes) -> str:
    if len(header) < _HEADER.size or header[:4] != _MAGIC:
        return "unknown"
    return _HEADER.unpack(header)[3].rstrip(b"\0").decode("utf-8", "replace") or "unknown"


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
AGES = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}


def parse_size(text: str) -> int:
    """ "500MB" -> 500_000_000; "2GiB" and a bare number of bytes too. ValueError if not a size."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*", text.lower())
    if not match:
        raise ValueError(f"'{text}' is not a size; write it like 500MB, 2GB or 800KiB")
    return int(float(match[1]) * UNITS[match[2] or "b"])


def parse_age(text: str) -> float:
    """ "90d" -> seconds; also s, m, h, w. ValueError if not an age."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text.lower())
    if not match:
        raise ValueError(f"'{text}' is not an age; write it like 90d, 12h or 2w")
    return float(match[1]) * AGES[match[2]]


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers see all or nothing."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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
        if isinstance(exc, OSError):
            raise SpeechError(
                f"cannot write the phrase cache at {path.parent}: {exc.strerror}. "
                f"Free some space, or point --cache-dir or {CACHE_ENV} elsewhere"
            ) from None
        raise
