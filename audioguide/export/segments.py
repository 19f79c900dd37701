"""A track encoded as segments cut in its silences, cached and reused, assembled into one MP3.

The arithmetic is in docs/segments.md. In short: cuts are made inside long silences at
frame boundaries; each segment is encoded on its own (LAME's first frame never borrows
from the bit reservoir) with its last frame, which stands for silence after the cut,
dropped; the frames of all segments follow one Info/LAME header written for the file.
A segment is cached by what it renders and by the phase of the frame grid against it;
a build chooses the phase that reuses the most cached audio, and encodes the rest in
parallel, as many at once as there are cores.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from audioguide import ffmpeg, render
from audioguide.cues import CueScript
from audioguide.errors import ExportError
from audioguide.export.encode import AudioFormat, encode_frames
from audioguide.export.mp3frames import ENCODER_DELAY, Assembler, Gapless, frame_offsets, main_data_begin
from audioguide.export.segment_cache import SegmentCache

SEGMENT_FORMAT = 1  # bump when what a cached segment holds changes
SILENCE_BEFORE_CUT = 2304  # samples of silence a cut needs after the last sound (2 frames)
SILENCE_AFTER_CUT = 1152  # and before the next sound
CUT_GAP_MS = 8000  # cut in silences this long: rests, holds, the pause between exercises
SPLIT_GAP_MS = 400  # a segment longer than MAX_SEGMENT_MS is also cut at its longest such gap
MAX_SEGMENT_MS = 120_000
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
    content: str  # SHA-256 of what it renders, wherever it sits on the track
    phase: int  # of the frame grid against that content
    start: int  # first sample fed to the encoder (before 0: the lead-in's zeros)
    end: int  # sample after the last fed
    keep: int | None  # frames to keep; None (the last segment): all

    @property
    def samples(self) -> int:
        return self.end - self.start


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
    sounds = render.placements(script, reuse.clip_for, audio.rate)
    sounds = [
        render.Placed(s.start - first, s.audio, s.kind, s.text) for s in sounds if first <= s.start < last
    ]
    length = last - first
    frame = _frame_samples(audio.rate)
    anchors = _anchors(sounds, length, audio)
    lead = _best_lead(anchors, cache, frame)
    segments = _segments(anchors, sounds, length, lead, frame)
    todo = [index for index, s in enumerate(segments) if not cache.path(s.content, s.phase).is_file()]
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
                        frames = cache.get(segment.content, segment.phase)
                        if frames is None:  # damaged, or removed meanwhile: encode it here
                            frames = _encode(segment, sounds, audio, cache, target)
                            encoded_here += 1
                    assembler.add(frames)
                    if progress:
                        progress(index + 1, len(segments))
                gapless = assembler.finish(ENCODER_DELAY + lead, length)
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


@dataclass(frozen=True)
class _Anchor:
    """A segment before its frame grid is chosen: its content and the silence it starts in."""

    content: str
    reference: int  # the end of the sound before its cut (0 for the first segment)
    first: bool
    length: int  # samples, for weighing reuse


def _anchors(sounds: list[render.Placed], length: int, audio: AudioFormat) -> list[_Anchor]:
    ends = _cut_points(sounds, length, audio.rate)
    references = [0, *ends]
    bounds = [*ends, length]
    digests: dict[tuple[str, str], str] = {}
    anchors = []
    for index, (reference, bound) in enumerate(zip(references, bounds, strict=True)):
        inside = [s for s in sounds if reference <= s.start < bound]
        material = [
            SEGMENT_FORMAT,
            audio.rate,
            audio.bitrate.strip().lower(),
            audio.channels,
            _encoder_id(),
            index == 0,
            "end" if index == len(ends) else "cut",
            bound - reference,
            [[s.start - reference, _digest(s, digests)] for s in inside],
        ]
        content = hashlib.sha256(json.dumps(material).encode("utf-8")).hexdigest()
        anchors.append(_Anchor(content, reference, index == 0, bound - reference))
    return anchors


def _digest(sound: render.Placed, memo: dict[tuple[str, str], str]) -> str:
    key = (sound.kind, sound.text)
    if key not in memo:
        memo[key] = hashlib.sha256(sound.audio.raw_data).hexdigest()
    return memo[key]


def _cut_points(sounds: list[render.Placed], length: int, rate: int) -> list[int]:
    """Where cuts go, as the end of the sound before each: long silences, found by content alone."""
    gaps = [(b.start - a.end, a.end) for a, b in zip(sounds, sounds[1:], strict=False)]
    long_gap, split_gap = CUT_GAP_MS * rate // 1000, SPLIT_GAP_MS * rate // 1000
    cuts = [end for gap, end in gaps if gap >= long_gap]
    limit = MAX_SEGMENT_MS * rate // 1000
    bounds = [0, *cuts, length]
    result: list[int] = []
    for low, high in zip(bounds, bounds[1:], strict=False):
        result += _split_long(gaps, low, high, limit, split_gap)
        if high != length:
            result.append(high)
    return result


def _split_long(gaps: list[tuple[int, int]], low: int, high: int, limit: int, min_gap: int) -> list[int]:
    """Cuts inside (low, high) at its longest gaps until no piece is longer than `limit`."""
    if high - low <= limit:
        return []
    inside = [(gap, end) for gap, end in gaps if low < end < high and gap >= min_gap]
    if not inside:
        return []
    _, end = max(inside)
    return [*_split_long(gaps, low, end, limit, min_gap), end, *_split_long(gaps, end, high, limit, min_gap)]


def _best_lead(anchors: list[_Anchor], cache: SegmentCache, frame: int) -> int:
    """The lead-in (0 to frame - 1 zero samples) whose frame grid reuses the most cached audio."""
    votes: Counter[int] = Counter()
    found = cache.phases([a.content for a in anchors])
    for anchor in anchors:
        for phase in found[anchor.content]:
            votes[(phase - anchor.reference) % frame] += anchor.length
    if not votes:
        return 0
    return max(votes, key=lambda lead: (votes[lead], -lead))


def _segments(
    anchors: list[_Anchor], sounds: list[render.Placed], length: int, lead: int, frame: int
) -> list[Segment]:
    starts = [-lead] + [_cut_at(a.reference, lead, frame) for a in anchors[1:]]
    ends = [*starts[1:], length]
    return [
        Segment(
            content=anchor.content,
            phase=(anchor.reference + lead) % frame,
            start=start,
            end=end,
            keep=(end - start) // frame if index < len(anchors) - 1 else None,
        )
        for index, (anchor, start, end) in enumerate(zip(anchors, starts, ends, strict=True))
    ]


def _cut_at(sound_end: int, lead: int, frame: int) -> int:
    """The first frame boundary far enough into the silence after `sound_end`."""
    earliest = sound_end + SILENCE_BEFORE_CUT
    return earliest + (-(earliest + lead)) % frame


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
    cache.put(segment.content, segment.phase, frames, len(offsets))
    return frames


def _frame_samples(rate: int) -> int:
    return 1152 if rate >= 32_000 else 576


def _encoder_id() -> str:
    """Names the encoder: a different ffmpeg may encode differently."""
    path = Path(ffmpeg.executable())
    try:
        return f"{path.name}:{path.stat().st_size}"
    except OSError:
        return path.name
