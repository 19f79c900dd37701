"""A music bed under the voice: ducked from the timeline, at the loudness bar, the timeline untouched."""

from __future__ import annotations

import json
import os
import subprocess
import wave

import numpy as np
import pytest
from audio import decode
from click.testing import CliRunner
from conftest import SMALL_ROUTINE, FakeEngine
from meter import loudness

from audioguide import ffmpeg, fingerprint, music
from audioguide.cli import cli
from audioguide.export.segment_cache import SegmentCache
from audioguide.music import sources
from audioguide.music.bed import FADE_OUT_MS
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
        for at in windows_inside(
            event["start_ms"] + 150, event["end_ms"] - 150
        ):  # the clip's padding cut off
            assert level_db(mixed, VOICE_HZ, at) - level_db(mixed, MUSIC_HZ, at) >= 10, event["text"]
    measured = loudness(folder / "with.mp3")
    assert -17.0 <= measured.integrated_lufs <= -15.0
    assert measured.true_peak_dbtp <= -1.0


def test_the_timeline_cues_and_tones_are_those_of_the_track_without_music(built):
    folder, timeline = built
    for suffix in (".cues.txt", ".lrc"):
        assert (folder / f"with{suffix}").read_text() == (folder / f"without{suffix}").read_text()
    # The timelines differ only in the build's record: music is part of what made the track.
    timelines = [json.loads((folder / f"{name}.timeline.json").read_text()) for name in ("with", "without")]
    records = [t.pop(fingerprint.RECORD_KEY) for t in timelines]
    assert timelines[0] == timelines[1] and records[0]["fingerprint"] != records[1]["fingerprint"]
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


def refused(tmp_path, music_path, *more: str) -> str:
    """The build's error for `music_path`: exit 1, nothing synthesized (refused before speech)."""
    result = CliRunner().invoke(
        cli,
        [
            "build",
            str(SMALL_ROUTINE),
            "--engine",
            "fake",
            "--music",
            str(music_path),
            "-o",
            str(tmp_path),
            *more,
        ],
    )
    assert result.exit_code == 1, result.output
    assert FakeEngine.calls == [], "refused before any speech"
    assert not (tmp_path / "out").exists()
    return result.output


def test_missing_unreadable_and_non_audio_music_is_refused_before_speech(fake_engine, tmp_path):
    assert "no such file or folder" in refused(tmp_path, tmp_path / "nowhere.mp3")
    text = tmp_path / "notes.mp3"
    text.write_text("not music at all\n" * 100)
    assert "not audio that ffmpeg can decode" in refused(tmp_path, text)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "holds no audio files" in refused(tmp_path, empty)
    locked = tone_wav(tmp_path / "locked.wav")
    locked.chmod(0)
    if not os.access(locked, os.R_OK):  # root reads anything
        assert "cannot be read" in refused(tmp_path, locked)


def test_endless_and_huge_music_is_refused_without_reading_it(fake_engine, tmp_path):
    fifo = tmp_path / "endless.mp3"
    os.mkfifo(fifo)
    assert "named pipe" in refused(tmp_path, fifo)
    assert "a device" in refused(tmp_path, "/dev/zero")
    huge = tmp_path / "huge.wav"
    with huge.open("wb") as file:
        file.truncate(sources.MAX_MUSIC_BYTES + 1)  # sparse: nothing is written
    assert "a music file is at most 1 GB" in refused(tmp_path, huge)


def test_a_playlist_plays_its_files_in_order_and_a_short_or_remote_entry_is_refused(fake_engine, tmp_path):
    first, second = tone_wav(tmp_path / "b.wav"), tone_wav(tmp_path / "a.wav", hz=1000.0)
    playlist = tmp_path / "mix.m3u8"
    playlist.write_text(f"#EXTM3U\n{first.name}\n{second}\n")
    assert music.find(playlist) == (first, second)
    assert music.find(tmp_path) == (second, first), "a folder plays by name"
    playlist.write_text("https://example.com/song.mp3\n")
    assert "a bed is made of local files" in refused(tmp_path, playlist)
    short = tone_wav(tmp_path / "short.wav", seconds=2)
    assert "lasts under 5 s" in refused(tmp_path, short)


def test_music_and_duck_levels_that_would_bury_the_voice_are_refused(fake_engine, tmp_path):
    bed = tone_wav(tmp_path / "bed.wav")
    assert "needs 10" in refused(tmp_path, bed, "--music-level", "0", "--music-duck", "8")
    assert "--music-level 5" in refused(tmp_path, bed, "--music-level", "5")


def test_a_routines_music_is_its_own_folders_and_a_playlist_cannot_reach_outside(fake_engine, tmp_path):
    folder = tmp_path / "routine"
    folder.mkdir()
    outside = tone_wav(tmp_path / "elsewhere.wav")
    text = SMALL_ROUTINE.read_text()
    (folder / "r.yaml").write_text(f"music: ../elsewhere.wav\n{text}")
    result = CliRunner().invoke(
        cli, ["build", str(folder / "r.yaml"), "--engine", "fake", "-o", str(tmp_path)]
    )
    assert (
        result.exit_code == 1 and "music: ../elsewhere.wav is outside the routine's folder" in result.output
    )
    (folder / "list.m3u").write_text(f"{outside}\n")
    (folder / "r.yaml").write_text(f"music: list.m3u\n{text}")
    result = CliRunner().invoke(
        cli, ["build", str(folder / "r.yaml"), "--engine", "fake", "-o", str(tmp_path)]
    )
    assert result.exit_code == 1 and "is outside the routine's folder" in result.output
    tone_wav(folder / "bed.wav")
    (folder / "r.yaml").write_text(f"music: bed.wav\n{text}")
    run("build", str(folder / "r.yaml"), "--engine", "fake", "-o", str(tmp_path / "t.mp3"))
    assert level_db(decode(tmp_path / "t.mp3", RATE), MUSIC_HZ, 40 * RATE) > -40, "the routine's bed plays"


def test_cache_info_shows_the_decoded_music_and_clear_removes_it(fake_engine, tmp_path):
    bed = tone_wav(tmp_path / "bed.wav")
    run("build", str(SMALL_ROUTINE), "--engine", "fake", "--music", str(bed), "-o", str(tmp_path / "t.mp3"))
    assert "decoded music: 1 file, " in run("cache", "info").output
    stranger = default_dir() / "music" / "mine.txt"
    stranger.write_text("not ours")
    assert "Removed 1 decoded music file" in run("cache", "clear").output
    assert music.copies(default_dir()) == [] and stranger.exists(), "only what audioguide decoded"


def test_only_as_much_music_as_the_track_plays_is_decoded(fake_engine, tmp_path):
    folder = tmp_path / "music"
    folder.mkdir()
    tone_wav(folder / "1-long.wav", seconds=400)  # more than the small routine's 2:30, skips and all
    tone_wav(folder / "2-next.wav", hz=1000.0)
    run(
        "build", str(SMALL_ROUTINE), "--engine", "fake", "--music", str(folder), "-o", str(tmp_path / "t.mp3")
    )
    decoded = [path for path in music.copies(default_dir()) if path.suffix == ".pcm"]
    assert len(decoded) == 1, "the second file was checked, not decoded"
    mixed = decode(tmp_path / "t.mp3", RATE)
    assert max(level_db(mixed, 1000.0, at) for at in range(0, len(mixed) - WINDOW, RATE)) < -40


def test_the_musics_identity_changes_with_its_files_and_settings_and_reads_nothing(tmp_path):
    bed = tone_wav(tmp_path / "bed.wav")
    chosen = music.Music(music.find(bed))
    same = music.Music(music.find(tmp_path))
    assert chosen.identity() == same.identity(), "the same file, found through its folder"
    assert music.Music(chosen.files, music.Settings(level_db=-6)).identity() != chosen.identity()
    before = chosen.identity()
    os.utime(bed, ns=(1, 1))
    assert chosen.identity() != before, "a changed file changes it"
