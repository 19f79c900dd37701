"""A track assembled from separately encoded segments decodes like a whole-track encode.

Every comparison decodes the files with ffmpeg: sample counts, onsets of every sound to the
sample, digital silence at every join, the difference within the codec's own error; and
mutagen's length to the sample. The scripts here are made up so that joins of every kind
(tone to speech, speech to tone, tone to tone, speech to speech, at every phase of the frame
grid, with and without a lead-in) occur in MPEG-1, 2 and 2.5, mono and stereo.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from mutagen.mp3 import MP3
from pydub import AudioSegment

from audioguide import ffmpeg, render
from audioguide.compiler import TONE_MS
from audioguide.cues import SPEECH, TONE, Chapter, CueScript, Event
from audioguide.export import segments
from audioguide.export.encode import AudioFormat, encode
from audioguide.export.segment_cache import SegmentCache
from audioguide.export.segments import Reuse, encode_reusing

ONSET_LEVEL = 300  # int16: where a sound has started
SHIFT_MS = 137  # a change that moves what follows by a fraction of a frame

# (kind, text or clip length in ms, start ms): gaps of 5 s and more are cut, shorter ones not.
LAYOUT = [
    (SPEECH, 1500, 300),
    (TONE, "start", 2200),
    (SPEECH, 800, 9000),  # tone -> speech
    (TONE, "end", 10_400),  # speech -> tone follows, next
    (SPEECH, 2000, 17_000),  # tone -> speech
    (SPEECH, 700, 19_600),  # a short gap: not cut
    (TONE, "start", 26_000),  # speech -> tone
    (TONE, "end", 32_000),  # tone -> tone
    (SPEECH, 600, 39_000),  # tone -> speech
    (SPEECH, 900, 46_000),  # speech -> speech
]
END_MS = 49_000
CUT_GAP_MS = 5000  # the layout's long gaps are at least this long


@pytest.fixture(autouse=True)
def cut_at_five_seconds(monkeypatch):
    """Cuts in the layout's gaps of 5 s and more, so that a short track has joins of every kind."""
    monkeypatch.setattr(segments, "CUT_GAP_MS", CUT_GAP_MS)


def clip_for(rate: int):
    def clip(text: str) -> AudioSegment:
        ms = int(text.split("-")[1])
        samples = np.arange(ms * rate // 1000)
        pitch = 180 + 37 * (sum(text.encode()) % 9)
        envelope = np.minimum(1.0, np.minimum(samples, samples[::-1]) / (rate // 100))
        wave = 0.3 * np.sin(2 * np.pi * pitch * samples / rate) + 0.1 * np.sin(
            2 * np.pi * 3.3 * pitch * samples / rate
        )
        return AudioSegment(
            (wave * envelope * 32767).astype("<i2").tobytes(), frame_rate=rate, sample_width=2, channels=1
        )

    return clip


def script(shift_after: int | None = None, shift_ms: int = 0) -> CueScript:
    """The made-up track; events from index `shift_after` on move `shift_ms` later."""
    events = []
    for index, (kind, what, start) in enumerate(LAYOUT):
        start += shift_ms if shift_after is not None and index >= shift_after else 0
        length = TONE_MS if kind == TONE else int(what)
        text = what if kind == TONE else f"clip-{what}-{index}"
        events.append(Event(kind, text, start, start + length, 0, "test"))
    end = END_MS + (shift_ms if shift_after is not None else 0)
    return CueScript("Joins", "medium", tuple(events), (Chapter("All", 0, end),), end)


def decoded(path: Path, channels: int = 1) -> np.ndarray:
    pcm = subprocess.run(
        [ffmpeg.executable(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", str(channels), "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(pcm, dtype="<i2").astype(np.int64)


def source(cues: CueScript, rate: int) -> np.ndarray:
    sounds = render.placements(cues, clip_for(rate), rate)
    pcm = render.pcm_span(sounds, 0, render.sample_at(cues.duration_ms, rate))
    return np.frombuffer(pcm, dtype="<i2").astype(np.int64)


def onset(samples: np.ndarray, near: int) -> int:
    window = samples[max(0, near - 2000) : near + 4000]
    return max(0, near - 2000) + int(np.argmax(np.abs(window) > ONSET_LEVEL))


def build_both(tmp_path: Path, cues: CueScript, audio: AudioFormat, cache: SegmentCache, name: str):
    assembled, whole = tmp_path / f"{name}-segments.mp3", tmp_path / f"{name}-whole.mp3"
    rate = audio.rate
    encoded = encode_reusing(Reuse(clip_for(rate), cache), assembled, audio, cues, assembled)
    sounds = render.placements(cues, clip_for(rate), rate)
    length = render.sample_at(cues.duration_ms, rate)
    encode([render.pcm_span(sounds, 0, length)], whole, audio)
    return encoded, assembled, whole


def assert_same_timing(cues: CueScript, rate: int, assembled: Path, whole: Path, joins) -> None:
    length = render.sample_at(cues.duration_ms, rate)
    a, w, s = decoded(assembled), decoded(whole), source(cues, rate)
    assert len(a) == len(w) == length, "both decode to exactly the track's samples"
    for event in cues.events:
        at = render.sample_at(event.start_ms, rate)
        assert abs(onset(a, at) - onset(w, at)) <= 1, f"{event.text} starts at the same sample"
        # against the PCM, within a millisecond: a low bitrate softens the first samples' rise
        assert abs(onset(a, at) - onset(s, at)) <= rate // 1000, (
            f"{event.text} starts where the timeline says"
        )
    for join in joins:
        assert not a[join - 1152 : join + 300].any(), f"the join at sample {join} is digital silence"
    error_whole = np.sqrt(np.mean((w - s) ** 2))
    error_assembled = np.sqrt(np.mean((a - s) ** 2))
    assert error_assembled <= 1.25 * error_whole, "no worse than a whole-track encode"
    assert np.sqrt(np.mean((a - w) ** 2)) <= 2 * error_whole, "the difference is the codec's own noise"
    assert MP3(assembled).info.length == pytest.approx(length / rate, abs=1e-9), "mutagen: exact length"


@pytest.mark.parametrize(
    "audio",
    [AudioFormat(), AudioFormat(22_050, "32k", 2), AudioFormat(48_000, "96k", 2), AudioFormat(8000, "16k")],
    ids=["44.1kHz-mono", "22.05kHz-stereo", "48kHz-stereo", "8kHz-mono"],
)
def test_assembled_segments_decode_like_a_whole_track_encode(tmp_path, audio):
    cache = SegmentCache(tmp_path / "segments")
    cues = script()
    encoded, assembled, whole = build_both(tmp_path, cues, audio, cache, "first")
    assert encoded.segments >= 6 and encoded.reused == 0
    assert_same_timing(cues, audio.rate, assembled, whole, encoded.joins)


def test_a_rebuild_reuses_every_segment_and_writes_the_same_file(tmp_path):
    cache = SegmentCache(tmp_path / "segments")
    reuse = Reuse(clip_for(44_100), cache)
    first = encode_reusing(reuse, tmp_path / "a.mp3", AudioFormat(), script(), tmp_path / "a.mp3")
    again = encode_reusing(reuse, tmp_path / "b.mp3", AudioFormat(), script(), tmp_path / "b.mp3")
    assert again.reused == again.segments == first.segments
    assert (tmp_path / "a.mp3").read_bytes() == (tmp_path / "b.mp3").read_bytes()


@pytest.mark.parametrize(("shift_after", "lead_in"), [(8, False), (2, True)], ids=["late", "early"])
def test_after_a_change_the_larger_side_is_reused_and_timing_stays_exact(tmp_path, shift_after, lead_in):
    """A change moves what follows by a fraction of a frame: the side keeping its phase is reused.

    Early in the track, the part after the change is the larger: the frame grid moves with
    it, behind a lead-in of zeros the header's delay accounts for.
    """
    cache = SegmentCache(tmp_path / "segments")
    audio = AudioFormat()
    encode_reusing(
        Reuse(clip_for(44_100), cache), tmp_path / "old.mp3", audio, script(), tmp_path / "old.mp3"
    )
    changed = script(shift_after, SHIFT_MS)
    encoded, assembled, whole = build_both(tmp_path, changed, audio, cache, "new")
    assert 0 < encoded.reused < encoded.segments
    assert (encoded.gapless.delay != 576) == lead_in
    assert_same_timing(changed, 44_100, assembled, whole, encoded.joins)


def test_a_damaged_segment_is_encoded_again(tmp_path):
    cache = SegmentCache(tmp_path / "segments")
    reuse = Reuse(clip_for(44_100), cache)
    encode_reusing(reuse, tmp_path / "a.mp3", AudioFormat(), script(), tmp_path / "a.mp3")
    entry = cache.entries()[0]
    data = bytearray(entry.read_bytes())
    data[-10] ^= 0xFF
    entry.write_bytes(bytes(data))
    again = encode_reusing(reuse, tmp_path / "b.mp3", AudioFormat(), script(), tmp_path / "b.mp3")
    assert again.reused == again.segments - 1
    assert (tmp_path / "a.mp3").read_bytes() == (tmp_path / "b.mp3").read_bytes()
