"""A track assembled from separately encoded segments decodes like a whole-track encode.

Every comparison decodes the files with ffmpeg: sample counts, onsets of every sound to the
sample, digital silence at every join, the difference within the codec's own error; and
mutagen's length to the sample. The scripts here are made up so that joins of every kind
(encoded to copied silence and back, after tones and speech, and between two encoded
segments after an end tone, at every phase of the frame grid) occur in MPEG-1, 2 and 2.5,
mono and stereo.
"""

from __future__ import annotations

import subprocess
import weakref
from pathlib import Path

import numpy as np
import pytest
from mutagen.mp3 import MP3
from pydub import AudioSegment

from audioguide import ffmpeg, grid, render
from audioguide.compiler import TONE_MS
from audioguide.cues import SPEECH, TONE, Chapter, CueScript, Event
from audioguide.export import AudioFormat, segments
from audioguide.export.encode import encode
from audioguide.export.segment_cache import SegmentCache
from audioguide.export.segments import Reuse, encode_reusing

ONSET_LEVEL = 300  # int16: where a sound has started
SHIFT_MS = 137  # a change that moves what follows by a fraction of a frame
END = "end tone"  # the role after which a part ends: the timeline meets the frame grid there

# (kind, text or clip length in ms, start ms, role)
LAYOUT = [
    (SPEECH, 1500, 300, "instruction"),
    (TONE, "start", 2200, "start tone"),
    (SPEECH, 800, 9000, "countdown"),  # tone -> speech
    (TONE, "end", 10_400, END),  # speech -> tone
    (SPEECH, 2000, 17_000, "rest"),  # tone -> speech
    (SPEECH, 700, 19_600, "next"),  # a short gap: no silent segment
    (TONE, "end", 20_500, END),  # a short gap after an end tone: a cut, no silent segment
    (SPEECH, 500, 21_000, "rest"),
    (TONE, "start", 26_000, "start tone"),  # speech -> tone
    (TONE, "end", 32_000, END),  # tone -> tone
    (SPEECH, 600, 39_000, "rest"),  # tone -> speech
    (SPEECH, 900, 46_000, "next"),  # speech -> speech
    (TONE, "start", 52_000, "start tone"),
    (TONE, "end", 58_000, END),
    (SPEECH, 1200, 60_000, "outro"),
]
END_MS = 63_000


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


def script(shift_after: int | None = None, shift_ms: int = 0, rate: int = 48_000) -> CueScript:
    """The made-up track; events from index `shift_after` on move `shift_ms` later. After each
    end tone the timeline meets the frame grid of `rate`, as the compiler lays it out."""
    events = []
    for index, (kind, what, start, role) in enumerate(LAYOUT):
        start += shift_ms if shift_after is not None and index >= shift_after else 0
        length = TONE_MS if kind == TONE else int(what)
        text = what if kind == TONE else f"clip-{what}-{index}"
        events.append(Event(kind, text, start, start + length, 0, role))
    events, stretches = grid.stretch(events, grid.of(rate))
    end = grid.moved(END_MS + (shift_ms if shift_after is not None else 0), stretches)
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
    pcm = render.pcm_span(sounds, 0, render.sample_at(cues.duration_ms, rate), clip_for(rate), rate)
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
    encode([render.pcm_span(sounds, 0, length, clip_for(rate), rate)], whole, audio)
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
    [AudioFormat(), AudioFormat(22_050, "32k", 2), AudioFormat(44_100, "96k", 2), AudioFormat(8000, "16k")],
    ids=["48kHz-mono", "22.05kHz-stereo", "44.1kHz-stereo", "8kHz-mono"],
)
def test_assembled_segments_decode_like_a_whole_track_encode(tmp_path, audio):
    cache = SegmentCache(tmp_path / "segments")
    cues = script(rate=audio.rate)
    encoded, assembled, whole = build_both(tmp_path, cues, audio, cache, "first")
    assert encoded.segments >= 8 and encoded.silent >= 8 and encoded.reused == 0
    assert_same_timing(cues, audio.rate, assembled, whole, encoded.joins)


def test_the_timeline_meets_the_frame_grid_after_each_part():
    """After each end tone the silence grows by less than a frame, so that a segment can start
    two frames after the tone; what follows sits at the same phase of the grid whatever a
    change before it moved. Nothing else moves against what precedes it."""
    plain, aligned, changed = script(rate=44_100), script(), script(2, SHIFT_MS)
    assert grid.of(48_000) == grid.Grid(24, 48, 24) and grid.of(44_100) is None
    for layout, event in zip(LAYOUT, plain.events, strict=True):
        assert event.start_ms == layout[2], "at 44.1 kHz the timeline is left as it is"
    gaps = [b.start_ms - a.end_ms for a, b in zip(aligned.events, aligned.events[1:], strict=False)]
    before = [b.start_ms - a.end_ms for a, b in zip(plain.events, plain.events[1:], strict=False)]
    for event, gap, was in zip(aligned.events, gaps, before, strict=False):
        assert was <= gap < was + (24 if event.role == END else 1), "only the silence after a part grows"
    frame = grid.frame_samples(48_000)
    starts = set(encoded_joins(aligned))
    for event in aligned.events[:-1]:
        if event.role == END:
            cut = event.end_ms * 48 + grid.SILENCE_BEFORE_CUT
            cut += -cut % frame
            assert cut in starts, "a segment starts at the first frame boundary two frames after the tone"
    first_end = next(i for i, e in enumerate(changed.events) if i >= 2 and e.role == END)
    for old, new in zip(aligned.events[first_end + 1 :], changed.events[first_end + 1 :], strict=True):
        assert (new.start_ms - old.start_ms) * 48 % frame == 0, "after the part, the same phase"
    assert aligned.duration_ms - END_MS < 3 * 24


def segment_list(cues: CueScript, rate: int = 48_000) -> list[segments.Segment]:
    sounds = render.placements(cues, clip_for(rate), rate)
    length = render.sample_at(cues.duration_ms, rate)
    return segments._segments(sounds, length, AudioFormat(rate), clip_for(rate))


def encoded_joins(cues: CueScript) -> list[int]:
    return [s.start for s in segment_list(cues)]


def test_a_rebuild_reuses_every_segment_and_writes_the_same_file(tmp_path):
    cache = SegmentCache(tmp_path / "segments")
    reuse = Reuse(clip_for(48_000), cache)
    first = encode_reusing(reuse, tmp_path / "a.mp3", AudioFormat(), script(), tmp_path / "a.mp3")
    again = encode_reusing(reuse, tmp_path / "b.mp3", AudioFormat(), script(), tmp_path / "b.mp3")
    assert again.reused == again.segments == first.segments
    assert (tmp_path / "a.mp3").read_bytes() == (tmp_path / "b.mp3").read_bytes()


@pytest.mark.parametrize("shift_after", [2, 5], ids=["in-a-hold", "in-a-rest"])
def test_after_a_change_only_its_part_is_encoded_again_and_timing_stays_exact(tmp_path, shift_after):
    """A change moves what follows by a fraction of a frame; after the next end tone the
    timeline is back on the grid, so every segment from there on is reused."""
    cache = SegmentCache(tmp_path / "segments")
    audio = AudioFormat()
    old = encode_reusing(
        Reuse(clip_for(48_000), cache), tmp_path / "old.mp3", audio, script(), tmp_path / "old.mp3"
    )
    changed = script(shift_after, SHIFT_MS)
    encoded, assembled, whole = build_both(tmp_path, changed, audio, cache, "new")
    change = render.sample_at(changed.events[shift_after].start_ms, 48_000)
    part_end = next(render.sample_at(e.end_ms, 48_000) for e in changed.events[shift_after:] if e.role == END)
    sounding = [s for s in segment_list(changed) if not s.silent]
    before = sum(1 for s in sounding if s.end <= change)
    after = sum(1 for s in sounding if s.start > part_end)
    assert encoded.segments == old.segments == len(sounding) and before and after
    assert encoded.reused == before + after, "all but the segments from the change to its part's end"
    assert_same_timing(changed, 48_000, assembled, whole, encoded.joins)


def test_at_44_1_khz_what_precedes_a_change_is_reused(tmp_path):
    """A frame is not whole milliseconds at 44.1 kHz: the timeline is not stretched, and what
    follows a change sits elsewhere on the grid, so only what precedes it is reused."""
    cache = SegmentCache(tmp_path / "segments")
    audio = AudioFormat(44_100)
    encode_reusing(
        Reuse(clip_for(44_100), cache), tmp_path / "old.mp3", audio, script(rate=44_100), tmp_path / "old.mp3"
    )
    changed = script(8, SHIFT_MS, rate=44_100)
    encoded, assembled, whole = build_both(tmp_path, changed, audio, cache, "new")
    change = render.sample_at(changed.events[8].start_ms, 44_100)
    before = sum(1 for s in segment_list(changed, 44_100) if not s.silent and s.end <= change)
    assert 0 < before <= encoded.reused < encoded.segments
    assert_same_timing(changed, 44_100, assembled, whole, encoded.joins)


def test_a_damaged_segment_is_encoded_again(tmp_path):
    cache = SegmentCache(tmp_path / "segments")
    reuse = Reuse(clip_for(48_000), cache)
    encode_reusing(reuse, tmp_path / "a.mp3", AudioFormat(), script(), tmp_path / "a.mp3")
    entry = cache.entries()[0]
    data = bytearray(entry.read_bytes())
    data[-10] ^= 0xFF
    entry.write_bytes(bytes(data))
    again = encode_reusing(reuse, tmp_path / "b.mp3", AudioFormat(), script(), tmp_path / "b.mp3")
    assert again.reused == again.segments - 1
    assert (tmp_path / "a.mp3").read_bytes() == (tmp_path / "b.mp3").read_bytes()


def test_encoding_holds_few_clips_at_once_however_many_distinct_phrases(tmp_path):
    """Memory stays flat in distinct phrases: the sounds are planned by their lengths, and a
    clip is fetched only where its samples are encoded, then let go."""
    made = clip_for(48_000)
    alive: list[weakref.ref] = []
    most = 0

    def clip(text: str) -> AudioSegment:
        nonlocal most
        audio = made(text)
        alive.append(weakref.ref(audio))
        most = max(most, sum(ref() is not None for ref in alive))
        return audio

    events = tuple(
        Event(SPEECH, f"clip-1500-{n}", 3000 * n + 500, 3000 * n + 2000, 0, "instruction") for n in range(40)
    )
    cues = CueScript("Many", "medium", events, (Chapter("All", 0, 121_000),), 121_000)
    path = tmp_path / "many.mp3"
    encoded = encode_reusing(
        Reuse(clip, SegmentCache(tmp_path / "segments")), path, AudioFormat(), cues, path
    )
    assert encoded.segments == 40 and len(alive) >= 40
    assert most <= segments.cores() + 1, "one clip at a time per encoding thread, and the planner's"


def test_a_segment_copied_over_another_is_encoded_again_not_played(tmp_path):
    cache = SegmentCache(tmp_path / "segments")
    reuse = Reuse(clip_for(48_000), cache)
    encode_reusing(reuse, tmp_path / "a.mp3", AudioFormat(), script(), tmp_path / "a.mp3")
    entries = sorted(cache.entries(), key=lambda p: p.stat().st_size)
    entries[0].write_bytes(entries[-1].read_bytes())  # a longer segment, in a shorter one's place
    again = encode_reusing(reuse, tmp_path / "b.mp3", AudioFormat(), script(), tmp_path / "b.mp3")
    assert again.reused == again.segments - 1
    assert (tmp_path / "a.mp3").read_bytes() == (tmp_path / "b.mp3").read_bytes()
