"""Builds reuse encoded segments: the same track as a full encode, faster, and managed with the cache."""

from __future__ import annotations

import json

import numpy as np
from audio import decode
from click.testing import CliRunner
from conftest import SMALL_ROUTINE
from mutagen.id3 import ID3

from audioguide.cli import cli
from audioguide.errors import ExportError
from audioguide.export import DEFAULT_RATE
from audioguide.export.segment_cache import SegmentCache
from audioguide.render import sample_at
from audioguide.speech.cache import default_dir

RATE = DEFAULT_RATE
ONSET_LEVEL = 300 / 32768


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def audio_bytes(path):
    return path.read_bytes()[ID3(path).size :]


def onsets(samples: np.ndarray, times_ms: list[int]) -> list[int]:
    found = []
    for ms in times_ms:
        at = sample_at(ms, RATE)
        window = samples[max(0, at - 2000) : at + 4000]
        found.append(max(0, at - 2000) + int(np.argmax(np.abs(window) > ONSET_LEVEL)))
    return found


def test_reusing_and_full_encodes_are_the_same_track(fake_engine, tmp_path):
    build = ["build", str(SMALL_ROUTINE), "--engine", "fake"]
    run(*build, "-o", str(tmp_path / "reused.mp3"))
    run(*build, "-o", str(tmp_path / "full.mp3"), "--no-reuse")
    timeline = json.loads((tmp_path / "full.timeline.json").read_text())
    reused, full = decode(tmp_path / "reused.mp3", RATE), decode(tmp_path / "full.mp3", RATE)
    assert len(reused) == len(full) == sample_at(timeline["duration_ms"], RATE)
    starts = [event["start_ms"] for event in timeline["events"]]
    assert all(abs(a - b) <= 1 for a, b in zip(onsets(reused, starts), onsets(full, starts), strict=True))
    noise = np.sqrt(np.mean((reused - full) ** 2))
    assert noise < 10 ** (-40 / 20), "the two differ by codec noise only, 40 dB under full scale"
    entries = SegmentCache.beside(default_dir()).entries()
    assert len(entries) >= 3, "the small routine's holds and rests cut it into segments"


def test_a_rebuild_encodes_nothing_again_and_split_mode_reuses_too(fake_engine, tmp_path):
    build = ["build", str(SMALL_ROUTINE), "--engine", "fake", "-o", str(tmp_path)]
    run(*build)
    cache = SegmentCache.beside(default_dir())
    before = {path: path.stat().st_mtime_ns for path in cache.entries()}
    first = audio_bytes(tmp_path / "small-test-routine.mp3")
    run(*build)
    assert audio_bytes(tmp_path / "small-test-routine.mp3") == first
    assert set(cache.entries()) == set(before), "no segment encoded again"
    run(*build, "--split")
    parts = sorted((tmp_path / "small-test-routine").glob("*.mp3"))
    split_entries = set(cache.entries())
    first_parts = [audio_bytes(path) for path in parts]
    run(*build, "--split")
    assert set(cache.entries()) == split_entries
    assert [audio_bytes(path) for path in parts] == first_parts


def test_cache_info_counts_segments_and_clear_removes_them(fake_engine, tmp_path):
    run("build", str(SMALL_ROUTINE), "--engine", "fake", "-o", str(tmp_path))
    count = len(SegmentCache.beside(default_dir()).entries())
    info = json.loads(run("cache", "info", "--json").output)
    assert info["segments"]["entries"] == count > 0 and info["segments"]["size_bytes"] > 0
    assert f"encoded segments of tracks: {count}, " in run("cache", "info").output
    assert f"Removed {count} encoded segments" in run("cache", "clear").output
    assert SegmentCache.beside(default_dir()).entries() == []


def test_prune_applies_to_segments_too(fake_engine, tmp_path):
    run("build", str(SMALL_ROUTINE), "--engine", "fake", "-o", str(tmp_path))
    assert SegmentCache.beside(default_dir()).entries()
    assert "encoded segments" not in run("cache", "prune", "--older-than", "90d").output, "all in use"
    output = run("cache", "prune", "--max-size", "0").output
    assert "Removed" in output and SegmentCache.beside(default_dir()).entries() == []


def test_an_encoder_failure_in_a_segment_keeps_the_previous_track(fake_engine, tmp_path, monkeypatch):
    build = ["build", str(SMALL_ROUTINE), "--engine", "fake", "-o", str(tmp_path)]
    run(*build)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir() if path.is_file()}

    def broken(pcm, audio, target):
        raise ExportError(f"cannot write {target}: the MP3 encoder failed (test)")

    monkeypatch.setattr("audioguide.export.segments.encode_frames", broken)
    result = CliRunner().invoke(cli, [*build, "--reps", "calf-raise=7", "-o", str(tmp_path / "t.mp3")])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: cannot write {tmp_path / 't.mp3'}: the MP3 encoder failed")
    after = {path.name: path.read_bytes() for path in tmp_path.iterdir() if path.is_file()}
    assert after == before, "nothing half-written beside the tracks"
    assert not [p for p in default_dir().rglob("*.tmp")], "no temporary file left in the cache"
