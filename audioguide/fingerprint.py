"""A build's fingerprint: what shapes its files, hashed, so that a build with nothing to do does nothing.

`fingerprint(inputs)` hashes named inputs. A build names its own (build.py: the routine, its
options, the voice, each phrase's cache entry and the installed audioguide); a new stage joins
by adding what shapes its part under a name of its own (a music bed: its file's digest and
level). The fingerprint is recorded in the timeline JSON beside the track (its `build` key),
with the size and SHA-256 of every file the build wrote: the same record for the same build,
as the rest of the timeline, and a 16-minute track hashes in a few milliseconds. A build
whose fingerprint is the one recorded there, with those files as recorded, has nothing to do.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from audioguide import files

RECORD_KEY = "build"  # where the timeline JSON holds the record


def fingerprint(inputs: Mapping[str, Any]) -> str:
    """The SHA-256 of named inputs (JSON values, or anything with a stable repr), as canonical JSON."""
    material = json.dumps(inputs, sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@cache
def installed() -> str:
    """audioguide's version, and the size and time of every file of the package as installed: an
    edited copy counts as another version (a few milliseconds, once)."""
    from audioguide import __version__

    root = Path(__file__).parent
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            stat = os.stat(os.path.join(folder, name))
            found.append((os.path.relpath(os.path.join(folder, name), root), stat.st_size, stat.st_mtime_ns))
    return f"{__version__}:{fingerprint({'files': found})}"


FileStamps = Mapping[str, tuple[int, str]]  # a file's name -> (size, SHA-256)


def stamps(paths: Iterable[tuple[str, Path]]) -> dict[str, tuple[int, str]]:
    """(name, path) pairs -> each file's size and SHA-256. Raises OSError."""
    return {name: (os.stat(path).st_size, files.sha256_file(path)) for name, path in paths}


@dataclass(frozen=True)
class Record:
    """What a build recorded beside its track: its fingerprint, the cache keys of its phrases
    (in order of first use) and the files it wrote, in the timeline's folder, with their size and SHA-256."""

    fingerprint: str
    phrases: tuple[str, ...]
    files: FileStamps

    def to_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "phrases": list(self.phrases),
            "files": {name: list(stamp) for name, stamp in sorted(self.files.items())},
        }

    @classmethod
    def from_json(cls, data: object) -> Record | None:
        """The record, or None if there is none or it is not one (an older track, a hand edit)."""
        try:
            record = cls(
                str(data["fingerprint"]),  # type: ignore[index]
                tuple(str(key) for key in data["phrases"]),  # type: ignore[index]
                {str(name): (int(size), str(digest)) for name, (size, digest) in data["files"].items()},  # type: ignore[index]
            )
        except (TypeError, KeyError, ValueError, AttributeError):
            return None
        return record

    def intact(self, folder: Path) -> bool:
        """Are the files as the build left them: regular files of the same size and content?"""
        try:
            for name, (size, _) in self.files.items():
                path = folder / name
                if not path.is_file() or path.is_symlink() or path.stat().st_size != size:
                    return False
            return all(files.sha256_file(folder / name) == digest for name, (_, digest) in self.files.items())
        except OSError:
            return False
