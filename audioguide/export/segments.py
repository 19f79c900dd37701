"""A track encoded as segments cut in its silences, cached and reused, assembled into one MP3.

The arithmetic is in docs/segments.md. In short: cuts are made at frame boundaries inside
silences, after each part of the routine (where the timeline meets the frame grid, see
grid.py) and at both ends of each long silence; each segment is encoded on its own (LAME's
first frame never borrows from the bit reservoir) with its last frame, which stands for
silence after the cut, dropped; a long silence is a segment of copies of one silent frame,
never encoded; the frames of all segments follow one Info/LAME header written for the
file. A segment is cached by exactly what its encoder is fed, so it is reused wherever the
same audio starts on a frame boundary; the segments not cached are encoded on threads, as
many at once as there are cores.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from itertools import pairwise
from pathlib import Path

from audioguide import grid, render
from audioguide.cues import CueScript
from audioguide.errors import ExportError
from audioguide.export import AudioFormat
from audioguide.export.encode import LAME_QUALITY, encode_frames, silence
from audioguide.export.mp3frames import ENCODER_DELAY, Assembler, Gapless, frame_offsets, main_data_begin
from audioguide.export.segment_cache import SegmentCache, max_entry_bytes
from audioguide.music.bed import Bed, mix

SEGMENT_FORMAT = 2  # bump when what a cached segment holds changes
SILENT_MS = 250  # a silence holding this much between its cuts is copied, not encoded
PIECE_SECONDS = 2  # a segment's PCM is made this much at a time, as the encoder reads it
ENCODES_AHEAD_PER_CORE = 8
MUSIC_SEGMENT_FRAMES = 250  # under music nothing is silent: a part is cut every 250 frames (6 s at 48 kHz)
ROLL_FRAMES = 2  # under music, a segment's encoder hears this many frames of the track either side

Progress = Callable[[int, int], None]  # (segments done, of)


@dataclass(frozen=True)
class Reuse:
    """How to encode from cached segments: the clips, the cache, and what part of the track."""

    clip_for: render.ClipFor
    cache: SegmentCache
    progress: Progress | None = None
    span: tuple[int, int, CueScript] | None = None  # split mode: samples (from, to) of this script
    bed: Bed | None = None  # music mixed under the voice, in the whole track's samples


@dataclass(frozen=True)
class Segment:
    content: str  # SHA-256 of what its encoder is fed, wherever it sits on the track
    start: int  # first sample fed to the encoder, on a frame boundary
    end: int  # sample after the last fed
    keep: int | None  # frames to keep; None (the last segment): all
    silent: bool = False  # nothing but silence: copies of one silent frame, never encoded
    roll: int = 0  # samples of the track fed before `start` and after `end` (under music)


@dataclass(frozen=True)
class Encoded:
    gapless: Gapless
    segments: int  # segments with sound, encoded or taken from the cache
    reused: int  # of them, taken from the cache
    silent: int  # segments of silence, made of copies of one silent frame
    joins: tuple[int, ...]  # the track samples where one segment's frames give way to the next's


def encode_reusing(reuse: Reuse, path: Path, audio: AudioFormat, script: CueScript, target: Path) -> Encoded:
    """Write the track `script` times (or `reuse.span` of it) to `path`, reusing cached segments."""
    cache, progress = reuse.cache, reuse.progress
    if reuse.span:
        first, last, script = reuse.span
    else:
        first, last = 0, render.sample_at(script.duration_ms, audio.rate)
    sounds = [
        render.Placed(s.start - first, s.length, s.kind, s.text, s.role)
        for s in render.placements(script, reuse.clip_for, audio.rate)
        if first <= s.start < last
    ]
    if reuse.bed:
        segments = _music_segments(sounds, last - first, audio, reuse.clip_for, reuse.bed, first)
    else:
        segments = _segments(sounds, last - first, audio, reuse.clip_for)
    mixing = reuse.bed and (reuse.bed, first)
    todo = [index for index, s in enumerate(segments) if not s.silent and not cache.path(s.content).is_file()]
    encoded_here = len(todo)
    workers = max(1, min(len(todo), cores()))
    waiting = deque(todo)  # encoded in track order, a few ahead of the writer: memory stays flat
    futures: dict[int, Future[bytes]] = {}

    def top_up() -> None:
        while waiting and len(futures) < workers * ENCODES_AHEAD_PER_CORE:
            index = waiting.popleft()
            futures[index] = pool.submit(
                _encode, segments[index], sounds, audio, reuse.clip_for, cache, target, mixing
            )

    with ThreadPoolExecutor(workers) as pool:
        try:
            with path.open("w+b") as file:
                assembler = Assembler(file)
                for index, segment in enumerate(segments):
                    top_up()
                    if segment.silent:
                        frames = silence(
                            audio, segment.keep or 0, len(assembler.offsets), assembler.audio_bytes
                        )
                    elif index in futures:
                        frames = futures.pop(index).result()
                    else:  # read only now, so that memory holds one segment at a time
                        most = max_entry_bytes(segment.end - segment.start, audio.rate)
                        frames = cache.get(segment.content, most, segment.keep)
                        if frames is None:  # damaged, or removed meanwhile: encode it here
                            frames = _encode(segment, sounds, audio, reuse.clip_for, cache, target, mixing)
                            encoded_here += 1
                    assembler.add(frames)
                    if progress:
                        progress(index + 1, len(segments))
                gapless = assembler.finish(ENCODER_DELAY, last - first)
        finally:
            waiting.clear()
            for future in futures.values():
                future.cancel()
    joins = tuple(segment.start for segment in segments[1:])
    silent = sum(segment.silent for segment in segments)
    sounding = len(segments) - silent
    return Encoded(gapless, sounding, sounding - encoded_here, silent, joins)


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _segments(
    sounds: list[render.Placed], length: int, audio: AudioFormat, clip_for: render.ClipFor
) -> list[Segment]:
    frame = grid.frame_samples(audio.rate)
    cuts = [(0, False), *_cuts(sounds, frame, audio.rate)]
    ends = [start for start, _ in cuts[1:]] + [length]
    digests: dict[tuple[str, str], str] = {}
    segments = []
    inside = iter(sounds)
    sound = next(inside, None)
    for index, ((start, silent), end) in enumerate(zip(cuts, ends, strict=True)):
        last = index == len(cuts) - 1
        placed = []
        while sound is not None and sound.start < end:
            placed.append([sound.start - start, _digest(sound, digests, clip_for, audio.rate)])
            sound = next(inside, None)
        material = [
            SEGMENT_FORMAT,
            audio.rate,
            audio.bitrate.strip().lower(),
            audio.channels,
            _encoder_id(),
            "end" if last else "cut",
            end - start,
            placed,
        ]
        content = hashlib.sha256(json.dumps(material).encode("utf-8")).hexdigest()
        segments.append(Segment(content, start, end, None if last else (end - start) // frame, silent))
    return segments


def _music_segments(
    sounds: list[render.Placed],
    length: int,
    audio: AudioFormat,
    clip_for: render.ClipFor,
    bed: Bed,
    offset: int,
) -> list[Segment]:
    """Under music: a segment starts at each part's start (where its music starts, see
    music/bed.py) and every `MUSIC_SEGMENT_FRAMES` after, nothing is silent, and each is
    encoded hearing `ROLL_FRAMES` of the track either side, so that its frames join their
    neighbours' as a whole-track encode's do. `offset`: the track sample this file starts at."""
    frame = grid.frame_samples(audio.rate)
    roll = ROLL_FRAMES * frame
    parts = [0] + [start - offset for start in bed.part_starts() if offset < start < offset + length]
    starts: list[int] = []
    for part, following in zip(parts, [*parts[1:], length], strict=True):
        first = part + -part % frame  # a split track's part may start between frames
        starts += [
            s for s in range(first, following, MUSIC_SEGMENT_FRAMES * frame) if not starts or s > starts[-1]
        ]
    digests: dict[tuple[str, str], str] = {}
    segments = []
    heard = 0  # the first sound that may reach into this segment's feed (sounds come in order)
    for index, (start, end) in enumerate(zip(starts, [*starts[1:], length], strict=True)):
        last = index == len(starts) - 1
        fed_end = end if last else end + roll
        while heard < len(sounds) and sounds[heard].end <= start - roll:
            heard += 1
        placed = []
        for sound in sounds[heard:]:
            if sound.start >= fed_end:
                break
            placed.append([sound.start - start, _digest(sound, digests, clip_for, audio.rate)])
        material = [
            SEGMENT_FORMAT, audio.rate, audio.bitrate.strip().lower(), audio.channels, _encoder_id(),
            "end" if last else "cut", end - start, placed,
            ["music", roll, bed.identity_of(offset + start - roll, offset + fed_end)],
        ]  # fmt: skip
        content = hashlib.sha256(json.dumps(material).encode("utf-8")).hexdigest()
        segments.append(Segment(content, start, end, None if last else (end - start) // frame, roll=roll))
    return segments


def _digest(
    sound: render.Placed, memo: dict[tuple[str, str], str], clip_for: render.ClipFor, rate: int
) -> str:
    key = (sound.kind, sound.text)
    if key not in memo:
        memo[key] = hashlib.sha256(render.sound(sound, clip_for, rate).raw_data).hexdigest()
    return memo[key]


def _cuts(sounds: list[render.Placed], frame: int, rate: int) -> list[tuple[int, bool]]:
    """Where segments start, and whether each is silence.

    Every silence of `SILENT_MS` or more becomes a silent segment, from the first frame
    boundary it can hold a cut at to the last; after each part (grid.STRETCHED_AFTER) a
    segment starts even in a shorter silence. Each cut depends only on the sounds either
    side of its silence, so a change moves only the cuts after it.
    """
    cuts: list[tuple[int, bool]] = []
    shortest = SILENT_MS * rate // 1000
    for sound, following in pairwise(sounds):
        first = _cut_after(sound.end, frame)
        last = (following.start - grid.SILENCE_AFTER_CUT) // frame * frame
        if last - first >= shortest:
            cuts += [(first, True), (last, False)]
        elif first <= last and sound.role in grid.STRETCHED_AFTER:
            cuts.append((first, False))
    return cuts


def _cut_after(sound_end: int, frame: int) -> int:
    """The first frame boundary far enough into the silence after `sound_end`."""
    earliest = sound_end + grid.SILENCE_BEFORE_CUT
    return earliest + -earliest % frame


def _encode(
    segment: Segment,
    sounds: list[render.Placed],
    audio: AudioFormat,
    clip_for: render.ClipFor,
    cache: SegmentCache,
    target: Path,
    mixing: tuple[Bed, int] | None = None,
) -> bytes:
    piece = audio.rate * PIECE_SECONDS
    start, end = segment.start - segment.roll, segment.end + (segment.roll if segment.keep is not None else 0)
    pieces = render.pcm_pieces(sounds, start, end, piece, clip_for, audio.rate)
    if mixing:
        bed, offset = mixing
        pieces = (
            mix(pcm, bed.samples(offset + first, offset + first + len(pcm) // 2))
            for first, pcm in zip(range(start, end, piece), pieces, strict=True)
        )
    frames = (
        encode_frames(pieces, audio, target, reservoir=False)
        if mixing
        else encode_frames(pieces, audio, target)
    )
    offsets = frame_offsets(frames)
    rolled = segment.roll // grid.frame_samples(audio.rate)
    if rolled:  # the frames that stand for the track before the segment are not its own
        if len(offsets) <= rolled:
            raise ExportError(f"cannot write {target}: the encoder made {len(offsets)} frames of a segment")
        frames, offsets = frames[offsets[rolled] :], [o - offsets[rolled] for o in offsets[rolled:]]
    if main_data_begin(frames) != 0:
        raise ExportError(f"cannot write {target}: a segment's first frame draws on frames before it")
    if segment.keep is not None:
        if len(offsets) <= segment.keep:
            raise ExportError(
                f"cannot write {target}: the encoder made {len(offsets)} frames "
                f"of a {segment.keep}-frame segment"
            )
        frames = frames[: offsets[segment.keep]]
        offsets = offsets[: segment.keep]
    cache.put(segment.content, frames, len(offsets))
    return frames


@cache
def _encoder_id() -> str:
    """Names the encoder: another version of it may encode differently."""
    return f"lameenc {metadata.version('lameenc')} q{LAME_QUALITY}"
