"""The phrase cache: conditioned clips, content-addressed, verified on read, written atomically.

An entry's key hashes everything that shapes its sound: engine, voice, options, the
prepared text and the conditioning version. An entry holds a small header, a SHA-256 of
its samples and the samples; an entry that fails the check is deleted and made again.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from pathlib import Path

import platformdirs
from pydub import AudioSegment

from audioguide.errors import SpeechError
from audioguide.speech.clips import SAMPLE_WIDTH

CACHE_ENV = "AUDIOGUIDE_CACHE_DIR"
FORMAT = 2  # bump when conditioning changes what a stored clip sounds like
_MAGIC = b"AGC1"
_HEADER = struct.Struct("<4sI32s")  # magic, sample rate, sha256 of the samples


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
        return self.root / key[:2] / f"{key}.clip"

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

    def get(self, key: str) -> AudioSegment | None:
        """The stored clip, or None if absent or damaged (a damaged entry is removed)."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if len(data) >= _HEADER.size:
            magic, rate, digest = _HEADER.unpack_from(data)
            samples = data[_HEADER.size :]
            if magic == _MAGIC and rate and samples and hashlib.sha256(samples).digest() == digest:
                return AudioSegment(samples, sample_width=SAMPLE_WIDTH, frame_rate=rate, channels=1)
        path.unlink(missing_ok=True)
        return None

    def put(self, key: str, audio: AudioSegment) -> None:
        samples = audio.raw_data
        header = _HEADER.pack(_MAGIC, audio.frame_rate, hashlib.sha256(samples).digest())
        write_atomic(self.path(key), header + samples)


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
