"""The music bed under the voice: laid out against the timeline, ducked from it, mixed in.

Ducking is planned from the timeline, not heard from the signal: every sound the coach
makes (speech and tones) is a block the music dips under, from `lead` before it to its end,
and it comes back over `recovery` after; blocks closer than the recovery are one block, so
the music stays down between cues that follow each other closely (a count, a countdown).

The bed's clock is set again at the start of each part of the routine (after each end
tone, and after the intro, where the timeline meets the MP3 frame grid, see grid.py): a
part starts the music at a place that depends only on the lengths of the parts before it
rounded up to `ANCHOR_S`, so a rep change leaves the music under every later part where it
was, and a rebuild re-encodes only the part it changed (docs/segments.md). The bed jumps
ahead at each part's start, crossfaded under the end tone.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
from collections.abc import Iterable, Iterator
from itertools import pairwise

import numpy as np

from audioguide import grid
from audioguide.music.mixing import MIX_FORMAT, Settings
from audioguide.music.sources import DECODE_FORMAT, Decoded
from audioguide.render import Placed
from audioguide.speech.clips import CLIP_LUFS

# The bed's true peaks: at most -2 dBTP, and low enough that ducked under a voice peaking at
# -3.5 dBTP (clips.py) the two together stay under -1.2 dBTP (-2 for the default 12 dB duck).
PEAK_CEILING_DBTP = -2.0
VOICE_PEAK_DBTP, MIX_PEAK_DBTP = -3.5, -1.2
MAX_GAIN_DB = 24.0  # a near-silent file is not raised further
CROSSFADE_MS = 1500  # between files, and where a part's music starts
FADE_IN_MS = 2000
FADE_OUT_MS = 3000
ANCHOR_S = 30  # a part's music starts at a whole number of these into the bed


class Bed:
    """The music under one track, in the track's samples: what it plays where, and how loud."""

    def __init__(
        self,
        files: tuple[Decoded, ...],
        settings: Settings,
        sounds: list[Placed],
        length: int,
        rate: int,
    ):
        """`files` as `sources.decoded` gives them for `needed(sounds, length, rate)`."""
        self.files, self.settings, self.length, self.rate = files, settings, length, rate
        self.crossfade = CROSSFADE_MS * rate // 1000
        self.lead, self.recovery = settings.lead_ms * rate // 1000, settings.recovery_ms * rate // 1000
        target = CLIP_LUFS + settings.level_db
        room = 20 * math.log10(10 ** (MIX_PEAK_DBTP / 20) - 10 ** (VOICE_PEAK_DBTP / 20))  # about -13.9
        ceiling = min(PEAK_CEILING_DBTP, room + settings.duck_db)
        self.gains = tuple(
            10 ** (min(target - f.lufs, ceiling - f.peak_dbtp, MAX_GAIN_DB) / 20) for f in files
        )
        self.starts = []  # where each file starts in the bed, files overlapping by the crossfade
        at = 0
        for f in files:
            self.starts.append(at)
            at += f.samples - self.crossfade
        self.period = at  # the bed loops: the first file again, crossfaded from the last
        self.blocks = _blocks(sounds, self.lead, self.recovery)
        self._block_ends = [b for _, b in self.blocks]  # both rising: blocks never overlap
        self.sections = _sections(sounds, length, rate, self.crossfade, ANCHOR_S * rate)
        how = [settings.duck_db, self.lead, self.recovery, self.crossfade, ANCHOR_S, FADE_IN_MS, FADE_OUT_MS]
        material = [MIX_FORMAT, DECODE_FORMAT, rate, how]
        self.identity = hashlib.sha256(json.dumps(material).encode()).hexdigest()

    def part_starts(self) -> list[int]:
        """The track samples where a part's music starts: a segment starts there."""
        return [start for start, _ in self.sections]

    def samples(self, start: int, end: int) -> np.ndarray:
        """The bed at track samples `start` to `end` (float, 16-bit scale); silence outside the track."""
        out = np.zeros(max(0, end - start), dtype=np.float64)
        first, last = max(start, 0), min(end, self.length)
        if first >= last:
            return out
        for index, (section, anchor) in enumerate(self.sections):
            following = self.sections[index + 1][0] if index + 1 < len(self.sections) else self.length
            handover = (
                max(section, following - self.crossfade) if index + 1 < len(self.sections) else following
            )
            # this part's music from its start, fading out under the next part's last crossfade
            a, b = max(first, section), min(last, following)
            if a < b:
                music = self._bed(anchor + a - section, anchor + b - section)
                if b > handover:
                    t = np.arange(a, b)
                    music *= np.clip((following - t) / self.crossfade, 0.0, 1.0)
                out[a - start : b - start] += music
            if index + 1 < len(self.sections):  # the next part's music fading in before it starts
                next_anchor = self.sections[index + 1][1]
                a, b = max(first, handover), min(last, following)
                if a < b:
                    t = np.arange(a, b)
                    fade = 1.0 - np.clip((following - t) / self.crossfade, 0.0, 1.0)
                    out[a - start : b - start] += (
                        self._bed(next_anchor + a - following, next_anchor + b - following) * fade
                    )
        t = np.arange(first, last)
        out[first - start : last - start] *= self._envelope(t)
        return out

    def identity_of(self, start: int, end: int) -> list[object]:
        """Everything that decides `samples(start, end)`, in samples from `start`: a segment's
        music, wherever it sits on the track."""
        reach = self.lead + self.recovery
        low, high = start - reach, end + reach
        blocks = [[max(a, low) - start, min(b, high) - start] for a, b in self._blocks_near(start, end)]
        sections = [
            [s - start, anchor]
            for index, (s, anchor) in enumerate(self.sections)
            if s < end + self.crossfade
            and (index + 1 == len(self.sections) or self.sections[index + 1][0] > start)
        ]
        edges = [
            min(start, FADE_IN_MS * self.rate // 1000),
            self.length - start if end > self.length - FADE_OUT_MS * self.rate // 1000 else None,
        ]
        playing = []  # each file heard here: its decoded copy, its gain, where it starts in the bed
        for index, (s, anchor) in enumerate(self.sections):
            following = self.sections[index + 1][0] if index + 1 < len(self.sections) else self.length
            if s < end and following > start:
                playing += self._instances(anchor + max(start, s) - s, anchor + min(end, following) - s)
            if index + 1 < len(self.sections) and following - self.crossfade < end and following > start:
                next_anchor = self.sections[index + 1][1]
                playing += self._instances(next_anchor - self.crossfade, next_anchor)
        return [self.identity, blocks, sections, edges, playing]

    def _instances(self, start: int, end: int) -> list[list[object]]:
        return [[f.pcm.name, round(gain, 9), at] for f, at, gain in self._files_in(start, end)]

    def _files_in(self, start: int, end: int) -> Iterator[tuple[Decoded, int, float]]:
        """Each file that plays in bed samples `start` to `end`, where it starts, and its gain."""
        for lap in range(max(0, start // self.period - 1), end // self.period + 1):
            for f, first, gain in zip(self.files, self.starts, self.gains, strict=True):
                at = lap * self.period + first
                if max(start, at) < min(end, at + f.samples):
                    yield f, at, gain

    def _blocks_near(self, start: int, end: int) -> list[tuple[int, int]]:
        """The blocks that lower the music somewhere in track samples `start` to `end`."""
        first = bisect.bisect_right(self._block_ends, start - self.recovery)
        found = []
        for a, b in self.blocks[first:]:
            if a - self.lead >= end:
                break
            found.append((a, b))
        return found

    def _bed(self, start: int, end: int) -> np.ndarray:
        """The playlist, looped, crossfaded, each file at its gain: bed samples `start` to `end`."""
        out = np.zeros(end - start, dtype=np.float64)
        for f, at, gain in self._files_in(start, end):
            a, b = max(start, at), min(end, at + f.samples)
            data = np.fromfile(f.pcm, dtype="<i2", count=b - a, offset=2 * (a - at)) * gain
            # each file fades in over the one before (the bed's very first file: under the
            # track's fade-in) and out under the next
            fades_in = at > 0 and a - at < self.crossfade
            if fades_in or b - at > f.samples - self.crossfade:
                offset = np.arange(a - at, b - at)
                fade = np.minimum(
                    offset / self.crossfade if fades_in else 1.0, (f.samples - offset) / self.crossfade
                )
                data *= np.clip(fade, 0.0, 1.0)
            out[a - start : a - start + len(data)] += data
        return out

    def _envelope(self, t: np.ndarray) -> np.ndarray:
        """The gain at track samples `t`: ducked around each block, faded in and out at the ends."""
        gain = np.ones(len(t))
        near = self._blocks_near(int(t[0]), int(t[-1]) + 1)
        if near:
            depth = np.zeros(len(t))
            for a, b in near:
                down = np.clip((t - (a - self.lead)) / max(self.lead, 1), 0.0, 1.0)
                up = np.clip(1.0 - (t - b) / max(self.recovery, 1), 0.0, 1.0)
                depth = np.maximum(depth, np.where(t < a, down, np.where(t <= b, 1.0, up)))
            down = depth > 0
            gain[down] = np.exp(
                depth[down] * (-self.settings.duck_db / 20 * math.log(10))
            )  # 10 ** (-dB / 20)
        fade_in = FADE_IN_MS * self.rate // 1000
        fade_out = FADE_OUT_MS * self.rate // 1000
        if t[0] < fade_in or t[-1] >= self.length - fade_out:
            gain *= np.clip(t / fade_in, 0.0, 1.0) * np.clip((self.length - t) / fade_out, 0.0, 1.0)
        return gain


def needed(sounds: list[Placed], length: int, rate: int) -> int:
    """How much of the bed a track plays: its last part's music ends there."""
    crossfade = CROSSFADE_MS * rate // 1000
    start, anchor = _sections(sounds, length, rate, crossfade, ANCHOR_S * rate)[-1]
    return anchor + length - start


def mixed(chunks: Iterable[bytes], bed: Bed) -> Iterator[bytes]:
    """A track's PCM chunks with the bed mixed in, in order (for a one-pass encode)."""
    position = 0
    for chunk in chunks:
        length = len(chunk) // 2
        yield mix(chunk, bed.samples(position, position + length))
        position += length


def mix(pcm: bytes | bytearray, music: np.ndarray) -> bytes:
    """Mono 16-bit PCM with `music` added, held inside 16 bits."""
    voice = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return np.clip(np.rint(voice + music), -32768, 32767).astype("<i2").tobytes()


def _blocks(sounds: list[Placed], lead: int, recovery: int) -> list[tuple[int, int]]:
    """The stretches the music is fully down: each sound, joined with the next when the music
    could not come back up between them."""
    blocks: list[tuple[int, int]] = []
    for sound in sorted(sounds, key=lambda s: s.start):
        if blocks and sound.start - lead - blocks[-1][1] < recovery:
            blocks[-1] = (blocks[-1][0], max(blocks[-1][1], sound.end))
        else:
            blocks.append((sound.start, sound.end))
    return blocks


def _sections(
    sounds: list[Placed], length: int, rate: int, crossfade: int, quantum: int
) -> list[tuple[int, int]]:
    """Each part's first sample and where in the bed its music starts.

    A part starts at the first frame boundary `grid.SILENCE_BEFORE_CUT` after an end tone or
    the intro (where the timeline meets the frame grid); its music starts after the music of
    the part before, rounded up to whole `quantum`s, so it does not move when a part before it
    grows or shrinks by less than the rounding leaves.
    """
    frame = grid.frame_samples(rate)
    starts = [0]
    for sound, following in pairwise(sounds):
        earliest = sound.end + grid.SILENCE_BEFORE_CUT
        cut = earliest + -earliest % frame
        if sound.role in grid.STRETCHED_AFTER and cut + grid.SILENCE_AFTER_CUT <= following.start:
            if cut - starts[-1] > crossfade:
                starts.append(cut)
    sections, anchor = [], 0
    for start, end in zip(starts, [*starts[1:], length], strict=True):
        sections.append((start, anchor))
        anchor += -(-(end - start + crossfade) // quantum) * quantum
    return sections
