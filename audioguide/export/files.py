"""Atomic writes: every file goes to a temporary name beside its target, then all are renamed.

A track and its sidecars are renamed together at the end, sidecars first, tracks next and
a playlist last, so an interrupted build leaves the previous set or nothing, never half a
file, and a track on disk always has current sidecars.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from audioguide.errors import ExportError

# Renamed into place last, in this order: what a player opens comes after what it reads.
_LAST = (".mp3", ".m3u8")


class Staging:
    """Temporary files standing in for their targets until `commit`."""

    def __init__(self) -> None:
        self._temps: list[tuple[Path, Path]] = []

    def path_for(self, target: Path) -> Path:
        """A fresh temporary file beside `target`, to be renamed onto it."""
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        os.chmod(name, 0o666 & ~_umask())  # mkstemp makes files private; a track is not
        self._temps.append((Path(name), target))
        return Path(name)

    def write_text(self, target: Path, text: str) -> None:
        self.path_for(target).write_text(text, encoding="utf-8")

    def commit(self) -> None:
        def rank(item: tuple[Path, Path]) -> int:
            suffix = item[1].suffix.lower()
            return _LAST.index(suffix) + 1 if suffix in _LAST else 0

        for temp, target in sorted(self._temps, key=rank):
            os.replace(temp, target)

    def discard(self) -> None:
        for temp, _ in self._temps:
            temp.unlink(missing_ok=True)


@contextmanager
def staged(what: Path) -> Iterator[Staging]:
    """Stage files; rename them all into place if the block succeeds, else remove them."""
    make_dir(what.parent)
    staging = Staging()
    try:
        yield staging
        staging.commit()
    except OSError as exc:
        raise ExportError(
            f"cannot write {what}: {exc.strerror or exc}. Check that the folder is writable "
            "and the disk has space, or choose another with -o"
        ) from None
    finally:
        staging.discard()


def make_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(
            f"cannot create the output folder {folder}: {exc.strerror}. Choose another with -o"
        ) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
