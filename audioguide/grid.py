"""The MP3 frame grid in the timeline: after each part, what follows starts on a frame.

An MP3 is a row of frames of 1152 samples (576 below 32 kHz). A rebuild reuses the encoded
frames of what did not change only where that audio sits against the frame grid exactly as
it did before (docs/segments.md); a rep change moves everything after it by a length that is
almost never whole frames. So the silence after each end tone, and after the intro, is
stretched by less than one frame until a frame boundary falls `SILENCE_BEFORE_CUT` samples
or more after the sound: a place where a segment may start, with whatever follows at the same
place against the grid wherever a change has moved it.

The cost is that a rest lasts up to one frame longer than it says (at most 23 ms at 48 kHz,
the default); holds, reps and everything inside a part keep their exact lengths. A frame is
a whole number of milliseconds at 48, 32, 24, 16, 12 and 8 kHz; at 44.1 kHz and its halves
it is not, and the timeline is left as it is (a rebuild at those rates re-encodes what
follows a change).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from audioguide.cues import LENGTH_ROLE, Event

SILENCE_BEFORE_CUT = 2304  # samples of silence a segment's start needs after the last sound
SILENCE_AFTER_CUT = 1152  # and before the next sound (docs/segments.md)
# The sounds after which the timeline meets the grid: the end of each part, and the intro,
# whose stated length may change with any rep count.
STRETCHED_AFTER = ("end tone", LENGTH_ROLE)


def frame_samples(rate: int) -> int:
    """Samples in one MP3 frame: 1152 for MPEG-1 (32 kHz and up), 576 below."""
    return 1152 if rate >= 32_000 else 576


@dataclass(frozen=True)
class Grid:
    """The frame grid of a sample rate, in milliseconds."""

    frame_ms: int
    before_ms: int  # SILENCE_BEFORE_CUT
    after_ms: int  # SILENCE_AFTER_CUT


def of(rate: int) -> Grid | None:
    """The grid at `rate`, or None where a frame is not whole milliseconds (44.1 kHz and its halves)."""
    ms, rest = divmod(frame_samples(rate) * 1000, rate)
    if rest:
        return None
    return Grid(ms, SILENCE_BEFORE_CUT * 1000 // rate, SILENCE_AFTER_CUT * 1000 // rate)


@dataclass(frozen=True)
class Stretch:
    """Silence added to the timeline: `added` ms in all from time `at` (before stretching) on."""

    at: int
    added: int


def stretch(events: Sequence[Event], frames: Grid | None) -> tuple[list[Event], list[Stretch]]:
    """`events` (in order, none overlapping) with the silence after each part stretched to the grid.

    With no grid nothing moves. A silence too short to hold a segment's start is left as it is.
    """
    if frames is None:
        return list(events), []
    moved: list[Event] = []
    stretches: list[Stretch] = []
    added = 0
    for event, following in zip(events, [*events[1:], None], strict=True):
        shift = added
        if shift:
            event = replace(event, start_ms=event.start_ms + shift, end_ms=event.end_ms + shift)
        moved.append(event)
        if following is None or event.role not in STRETCHED_AFTER:
            continue
        earliest = event.end_ms + frames.before_ms
        if following.start_ms + shift < earliest + frames.after_ms:
            continue
        if pad := -earliest % frames.frame_ms:
            added += pad
            stretches.append(Stretch(event.end_ms - shift, added))
    return moved, stretches


def moved(ms: int, stretches: Sequence[Stretch]) -> int:
    """Where a time after the stretches lies: a chapter start, the track's end."""
    added = 0
    for s in stretches:
        if ms >= s.at:
            added = s.added
    return ms + added
