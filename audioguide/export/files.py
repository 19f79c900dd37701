"""Atomic writes: every file goes to a temporary name beside its target, then all are renamed.

A track and its sidecars are renamed together at the end, sidecars first, tracks next and
a playlist last, so an interrupted build leaves the previous set or nothing, never half a
file, and a track on disk always has current sidecars.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from audioguide import files, fingerprint, signing
from audioguide.errors import ExportError

# Renamed into place last, in this order: what a player opens comes after what it reads.
_LAST = (".mp3", ".m3u8")
# The list of files a build wrote, with their SHA-256, hidden beside them: `.NAME.audioguide.json`.
MANIFEST_SUFFIX = ".audioguide.json"
MANIFEST_FORMAT = 2  # signed (signing.py): a manifest someone else left owns nothing
MANIFEST_PURPOSE = "manifest"
MAX_MANIFEST_BYTES = 1_000_000
MAX_OWNED_BYTES = 4_000_000_000  # a file larger than any track audioguide writes is not one of them


class Staging:
    """Temporary files standing in for their targets until `commit`."""

    def __init__(self) -> None:
        self._temps: list[tuple[Path, Path]] = []

    def path_for(self, target: Path) -> Path:
        """A fresh temporary file beside `target`, to be renamed onto it."""
        with files.signals_deferred():  # a Ctrl-C here would leave a file `discard` cannot know of
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            self._temps.append((Path(name), target))
        os.close(fd)
        os.chmod(name, 0o666 & ~_umask())  # mkstemp makes files private; a track is not
        return Path(name)

    def write_text(self, target: Path, text: str) -> None:
        self.path_for(target).write_text(text, encoding="utf-8")

    def write_manifest(self, anchor: Path, previous: dict[str, str] | None = None) -> Path:
        """Stage the manifest of every file staged so far beside `anchor`: names and SHA-256.

        It is what proves later which files in the folder audioguide wrote: only a file
        listed there whose content still has the listed hash is ever deleted, and only if
        the manifest is signed with this user's key. Files of the `previous` manifest that
        are about to be deleted stay listed, so a build killed while deleting them leaves
        them to the next build to delete.
        """
        listed = {
            target.name: files.sha256_file(temp)
            for temp, target in self._temps
            if target.parent == anchor.parent
        }
        for name, digest in (previous or {}).items():
            if name not in listed and files.sha256_of(anchor.parent / name, MAX_OWNED_BYTES) == digest:
                listed[name] = digest
        manifest = manifest_path(anchor)
        listed = dict(sorted(listed.items()))
        signature = signing.mac(MANIFEST_PURPOSE, anchor.parent, manifest.name, listed)
        body = {"format": MANIFEST_FORMAT, "files": listed, "mac": signature}
        self.write_text(manifest, json.dumps(body, indent=1) + "\n")
        return manifest

    def stamps(self, folder: Path) -> dict[str, tuple[int, str]]:
        """The size and SHA-256 of each file staged so far for `folder`, by name."""
        found = [(target.name, temp) for temp, target in self._temps if target.parent == folder]
        return fingerprint.stamps(found)

    def targets(self) -> set[str]:
        """The names of the files staged (all in one folder but a split's)."""
        return {target.name for _, target in self._temps}

    def commit(self) -> None:
        def rank(item: tuple[Path, Path]) -> int:
            if item[1].name.endswith(MANIFEST_SUFFIX):
                return len(_LAST) + 1  # the very last: it vouches for the set before it
            suffix = item[1].suffix.lower()
            return _LAST.index(suffix) + 1 if suffix in _LAST else 0

        for temp, _ in self._temps:
            files.sync(temp)
        ordered = sorted(self._temps, key=rank)
        # Ctrl-C and SIGTERM wait until every file is in place, so a set never comes from two builds;
        # a kill in between leaves a journal that the next build completes the set from.
        with files.signals_deferred():
            for folder in dict.fromkeys(target.parent for _, target in ordered):
                files.commit_renames(
                    folder, [(t, target) for t, target in ordered if target.parent == folder]
                )

    def discard(self) -> None:
        for temp, _ in self._temps:
            temp.unlink(missing_ok=True)


@contextmanager
def staged(what: Path) -> Iterator[Staging]:
    """Stage files; rename them all into place if the block succeeds, else remove them."""
    make_dir(what.parent)
    if os.path.isdir(what) and not os.path.islink(what):  # found now, not after minutes of encoding
        raise ExportError(
            f"cannot write {what}: it is a folder, so no file can take its name. "
            "Remove or rename the folder, or choose another name with -o"
        )
    staging = Staging()
    try:
        yield staging
        staging.commit()
    except files.FolderBusy as exc:
        raise ExportError(
            f"cannot write {what}: the folder {exc.filename} is locked; {exc.strerror}. Probable cause: "
            "another audioguide build into it is stuck; stop it, or choose another folder with -o"
        ) from None
    except IsADirectoryError as exc:
        raise ExportError(
            f"cannot write {exc.filename or what}: it {exc.strerror}. Remove or rename the folder, "
            "or choose another name with -o"
        ) from None
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


def manifest_path(anchor: Path) -> Path:
    """`folder/.NAME.audioguide.json` for `folder/NAME.m3u8` (or `NAME.mp3`)."""
    return anchor.with_name(f".{anchor.stem}{MANIFEST_SUFFIX}")


def owned(anchor: Path) -> dict[str, str]:
    """The files an earlier build listed in its manifest beside `anchor`: name -> SHA-256.

    Empty when there is no manifest, or it is not one this user's audioguide signed for
    this folder: then nothing is owned. Only names a build writes are ever owned.
    """
    path = manifest_path(anchor)
    try:
        body = json.loads(files.read_regular(path, MAX_MANIFEST_BYTES, follow=False))
    except (OSError, ValueError):
        return {}
    listed = body.get("files") if isinstance(body, dict) and body.get("format") == MANIFEST_FORMAT else None
    if not isinstance(listed, dict):
        return {}
    if not signing.verify(body.get("mac"), MANIFEST_PURPOSE, anchor.parent, path.name, listed):
        return {}
    return {
        name: digest
        for name, digest in listed.items()
        if files.output_name(name) and name != path.name and isinstance(digest, str)
    }


def remove_owned(folder: Path, previous: dict[str, str], keep: set[str]) -> list[Path]:
    """Delete the files of `previous` not in `keep` that still hold exactly what audioguide wrote.

    A file edited or replaced since (its hash differs), or one no manifest lists, is the
    user's now and stays. Returns what was deleted.
    """
    removed = []
    for name, digest in previous.items():
        path = folder / name
        if name in keep or files.sha256_of(path, MAX_OWNED_BYTES) != digest:
            continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            continue  # already gone, or not ours to remove after all
    return removed
