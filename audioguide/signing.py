"""Proof that a file in an output folder was written by this user's audioguide.

A build leaves files that a later build acts on: the journal of a set of renames, and a
`--split` manifest of the files it may delete. An output folder can come from anywhere (a
shared zip, a synced drive), so these carry an HMAC-SHA256 made with a random key kept in
the user's data folder, over what they say and where they are. A file without a valid one
is ignored: a forged journal moves nothing, a forged manifest deletes nothing.

If the key cannot be read or made (a data folder that cannot be written, a key file that is
a link, a pipe or the wrong size), nothing is signed and nothing is trusted: builds go on,
and only the recovery and tidying these files allow is skipped.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import os
import stat
import tempfile
from pathlib import Path

import platformdirs

DATA_ENV = "AUDIOGUIDE_DATA_DIR"
KEY_FILE = "output-key"
KEY_BYTES = 32
_KEY_CHARS = 2 * KEY_BYTES  # stored as hex
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_NO_LINK = getattr(os, "O_NOFOLLOW", 0)


def data_dir() -> Path:
    """Where the key is kept: `AUDIOGUIDE_DATA_DIR`, else the user's data folder."""
    return Path(os.environ.get(DATA_ENV) or platformdirs.user_data_dir("audioguide"))


def key() -> bytes | None:
    """This user's key, made on first use; None if it cannot be read or made."""
    path = data_dir() / KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError):
        return None
    try:
        _make_key(path)
        return _read_key(path)
    except (OSError, ValueError):
        return None


def mac(purpose: str, folder: Path, name: str, content: object) -> str | None:
    """The HMAC of `content` as file `name` in `folder`, for `purpose`; None without a key."""
    secret = key()
    return None if secret is None else _mac(secret, purpose, folder, name, content)


def verify(signature: object, purpose: str, folder: Path, name: str, content: object) -> bool:
    """Whether `signature` is this user's HMAC of `content` as file `name` in `folder`."""
    secret = key()
    if secret is None or not isinstance(signature, str):
        return False
    return hmac.compare_digest(signature, _mac(secret, purpose, folder, name, content))


def _mac(secret: bytes, purpose: str, folder: Path, name: str, content: object) -> str:
    material = json.dumps([purpose, os.path.realpath(folder), name, content], sort_keys=True)
    return hmac.new(secret, material.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def _read_key(path: Path) -> bytes:
    """The key in `path`: a regular file (not a link) of exactly its hex characters."""
    fd = os.open(path, _READ_FLAGS | _NO_LINK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size != _KEY_CHARS:
            raise ValueError(f"{path} is not a key file")
        return bytes.fromhex(os.read(fd, _KEY_CHARS).decode("ascii"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not a key file") from exc
    finally:
        os.close(fd)


def _make_key(path: Path) -> None:
    """Write a new key, readable only by its owner; a key another process made first wins."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(os.urandom(KEY_BYTES).hex())
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(tmp, path)  # never replaces a key already there
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise
    finally:
        os.unlink(tmp)
