"""Leftovers of killed builds are swept once abandoned, and never taken for output."""

from __future__ import annotations

import os
import signal
import time

import pytest
from conftest import SMALL_ROUTINE

from audioguide import files, routine
from audioguide.build import BuildOptions, build

HOUR_AND_A_BIT_S = files.STALE_AFTER_S + 60


def make(path, age_s: float = 0.0):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half a track")
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_a_build_sweeps_abandoned_temporary_files_only(tmp_path, fake_engine):
    out, cache = tmp_path / "out", tmp_path / "cache"
    old = [
        make(out / ".small-test-routine.mp3.k2j4h5g6.tmp", HOUR_AND_A_BIT_S),
        make(out / ".other.timeline.json.abcd_123.tmp", HOUR_AND_A_BIT_S),
        make(cache / "ab" / f".{'ab' * 32}.clip.q1w2e3r4.tmp", HOUR_AND_A_BIT_S),
    ]
    kept = [
        make(out / ".small-test-routine.mp3.zz99yy88.tmp"),  # young: perhaps a build still running
        make(out / ".notes.txt.abcdefgh.tmp", HOUR_AND_A_BIT_S),  # not a kind audioguide writes
        make(out / "holiday.mp3", HOUR_AND_A_BIT_S),
    ]
    build(routine.load(SMALL_ROUTINE), BuildOptions(engine="fake", output=out, cache_dir=cache))
    assert [p.exists() for p in old] == [False] * 3
    assert [p.exists() for p in kept] == [True] * 3


@pytest.mark.parametrize(
    ("name", "leftover"),
    [
        (".track.mp3.k2j4h5g6.tmp", True),
        (".track.cues.txt.k2j4h5g6.tmp", True),
        ("track.mp3", False),
        (".track.mp3", False),
        ("track.mp3.k2j4h5g6.tmp", False),
        (".track.mp3.k2j.tmp", False),
    ],
)
def test_what_counts_as_a_leftover(name, leftover):
    assert files.is_leftover(name) is leftover


def test_signals_wait_until_the_renames_are_done():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with files.signals_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("first rename")
            done.append("second rename")
    assert done == ["first rename", "second rename"]
