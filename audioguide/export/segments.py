"""A track encoded as segments cut in its silences, cached and reused, assembled into one MP3.

The arithmetic is in docs/segments.md. In short: cuts are made inside silences at frame
boundaries, after each part of the routine (where the timeline meets the frame grid, see
grid.py) and inside long parts; each segment is encoded on its own (LAME's first frame
never borrows from the bit reservoir) with its last frame, which stands for silence after
the cut, dropped; the frames of all segments follow one Info/LAME header written for the
file. A segment is cached by exactly what its encoder is fed, so it is reused wherever the
same audio starts on a frame boundary; the segments not cached are encoded in parallel, as
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
from itertools import pairwise
from pathlib import Path

from audioguide import ffmpeg, grid, render
from audioguide.cues import CueScript
from audioguide.errors import ExportError
from audioguide.export.encode import AudioFormat, encode_frames
from audioguide.export.mp3frames import ENCODER_DELAY, Assembler, Gapless, frame_offsets, main_data_begin
from audioguide.export.segment_cache import SegmentCache

SEGMENT_FORMAT = 2  # bump when what a cached segment holds changes
SPLIT_GAP_MS = 400  # a part longer than MAX_SEGMENT_MS is also cut at its longest such silences
MAX_SEGMENT_MS = 60_000
PIECE_SECONDS = 2  # a segment's PCM is made this much at a time, as the encoder reads it
ENCODES_AHEAD_PER_CORE = 2  # segments encoding or encoded but not yet written, per core

Progress = Callable[[int, int], None]  # (segments done, of)


@dataclass(frozen=True)
class Reuse:
    """How to encode from cached segments: the clips, the cache, and what part of the track."""

    clip_for: render.ClipFor
    cache: SegmentCache
    progress: Progress | None = None
    span: tuple[int, int, CueScript] | None = None  # split mode: samples (from, to) of this script


@dataclass(frozen=True)
class Segment:
    content: str  # SHA-256 of what its encoder is fed, wherever it sits on the track
    start: int  # first sample fed to the encoder, on a frame boundary
    end: int  # sample after the last fed
    keep: int | None  # frames to keep; None (the last segment): all


@dataclass(frozen=True)
class Encoded:
    gapless: Gapless
    segments: int
    reused: int  # segments taken from the cache
    joins: tuple[int, ...]  # the track samples where one segment's frames give way to the next's


def encode_reusing(reuse: Reuse, path: Path, audio: AudioFormat, script: CueScript, target: Path) -> Encoded:
    """Write the track `script` times (or `reuse.span` of it) to `path`, reusing cached segments."""
    cache, progress = reuse.cache, reuse.progress
    if reuse.span:
        first, last, script = reuse.span
    else:
        first, last = 0, render.sample_at(script.duration_ms, audio.rate)
    sounds = [
        render.Placed(s.start - first, s.audio, s.kind, s.text, s.role)
        for s in render.placements(script, reuse.clip_for, audio.rate)
        if first <= s.start < last
    ]
    segments = _segments(sounds, last - first, audio)
    todo = [index for index, s in enumerate(segments) if not cache.path(s.content).is_file()]
    encoded_here = len(todo)
    workers = max(1, min(len(todo), cores()))
    waiting = deque(todo)  # encoded in track order, a few ahead of the writer: memory stays flat
    futures: dict[int, Future[bytes]] = {}

    def top_up() -> None:
        while waiting and len(futures) < workers * ENCODES_AHEAD_PER_CORE:
            index = waiting.popleft()
            futures[index] = pool.submit(_encode, segments[index], sounds, audio, cache, target)

    with ThreadPoolExecutor(workers) as pool:
        try:
            with path.open("w+b") as file:
                assembler = Assembler(file)
                for index, segment in enumerate(segments):
                    top_up()
                    if index in futures:
                        frames = futures.pop(index).result()
                    else:  # read only now, so that memory holds one segment at a time
                        frames = cache.get(segment.content)
                        if frames is None:  # damaged, or removed meanwhile: encode it here
                            frames = _encode(segment, sounds, audio, cache, target)
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
    return Encoded(gapless, len(segments), len(segments) - encoded_here, joins)


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _segments(sounds: list[render.Placed], length: int, audio: AudioFormat) -> list[Segment]:
    frame = grid.frame_samples(audio.rate)
    starts = [0, *_cuts(sounds, length, frame, audio.rate)]
    ends = [*starts[1:], length]
    digests: dict[tuple[str, str], str] = {}
    segments = []
    inside = iter(sounds)
    sound = next(inside, None)
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        last = index == len(starts) - 1
        placed = []
        while sound is not None and sound.start < end:
            placed.append([sound.start - start, _digest(sound, digests)])
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
        segments.append(Segment(content, start, end, None if last else (end - start) // frame))
    return segments


def _digest(sound: render.Placed, memo: dict[tuple[str, str], str]) -> str:
    key = (sound.kind, sound.text)
    if key not in memo:
        memo[key] = hashlib.sha256(sound.audio.raw_data).hexdigest()
    return memo[key]


def _cuts(sounds: list[render.Placed], length: int, frame: int, rate: int) -> list[int]:
    """Where segments start: after each part (grid.STRETCHED_AFTER), and inside long parts in
    their silences. Every cut is a frame boundary in a silence that can hold one."""
    fits: list[int] = []  # a cut in each silence of SPLIT_GAP_MS or more that can hold one
    parts: list[int] = []
    silence = SPLIT_GAP_MS * rate // 1000
    for sound, following in pairwise(sounds):
        cut = _cut_after(sound.end, frame)
        if cut + grid.SILENCE_AFTER_CUT <= following.start:
            if sound.role in grid.STRETCHED_AFTER:
                parts.append(cut)
            elif following.start - sound.end >= silence:
                fits.append(cut)
    cuts: list[int] = []
    for low, high in pairwise([0, *parts, length]):
        cuts += _split_long(fits, low, high, MAX_SEGMENT_MS * rate // 1000)
        cuts.append(high)
    return cuts[:-1]


def _split_long(fits: list[int], low: int, high: int, limit: int) -> list[int]:
    """Cuts inside (low, high), from its start, each as late as keeps a piece within `limit`.

    Each cut depends only on what precedes it, so a change late in a part leaves the
    segments before it as they were."""
    cuts = []
    start = low
    while high - start > limit:
        inside = [cut for cut in fits if start < cut < high]
        if not inside:
            break
        within = [cut for cut in inside if cut - start <= limit]
        start = max(within) if within else min(inside)
        cuts.append(start)
    return cuts


def _cut_after(sound_end: int, frame: int) -> int:
    """The first frame boundary far enough into the silence after `sound_end`."""
    earliest = sound_end + grid.SILENCE_BEFORE_CUT
    return earliest + -earliest % frame


def _encode(
    segment: Segment, sounds: list[render.Placed], audio: AudioFormat, cache: SegmentCache, target: Path
) -> bytes:
    pieces = render.pcm_pieces(sounds, segment.start, segment.end, audio.rate * PIECE_SECONDS)
    frames = encode_frames(pieces, audio, target)
    offsets = frame_offsets(frames)
    if segment.keep is not None:
        if len(offsets) <= segment.keep or main_data_begin(frames) != 0:
            raise ExportError(
                f"cannot write {target}: the encoder made {len(offsets)} frames "
                f"of a {segment.keep}-frame segment"
            )
        frames = frames[: offsets[segment.keep]]
        offsets = offsets[: segment.keep]
    cache.put(segment.content, frames, len(offsets))
    return frames


def _encoder_id() -> str:
    """Names the encoder: a different ffmpeg may encode differently."""
    path = Path(ffmpeg.executable())
    try:
        return f"{path.name}:{path.stat().st_size}"
    except OSError:
        return path.name
