"""Concurrent builds: several `audioguide build` processes share one cache and one output folder.

Six builds start at once from a cold cache: three of the same routine, two of another
and one of the first at another level. All succeed, every file equals what serial builds
make, the cache holds no damaged entry and no temporary file is left behind.
"""

from __future__ import annotations

from builds import ROUTINES, cli_build, damaged_cache_entries, leftovers, outputs
from conftest import SMALL_ROUTINE

from audioguide import routine
from audioguide.build import BuildOptions, build

BUILDS = [
    (ROUTINES / "interrupt.yaml", "medium"),
    (ROUTINES / "interrupt.yaml", "medium"),
    (ROUTINES / "interrupt.yaml", "medium"),
    (SMALL_ROUTINE, "medium"),
    (SMALL_ROUTINE, "medium"),
    (ROUTINES / "interrupt.yaml", "easy"),
]
TIMEOUT_S = 300


def test_six_builds_at_once_match_serial_builds(tmp_path):
    serial = tmp_path / "serial"
    for path, level in dict.fromkeys(BUILDS):
        build(
            routine.load(path),
            BuildOptions(level=level, engine="pico", output=serial, cache_dir=tmp_path / "c1"),
        )

    shared, cache = tmp_path / "shared", tmp_path / "c2"
    processes = [cli_build(path, shared, cache, "--level", level) for path, level in BUILDS]
    errors = [p.communicate(timeout=TIMEOUT_S)[1].decode() for p in processes]
    assert [p.returncode for p in processes] == [0] * len(BUILDS), errors
    assert outputs(shared) == outputs(serial)
    assert len([name for name in outputs(serial) if name.endswith(".mp3")]) == len(set(BUILDS))
    assert damaged_cache_entries(cache) == []
    assert leftovers(shared, cache) == []
