"""A music bed under the voice: ducked from the timeline, at the loudness bar, the timeline untouched."""

from __future__ import annotations

import json
import subprocess
import wave

import numpy as np
import pytest
from audio import decode
from click.testing import CliRunner
from conftest import SMALL_ROUTINE
from meter import loudness

from audioguide import ffmpeg, music
from audioguide.music.bed import FADE_OUT_MS
from audioguide.cli import cli
from audioguide.export.segment_cache import SegmentCache
from audioguide.speech.cache import default_dir

RATE = 48_000
MUSIC_HZ = 1500.0  # the test bed: a tone no cue uses; whole cycles in a frame, a file and a crossfade
VOICE_HZ = 330.0  # the fake engine's voice
WINDOW = RATE // 20  # 50 ms, Hann-windowed: the voice's and the tones' frequencies do not leak in
HOP = RATE // 100
AWAY_MS = music.LEAD_MS + music.RECOVERY_MS + 100  # this far from every cue, the music is fully up


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def tone_wav(path, seconds: float = 12.0, hz: float = MUSIC_HZ, dbfs: float = -10.0):
    t = np.arange(int(seconds * RATE)) / RATE
    samples = (10 ** (dbfs / 20) * 32767 * np.sin(2 * np.pi * hz * t)).astype("<i2")
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(RATE)
        file.writeframes(samples.tobytes())
    return path


def level_db(samples: np.ndarray, hz: float, start: int) -> float:
    """The level (dBFS of the sine's amplitude) of the `hz` component in one window from `start`."""
    piece = samples[start : start + WINDOW] * np.hanning(WINDOW)
    phase = np.exp(-2j * np.pi * hz * np.arange(start, start + WINDOW) / RATE)
    amplitude = 2 * abs(np.sum(piece * phase)) / np.sum(np.hanning(WINDOW))
    return float(20 * np.log10(max(amplitude, 1e-9)))


@pytest.fixture
def built(fake_engine, tmp_path):
    """The small routine built with and without a bed of one tone, and the timeline."""
    bed = tone_wav(tmp_path / "bed.wav")
    common = ["build", str(SMALL_ROUTINE), "--engine", "fake"]
    run(*common, "-o", str(tmp_path / "without.mp3"))
    run(*common, "--music", str(bed), "-o", str(tmp_path / "with.mp3"))
    timeline = json.loads((tmp_path / "with.timeline.json").read_text())
    return tmp_path, timeline


def windows_inside(start_ms: int, end_ms: int) -> range:
    return range(start_ms * RATE // 1000, end_ms * RATE // 1000 - WINDOW + 1, HOP)


def test_the_music_dips_under_every_cue_comes_back_between_and_is_never_silent(built):
    folder, timeline = built
    mixed = decode(folder / "with.mp3", RATE)
    events = timeline["events"]
    starts = [e["start_ms"] * RATE // 1000 for e in events]
    ends = [e["end_ms"] * RATE // 1000 for e in events]
    away_gap = AWAY_MS * RATE // 1000
    edge = (FADE_OUT_MS + 500) * RATE // 1000
    away = [
        level_db(mixed, MUSIC_HZ, at)
        for at in range(edge, len(mixed) - edge - WINDOW, HOP)
        if all(at + WINDOW + away_gap <= s or at >= e + away_gap for s, e in zip(starts, ends, strict=True))
    ]
    assert len(away) > 100, "the small routine has long holds and rests with no cue"
    up = float(np.median(away))
    for event in events:
        inside = [level_db(mixed, MUSIC_HZ, at) for at in windows_inside(event["start_ms"], event["end_ms"])]
        assert inside, event
        assert max(inside) <= up - 10, f"{event['text']!r}: the music is not down 10 dB"
        just_before = event["start_ms"] * RATE // 1000 - WINDOW
        assert level_db(mixed, MUSIC_HZ, just_before) <= up - 6, "the music dips before the first syllable"
    everywhere = [level_db(mixed, MUSIC_HZ, at) for at in range(edge, len(mixed) - edge - WINDOW, HOP)]
    assert min(everywhere) >= up - music.DEFAULT_DUCK_DB - 2, "ducked, never silenced"


def test_the_voice_stays_10_db_over_the_music_and_the_mix_meets_the_loudness_bar(built):
    folder, timeline = built
    mixed = decode(folder / "with.mp3", RATE)
    for event in timeline["events"]:
        if event["kind"] != "speech":
            continue
        for at in windows_inside(event["start_ms"] + 150, event["end_ms"] - 150):  # the clip's padding cut off
            assert level_db(mixed, VOICE_HZ, at) - level_db(mixed, MUSIC_HZ, at) >= 10, event["text"]
    measured = loudness(folder / "with.mp3")
    assert -17.0 <= measured.integrated_lufs <= -15.0
    assert measured.true_peak_dbtp <= -1.0


def test_the_timeline_cues_and_tones_are_those_of_the_track_without_music(built):
    folder, timeline = built
    for suffix in (".timeline.json", ".cues.txt", ".lrc"):
        assert (folder / f"with{suffix}").read_text() == (folder / f"without{suffix}").read_text()
    mixed, plain = decode(folder / "with.mp3", RATE), decode(folder / "without.mp3", RATE)
    assert len(mixed) == len(plain)
    hz = {"start": 880.0, "end": 587.33, "change": 698.46}
    tones = [e for e in timeline["events"] if e["kind"] == "tone"]
    assert tones
    for tone in tones:
        at = tone["start_ms"] * RATE // 1000 + RATE // 100
        assert abs(level_db(mixed, hz[tone["text"]], at) - level_db(plain, hz[tone["text"]], at)) < 0.5


def test_split_tracks_carry_the_same_bed_and_join_without_a_click(fake_engine, tmp_path):
    bed = tone_wav(tmp_path / "bed.wav")
    common = ["build", str(SMALL_ROUTINE), "--engine", "fake", "--music", str(bed)]
    run(*common, "-o", str(tmp_path / "whole.mp3"))
    run(*common, "--split", "-o", str(tmp_path / "parts"))
    parts = sorted((tmp_path / "parts").rglob("*.mp3"))
    assert len(parts) >= 2
    decoded = [decode(path, RATE) for path in parts]
    joined, whole = np.concatenate(decoded), decode(tmp_path / "whole.mp3", RATE)
    assert len(joined) == len(whole)
    joins = np.cumsum([len(d) for d in decoded])[:-1]
    for join in joins:
        around = slice(join - RATE // 50, join + RATE // 50)
        difference = joined[around] - whole[around]
        assert 20 * np.log10(np.sqrt(np.mean(difference**2))) < -45, "no gap, jump or click at the join"
        assert level_db(joined, MUSIC_HZ, join - WINDOW // 2) > -40, "the music plays on across the join"


def test_a_rep_change_re_encodes_only_the_part_it_changed(fake_engine, tmp_path):
    bed = tone_wav(tmp_path / "bed.wav", seconds=20)
    common = ["build", str(SMALL_ROUTINE), "--engine", "fake", "--music", str(bed), "-o", str(tmp_path)]
    run(*common)
    cache = SegmentCache.beside(default_dir())
    before = set(cache.entries())
    run(*common)
    assert set(cache.entries()) == before, "no change: nothing encoded again"
    run(*common, "--reps", "calf-raise=4")
    added = set(cache.entries()) - before
    assert 0 < len(added) < len(before) / 2, "the segments before the change and after its part are reused"
    run(*common, "--reps", "calf-raise=4", "--no-reuse", "-o", str(tmp_path / "full.mp3"))
    reused = decode(next(tmp_path.glob("small-test-routine*calf*.mp3")), RATE)
    full = decode(tmp_path / "full.mp3", RATE)
    assert len(reused) == len(full)
    assert 20 * np.log10(np.sqrt(np.mean((reused - full) ** 2))) < -45, "the same track as a one-pass encode"


def test_the_musics_own_tags_are_not_copied(fake_engine, tmp_path):
    bed = tmp_path / "tagged.mp3"
    subprocess.run(
        [ffmpeg.executable(), "-v", "error", "-f", "lavfi", "-i", "sine=f=1500:d=8", "-metadata",
         "title=SecretSongTitle", "-metadata", "artist=SecretArtist", str(bed)],
        check=True,
    )  # fmt: skip
    run("build", str(SMALL_ROUTINE), "--engine", "fake", "--music", str(bed), "-o", str(tmp_path / "t.mp3"))
    data = (tmp_path / "t.mp3").read_bytes()
    assert b"SecretSong" not in data and b"SecretArtist" not in data
