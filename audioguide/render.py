"""Cue script + phrase audio -> the track's PCM, streamed in order. No file writes.

The track is never assembled in memory (pydub's `+=` copies the whole track on every
append): each clip's samples and the silences between them are yielded as they come,
straight into the encoder, so memory stays flat however long the routine is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from pydub import AudioSegment
from pydub.generators import Sine

from audioguide.compiler import TONE_MS
from audioguide.cues import SPEECH, CueScript, Event

SILENCE_BLOCK_MS = 1000
# Tones sit under the voice (each phrase is levelled to -15 LUFS, true peaks under -3.5 dBTP):
# clear signals that do not startle through earbuds.
TONE_DBFS = -15.0
TONE_HZ = {
    "start": 880.0,  # A5 to start
    "end": 587.33,  # a lower D5 to stop
    "change": 698.46,  # F5, between the two: the work goes on in a new position
    "tick": 1046.5,  # C6, high and short: counts a rep too fast for words
}
TONE_FADE_IN_MS = 4
TONE_FADE_OUT_MS = 40

ClipFor = Callable[[str], AudioSegment]


@cache
def tone(kind: str, rate: int) -> AudioSegment:
    audio = Sine(TONE_HZ[kind], sample_rate=rate, bit_depth=16).to_audio_segment(
        duration=TONE_MS, volume=TONE_DBFS
    )
    return audio.fade_in(TONE_FADE_IN_MS).fade_out(TONE_FADE_OUT_MS)


def sample_at(ms: int, rate: int) -> int:
    """The sample where an event starts. Rounding down keeps clips inside their slots."""
    return ms * rate // 1000


def pcm_chunks(script: CueScript, clip_for: ClipFor, rate: int) -> Iterator[bytes]:
    """The whole track as mono 16-bit little-endian PCM at `rate`, in order."""
    silence = AudioSegment.silent(SILENCE_BLOCK_MS, frame_rate=rate).raw_data
    position = 0  # samples written so far
    for event in script.events:
        start = sample_at(event.start_ms, rate)
        yield from _silence(start - position, silence)
        audio = _audio(event, clip_for, rate)
        yield audio.raw_data
        position = start + int(audio.frame_count())
        if position > sample_at(event.end_ms, rate):
            raise ValueError(f"the clip for {event.text!r} is longer than its slot")
    yield from _silence(sample_at(script.duration_ms, rate) - position, silence)


@dataclass(frozen=True)
class Placed:
    """A sound at its place on the track: its first sample, its length and what it is.

    It holds no audio: a track's sounds are planned without holding its clips in memory,
    and each clip is fetched again where its samples are needed.
    """

    start: int
    length: int
    kind: str
    text: str
    role: str = ""

    @property
    def end(self) -> int:
        return self.start + self.length


def placements(script: CueScript, clip_for: ClipFor, rate: int) -> list[Placed]:
    """Every sound of the track where `pcm_chunks` puts it; silence is everything else."""
    lengths: dict[tuple[str, str], int] = {}
    placed = []
    for event in script.events:
        key = (event.kind, event.text)
        if key not in lengths:
            lengths[key] = int(_audio(event, clip_for, rate).frame_count())
        sound = Placed(sample_at(event.start_ms, rate), lengths[key], event.kind, event.text, event.role)
        if sound.end > sample_at(event.end_ms, rate):
            raise ValueError(f"the clip for {event.text!r} is longer than its slot")
        placed.append(sound)
    return placed


def sound(placed: Placed, clip_for: ClipFor, rate: int) -> AudioSegment:
    """The audio of a placed sound."""
    return _fetched(placed.kind, placed.text, clip_for, rate)


def pcm_span(sounds: list[Placed], start: int, end: int, clip_for: ClipFor, rate: int) -> bytearray:
    """Samples `start` to `end` of the track (before 0 and after the sounds: silence)."""
    pcm = bytearray(2 * (end - start))
    for placed in sounds:
        if placed.end <= start or placed.start >= end:
            continue
        data = sound(placed, clip_for, rate).raw_data
        first, last = max(placed.start, start), min(placed.end, end)
        pcm[2 * (first - start) : 2 * (last - start)] = data[
            2 * (first - placed.start) : 2 * (last - placed.start)
        ]
    return pcm


def pcm_pieces(
    sounds: list[Placed], start: int, end: int, piece: int, clip_for: ClipFor, rate: int
) -> Iterator[bytearray]:
    """Samples `start` to `end` of the track in pieces of `piece` samples, made as they are read."""
    inside = [placed for placed in sounds if placed.end > start and placed.start < end]
    for first in range(start, end, piece):
        yield pcm_span(inside, first, min(first + piece, end), clip_for, rate)


def _audio(event: Event, clip_for: ClipFor, rate: int) -> AudioSegment:
    return _fetched(event.kind, event.text, clip_for, rate)


def _fetched(kind: str, text: str, clip_for: ClipFor, rate: int) -> AudioSegment:
    audio = clip_for(text) if kind == SPEECH else tone(text, rate)
    if audio.frame_rate != rate or audio.channels != 1 or audio.sample_width != 2:
        raise ValueError(f"the clip for {text!r} is not mono 16-bit at {rate} Hz")
    return audio


def _silence(samples: int, block: bytes) -> Iterator[bytes]:
    remaining = samples * 2
    while remaining > 0:
        chunk = block[: min(remaining, len(block))]
        remaining -= len(chunk)
        yield chunk
