"""Helpers for tests that run real `audioguide build` processes and inspect what they leave."""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import sys
from pathlib import Path

from audioguide.export import segment_cache
from audioguide.files import is_leftover

HERE = Path(__file__).parent
ROUTINES = HERE / "routines"
# The cache entry layout, restated here so that a broken writer cannot vouch for itself.
CACHE_HEADER = struct.Struct("<4sI32s32s16s")  # magic, rate, sha256 of the samples and of the key, engine
CACHE_MAGIC = b"AGC3"


def cli_build(
    routine: Path | str, out: Path, cache: Path, *extra: str, engine: str = "pico"
) -> subprocess.Popen[bytes]:
    """Start `audioguide build` in its own process group, as a shell would run it."""
    command = [sys.executable, "-m", "audioguide", "build", str(routine), "--engine", engine]
    command += ["-o", str(out), "--cache-dir", str(cache), *extra]
    env = {**os.environ, "AUDIOGUIDE_CACHE_DIR": str(cache)}
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env
    )


def run_build(routine: Path | str, out: Path, cache: Path, *extra: str, timeout: float = 120) -> str:
    """Build to completion; the process's output, or an AssertionError with its errors."""
    process = cli_build(routine, out, cache, *extra)
    stdout, stderr = process.communicate(timeout=timeout)
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()


def outputs(folder: Path) -> dict[str, bytes]:
    """Every finished file in the folder, by name; temporary files are not output."""
    if not folder.is_dir():
        return {}
    return {
        p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not is_leftover(p.name)
    }


def leftovers(*folders: Path) -> list[Path]:
    """Temporary files (`.<name>.<random>.tmp`) anywhere under the folders."""
    return [p for folder in folders if folder.exists() for p in folder.rglob("*.tmp")]


def damaged_cache_entries(cache: Path) -> list[str]:
    """Cache entries that are not whole: wrong header, no samples, or samples not matching their hash."""
    bad = []
    for path in cache.rglob("*"):
        if not path.is_file() or is_leftover(path.name):
            continue
        data = path.read_bytes()
        if path.suffix == ".seg":  # an encoded segment of a track: checked by its own reader
            if segment_cache._parse(data, path.stem) is None:
                bad.append(path.name)
            continue
        if path.suffix != ".clip" or len(data) <= CACHE_HEADER.size:
            bad.append(path.name)
            continue
        magic, rate, digest, _key, _engine = CACHE_HEADER.unpack_from(data)
        samples = data[CACHE_HEADER.size :]
        if magic != CACHE_MAGIC or rate == 0 or hashlib.sha256(samples).digest() != digest:
            bad.append(path.name)
    return bad


def cache_entries(cache: Path) -> int:
    return sum(1 for _ in cache.rglob("*.clip")) if cache.exists() else 0
