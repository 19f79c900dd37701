"""Leftovers of killed builds are swept once abandoned, and never taken for output."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from conftest import SMALL_ROUTINE

from audioguide import files, routine, signing
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


def journal(folder, renames, mac: str | None = "0" * 64) -> None:
    body = {"format": files.JOURNAL_FORMAT, "renames": renames, "mac": mac}
    (folder / f".{renames[0][1]}.{files.JOURNAL_TAG}.tmp").write_text(json.dumps(body))


def test_a_journal_not_signed_by_this_users_audioguide_moves_nothing(tmp_path):
    (tmp_path / "song.mp3").write_text("the user's own song")
    make(tmp_path / ".song.mp3.abcdefgh.tmp")
    (tmp_path / ".notes.txt.abcdefgh.tmp").symlink_to(tmp_path / "song.mp3")
    journal(tmp_path, [[".song.mp3.abcdefgh.tmp", "song.mp3"]])  # forged: no valid signature
    journal(tmp_path, [[".notes.txt.abcdefgh.tmp", ".audioguide-serve-key"]], None)
    files.sweep_leftovers(tmp_path)
    assert (tmp_path / "song.mp3").read_text() == "the user's own song"
    assert not (tmp_path / ".audioguide-serve-key").exists()


def test_a_signed_journal_renames_only_what_a_build_writes_and_never_a_link(tmp_path):
    def signed(renames) -> None:
        name = f".{renames[0][1]}.{files.JOURNAL_TAG}.tmp"
        journal(tmp_path, renames, signing.mac(files.JOURNAL_PURPOSE, tmp_path, name, renames))

    make(tmp_path / ".key.abcdefgh.tmp")
    signed([[".key.abcdefgh.tmp", ".audioguide-serve-key"]])  # not a name a build writes
    (tmp_path / "elsewhere.txt").write_text("a file of the user's")
    (tmp_path / ".t.lrc.abcdefgh.tmp").symlink_to(tmp_path / "elsewhere.txt")
    make(tmp_path / ".t.mp3.abcdefgh.tmp")
    signed([[".t.mp3.abcdefgh.tmp", "t.mp3"], [".t.lrc.abcdefgh.tmp", "t.lrc"]])
    files.sweep_leftovers(tmp_path)
    assert not (tmp_path / ".audioguide-serve-key").exists()
    assert (tmp_path / "t.mp3").read_bytes() == b"half a track", "a set of the user's is completed"
    assert not (tmp_path / "t.lrc").exists(), "a link is never moved into place"
    assert (tmp_path / "elsewhere.txt").read_text() == "a file of the user's"
